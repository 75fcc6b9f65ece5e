"""A real boot from a ScaleIO volume: Cinder driver, Nova, libvirt, qemu.

As root with loop devices (CI): the simulator serves a gateway whose SDC
hosts see mapped volumes as loop devices; our Cinder driver (in a process
of its own, tests/integration/nova/cinder_side.py) creates a volume and
writes a 512-byte boot sector onto it through the cinder-volume host's
device; nova 34's real LibvirtDriver with our compute driver and libvirt
volume driver (another process, nova_side.py) spawns an instance booting
from it (a boot-from-volume block device mapping) on a libvirtd and qemu
(TCG) started here, and the marker the boot sector writes to COM1 must
reach the instance's console log. Then a second volume is attached on
virtio-scsi, written through the host device and read back there and
through QEMU, extended (Cinder driver, connector, nova's extend path,
libvirt's reported size), detached, and everything is deleted (nova's
destroy, Cinder's terminate_connection and delete_volume).

InTreeBootFromVolumeTest runs the same with nova's in-tree ScaleIO volume
driver and os-brick's connector: the parity baseline.

This process only orchestrates: Cinder and Nova cannot share a process.
Missing Debian packages (libvirt, qemu) and libvirt-python are installed
on first use. Without root, loop devices or apt the test skips and says
why. Teardown always stops what it started.
"""

import fcntl
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from scaleio_sim import datapath
from scaleio_sim import process as sim_process
from tests import base
from tests.integration.nova import host_packages
from tests.integration.nova import sidecar
from tests.support import common

MARKER = 'SCALEIO-BFV-OK'
TOP = sidecar.TOP
URI = 'qemu:///system'
COMPUTE_SDC = 'sdc1'       # the compute host
CINDER_SDC = 'sdc2'        # the cinder-volume host (image copy)
OUR_COMPUTE_DRIVER = 'scaleio_nova.compute.LibvirtDriver'
IN_TREE_COMPUTE_DRIVER = 'nova.virt.libvirt.driver.LibvirtDriver'
INSTANCE_NAME = 'instance-5c1a0bf0'         # nova_side.INSTANCE_ID
# One real boot at a time on a host (stestr runs test classes in parallel
# workers; they would share libvirtd and the domain name).
LOCK_FILE = '/run/lock/scaleio-bfv-test.lock'


def boot_sector(marker=MARKER):
    """A 512-byte x86 boot sector that prints ``marker`` on COM1 and halts.

    Real-mode code at 0x7c00: set up COM1 (115200 8N1), write each byte
    of the message to the port, then ``hlt`` forever.
    """
    def out(port, value):
        # mov dx, port; mov al, value; out dx, al
        return (bytes([0xba]) + port.to_bytes(2, 'little')
                + bytes([0xb0, value, 0xee]))

    setup = (bytes([0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0xfc])  # cli; ds=0; cld
             + out(0x3f9, 0x00)       # no interrupts
             + out(0x3fb, 0x80)       # DLAB on
             + out(0x3f8, 0x01)       # divisor 1: 115200 baud
             + out(0x3f9, 0x00)
             + out(0x3fb, 0x03))      # 8N1, DLAB off
    loop = bytes([
        0xac,                         # next: lodsb
        0x84, 0xc0,                   # test al, al
        0x74, 0x06,                   # jz done
        0xba, 0xf8, 0x03,             # mov dx, 0x3f8
        0xee,                         # out dx, al
        0xeb, 0xf5,                   # jmp next
        0xf4,                         # done: hlt
        0xeb, 0xfd,                   # jmp done
    ])
    code_length = len(setup) + 3 + len(loop)
    message = (marker + '\r\n').encode() + b'\0'
    load_si = bytes([0xbe]) + (0x7c00 + code_length).to_bytes(2, 'little')
    sector = setup + load_si + loop + message
    if len(sector) > 510:
        raise ValueError('boot sector code too long')
    return sector.ljust(510, b'\0') + b'\x55\xaa'


def _run(*cmd, check=True, timeout=300, **kwargs):
    return subprocess.run(cmd, check=check, timeout=timeout, text=True,
                          capture_output=True, **kwargs)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_pid(pid, timeout=15):
    """Stop one process we started (SIGTERM, then SIGKILL) by its pid."""
    if not pid or not _pid_alive(pid):
        return
    os.kill(pid, 15)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # A daemon we forked is not our child: poll until it is gone.
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = 0
        if not _pid_alive(pid) or done == pid:
            return
        time.sleep(0.1)
    os.kill(pid, 9)


def _virsh_works():
    try:
        return _run('virsh', '-c', URI, 'version', check=False,
                    timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class BootFromVolumeTest(base.TestCase):
    """Boot, attach, write, extend, detach and delete for real."""

    # Installs on a cold machine, libvirtd's first qemu probe, the boot.
    timeout = int(os.environ.get('SCALEIO_BFV_TIMEOUT', 900))
    compute_driver = OUR_COMPUTE_DRIVER

    def setUp(self):
        self.started = time.monotonic()
        super().setUp()
        self.timings = {}
        self.drivers = {}
        reason = self.unavailable()
        if reason:
            self.skipTest(reason)
        self.addCleanup(self.report)
        waited = time.monotonic()
        self.lock()
        self.timings['lock wait'] = time.monotonic() - waited
        self.work_dir = tempfile.mkdtemp(prefix='scaleio-bfv-')
        # libvirt-qemu must traverse to the device links and the serial log.
        os.chmod(self.work_dir, 0o755)
        self.addCleanup(shutil.rmtree, self.work_dir, ignore_errors=True)
        self.install()
        self.fix_kvm_permissions()
        self.start_libvirt()
        self.start_simulator()
        self.timings['set-up'] = time.monotonic() - self.started

    # ------------------------------------------------------------ set-up
    def lock(self):
        """Wait for any other real boot test on this host to finish."""
        os.makedirs(os.path.dirname(LOCK_FILE), exist_ok=True)
        fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self.addCleanup(os.close, fd)
        deadline = time.monotonic() + self.timeout / 2
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.fail('another real boot test holds %s' % LOCK_FILE)
                time.sleep(0.2)
        self.addCleanup(fcntl.flock, fd, fcntl.LOCK_UN)

    @staticmethod
    def unavailable():
        """Why the real tier cannot run here, or None."""
        if sys.platform != 'linux':
            return 'needs Linux (libvirt, qemu, loop devices)'
        if os.geteuid() != 0:
            return ('needs root (loop devices, libvirtd, /dev/kvm); running '
                    'as uid %d' % os.geteuid())
        reason = datapath.loop_mode_unavailable()
        if reason:
            return 'needs loop devices: %s' % reason
        if host_packages.missing() and host_packages.cannot_install():
            return ('needs %s, and cannot install them: %s'
                    % (', '.join(host_packages.missing()),
                       host_packages.cannot_install()))
        return None

    def install(self):
        """Install missing Debian packages and libvirt-python."""
        started = time.monotonic()
        error = host_packages.install_debian_packages()
        if error:
            self.skipTest(error)
        error = host_packages.install_libvirt_python()
        if error:
            self.fail(error)
        self.timings['installs'] = time.monotonic() - started

    def fix_kvm_permissions(self):
        """Give /dev/kvm to group kvm as udev would; restore it after.

        Otherwise libvirtd, which runs qemu as libvirt-qemu, finds KVM
        gone since its capability probe and probes qemu again on every
        define (30 s each). Domains stay type qemu (TCG): KVM does not
        work on these machines.
        """
        if not os.path.exists('/dev/kvm'):
            return
        st = os.stat('/dev/kvm')
        self.addCleanup(os.chmod, '/dev/kvm', stat.S_IMODE(st.st_mode))
        self.addCleanup(os.chown, '/dev/kvm', st.st_uid, st.st_gid)
        _run('chgrp', 'kvm', '/dev/kvm')
        os.chmod('/dev/kvm', 0o660)

    def start_libvirt(self):
        """Start virtlogd and libvirtd (no systemd here) unless running."""
        started = time.monotonic()
        if not _virsh_works():
            for daemon in ('virtlogd', 'libvirtd'):
                pid_file = os.path.join(self.work_dir, daemon + '.pid')
                cmd = ('/usr/sbin/' + daemon, '-d', '-p', pid_file)
                if daemon == 'libvirtd' and shutil.which('taskset'):
                    # libvirtd drops its cached qemu capabilities (8 s to
                    # probe again) when the host CPUID differs from the
                    # cached one, and on these VMs it differs from one
                    # vCPU to the other: always run it on the same one.
                    cmd = ('taskset', '-c',
                           str(min(os.sched_getaffinity(0)))) + cmd
                _run(*cmd)
                deadline = time.monotonic() + 30
                while not os.path.exists(pid_file):
                    if time.monotonic() > deadline:
                        self.fail('%s wrote no pid file' % daemon)
                    time.sleep(0.05)
                with open(pid_file) as f:
                    pid = int(f.read().strip())
                self.addCleanup(_stop_pid, pid)
            # The first call makes libvirtd probe qemu's capabilities.
            deadline = time.monotonic() + 120
            while not _virsh_works():
                if time.monotonic() > deadline:
                    self.fail('libvirtd does not answer on %s' % URI)
                time.sleep(0.5)
        self.timings['libvirtd'] = time.monotonic() - started
        self.destroy_leftover_domain(INSTANCE_NAME)
        self.addCleanup(self.remove_domain_log)

    def start_simulator(self):
        state_dir = os.path.join(self.work_dir, 'sim')
        os.mkdir(state_dir, 0o755)
        self.addCleanup(self.detach_leftover_loops, state_dir)
        self.sim = sim_process.SimulatorProcess(
            '--tls', '--device-mode', 'loop', '--state-dir', state_dir)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.system_id = self.sim.info['system_id']
        self.hosts = os.path.join(state_dir, 'hosts')

    @staticmethod
    def detach_leftover_loops(state_dir):
        """Detach loop devices still backed by the simulator's files."""
        listing = _run('losetup', '--list', '--noheadings', '--raw',
                       '--output', 'NAME,BACK-FILE', check=False).stdout
        for line in listing.splitlines():
            name, _, back_file = line.partition(' ')
            if back_file.startswith(state_dir):
                _run('losetup', '-d', name, check=False)

    def destroy_leftover_domain(self, name):
        if _run('virsh', '-c', URI, 'dominfo', name,
                check=False).returncode == 0:
            _run('virsh', '-c', URI, 'destroy', name, check=False)
            _run('virsh', '-c', URI, 'undefine', name, check=False)

    @staticmethod
    def remove_domain_log():
        try:
            os.unlink('/var/log/libvirt/qemu/%s.log' % INSTANCE_NAME)
        except FileNotFoundError:
            pass

    def sidecar(self, module):
        side = sidecar.Sidecar('tests.integration.nova.' + module,
                               log_dir=self.work_dir).start()
        self.addCleanup(self.attach_log, side)
        self.addCleanup(side.stop)
        return side

    def attach_log(self, side):
        from testtools import content
        self.addDetail(side.module + '.log',
                       content.text_content(side.log_tail(400)))

    # ---------------------------------------------------------- helpers
    def host_dir(self, sdc):
        return os.path.join(self.hosts, sdc)

    def by_id(self, sdc, provider_id):
        return os.path.join(self.host_dir(sdc), 'by-id',
                            datapath.link_name(self.system_id, provider_id))

    def nova_setup(self, nova):
        host = self.host_dir(COMPUTE_SDC)
        if self.compute_driver == IN_TREE_COMPUTE_DRIVER:
            return nova.call('setup', work_dir=self.work_dir,
                             driver_class=self.compute_driver,
                             in_tree={'by_id_dir': os.path.join(host,
                                                                'by-id'),
                                      'drv_cfg_path': os.path.join(
                                          host, 'drv_cfg')})
        return nova.call('setup', work_dir=self.work_dir,
                         driver_class=self.compute_driver,
                         scaleio_options={
                             'search_path': os.path.join(host, 'by-id'),
                             'drv_cfg_path': os.path.join(host, 'drv_cfg')})

    def connection(self, cinder, volume, connector):
        info = cinder.call('initialize_connection', volume_id=volume['id'],
                           connector=connector)
        # What nova's DriverVolumeBlockDevice adds before the virt driver.
        info['serial'] = volume['id']
        return info

    # ------------------------------------------------------------- test
    def test_boot_from_volume(self):
        body_started = time.monotonic()
        cinder = self.sidecar('cinder_side')
        nova = self.sidecar('nova_side')
        cinder.call('setup', port=self.sim.info['port'],
                    ca_file=self.sim.info['ca_file'],
                    lock_dir=os.path.join(self.work_dir, 'cinder-locks'))
        drivers = self.nova_setup(nova)
        self.assertEqual(INSTANCE_NAME, drivers['instance'])
        self.addCleanup(self.destroy_leftover_domain, INSTANCE_NAME)
        self.drivers = drivers

        connector = nova.call('connector')
        guid = _run(os.path.join(self.host_dir(COMPUTE_SDC), 'drv_cfg'),
                    '--query_guid').stdout.strip()
        self.assertEqual(guid.upper(), connector['sdc_guid'].upper())
        image_host_guid = _run(
            os.path.join(self.host_dir(CINDER_SDC), 'drv_cfg'),
            '--query_guid').stdout.strip()
        image_host = {'sdc_guid': image_host_guid, 'host': 'cinder-volume',
                      'ip': '192.0.2.20', 'initiator': None}

        # A bootable volume: created by our driver, image written through
        # the cinder-volume host's device, unmapped again.
        boot_volume = cinder.call('create', size=1)
        self.addCleanup(self.delete_volume, cinder, boot_volume, connector)
        written = cinder.call(
            'write_image', volume_id=boot_volume['id'],
            connector=image_host,
            by_id_dir=os.path.join(self.host_dir(CINDER_SDC), 'by-id'),
            image_hex=boot_sector().hex())
        self.assertTrue(written['target'].startswith('/dev/loop'), written)
        self.assertFalse(os.path.lexists(written['device']))

        # Boot from it.
        boot_info = self.connection(cinder, boot_volume, connector)
        self.assertEqual('scaleio', boot_info['driver_volume_type'])
        boot_link = self.by_id(COMPUTE_SDC, boot_volume['provider_id'])
        self.assertTrue(os.path.realpath(boot_link).startswith('/dev/loop'))
        boot = nova.call('spawn', connection_info=boot_info,
                         volume_id=boot_volume['id'], marker=MARKER,
                         timeout=90)
        self.assertIn(MARKER, boot['serial_log'],
                      'no marker on the serial log; domain:\n%s'
                      % boot['domain_xml'])
        self.assertEqual({'vda': boot_link}, boot['disks'])
        self.assertIn("type='block'", boot['domain_xml'])
        self.timings['boot (to marker)'] = boot['seconds']

        # Attach a data volume on virtio-scsi.
        data_volume = cinder.call('create', size=1)
        self.addCleanup(self.delete_volume, cinder, data_volume, connector)
        data_info = self.connection(cinder, data_volume, connector)
        attached = nova.call('attach', connection_info=data_info,
                             mountpoint='/dev/sdb')
        data_link = self.by_id(COMPUTE_SDC, data_volume['provider_id'])
        self.assertEqual({'vda': boot_link, 'sdb': data_link},
                         attached['disks'])
        self.assertIn("bus='scsi'", attached['domain_xml'])
        data_info = attached['connection_info']
        device = data_info['data']['device_path']
        self.assertEqual(data_link, device)

        # Write through the host device, read back there and through QEMU.
        offset, length, pattern = common.BYTES_PER_MIB, 65536, 0x5a
        fd = os.open(device, os.O_WRONLY)
        try:
            os.pwrite(fd, bytes([pattern]) * length, offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        fd = os.open(device, os.O_RDONLY)
        try:
            self.assertEqual(bytes([pattern]) * length,
                             os.pread(fd, length, offset))
        finally:
            os.close(fd)
        qemu_io = nova.call('qemu_read', volume_id=data_volume['id'],
                            offset=offset, length=length, pattern=pattern)
        self.assertIn('read %d/%d bytes' % (length, length), qemu_io)
        self.assertNotIn('verification failed', qemu_io)
        # The check sees a difference: a pattern that is not there fails.
        other = nova.call('qemu_read', volume_id=data_volume['id'],
                          offset=offset, length=length, pattern=0x11)
        self.assertIn('Pattern verification failed', other)

        # Extend past the 8 GiB allocation unit: the array volume grows
        # from 8 to 16 GiB; nova resizes the guest's disk.
        before = nova.call('block_capacity', dev='sdb')
        cinder.call('extend', volume_id=data_volume['id'], new_size=9)
        device_size = int(_run('blockdev', '--getsize64',
                               device).stdout.strip())
        self.assertEqual(16 * common.BYTES_PER_GIB, device_size)
        extended = nova.call('extend', connection_info=data_info,
                             requested_size=9 * common.BYTES_PER_GIB,
                             dev='sdb')
        self.assertGreater(extended['capacity'], before)
        # The guest sees the whole device (a multiple of 8 GiB), as with
        # nova's in-tree driver, not only the 9 GiB Cinder asked for.
        self.assertEqual(device_size, extended['capacity'])
        fd = os.open(device, os.O_RDONLY)
        try:
            self.assertEqual(bytes([pattern]) * length,
                             os.pread(fd, length, offset))
        finally:
            os.close(fd)

        # Detach, unmap: the device link goes.
        detached = nova.call('detach', connection_info=data_info,
                             mountpoint='/dev/sdb')
        self.assertEqual({'vda': boot_link}, detached['disks'])
        cinder.call('terminate_connection', volume_id=data_volume['id'],
                    connector=connector)
        self.assertFalse(os.path.lexists(data_link))

        # Delete the instance and the volumes.
        destroyed = nova.call('destroy')
        self.assertNotIn(INSTANCE_NAME, destroyed['domains'])
        self.assertFalse(destroyed['instance_dir'])
        cinder.call('terminate_connection', volume_id=boot_volume['id'],
                    connector=connector)
        self.assertFalse(os.path.lexists(boot_link))
        for volume in (data_volume, boot_volume):
            cinder.call('delete', volume_id=volume['id'])
            volume['deleted'] = True
        self.timings['test body'] = time.monotonic() - body_started

    def delete_volume(self, cinder, volume, connector):
        """Cleanup after a failure: unmap and delete a volume left over."""
        if volume.get('deleted'):
            return
        self.destroy_leftover_domain(INSTANCE_NAME)
        for call, args in (('terminate_connection',
                            {'connector': connector}), ('delete', {})):
            try:
                cinder.call(call, volume_id=volume['id'], timeout=60, **args)
            except sidecar.SidecarError:
                pass

    def report(self):
        """Print the wall times (the last cleanup: teardown included)."""
        self.timings['whole test'] = time.monotonic() - self.started
        line = ', '.join('%s %.1f s' % item for item in self.timings.items())
        print('\nreal boot from volume, compute driver %s, volume driver %s: '
              '%s' % (self.drivers.get('driver', self.compute_driver),
                      self.drivers.get('volume_driver', '?'), line),
              file=sys.__stderr__, flush=True)


class InTreeBootFromVolumeTest(BootFromVolumeTest):
    """The same with nova's in-tree volume driver (a parity baseline)."""

    compute_driver = IN_TREE_COMPUTE_DRIVER
