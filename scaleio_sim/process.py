"""Run ``scaleio-sim`` as a separate process and wait until it serves.

For demos, benchmarks and harnesses that want the simulator out of their
own interpreter::

    with process.SimulatorProcess('--state-dir', '/tmp/sio') as sim:
        sim.info['url']     # also api_url, port, ca_file, pid, system_id

Its log goes to a file (``sim.log_path``), not a pipe that could fill up.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class SimulatorProcess:

    def __init__(self, *args, timeout=30.0):
        self.args = list(args)
        self.timeout = timeout
        self.proc = None
        self.info = None
        self.work_dir = None

    @property
    def log_path(self):
        return os.path.join(self.work_dir, 'scaleio-sim.log')

    def start(self):
        self.work_dir = tempfile.mkdtemp(prefix='scaleio-sim-run-')
        ready = os.path.join(self.work_dir, 'ready.json')
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                [sys.executable, '-m', 'scaleio_sim.cli', '--port', '0',
                 '--ready-file', ready] + self.args,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                with open(self.log_path) as f:
                    log = f.read().strip()
                self.stop()
                raise RuntimeError('scaleio-sim did not start: %s'
                                   % (log or 'no output'))
            time.sleep(0.05)
        with open(ready) as f:
            self.info = json.load(f)
        return self

    def stop(self):
        """Stop the simulator (SIGTERM, then SIGKILL) and remove its files."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
