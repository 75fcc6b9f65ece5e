"""A JSON-lines request/response channel to a helper process.

Cinder and Nova cannot share a process (see tests/sides.py), so the real
boot test drives each from a process of its own, run with the test's own
interpreter. The helper reads one JSON request per line on stdin
(``{"op": NAME, "args": {...}}``) and answers one JSON line on its
protocol channel: ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error": ..., "traceback": ...}``. Its stdout is redirected to stderr
first, so that stray prints from OpenStack code cannot corrupt the
channel; stderr goes to a log file the test shows when something fails.
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import traceback

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


class SidecarError(Exception):
    """A request failed inside the helper process (with its traceback)."""


def serve(handlers, finish=None):
    """Answer requests with ``handlers[op](**args)`` until ``quit``.

    ``finish`` is called at the end with the exit status instead of
    returning (the Nova side must leave with ``os._exit``).
    """
    channel = os.fdopen(os.dup(1), 'w', buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    status = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request['op'] == 'quit':
            channel.write(json.dumps({'ok': True, 'result': None}) + '\n')
            break
        try:
            result = handlers[request['op']](**request.get('args', {}))
            answer = {'ok': True, 'result': result}
        except Exception as e:
            traceback.print_exc()
            answer = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e),
                      'traceback': traceback.format_exc()}
        channel.write(json.dumps(answer) + '\n')
    channel.flush()
    sys.stderr.flush()
    if finish is not None:
        finish(status)
    return status


class Sidecar:
    """The test's end of one helper process (``python -m module``)."""

    def __init__(self, module, env=None, log_dir=None):
        self.module = module
        self.env = dict(os.environ, **(env or {}))
        self.env['PYTHONPATH'] = os.pathsep.join(
            p for p in (TOP, self.env.get('PYTHONPATH')) if p)
        self.log_path = os.path.join(
            log_dir or tempfile.gettempdir(),
            '%s.log' % module.rpartition('.')[2])
        self.proc = None
        self.answers = queue.Queue()

    def start(self):
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                [sys.executable, '-m', self.module], cwd=TOP, env=self.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self):
        for line in self.proc.stdout:
            self.answers.put(line)
        self.answers.put(None)

    def log_tail(self, lines=60):
        try:
            with open(self.log_path) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def call(self, op, timeout=120, **args):
        """Run one request in the helper and return its result."""
        self.proc.stdin.write(json.dumps({'op': op, 'args': args}) + '\n')
        self.proc.stdin.flush()
        try:
            line = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise SidecarError('%s: no answer to %s within %ss; log:\n%s'
                               % (self.module, op, timeout, self.log_tail()))
        if line is None:
            raise SidecarError('%s exited (rc %s) during %s; log:\n%s'
                               % (self.module, self.proc.wait(), op,
                                  self.log_tail()))
        answer = json.loads(line)
        if not answer['ok']:
            raise SidecarError('%s %s failed: %s\n%s' % (
                self.module, op, answer['error'], answer['traceback']))
        return answer['result']

    def stop(self, timeout=30):
        """Ask the helper to quit; kill it (by its pid) if it does not."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.call('quit', timeout=timeout)
        except (SidecarError, OSError, ValueError):
            pass
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
