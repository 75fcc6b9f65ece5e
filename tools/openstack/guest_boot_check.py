#!/usr/bin/env python3
"""Boot the guest of guest_image.py under qemu (TCG) and do what tempest does.

``python3 tools/openstack/guest_boot_check.py [--out DIR]`` builds the
guest (or finds it built) in DIR, copies its disk and boots it twice, as
Nova would: 1 vCPU, TCG, the disk on virtio-scsi, a virtio-net NIC on
qemu's user-mode network with SSH forwarded from a free port on
127.0.0.1. The first boot gets a fresh key pair's public key from a config
drive (ISO 9660 on an IDE CD-ROM, like Nova's default; vfat on virtio-blk
when no genisoimage/xorriso is installed); over SSH (paramiko, as tempest)
it runs tempest's commands, hot-plugs a virtio-scsi and a virtio-blk
disk, writes timestamps on them (ext4, vfat) and in /tmp, detaches both,
logs in with the password, and powers the guest off through ACPI (Nova's
soft reboot). The second boot has no config drive: the key comes from a
metadata service (this script, forwarded to 169.254.169.254:80) and the
/tmp timestamp and the ext4 disk, attached at boot, must read back the
same. Prints boot-to-SSH seconds and one line per command; exits non-zero
on any failure.

paramiko comes from the harness venv when there is one, else from a venv
of its own in ``<out>/check-venv``.
"""

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import guest_image
import layout

PROLOGUE = 'set -eu -o pipefail; PATH=$PATH:/sbin:/usr/sbin; '
SSH_TIMEOUT = 180.0
MEMORY_MIB = 256
VOLUME_MIB = 64
METADATA_NET = '169.254.169.0/24'
METADATA_IP = '169.254.169.254'


def ensure_paramiko(out_dir):
    """Re-exec in a python that has paramiko (harness venv or our own)."""
    try:
        import paramiko  # noqa: F401
        return
    except ImportError:
        pass
    harness_python = layout.Layout().bin('python')
    if os.path.exists(harness_python) and os.path.realpath(
            sys.executable) != os.path.realpath(harness_python):
        os.execv(harness_python, [harness_python] + sys.argv)
    venv = os.path.join(os.path.abspath(out_dir), 'check-venv')
    python = os.path.join(venv, 'bin', 'python')
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        sys.exit('guest_boot_check: no paramiko in %s' % venv)
    if not os.path.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    subprocess.run([python, '-m', 'pip', 'install', '-q',
                    '--disable-pip-version-check', 'paramiko'], check=True)
    os.execv(python, [python] + sys.argv)


class CheckFailed(Exception):
    """A step of the check failed."""


class Report:
    """One line per command: status, seconds, what ran, a short result."""

    def __init__(self):
        self.failures = []
        self.count = 0

    def line(self, ok, seconds, what, detail=''):
        self.count += 1
        if not ok:
            self.failures.append(what)
        detail = ' '.join(detail.split())
        print('%-4s %6.2f s  %s%s' % ('ok' if ok else 'FAIL', seconds, what,
                                      ('  -> ' + detail[:110]) if detail
                                      else ''), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Qmp:
    """A minimal QMP client on qemu's unix socket."""

    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile('rw')
        self.events = []
        self._read()                                # greeting
        self.execute('qmp_capabilities')

    def _read(self):
        line = self.file.readline()
        if not line:
            raise CheckFailed('QMP: qemu closed the monitor')
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {'execute': command}
        if arguments:
            msg['arguments'] = arguments
        self.file.write(json.dumps(msg) + '\n')
        self.file.flush()
        while True:
            reply = self._read()
            if 'event' in reply:
                self.events.append(reply)
                continue
            if 'error' in reply:
                raise CheckFailed('QMP %s: %s' % (command, reply['error']))
            return reply.get('return')

    def wait_event(self, name, device, timeout):
        deadline = time.monotonic() + timeout
        self.sock.settimeout(1.0)
        try:
            while time.monotonic() < deadline:
                for e in self.events:
                    if (e['event'] == name
                            and e.get('data', {}).get('device') == device):
                        return True
                try:
                    self.events.append(self._read())
                except socket.timeout:
                    pass
            return False
        finally:
            self.sock.settimeout(None)

    def close(self):
        self.file.close()
        self.sock.close()


METADATA_RESPONDER = """import sys
path = sys.stdin.readline().split()[1]
body = open(sys.argv[1], 'rb').read()
if path == '/openstack/latest/meta_data.json':
    head = 'HTTP/1.0 200 OK\\r\\nContent-Type: application/json\\r\\n'
else:
    head, body = 'HTTP/1.0 404 Not Found\\r\\n', b''
sys.stdout.buffer.write(head.encode() + b'Content-Length: %d\\r\\n\\r\\n'
                        % len(body) + body)
"""


def metadata_service(work, meta):
    """Nova's metadata API for one guest, as a guestfwd command.

    qemu runs it for each of the guest's connections to
    169.254.169.254:80 (``guestfwd=...-cmd:``).
    """
    body = os.path.join(work, 'meta_data.json')
    with open(body, 'w') as f:
        json.dump(meta, f)
    script = os.path.join(work, 'metadata.py')
    with open(script, 'w') as f:
        f.write(METADATA_RESPONDER)
    return '%s %s %s' % (sys.executable, script, body)


def config_drive(work, meta, tools_bin):
    """Nova's config drive: (path, 'iso9660' or 'vfat').

    ISO 9660 when genisoimage, mkisofs or xorrisofs is installed, else vfat.
    """
    src = os.path.join(work, 'config-drive')
    latest = os.path.join(src, 'openstack', 'latest')
    os.makedirs(latest)
    with open(os.path.join(latest, 'meta_data.json'), 'w') as f:
        json.dump(meta, f)
    iso = os.path.join(work, 'config.iso')
    for tool in ('genisoimage', 'mkisofs', 'xorrisofs'):
        if shutil.which(tool):
            # Nova's own arguments (nova/virt/configdrive.py)
            subprocess.run([tool, '-o', iso, '-ldots', '-allow-lowercase',
                            '-allow-multidot', '-l', '-publisher', 'check',
                            '-quiet', '-J', '-r', '-V', 'config-2', src],
                           check=True)
            return iso, 'iso9660'
    img = os.path.join(work, 'config.vfat')
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1',
               PATH=tools_bin + os.pathsep + os.environ.get('PATH', ''))
    with open(img, 'wb') as f:
        f.truncate(2 << 20)
    subprocess.run(['mformat', '-i', img, '-v', 'config-2', '::'], env=env,
                   check=True)
    subprocess.run(['mcopy', '-s', '-i', img, os.path.join(src, 'openstack'),
                    '::/'], env=env, check=True)
    return img, 'vfat'


class Guest:
    """One qemu process: the boot disk on virtio-scsi, SSH forwarded."""

    def __init__(self, work, name, disk, cdrom=None, vfat_drive=None,
                 metadata_cmd=None, scsi_disks=(), rng=True):
        self.work = work
        self.port = free_port()
        self.qmp_path = os.path.join(work, name + '.qmp')
        self.console = os.path.join(work, name + '.console.log')
        net = 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22' % self.port
        if metadata_cmd:
            net += (',net=%s,guestfwd=tcp:%s:80-cmd:%s'
                    % (METADATA_NET, METADATA_IP, metadata_cmd))
        cmd = ['qemu-system-x86_64', '-machine', 'pc,accel=tcg', '-smp', '1',
               '-m', str(MEMORY_MIB), '-nodefaults', '-display', 'none',
               '-serial', 'file:' + self.console,
               '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path,
               '-device', 'virtio-scsi-pci,id=scsi0',
               '-drive', 'file=%s,format=raw,if=none,id=root' % disk,
               '-device', 'scsi-hd,drive=root,bus=scsi0.0,bootindex=1',
               '-netdev', net,
               '-device', 'virtio-net-pci,netdev=n0,romfile=']
        if rng:
            # Nova (libvirt, qemu/kvm) adds one unless the flavor says
            # hw_rng:allowed=False: without it the guest's RNG needs about
            # a second of jitter entropy before dropbear can answer
            cmd += ['-device', 'virtio-rng-pci']
        for i, path in enumerate(scsi_disks):
            cmd += ['-drive', 'file=%s,format=raw,if=none,id=cold%d'
                    % (path, i),
                    '-device', 'scsi-hd,drive=cold%d,bus=scsi0.0' % i]
        if cdrom:
            cmd += ['-drive', 'file=%s,format=raw,if=ide,media=cdrom,'
                    'readonly=on' % cdrom]
        if vfat_drive:
            cmd += ['-drive', 'file=%s,format=raw,if=virtio,readonly=on'
                    % vfat_drive]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(
                                         work, name + '.qemu.log'), 'w'))
        self.qmp = Qmp(self.qmp_path)

    def wait_banner(self, timeout=SSH_TIMEOUT):
        """Seconds from qemu's start to the guest's SSH banner."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CheckFailed('qemu exited %s; see %s'
                                  % (self.proc.returncode, self.console))
            try:
                # qemu accepts at once; the guest's answer is the banner
                with socket.create_connection(('127.0.0.1', self.port),
                                              timeout=1) as s:
                    if s.recv(4) == b'SSH-':
                        return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.2)
        raise CheckFailed('no SSH banner in %.0f s; see %s'
                          % (timeout, self.console))

    def ssh(self, user, pkey=None, password=None, timeout=SSH_TIMEOUT):
        """Connect as tempest does (retrying until the guest answers)."""
        import paramiko
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CheckFailed('qemu exited %s; see %s'
                                  % (self.proc.returncode, self.console))
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            try:
                client.connect('127.0.0.1', port=self.port, username=user,
                               pkey=pkey, password=password,
                               look_for_keys=False, allow_agent=False,
                               timeout=5, banner_timeout=10, auth_timeout=10)
                return client
            except (OSError, paramiko.SSHException, EOFError) as e:
                last = e
                client.close()
                time.sleep(0.5)
        raise CheckFailed('no SSH login as %s in %.0f s: %s; see %s'
                          % (user, timeout, last, self.console))

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.qmp.close()


class Session:
    """Commands over one SSH connection, each one a report line."""

    def __init__(self, client, report):
        self.client = client
        self.report = report

    def run(self, cmd, expect=None, check=True):
        t0 = time.monotonic()
        _, stdout, stderr = self.client.exec_command(PROLOGUE + cmd,
                                                     timeout=120)
        out = stdout.read().decode(errors='replace')
        err = stderr.read().decode(errors='replace')
        status = stdout.channel.recv_exit_status()
        ok = status == 0 and (expect is None or expect(out))
        if check or not ok:
            self.report.line(ok, time.monotonic() - t0, cmd,
                             out if ok else 'exit %d: %s %s'
                             % (status, out, err))
        if check and not ok:
            raise CheckFailed(cmd)
        return out

    def list_disks(self):
        """tempest's RemoteClient.get_disks + list_disks."""
        out = self.run('lsblk -lb --nodeps', check=False)
        lines = out.splitlines()
        pos = lines[0].find('TYPE')
        return [line.split()[0] for line in lines[1:]
                if line[pos:pos + 4] == 'disk']

    def wait_new_disk(self, before, timeout=60.0):
        """tempest's _attached_volume_name: the disk that was not there."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            new = [d for d in self.list_disks() if d not in before]
            if new:
                self.report.line(True, time.monotonic() - t0,
                                 'lsblk -lb --nodeps (until a new disk)',
                                 new[0])
                return new[0]
            time.sleep(0.5)
        self.report.line(False, timeout, 'lsblk -lb --nodeps (new disk)')
        raise CheckFailed('no new disk')

    def create_timestamp(self, dev, fs):
        """scenario manager's create_timestamp on /dev/<dev>."""
        mnt = '/mnt/' + dev
        self.run('sudo mkfs -t %s /dev/%s' % (fs, dev))
        self.run('sudo mkdir -p %s' % mnt)
        self.run('sudo mount /dev/%s %s' % (dev, mnt))
        self.run('sudo sh -c "date > %s/timestamp; sync"' % mnt)
        stamp = self.run('sudo cat %s/timestamp' % mnt)
        self.run('sudo umount %s' % mnt)
        return stamp

    def get_timestamp(self, dev, expected):
        mnt = '/mnt/' + dev
        self.run('sudo mkdir -p %s' % mnt)
        self.run('sudo mount /dev/%s %s' % (dev, mnt))
        self.run('sudo cat %s/timestamp' % mnt,
                 expect=lambda out: out == expected)
        self.run('sudo umount %s' % mnt)


def hotplug(guest, name, path, driver):
    guest.qmp.execute('blockdev-add', **{
        'node-name': name, 'driver': 'raw',
        'file': {'driver': 'file', 'filename': path}})
    args = {'driver': driver, 'drive': name, 'id': name + '-dev'}
    if driver == 'scsi-hd':
        args['bus'] = 'scsi0.0'
    guest.qmp.execute('device_add', **args)


def unplug(guest, name, timeout=30.0):
    guest.qmp.execute('device_del', id=name + '-dev')
    ok = guest.qmp.wait_event('DEVICE_DELETED', name + '-dev', timeout)
    if ok:
        guest.qmp.execute('blockdev-del', **{'node-name': name})
    return ok


def first_boot(work, disk, key, public_key, report, tools_bin, results,
               rng):
    meta = {'uuid': str(uuid.uuid4()), 'name': 'guest-check',
            'hostname': 'guest-check.novalocal', 'launch_index': 0,
            'availability_zone': 'nova', 'project_id': 'check',
            'public_keys': {'check': public_key + '\n'},
            'keys': [{'name': 'check', 'type': 'ssh',
                      'data': public_key + '\n'}]}
    drive, fmt = config_drive(work, meta, tools_bin)
    print('-- boot 1: config drive (%s), key pair from it' % fmt)
    guest = Guest(work, 'boot1', disk,
                  cdrom=drive if fmt == 'iso9660' else None,
                  vfat_drive=drive if fmt == 'vfat' else None, rng=rng)
    try:
        results['boot1_banner_s'] = guest.wait_banner()
        report.line(True, results['boot1_banner_s'], 'boot to SSH banner')
        client = guest.ssh(guest_image.USER, pkey=key, timeout=60)
        results['boot1_ssh_s'] = time.monotonic() - guest.started
        report.line(True, results['boot1_ssh_s'],
                    'boot to SSH login (key from the config drive)')
        s = Session(client, report)
        s.run('id', expect=lambda o: 'uid=1000(%s)' % guest_image.USER in o)
        s.run('hostname', expect=lambda o: o.strip() == 'guest-check')
        s.run('sudo id -u', expect=lambda o: o.strip() == '0')
        s.run('cat /proc/partitions')
        s.run('lsblk -lb --nodeps')
        s.run('cut -f1 -d. /proc/uptime')
        s.run('ip addr')
        s.run("ip -o link | awk '/ether/ {print $2}'")
        s.run("ip -o addr | awk '/10.0.2.15/ {print $2}'",
              expect=lambda o: o.strip() == 'eth0')
        s.run('cat /etc/resolv.conf', expect=lambda o: 'nameserver' in o)
        s.run('ping -c1 -w1 -s56 10.0.2.2')
        pid = s.run('cat /var/run/udhcpc.eth0.pid').strip()
        s.run('sudo /bin/kill -USR1 %s' % pid)
        cfg = s.run('blkid -L config-2 -o device').strip()
        s.run('sudo mount %s /mnt' % cfg)
        s.run('ls /mnt/openstack/latest',
              expect=lambda o: 'meta_data.json' in o)
        s.run('sudo umount /mnt')
        s.run('sudo lsblk --fs --ascii')
        s.run('sudo sh -c "echo \\"check: hello console\\" >/dev/console"')
        results['tmp_stamp'] = s.run(
            'sudo sh -c "date > /tmp/timestamp; sync"; sudo cat '
            '/tmp/timestamp')

        before = s.list_disks()
        t0 = time.monotonic()
        hotplug(guest, 'vol1', results['vol1'], 'scsi-hd')
        report.line(True, time.monotonic() - t0,
                    'QMP: attach vol1 (virtio-scsi hot-plug)')
        dev = s.wait_new_disk(before)
        if not dev.startswith('sd'):
            report.line(False, 0, 'virtio-scsi disk named sdX', dev)
        results['vol1_stamp'] = s.create_timestamp(dev, 'ext4')
        s.get_timestamp(dev, results['vol1_stamp'])
        mnt = '/mnt/' + dev
        s.run('sudo mount /dev/%s %s' % (dev, mnt))
        s.run('sudo dd bs=1024 count=100 if=/dev/urandom of=/%s/file1' % mnt)
        s.run('sudo md5sum -b %s/file1|cut -c 1-32' % mnt)
        s.run('sudo ls -l %s | wc -l' % mnt)
        s.run('sudo umount %s' % mnt)

        before = s.list_disks()
        t0 = time.monotonic()
        hotplug(guest, 'vol2', results['vol2'], 'virtio-blk-pci')
        report.line(True, time.monotonic() - t0,
                    'QMP: attach vol2 (virtio-blk hot-plug)')
        dev2 = s.wait_new_disk(before)
        if not dev2.startswith('vd'):
            report.line(False, 0, 'virtio-blk disk named vdX', dev2)
        stamp = s.create_timestamp(dev2, 'vfat')
        s.get_timestamp(dev2, stamp)
        written = s.run('sudo dd bs=1024 count=100 if=/dev/urandom '
                        'of=/dev/%s && sudo dd bs=1024 count=100 '
                        'if=/dev/%s | sha1sum | head -c 40' % (dev2, dev2))
        s.run('sudo dd bs=1024 count=100 if=/dev/%s | sha1sum | head -c 40'
              % dev2, expect=lambda o: o == written)

        for name, dev_name in (('vol1', dev), ('vol2', dev2)):
            t0 = time.monotonic()
            ok = unplug(guest, name)
            report.line(ok, time.monotonic() - t0,
                        'QMP: detach %s (%s): DEVICE_DELETED' % (name,
                                                                 dev_name))
        s.run('lsblk -lb --nodeps',
              expect=lambda o: dev not in o and dev2 not in o)
        client.close()

        pw = guest.ssh(guest_image.USER, password=guest_image.PASSWORD,
                       timeout=20)
        Session(pw, report).run('sudo true')
        pw.close()

        t0 = time.monotonic()
        guest.qmp.execute('system_powerdown')
        ok = guest.wait_exit(60)
        results['powerdown_s'] = time.monotonic() - t0
        report.line(ok, results['powerdown_s'],
                    'QMP: system_powerdown (ACPI, Nova soft reboot): qemu '
                    'exits')
        if not ok:
            raise CheckFailed('no ACPI power-off')
    finally:
        guest.kill()


def second_boot(work, disk, key, public_key, report, results, rng):
    meta = {'uuid': str(uuid.uuid4()), 'name': 'guest-again',
            'hostname': 'guest-again', 'launch_index': 0,
            'public_keys': {'check': public_key + '\n'}}
    print('-- boot 2: no config drive, key pair from the metadata service; '
          'vol1 attached at boot')
    guest = Guest(work, 'boot2', disk,
                  metadata_cmd=metadata_service(work, meta),
                  scsi_disks=[results['vol1']], rng=rng)
    try:
        results['boot2_banner_s'] = guest.wait_banner()
        report.line(True, results['boot2_banner_s'], 'boot to SSH banner')
        client = guest.ssh(guest_image.USER, pkey=key, timeout=60)
        results['boot2_ssh_s'] = time.monotonic() - guest.started
        report.line(True, results['boot2_ssh_s'],
                    'boot to SSH login (key from the metadata service)')
        s = Session(client, report)
        s.run('hostname', expect=lambda o: o.strip() == 'guest-again')
        s.run('sudo cat /tmp/timestamp',
              expect=lambda o: o == results['tmp_stamp'])
        # vol1 by its size: which of the two is sda depends on the scan
        sizes = dict(line.split()[0::3] for line in s.run(
            'lsblk -lbn --nodeps -o NAME,MAJ:MIN,RM,SIZE').splitlines())
        vol = [name for name, size in sizes.items()
               if int(size) == VOLUME_MIB << 20]
        report.line(len(vol) == 1, 0, 'vol1 attached at boot is a disk',
                    ', '.join(vol))
        if vol:
            s.get_timestamp(vol[0], results['vol1_stamp'])
        client.close()
    finally:
        guest.kill()


def check(out_dir, keep=False, rng=True):
    import paramiko
    # paramiko logs a traceback for every refused try while the guest boots
    logging.getLogger('paramiko').setLevel(logging.CRITICAL)
    report = Report()
    t0 = time.monotonic()
    manifest = guest_image.build(out_dir)
    report.line(True, time.monotonic() - t0, 'guest_image.build (%s)' % (
        'up to date' if manifest['cached'] else 'built'),
        '%s, disk %.1f MiB' % (manifest['kernel_version'],
                               manifest['files']['disk']['bytes'] / (1 << 20)))
    work = tempfile.mkdtemp(prefix='check-', dir=os.path.abspath(out_dir))
    results = {}
    try:
        disk = os.path.join(work, 'root.raw')
        shutil.copyfile(manifest['files']['disk']['path'], disk)
        for name in ('vol1', 'vol2'):
            results[name] = os.path.join(work, name + '.raw')
            with open(results[name], 'wb') as f:
                f.truncate(VOLUME_MIB << 20)
        key = paramiko.RSAKey.generate(2048)
        public_key = 'ssh-rsa %s guest-boot-check' % key.get_base64()
        tools_bin = os.path.join(out_dir, 'cache', 'pkgs', 'mtools',
                                 'usr', 'bin')
        try:
            first_boot(work, disk, key, public_key, report, tools_bin,
                       results, rng)
            second_boot(work, disk, key, public_key, report, results, rng)
        except CheckFailed as e:
            report.line(False, 0, str(e))
    finally:
        if keep or report.failures:
            print('guest_boot_check: logs and disks kept in %s' % work)
        else:
            shutil.rmtree(work)
    print('guest_boot_check: boot to SSH %.1f s (config drive), %.1f s '
          '(metadata service, after an ACPI power-off of %.1f s)'
          % (results.get('boot1_ssh_s', -1), results.get('boot2_ssh_s', -1),
             results.get('powerdown_s', -1)))
    print('%d passed, %d failed' % (report.count - len(report.failures),
                                    len(report.failures)))
    return not report.failures


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=guest_image.DEFAULT_OUT,
                   help='guest_image output dir (default %(default)s)')
    p.add_argument('--keep', action='store_true',
                   help='keep the disks and console logs')
    p.add_argument('--no-rng', action='store_true',
                   help='no virtio-rng device (a flavor with '
                   'hw_rng:allowed=False)')
    args = p.parse_args()
    ensure_paramiko(args.out)
    try:
        ok = check(args.out, args.keep, rng=not args.no_rng)
    except guest_image.BuildError as e:
        sys.exit('guest_boot_check: %s' % e)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
