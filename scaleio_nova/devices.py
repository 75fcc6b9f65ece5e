"""Finding and waiting for ``emc-vol-<system id>-<volume id>`` links.

The wait wakes up on inotify events of the link directory (through
ctypes: no extra dependency), so it reacts within a millisecond of udev
(or the simulator) creating the link; where inotify is unavailable it
polls with a backoff from 1 ms to 50 ms. Links are matched exactly, not
by suffix: volume ``abc`` must not find ``emc-vol-<sys>-0abc``.
"""

import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import select
import struct
import threading
import time

LINK_PREFIX = 'emc-vol-'
_LINK_RE = re.compile(r'^emc-vol-([0-9A-Za-z]+)-([0-9A-Za-z]+)$')
_IN_CLOEXEC = os.O_CLOEXEC
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CREATE = 0x100
_IN_MOVED_TO = 0x80
_IN_ATTRIB = 0x4
_POLL_FIRST = 0.001
_POLL_MAX = 0.05
# Even with inotify, look again at least this often (a directory made or
# replaced after the watch was set would send us nothing).
_INOTIFY_RECHECK = 0.25
BLKGETSIZE64 = 0x80081272      # linux/fs.h: _IOR(0x12, 114, size_t)


def volume_of(link_name):
    """(system id, volume id) of a device link name, or None."""
    match = _LINK_RE.match(link_name)
    return match.groups() if match else None


def find(directory, volume_id):
    """The path of the link of ``volume_id`` in ``directory``, or None.

    Raises ValueError if two systems both show a volume with this id.
    """
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return None
    found = [n for n in names
             if (volume_of(n) or (None, None))[1] == volume_id]
    if len(found) > 1:
        raise ValueError('%s has several links for volume %s: %s'
                         % (directory, volume_id, ', '.join(sorted(found))))
    if not found:
        return None
    path = os.path.join(directory, found[0])
    # A link whose target is gone (being torn down) is no device.
    return path if os.path.exists(path) else None


def all_links(directory):
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(os.path.join(directory, n) for n in names
                  if volume_of(n))


class _Inotify:
    """An inotify watch on one directory's new entries (Linux only)."""

    _libc = None

    def __init__(self, directory):
        if _Inotify._libc is None:
            _Inotify._libc = ctypes.CDLL(ctypes.util.find_library('c'),
                                         use_errno=True)
        libc = _Inotify._libc
        self.fd = libc.inotify_init1(_IN_CLOEXEC | _IN_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_init1 failed')
        wd = libc.inotify_add_watch(
            self.fd, os.fsencode(directory),
            _IN_CREATE | _IN_MOVED_TO | _IN_ATTRIB)
        if wd < 0:
            err = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(err, 'inotify_add_watch %s failed' % directory)

    def wait(self, seconds):
        """Wait up to ``seconds`` for an event; drain what came."""
        readable, _, _ = select.select([self.fd], [], [], max(seconds, 0))
        if readable:
            try:
                while os.read(self.fd, 65536):
                    pass
            except BlockingIOError:
                pass

    def close(self):
        # Closing an inotify descriptor waits for a kernel RCU grace period
        # (about 10 ms): do it off the caller's path.
        threading.Thread(target=os.close, args=(self.fd,),
                         daemon=True).start()


def wait_for(directory, volume_id, seconds):
    """The link of ``volume_id`` once it exists, or None after ``seconds``.

    Returns as soon as the link appears, within about a millisecond.
    """
    path = find(directory, volume_id)
    if path:
        return path                 # the usual case: no watch needed
    deadline = time.monotonic() + seconds
    watch = None
    try:
        try:
            watch = _Inotify(directory)
        except (OSError, AttributeError):
            watch = None        # no directory yet, or no inotify: poll
        delay = _POLL_FIRST
        while True:
            # Look after the watch is set, so no creation is missed.
            path = find(directory, volume_id)
            remaining = deadline - time.monotonic()
            if path or remaining <= 0:
                return path
            if watch is not None:
                watch.wait(min(remaining, _INOTIFY_RECHECK))
            else:
                time.sleep(min(remaining, delay))
                delay = min(delay * 2, _POLL_MAX)
                if delay >= _POLL_MAX and os.path.isdir(directory):
                    try:
                        watch = _Inotify(directory)
                    except (OSError, AttributeError):
                        pass
    finally:
        if watch is not None:
            watch.close()


def size_bytes(path):
    """The size of a device (block device or, in the simulator, a file)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if os.path.isfile(path):
            return os.fstat(fd).st_size
        try:
            buf = fcntl.ioctl(fd, BLKGETSIZE64, b'\0' * 8)
            return struct.unpack('Q', buf)[0]
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EINVAL):
                raise
            return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)
