"""Volume data and the simulated SDC hosts' device links.

Each volume's bytes live in a sparse file, made when the volume is first
mapped or snapshotted with data. While a volume is mapped to an SDC that has
a device directory, ``<dir>/emc-vol-<systemId>-<volumeId>`` exists: a symlink
to the sparse file (file mode) or to a loop device over it (loop mode, which
needs root and losetup; libvirt and ``blockdev`` need a real block device).

An SDC with ``auto_rescan`` off sees new mappings only after a rescan (the
``drv_cfg --rescan`` stand-in), as a host whose SDC missed the MDM's
notification would. Size changes reach loop devices at once (``losetup -c``).
"""

import errno
import fcntl
import logging
import os
import shutil
import subprocess
import threading

LOG = logging.getLogger(__name__)
BLKFLSBUF = 0x1261          # linux/fs.h: flush a block device's buffers
LINK_PREFIX = 'emc-vol-'
CHUNK = 1 << 20


NVME_PREFIX = 'nvme-eui.'


def link_name(system_id, volume_id, sdc=None):
    """The by-id name of a mapped volume on a host.

    ``emc-vol-<system>-<volume>`` on an SDC host (the SDC's udev rule);
    ``nvme-eui.<NGUID>`` on an NVMe/TCP host (the kernel's NVMe udev rule,
    what os-brick's NVMe-oF connector looks for).
    """
    if sdc is not None and getattr(sdc, 'nqn', None):
        return NVME_PREFIX + volume_nguid(system_id, volume_id)
    return '%s%s-%s' % (LINK_PREFIX, system_id, volume_id)


def volume_nguid(system_id, volume_id):
    """The NGUID PowerFlex gives a volume's NVMe namespace."""
    return '%s64b94e%s' % (volume_id, system_id[-10:])


def data_extents(f):
    """Yield (offset, bytes) for the data (non-hole) parts of a file."""
    size = os.fstat(f.fileno()).st_size
    offset = 0
    while offset < size:
        try:
            start = os.lseek(f.fileno(), offset, os.SEEK_DATA)
        except OSError as e:
            if e.errno == errno.ENXIO:      # only a hole remains
                return
            raise
        end = os.lseek(f.fileno(), start, os.SEEK_HOLE)
        f.seek(start)
        while start < end:
            data = f.read(min(end - start, CHUNK))
            yield start, data
            start += len(data)
        offset = end


def copy_into(src_path, dst_file):
    """Make an open file's content equal a file's, keeping holes and inode."""
    with open(src_path, 'rb') as src:
        size = os.fstat(src.fileno()).st_size
        dst_file.truncate(0)
        dst_file.truncate(size)
        for offset, data in data_extents(src):
            dst_file.seek(offset)
            dst_file.write(data)
        dst_file.flush()


def _run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout


def _block_device_call(path, call):
    fd = os.open(path, os.O_RDONLY)
    try:
        call(fd)
    finally:
        os.close(fd)


def loop_mode_unavailable():
    """Why loop-device mode cannot work here, or None if it can."""
    if os.geteuid() != 0:
        return 'the simulator is not running as root'
    if not shutil.which('losetup'):
        return 'losetup is not installed'
    if not os.path.exists('/dev/loop-control'):
        return '/dev/loop-control does not exist'
    return None


class DataPlane:
    """Files, links and loop devices behind the model's volumes."""

    def __init__(self, data_dir, hosts_dir=None, device_mode='file'):
        if device_mode not in ('file', 'loop'):
            raise ValueError('device mode %r is not file or loop'
                             % device_mode)
        if device_mode == 'loop':
            reason = loop_mode_unavailable()
            if reason:
                LOG.warning('Loop-device mode is not available (%s); device '
                            'links will point at sparse files instead.',
                            reason)
                device_mode = 'file'
        self.device_mode = device_mode
        self.data_dir = data_dir
        self.hosts_dir = hosts_dir
        os.makedirs(data_dir, exist_ok=True)
        self.lock = threading.RLock()
        self.loops = {}        # volume id -> loop device
        self.links = {}        # volume id -> set of link paths
        self.pending = {}      # sdc id -> {volume id: volume}

    # ----------------------------------------------------------- volumes
    def path(self, volume_id):
        return os.path.join(self.data_dir, '%s.img' % volume_id)

    def allocated_kib(self, volume_id):
        try:
            return os.stat(self.path(volume_id)).st_blocks // 2
        except FileNotFoundError:
            return 0

    def _ensure_file(self, volume_id, size_kib):
        path = self.path(volume_id)
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.truncate(size_kib * 1024)
        return path

    def _flush(self, volume_id):
        """Push a loop device's cached writes down to its backing file."""
        if volume_id in self.loops:
            _block_device_call(self.loops[volume_id], os.fsync)

    def copy(self, src_id, dst_id):
        """Point-in-time copy for a new snapshot (no file = all zeros)."""
        with self.lock:
            if os.path.exists(self.path(src_id)):
                self._flush(src_id)
                with open(self.path(dst_id), 'wb') as dst:
                    copy_into(self.path(src_id), dst)

    def overwrite(self, dst_id, src_id):
        """Give a volume another volume's content (revert to snapshot)."""
        with self.lock:
            self._flush(src_id)
            self._flush(dst_id)
            if os.path.exists(self.path(src_id)):
                size_kib = os.path.getsize(self.path(src_id)) // 1024
                with open(self._ensure_file(dst_id, size_kib), 'r+b') as dst:
                    copy_into(self.path(src_id), dst)
            elif os.path.exists(self.path(dst_id)):
                with open(self.path(dst_id), 'r+b') as dst:
                    size = os.fstat(dst.fileno()).st_size
                    dst.truncate(0)
                    dst.truncate(size)
            if dst_id in self.loops:
                _block_device_call(
                    self.loops[dst_id],
                    lambda fd: fcntl.ioctl(fd, BLKFLSBUF, 0))

    def export(self, volume_id):
        """The path of a volume's bytes, flushed (None: all zeros)."""
        with self.lock:
            if not os.path.exists(self.path(volume_id)):
                return None
            self._flush(volume_id)
            return self.path(volume_id)

    def replace(self, volume_id, source_path, size_kib):
        """Give a volume the bytes at ``source_path`` (None: zeros).

        Another system's volume, for replication: the file is copied, and
        a loop device in front of it drops what it cached.
        """
        with self.lock:
            with open(self.path(volume_id), 'wb') as dst:
                if source_path is not None:
                    copy_into(source_path, dst)
                dst.truncate(size_kib * 1024)
            if volume_id in self.loops:
                _block_device_call(
                    self.loops[volume_id],
                    lambda fd: fcntl.ioctl(fd, BLKFLSBUF, 0))

    def resize(self, volume_id, size_kib):
        with self.lock:
            path = self.path(volume_id)
            if os.path.exists(path):
                with open(path, 'r+b') as f:
                    f.truncate(size_kib * 1024)
            if volume_id in self.loops:
                _run('losetup', '-c', self.loops[volume_id])

    def remove(self, volume_id):
        with self.lock:
            self._detach_loop(volume_id)
            for pending in self.pending.values():
                pending.pop(volume_id, None)
            try:
                os.unlink(self.path(volume_id))
            except FileNotFoundError:
                pass

    def prune(self, volume_ids):
        """Remove the data of every volume not in ``volume_ids``.

        A file left by a removal the saved state already shows must not
        survive a restart: nothing could ever read or remove it.
        """
        keep = {self.path(volume_id) for volume_id in volume_ids}
        with self.lock:
            for entry in os.listdir(self.data_dir):
                path = os.path.join(self.data_dir, entry)
                if entry.endswith('.img') and path not in keep:
                    self.remove(entry[:-len('.img')])

    # ----------------------------------------------------------- devices
    def host_dir(self, sdc):
        if sdc.host_dir:
            return sdc.host_dir
        if self.hosts_dir:
            return os.path.join(self.hosts_dir, sdc.name)
        return None

    def device_dir(self, sdc):
        if sdc.device_dir:
            return sdc.device_dir
        host = self.host_dir(sdc)
        return os.path.join(host, 'by-id') if host else None

    def link(self, volume, sdc, system_id):
        with self.lock:
            if self.device_dir(sdc) is None:
                return
            if sdc.auto_rescan:
                self._make_link(volume, sdc, system_id)
            else:
                self.pending.setdefault(sdc.id, {})[volume.id] = volume

    def unlink(self, volume, sdc, system_id):
        with self.lock:
            self.pending.get(sdc.id, {}).pop(volume.id, None)
            directory = self.device_dir(sdc)
            if directory is None:
                return
            path = os.path.join(directory,
                                link_name(system_id, volume.id, sdc))
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            links = self.links.get(volume.id, set())
            links.discard(path)
            if not links:
                self.links.pop(volume.id, None)
                self._detach_loop(volume.id)

    def rescan(self, sdc, system_id):
        """Show the mappings an SDC has not seen yet."""
        with self.lock:
            for volume in self.pending.pop(sdc.id, {}).values():
                self._make_link(volume, sdc, system_id)

    def _make_link(self, volume, sdc, system_id):
        directory = self.device_dir(sdc)
        os.makedirs(directory, exist_ok=True)
        target = self._ensure_file(volume.id, volume.size_kib)
        if self.device_mode == 'loop':
            target = self._attach_loop(volume.id)
        path = os.path.join(directory, link_name(system_id, volume.id, sdc))
        tmp = path + '.new'
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, path)
        self.links.setdefault(volume.id, set()).add(path)

    def _attach_loop(self, volume_id):
        if volume_id not in self.loops:
            self.loops[volume_id] = _run(
                'losetup', '--find', '--show', self.path(volume_id)).strip()
        return self.loops[volume_id]

    def _detach_loop(self, volume_id):
        loop = self.loops.pop(volume_id, None)
        if loop:
            try:
                _block_device_call(loop, os.fsync)
                _run('losetup', '-d', loop)
            except (OSError, subprocess.CalledProcessError) as e:
                LOG.warning('Could not detach %s: %s', loop, e)

    def sync(self, sdcs, volumes, system_id):
        """Make every device directory show exactly the current mappings."""
        with self.lock:
            for sdc in sdcs:
                directory = self.device_dir(sdc)
                if directory is None:
                    continue
                os.makedirs(directory, exist_ok=True)
                wanted = {link_name(system_id, v.id, sdc): v for v in volumes
                          if v.mapping(sdc.id)}
                for entry in os.listdir(directory):
                    if (entry.startswith((LINK_PREFIX, NVME_PREFIX))
                            and entry not in wanted):
                        os.unlink(os.path.join(directory, entry))
                for volume in wanted.values():
                    self._make_link(volume, sdc, system_id)

    def close(self):
        """Detach every loop device this data plane attached.

        Their links go too: a freed loop device may later serve another
        file, and a stale link would then lead writes there. ``sync`` makes
        them again when the simulator starts on the same state.
        """
        with self.lock:
            for volume_id in list(self.loops):
                for path in self.links.pop(volume_id, ()):
                    if os.path.lexists(path):
                        os.unlink(path)
                self._detach_loop(volume_id)
