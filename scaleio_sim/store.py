"""Persistence of the MDM's records in one JSON file.

Each change rewrites the file through a temporary file and an atomic
rename, so a reader (or a restarted simulator) sees either the old or the
new state, never a torn one. The file is not fsynced: it survives a crash
or kill of the simulator, not a power cut, which is all a test tool needs.
"""

import json
import os
import tempfile


class StateStore:

    def __init__(self, path):
        self.path = path

    def load(self):
        """The saved state, or None if there is none yet."""
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except ValueError as e:
            raise ValueError('state file %s is not valid JSON: %s'
                             % (self.path, e))

    def save(self, state):
        directory = os.path.dirname(self.path)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.state-')
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump(state, f, separators=(',', ':'))
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise
