"""Processes: run to completion, start detached, pid files, stop, memory.

Standard library only. A pid file is JSON (``pid``, ``start`` = the
kernel's start time of the process, ``cmd``, ``log``) so that ``down``
never signals a process that merely reuses an old pid.
"""

import json
import os
import signal
import subprocess
import time


class HarnessError(Exception):
    """A step failed; the message says what and where the log is."""


def _stat_fields(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'
    return data[data.rindex(')') + 2:].split()


def start_time(pid):
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def alive(pid, start=None):
    """Whether pid runs (not a zombie) and, if given, started at start."""
    fields = _stat_fields(pid)
    if not fields or fields[0] in ('Z', 'X'):
        return False
    return start is None or int(fields[19]) == start


def rss_kib(pid):
    """RSS of pid alone."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    """All descendants of pid (from /proc, by parent pid)."""
    parents = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def find_by_name(comm, env_marker=None):
    """Pids whose /proc comm is comm and whose environment has env_marker."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % entry) as f:
                if f.read().strip() != comm:
                    continue
            if env_marker is not None:
                with open('/proc/%s/environ' % entry, 'rb') as f:
                    if env_marker.encode() not in f.read().split(b'\0'):
                        continue
        except OSError:
            continue
        pids.append(int(entry))
    return pids


class PidFiles:
    """The pid files of one state dir: ``<state>/run/<name>.pid``."""

    def __init__(self, run_dir):
        self.run_dir = run_dir
        os.makedirs(run_dir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.run_dir, name + '.pid')

    def write(self, name, pid, cmd=None, log=None):
        record = {'pid': pid, 'start': start_time(pid), 'cmd': cmd,
                  'log': log}
        with open(self.path(name), 'w') as f:
            json.dump(record, f)
        return record

    def read(self, name):
        try:
            with open(self.path(name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def running(self, name):
        """The record of name if its process still runs, else None."""
        record = self.read(name)
        if record and alive(record['pid'], record.get('start')):
            return record
        return None

    def names(self):
        return sorted(n[:-4] for n in os.listdir(self.run_dir)
                      if n.endswith('.pid'))

    def remove(self, name):
        try:
            os.unlink(self.path(name))
        except FileNotFoundError:
            pass


def spawn(pids, name, cmd, log_path, env=None):
    """Start cmd in its own session, output to log_path; write its pid."""
    with open(log_path, 'ab') as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
    return pids.write(name, proc.pid, cmd=cmd, log=log_path)


def stop(pids, name, timeout=30.0):
    """SIGTERM the recorded process, wait, then SIGKILL (its group too).

    Returns the seconds it took, or None when nothing ran.
    """
    record = pids.running(name)
    if record is None:
        pids.remove(name)
        return None
    pid, start = record['pid'], record.get('start')
    began = time.monotonic()
    kids = children(pid)
    os.kill(pid, signal.SIGTERM)
    deadline = began + timeout
    while alive(pid, start) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = [k for k in kids if alive(k)]
    if alive(pid, start) or leftovers:
        for victim in [pid] + leftovers:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        while alive(pid, start) and time.monotonic() < deadline + 10:
            time.sleep(0.1)
    pids.remove(name)
    return time.monotonic() - began


def kill(pids, name):
    """SIGKILL the recorded process and its session at once (a crash).

    Returns False when nothing ran.
    """
    record = pids.running(name)
    if record is None:
        return False
    victims = [record['pid']] + children(record['pid'])
    try:
        os.killpg(record['pid'], signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while (any(alive(pid) for pid in victims)
           and time.monotonic() < deadline):
        time.sleep(0.05)
    pids.remove(name)
    return True


def tail(path, lines=20):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return '(no log at %s)' % path


def tree_rss_kib(pid):
    """RSS of pid and all its descendants."""
    return sum(rss_kib(p) for p in [pid] + children(pid))


def run(cmd, log=None, env=None, what=None, timeout=600):
    """Run cmd to completion, output appended to log (else captured)."""
    if log:
        with open(log, 'ab') as f:
            f.write(('\n$ %s\n' % ' '.join(cmd)).encode())
            f.flush()
            rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env,
                                 timeout=timeout)
        out = tail(log)
    else:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        rc, out = p.returncode, (p.stdout + p.stderr)[-3000:]
    if rc != 0:
        raise HarnessError('%s failed (exit %d)%s:\n%s' % (
            what or ' '.join(cmd[:3]), rc, '; log %s' % log if log else '',
            out))
