"""Mappings in progress, written down so a crash cannot orphan them.

Cinder saves an attachment's connector only after
``initialize_connection`` returned, and never calls the driver for an
attachment without one. If cinder-volume dies while a map request is out
(kill -9, a host crash), the array may hold a mapping nobody will ever
remove. So each attach first leaves a small file naming the volume and
the connector, and removes it once the attach has succeeded or undone
itself; the files still there when the service starts again are the
attaches a crash interrupted (``pending``), and the driver settles each
against Cinder's attachments.

One directory per backend under Cinder's ``state_path``; one file per
attach, written whole (rename) before the map request goes out.
"""

import dataclasses
import json
import os
import uuid

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Intent:
    cinder_id: str      # the volume's or snapshot's
    array_id: str
    connector: dict     # as the attach got it
    path: str = dataclasses.field(default='', compare=False, repr=False)


class Intents:
    """The attaches in progress of one backend, as files in directory."""

    def __init__(self, directory):
        self.directory = directory

    def record(self, cinder_id, array_id, connector):
        """Write an intent down before its map request; returns it."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        path = os.path.join(self.directory,
                            '%s.%s.json' % (cinder_id, uuid.uuid4().hex))
        tmp = path + '.tmp'
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                          0o600), 'w') as f:
            json.dump({'cinder_id': cinder_id, 'array_id': array_id,
                       'connector': connector}, f)
        os.replace(tmp, path)
        return Intent(cinder_id, array_id, connector, path)

    def done(self, intent):
        try:
            os.unlink(intent.path)
        except FileNotFoundError:
            pass

    def pending(self):
        """The intents a crash left, oldest first."""
        try:
            entries = sorted(
                (e for e in os.scandir(self.directory)
                 if e.name.endswith('.json')),
                key=lambda e: e.stat().st_mtime)
        except FileNotFoundError:
            return []
        found = []
        for entry in entries:
            try:
                with open(entry.path) as f:
                    d = json.load(f)
                found.append(Intent(d['cinder_id'], d['array_id'],
                                    dict(d['connector']), entry.path))
            except (OSError, ValueError, KeyError, TypeError) as e:
                # written whole or not at all: a stranger's file
                LOG.warning('Removing unreadable attach record %s: %s',
                            entry.path, e)
                self.done(Intent('', '', {}, entry.path))
        return found
