#!/usr/bin/env python3
"""A small Linux guest for tempest's SSH scenarios, built from Debian packages.

``python3 tools/openstack/guest_image.py [--out DIR]`` (default
``<repo>/.harness/guest``) writes ``guest.raw``, a bootable raw disk
(BIOS: syslinux's MBR, a FAT partition with syslinux, the kernel and the
initramfs, and a small ext4 partition ``guest-data`` that keeps ``/tmp``
and the SSH host keys across reboots), the same kernel and initramfs as
``vmlinuz`` and ``initrd.img`` (for an AKI/ARI image), and ``guest.json``
(what was built, from which packages, the guest user and password).

Everything comes from the apt sources of this host: ``apt-get download``
into ``<out>/cache/debs`` and ``dpkg-deb -x`` into ``<out>/cache/pkgs``;
nothing is installed into the host system (syslinux and mtools run from
their extracted packages). The guest is the initramfs alone: Debian's
cloud kernel with the virtio, SCSI, ATA CD-ROM, ISO 9660 and FAT modules,
busybox, dropbear, sudo, lsblk/blkid/mkfs from util-linux, mke2fs from
e2fsprogs and iputils' ping. At boot it mounts the disk's ``guest-data``
partition, takes the SSH public keys from a config drive (label
``config-2``) or else the metadata service, starts udhcpc on the first
virtio-net NIC and dropbear on port 22. See README.rst, "A Linux guest
for the SSH scenarios". Standard library only.
"""

import argparse
import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time

import layout

DEFAULT_OUT = os.path.join(layout.DEFAULT_STATE, 'guest')
KERNEL_PACKAGE = 'linux-image-cloud-amd64'
USER = 'tempest'
PASSWORD = 'tempest'
DATA_LABEL = 'guest-data'
BOOT_LABEL = 'GUESTBOOT'
DATA_MIB = 16
# The guest's user space: the packages and the programs taken from them
# (with the shared libraries they need, found in the same packages).
GUEST_PACKAGES = [
    'busybox', 'dropbear-bin', 'sudo', 'util-linux', 'e2fsprogs',
    'libc6', 'libcrypt1', 'libtomcrypt1', 'libtommath1', 'libgmp10',
    'zlib1g',
    'libaudit1', 'libcap-ng0', 'libpam0g', 'libpam-modules', 'libselinux1',
    'libpcre2-8-0', 'libblkid1', 'libmount1', 'libsmartcols1', 'libudev1',
    'libuuid1', 'libext2fs2', 'libcom-err2',
    # ping as the guest user over an ICMP datagram socket (busybox's wants
    # a raw one, that is root)
    'iputils-ping', 'libcap2', 'libidn2-0', 'libunistring2']
PROGRAMS = [
    'bin/busybox', 'usr/sbin/dropbear', 'usr/bin/dropbearkey', 'usr/bin/sudo',
    'usr/libexec/sudo/sudoers.so',
    'lib/x86_64-linux-gnu/security/pam_permit.so',
    'lib/x86_64-linux-gnu/security/pam_deny.so',
    'bin/lsblk', 'sbin/blkid', 'sbin/mkfs', 'sbin/mke2fs', 'bin/ping',
    'bin/ping4', 'bin/ping6']
LINKS = {'usr/sbin/mkfs.ext4': 'mke2fs', 'usr/sbin/mkfs.ext3': 'mke2fs',
         'usr/sbin/mkfs.ext2': 'mke2fs',
         'lib64/ld-linux-x86-64.so.2':
         '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'}
# Host tools for the disk, run from their extracted packages.
TOOL_PACKAGES = ['syslinux', 'syslinux-common', 'mtools']
# Loaded at boot in this order (their dependencies first, found in the
# modules' .modinfo): disks on virtio-scsi (sdX) and virtio-blk (vdX), the
# NIC, a config drive on an IDE or SCSI CD-ROM or a FAT disk, the ACPI
# power button (Nova's soft reboot); the virtio RNG early (entropy).
MODULES = ['virtio_pci', 'virtio_rng', 'virtio_scsi', 'sd_mod', 'virtio_blk',
           'virtio_net', 'sr_mod', 'ata_piix', 'isofs', 'vfat', 'nls_cp437',
           'nls_ascii', 'nls_utf8', 'button', 'evdev']
# The NIC without checksum offload: on Open vSwitch's userspace datapath
# (the harness's cloud) a guest's TCP segment reaches the switch from
# the tap with its checksum left to the host; the switch's conntrack
# (security groups) finds it wrong, marks it invalid and drops it, so
# no SSH answer ever leaves the guest. The guest computes its checksums.
MODPROBE_OPTIONS = 'options virtio_net csum=0 gso=0\n'
CMDLINE = 'console=ttyS0,115200 quiet panic=10'
EPOCH = 1700000000      # every file's mtime: the same inputs, the same bytes
DISK_SIGNATURE = 0x5c10f00d
DATA_UUID = '5ca1e10f-0000-4000-8000-000000000001'
MIB = 1 << 20
SECTOR = 512


class BuildError(Exception):
    """A step of the build failed; the message says which and why."""


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, **kw)
    if p.returncode:
        raise BuildError('%s: exit %d\n%s' % (' '.join(cmd), p.returncode,
                                              p.stdout.strip()))
    return p.stdout


# -- packages -----------------------------------------------------------------

class Packages:
    """Debian packages downloaded once into ``debs/`` and extracted."""

    def __init__(self, cache):
        self.debs = os.path.join(cache, 'debs')
        self.root = os.path.join(cache, 'pkgs')

    def cached(self, name):
        found = sorted(glob.glob(os.path.join(self.debs, name + '_*.deb')))
        return found[-1] if found else None

    def kernel_package(self):
        """linux-image-cloud-amd64 is a meta package: the real one."""
        flavour = KERNEL_PACKAGE[len('linux-image-'):]
        found = sorted(glob.glob(os.path.join(
            self.debs, 'linux-image-*-%s_*.deb' % flavour)))
        if found:
            return os.path.basename(found[-1]).split('_')[0]
        for line in run(['apt-cache', 'depends', KERNEL_PACKAGE]).splitlines():
            dep = line.split(':', 1)
            if dep[0].strip() == 'Depends' and dep[1].strip().startswith(
                    'linux-image-'):
                return dep[1].strip()
        raise BuildError('apt-cache depends %s: no linux-image package '
                         '(apt-get update?)' % KERNEL_PACKAGE)

    def fetch(self, names):
        os.makedirs(self.debs, exist_ok=True)
        missing = [n for n in names if not self.cached(n)]
        if missing:
            run(['apt-get', 'download', '-q', '-o',
                 'APT::Sandbox::User=root'] + missing, cwd=self.debs)
        return {n: self.cached(n) for n in names}

    def extract(self, name):
        """The package's files under ``pkgs/<name>`` (once per .deb)."""
        deb = self.cached(name)
        where = os.path.join(self.root, name)
        marker = os.path.join(where, '.deb')
        try:
            with open(marker) as f:
                if f.read() == os.path.basename(deb):
                    return where
        except OSError:
            pass
        shutil.rmtree(where, ignore_errors=True)
        os.makedirs(where)
        run(['dpkg-deb', '-x', deb, where])
        with open(marker, 'w') as f:
            f.write(os.path.basename(deb))
        return where


# -- ELF: shared libraries and module dependencies ----------------------------

def _sections(data):
    if data[:4] != b'\x7fELF' or data[4] != 2:
        raise BuildError('not a 64-bit ELF file')
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    heads = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize)
             for i in range(shnum)]
    names = heads[shstrndx]

    def name(h):
        start = names[4] + h[0]
        return data[start:data.index(b'\0', start)].decode()
    # name -> (type, offset, size, link)
    return {name(h): (h[1], h[4], h[5], h[6]) for h in heads}, heads


def elf_needed(path):
    """DT_NEEDED of a dynamically linked ELF file (empty if static)."""
    with open(path, 'rb') as f:
        data = f.read()
    sections, heads = _sections(data)
    if '.dynamic' not in sections:
        return []
    _, offset, size, link = sections['.dynamic']
    strtab = heads[link][4]
    needed = []
    for i in range(0, size, 16):
        tag, value = struct.unpack_from('<qQ', data, offset + i)
        if tag == 0:
            break
        if tag == 1:
            start = strtab + value
            needed.append(data[start:data.index(b'\0', start)].decode())
    return needed


def module_depends(path):
    with open(path, 'rb') as f:
        data = f.read()
    sections, _ = _sections(data)
    _, offset, size, _ = sections['.modinfo']
    for field in data[offset:offset + size].split(b'\0'):
        if field.startswith(b'depends='):
            return [d for d in field[8:].decode().split(',') if d]
    return []


# -- the guest's file tree ----------------------------------------------------

class Tree:
    """The initramfs's entries: path -> (mode, data, link target)."""

    DIR, FILE, LINK, CHR = 0o040000, 0o100000, 0o120000, 0o020000

    def __init__(self):
        self.entries = {}

    def dir(self, path, mode=0o755, uid=0):
        self._parents(path)
        self.entries[path] = (self.DIR | mode, b'', uid)

    def file(self, path, data, mode=0o644, uid=0):
        if isinstance(data, str):
            data = data.encode()
        self._parents(path)
        self.entries[path] = (self.FILE | mode, data, uid)

    def link(self, path, target):
        self._parents(path)
        self.entries[path] = (self.LINK | 0o777, target.encode(), 0)

    def node(self, path, major, minor, mode=0o600):
        self._parents(path)
        self.entries[path] = (self.CHR | mode, (major, minor), 0)

    def _parents(self, path):
        parent = os.path.dirname(path)
        while parent and parent not in self.entries:
            self.entries[parent] = (self.DIR | 0o755, b'', 0)
            parent = os.path.dirname(parent)

    def cpio(self):
        """The tree as an uncompressed newc archive, in a fixed order."""
        out = io.BytesIO()

        def entry(ino, name, mode, uid, data, rdev=(0, 0)):
            name = name.encode() + b'\0'
            out.write(b'070701' + b''.join(b'%08X' % v for v in (
                ino, mode, uid, uid, 2 if mode & self.DIR else 1, EPOCH,
                len(data), 0, 0, rdev[0], rdev[1], len(name), 0)))
            out.write(name + b'\0' * (-(110 + len(name)) % 4))
            out.write(data + b'\0' * (-len(data) % 4))
        for ino, path in enumerate(sorted(self.entries), 1):
            mode, data, uid = self.entries[path]
            if mode & 0o170000 == self.CHR:
                entry(ino, path, mode, uid, b'', data)
            else:
                entry(ino, path, mode, uid, data)
        entry(0, 'TRAILER!!!', 0, 0, b'')
        return out.getvalue()


def usr_merged(path):
    """Debian 12 is usr-merged: bin, sbin, lib and lib64 live in usr/."""
    top, _, rest = path.partition('/')
    return 'usr/%s/%s' % (top, rest) if top in (
        'bin', 'sbin', 'lib', 'lib64') else path


class Collector:
    """Copies programs and the libraries they need out of the packages."""

    def __init__(self, tree, roots):
        self.tree = tree
        self.roots = roots
        self.libs = {}          # soname -> (root, package-relative path)
        for root in roots:
            for d in ('lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu',
                      'usr/libexec/sudo'):
                for name in sorted(os.listdir(os.path.join(root, d))
                                   if os.path.isdir(os.path.join(root, d))
                                   else []):
                    if '.so' in name:
                        self.libs.setdefault(name, (root, d + '/' + name))
        self.done = set()

    def find(self, relpath):
        for root in self.roots:
            if os.path.lexists(os.path.join(root, relpath)):
                return root
        raise BuildError('%s: in none of the guest packages' % relpath)

    def add(self, relpath, root=None):
        if relpath in self.done:
            return
        self.done.add(relpath)
        root = root or self.find(relpath)
        full = os.path.join(root, relpath)
        if os.path.islink(full):
            target = os.readlink(full)
            self.tree.link(usr_merged(relpath), target)
            self.add(os.path.normpath(os.path.join(os.path.dirname(relpath),
                                                   target)), root)
            return
        st = os.stat(full)
        with open(full, 'rb') as f:
            self.tree.file(usr_merged(relpath), f.read(), st.st_mode & 0o7777)
        for soname in elf_needed(full):
            if soname not in self.libs:
                raise BuildError('%s needs %s: in none of the guest '
                                 'packages' % (relpath, soname))
            lib_root, lib_path = self.libs[soname]
            self.add(lib_path, lib_root)


def kernel_modules(tree, kernel_root, version):
    """Copy MODULES and their dependencies; the load order, deps first."""
    base = os.path.join(kernel_root, 'lib/modules', version)
    paths = {}
    for dirpath, _, files in os.walk(os.path.join(base, 'kernel')):
        for name in files:
            if name.endswith('.ko'):
                paths[name[:-3].replace('-', '_')] = os.path.join(dirpath,
                                                                  name)
    order = []

    def visit(name):
        if name in order:
            return
        if name not in paths:
            raise BuildError('module %s: not in %s' % (name, version))
        for dep in module_depends(paths[name]):
            visit(dep)
        order.append(name)
    for name in MODULES:
        visit(name)

    def closure(name):
        """name's dependencies, all of them, the ones loaded first last."""
        found = []

        def walk(n):
            for dep in module_depends(paths[n]):
                if dep not in found:
                    walk(dep)
                    found.append(dep)
        walk(name)
        return found[::-1]
    dep_lines = []
    for name in order:
        with open(paths[name], 'rb') as f:
            tree.file('usr/' + os.path.relpath(paths[name], kernel_root),
                      f.read())
        dep_lines.append('%s: %s' % (
            os.path.relpath(paths[name], base), ' '.join(
                os.path.relpath(paths[d], base) for d in closure(name))))
    # for busybox's modprobe: one process loads them all
    tree.file('usr/lib/modules/%s/modules.dep' % version,
              '\n'.join(dep_lines) + '\n')
    tree.file('etc/modules.boot', '\n'.join(MODULES) + '\n')
    tree.file('etc/modprobe.d/guest.conf', MODPROBE_OPTIONS)
    return order


def busybox_mkpasswd(busybox, password):
    """A SHA-512 crypt hash with a fixed salt (the same image every time)."""
    return run([busybox, 'mkpasswd', '-m', 'sha512', password,
                'scaleioguest']).strip()


def guest_tree(pkgs, kernel_name, password):
    tree = Tree()
    for top in ('bin', 'sbin', 'lib', 'lib64'):
        tree.link(top, 'usr/' + top)
    for d in ('usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'proc', 'sys',
              'dev', 'run', 'mnt', 'etc', 'var/log', 'var/lib/guest'):
        tree.dir(d)
    tree.dir('tmp', 0o1777)
    tree.dir('root', 0o700)
    tree.dir('home/' + USER, 0o755, uid=1000)
    tree.link('var/run', '../run')
    tree.node('dev/console', 5, 1)

    roots = [pkgs.extract(n) for n in GUEST_PACKAGES]
    collect = Collector(tree, roots)
    for program in PROGRAMS:
        collect.add(program)
    for path, target in LINKS.items():
        tree.link(usr_merged(path), target)

    # Debian's dynamic busybox: the static one's ash runs its own applets
    # before PATH (ping would be busybox's, which wants root)
    busybox = os.path.join(pkgs.extract('busybox'), 'bin/busybox')
    taken = {os.path.basename(p) for p in tree.entries}
    for applet in run([busybox, '--list']).split():
        if applet not in taken:
            tree.link('usr/bin/' + applet, 'busybox')
    tree.link('init', 'usr/bin/busybox')
    for name in ('mkfs.vfat', 'mkfs.fat', 'mkfs.msdos'):
        tree.file('usr/sbin/' + name, '#!/bin/sh\nexec /bin/busybox mkdosfs '
                  '"$@"\n', 0o755)
    with open(os.path.join(pkgs.extract('e2fsprogs'), 'etc/mke2fs.conf')) as f:
        tree.file('etc/mke2fs.conf', f.read())

    kernel_root = pkgs.extract(kernel_name)
    version = os.listdir(os.path.join(kernel_root, 'lib/modules'))[0]
    modules = kernel_modules(tree, kernel_root, version)
    etc_files(tree, busybox_mkpasswd(busybox, password) if password else '*')
    return tree, kernel_root, version, modules


# -- the guest's configuration and boot scripts -------------------------------

RCS = r'''#!/bin/sh
# The guest's boot: mounts, modules, the data partition, keys, network.
say() { read up _ < /proc/uptime; echo "guest: $up $*" > /dev/console; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock
say "user space"
modprobe -a $(cat /etc/modules.boot) || say "modprobe failed"
say "modules loaded"
echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range
hostname guest
ip link set lo up

# The first virtio-net NIC, by DHCP in the background (tempest renews
# through /var/run/udhcpc.<nic>.pid).
nic=
for d in /sys/class/net/*; do
    case "$(readlink "$d/device/driver")" in
        */virtio_net) nic=${d##*/}; break ;;
    esac
done
if [ -n "$nic" ]; then
    udhcpc -f -S -i "$nic" -p "/var/run/udhcpc.$nic.pid" \
        -s /etc/udhcpc.script -O mtu -O staticroutes -t 5 -T 1 -A 2 \
        > /dev/null 2>&1 &
fi

# Labels by blkid, probed again only when the block devices change (no
# udev here; disks and CD-ROMs come up asynchronously). find_label LABEL
# SECONDS: the first device (whole disks first) with that label, any case.
probed=
labels=
find_label() {
    want=$1
    read up _ < /proc/uptime
    end=$(( ${up%.*} + $2 ))
    while :; do
        now=$(echo /sys/class/block/*)
        if [ "$now" != "$probed" ]; then
            probed=$now
            disks=
            parts=
            for b in $now; do
                if [ -e "$b/partition" ]; then
                    parts="$parts /dev/${b##*/}"
                else
                    disks="$disks /dev/${b##*/}"
                fi
            done
            labels=$(blkid -s LABEL $disks $parts 2> /dev/null | tr A-Z a-z)
        fi
        while IFS= read -r line; do
            case "$line" in
                *": label=\"$want\""*) echo "${line%%:*}"; return 0 ;;
            esac
        done <<EOF
$labels
EOF
        read up _ < /proc/uptime
        [ ${up%.*} -ge $end ] && return 1
        sleep 0.1
    done
}

# The boot disk's second partition keeps /tmp and the host keys across
# reboots (tempest's timestamp in /tmp must survive a reboot and a boot
# on a clone of the volume).
data=$(find_label @DATA_LABEL@ 5)
if [ -n "$data" ] && mount -t ext4 "$data" /var/lib/guest; then
    mkdir -p /var/lib/guest/tmp
    chmod 1777 /var/lib/guest/tmp
    mount -o bind /var/lib/guest/tmp /tmp
    say "data partition $data on /var/lib/guest"
else
    say "no @DATA_LABEL@ partition: /tmp is in memory"
fi

# Nova's metadata: a config drive first, else the metadata service.
apply_metadata() {
    keys=$(grep -oE '"(ssh|ecdsa|sk)-[^"]+"' "$1" | tr -d '"' |
           sed 's/\\n$//' | sort -u)
    if [ -n "$keys" ]; then
        for home in /root /home/@USER@; do
            mkdir -p $home/.ssh
            echo "$keys" > $home/.ssh/authorized_keys
            chmod 700 $home/.ssh
            chmod 600 $home/.ssh/authorized_keys
        done
        chown -R @USER@:@USER@ /home/@USER@/.ssh
    fi
    name=$(sed -n 's/.*"hostname": *"\([^".]*\).*/\1/p' "$1")
    if [ -n "$name" ]; then
        hostname "$name"
        echo "127.0.1.1 $name" >> /etc/hosts
    fi
    say "metadata from $2: $(echo "$keys" | grep -c .) key(s)," \
        "hostname $(hostname)"
}
# (Debian 12's busybox wget segfaults, static or not: HTTP/1.0 by nc)
fetch_metadata() {
    printf 'GET /openstack/latest/meta_data.json HTTP/1.0\r\n\r\n' |
        timeout 10 nc 169.254.169.254 80 2> /dev/null |
        tr -d '\r' > /run/md.http
    head -n 1 /run/md.http | grep -q ' 200 ' &&
        sed '1,/^$/d' /run/md.http > /run/meta_data.json &&
        [ -s /run/meta_data.json ]
}
cfg=$(find_label config-2 2)
if [ -n "$cfg" ] && mkdir -p /run/config-drive && \
        mount -o ro "$cfg" /run/config-drive; then
    md=/run/config-drive/openstack/latest/meta_data.json
    [ -f $md ] && cp $md /run/meta_data.json
    umount /run/config-drive
fi
if [ -s /run/meta_data.json ]; then
    apply_metadata /run/meta_data.json "config drive $cfg"
else
    (
        for i in $(seq 60); do
            if fetch_metadata; then
                apply_metadata /run/meta_data.json "the metadata service"
                exit 0
            fi
            sleep 2
        done
        say "no config drive and no metadata service"
    ) &
fi

keys=/var/lib/guest/dropbear
mkdir -p $keys
for t in ed25519 ecdsa; do
    [ -s $keys/$t ] || dropbearkey -t $t -f $keys/$t > /dev/null 2>&1
done
say "host keys"
acpid -c /etc/acpi -l /var/log/acpid.log
say "starting sshd"
'''

RCK = r'''#!/bin/sh
# Power off or reboot: stop the daemons, then put the data partition away.
killall dropbear udhcpc acpid 2> /dev/null
sync
umount /tmp 2> /dev/null
umount /var/lib/guest 2> /dev/null || mount -o remount,ro /var/lib/guest
'''

UDHCPC = r'''#!/bin/sh
# udhcpc's hook: address, routes, MTU and resolv.conf of the lease.
case "$1" in
deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} \
        dev "$interface"
    set -- $staticroutes
    while [ $# -ge 2 ]; do
        ip route replace "$1" via "$2" dev "$interface"
        shift 2
    done
    for r in $router; do
        ip route replace default via "$r" dev "$interface" && break
    done
    : > /etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "guest: $interface $ip/${mask:-24} router ${router:-none}" \
        > /dev/console
    ;;
esac
exit 0
'''

INITTAB = '''::sysinit:/etc/init.d/rcS
::respawn:/usr/sbin/dropbear -F -E -p 22 -r /var/lib/guest/dropbear/ed25519 \
-r /var/lib/guest/dropbear/ecdsa
::ctrlaltdel:/bin/reboot
::shutdown:/etc/init.d/rcK
'''

SUDOERS = '''Defaults env_reset
Defaults secure_path="/usr/sbin:/usr/bin:/sbin:/bin"
Defaults !lecture, !syslog
root ALL=(ALL:ALL) ALL
@USER@ ALL=(ALL:ALL) NOPASSWD: ALL
'''


def etc_files(tree, password_hash):
    def fill(text):
        return text.replace('@USER@', USER).replace('@DATA_LABEL@',
                                                    DATA_LABEL)
    tree.file('etc/inittab', INITTAB)
    tree.file('etc/init.d/rcS', fill(RCS), 0o755)
    tree.file('etc/init.d/rcK', RCK, 0o755)
    tree.file('etc/udhcpc.script', UDHCPC, 0o755)
    tree.file('etc/acpi/PWRF/00000080', '#!/bin/sh\nexec poweroff\n', 0o755)
    tree.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'
              '%s:x:1000:1000:%s:/home/%s:/bin/sh\n' % (USER, USER, USER))
    tree.file('etc/shadow', 'root:*:19000:0:99999:7:::\n'
              '%s:%s:19000:0:99999:7:::\n' % (USER, password_hash), 0o600)
    tree.file('etc/group', 'root:x:0:\ntty:x:5:\n%s:x:1000:\n' % USER)
    tree.file('etc/shells', '/bin/sh\n/bin/ash\n')
    tree.file('etc/nsswitch.conf', 'passwd: files\ngroup: files\n'
              'shadow: files\nhosts: files dns\n')
    tree.file('etc/hosts', '127.0.0.1 localhost\n127.0.1.1 guest\n')
    tree.file('etc/resolv.conf', '')
    tree.file('etc/profile', 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n')
    tree.file('etc/sudoers', fill(SUDOERS), 0o440)
    tree.file('etc/pam.d/sudo', 'auth required pam_deny.so\n'
              'account required pam_permit.so\n'
              'session required pam_permit.so\n')
    tree.file('etc/pam.d/other', 'auth required pam_deny.so\n'
              'account required pam_deny.so\n'
              'password required pam_deny.so\n'
              'session required pam_deny.so\n')


# -- the disk -----------------------------------------------------------------

def _chs(lba):
    """An MBR CHS triple for 255 heads x 63 sectors (capped at 1023)."""
    cyl, rest = divmod(lba, 255 * 63)
    if cyl > 1023:
        return bytes([254, 255, 255])
    head, sector = divmod(rest, 63)
    return bytes([head, ((cyl >> 2) & 0xc0) | (sector + 1), cyl & 0xff])


def mbr(boot_code, partitions):
    """boot code + signature + up to 4 (bootable, type, start, sectors)."""
    sector = bytearray(boot_code[:440].ljust(440, b'\0'))
    sector += struct.pack('<IH', DISK_SIGNATURE, 0)
    for active, ptype, start, count in partitions:
        sector += (bytes([0x80 if active else 0]) + _chs(start)
                   + bytes([ptype]) + _chs(start + count - 1)
                   + struct.pack('<II', start, count))
    sector = sector.ljust(510, b'\0') + b'\x55\xaa'
    return bytes(sector)


def fat_partition(path, size, start_lba, files, tools):
    """A FAT file system image with syslinux and files, built with mtools."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1',
               PATH=tools['bin'] + os.pathsep + os.environ.get('PATH', ''),
               SOURCE_DATE_EPOCH=str(EPOCH))
    with open(path, 'wb') as f:
        f.truncate(size)
    run(['mformat', '-i', path, '-T', str(size // SECTOR), '-h', '64', '-s',
         '32', '-H', str(start_lba), '-N', '5ca1e10f', '-v', BOOT_LABEL,
         '::'], env=env)
    run([tools['syslinux'], '--install', path], env=env)
    for name, src in files:
        os.utime(src, (EPOCH, EPOCH))
        run(['mcopy', '-m', '-o', '-i', path, src, '::/' + name], env=env)


def data_partition(path, size, pkgs):
    """An empty ext4 file system labelled DATA_LABEL."""
    mke2fs = shutil.which('mke2fs', path='/usr/sbin:/sbin:' + os.environ.get(
        'PATH', ''))
    env = dict(os.environ, E2FSPROGS_FAKE_TIME=str(EPOCH))
    if not mke2fs:
        # the extracted e2fsprogs with its extracted libraries
        roots = [pkgs.extract(n) for n in ('e2fsprogs', 'libext2fs2',
                                           'libcom-err2', 'libblkid1',
                                           'libuuid1')]
        mke2fs = os.path.join(roots[0], 'sbin/mke2fs')
        env['LD_LIBRARY_PATH'] = ':'.join(
            os.path.join(r, 'lib/x86_64-linux-gnu') for r in roots)
    if os.path.exists(path):
        os.unlink(path)
    run([mke2fs, '-q', '-F', '-t', 'ext4', '-L', DATA_LABEL, '-U', DATA_UUID,
         '-E', 'hash_seed=%s,root_owner=0:0' % DATA_UUID,
         path, '%dM' % (size // MIB)], env=env)


def disk(path, kernel, initrd, tmp, pkgs):
    """MBR (syslinux), p1 FAT (boot), p2 ext4 (data); sizes in MiB."""
    tool_roots = {n: pkgs.extract(n) for n in TOOL_PACKAGES}
    tools = {'bin': os.path.join(tool_roots['mtools'], 'usr/bin'),
             'syslinux': os.path.join(tool_roots['syslinux'],
                                      'usr/bin/syslinux')}
    with open(os.path.join(tool_roots['syslinux'], 'usr/lib/SYSLINUX/mbr.bin'),
              'rb') as f:
        boot_code = f.read()
    cfg = os.path.join(tmp, 'syslinux.cfg')
    with open(cfg, 'w') as f:
        f.write('DEFAULT guest\nPROMPT 0\nTIMEOUT 0\nLABEL guest\n'
                '  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND %s\n'
                % CMDLINE)
    payload = os.path.getsize(kernel) + os.path.getsize(initrd)
    fat_size = -(-(payload + 2 * MIB) // MIB) * MIB
    data_size = DATA_MIB * MIB
    start = MIB // SECTOR
    fat_img = os.path.join(tmp, 'boot.fat')
    data_img = os.path.join(tmp, 'data.ext4')
    fat_partition(fat_img, fat_size, start,
                  [('syslinux.cfg', cfg), ('vmlinuz', kernel),
                   ('initrd.img', initrd)], tools)
    data_partition(data_img, data_size, pkgs)
    fat_sectors = fat_size // SECTOR
    table = [(True, 0x0e, start, fat_sectors),
             (False, 0x83, start + fat_sectors, data_size // SECTOR)]
    new = path + '.new'
    with open(new, 'wb') as out:
        out.write(mbr(boot_code, table))
        for offset, img in ((MIB, fat_img), (MIB + fat_size, data_img)):
            out.seek(offset)
            with open(img, 'rb') as f:
                shutil.copyfileobj(f, out, 4 * MIB)
        out.truncate(MIB + fat_size + data_size)
    os.replace(new, path)


# -- the build ----------------------------------------------------------------

def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(MIB), b''):
            h.update(block)
    return h.hexdigest()


def build(out_dir=DEFAULT_OUT, password=PASSWORD, refresh=False):
    """Build (or find up to date) the guest in out_dir; its manifest."""
    t0 = time.monotonic()
    out_dir = os.path.abspath(out_dir)
    cache = os.path.join(out_dir, 'cache')
    pkgs = Packages(cache)
    if refresh:
        shutil.rmtree(cache, ignore_errors=True)
    kernel_name = pkgs.kernel_package()
    debs = pkgs.fetch([kernel_name] + GUEST_PACKAGES + TOOL_PACKAGES)
    with open(os.path.abspath(__file__), 'rb') as f:
        script = f.read()
    fingerprint = hashlib.sha256(script + password.encode() + json.dumps(
        sorted(os.path.basename(d) for d in debs.values())).encode()
    ).hexdigest()
    manifest_path = os.path.join(out_dir, 'guest.json')
    paths = {'disk': os.path.join(out_dir, 'guest.raw'),
             'kernel': os.path.join(out_dir, 'vmlinuz'),
             'initrd': os.path.join(out_dir, 'initrd.img')}
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
        if (manifest['fingerprint'] == fingerprint
                and all(os.path.exists(p) for p in paths.values())):
            manifest['seconds'] = round(time.monotonic() - t0, 1)
            manifest['cached'] = True
            return manifest
    except (OSError, ValueError, KeyError):
        pass

    tree, kernel_root, version, modules = guest_tree(pkgs, kernel_name,
                                                     password)
    tmp = os.path.join(out_dir, 'tmp')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    archive = tree.cpio()
    with open(paths['initrd'] + '.new', 'wb') as f:
        with gzip.GzipFile(fileobj=f, mode='wb', compresslevel=6,
                           mtime=0) as z:
            z.write(archive)
    os.replace(paths['initrd'] + '.new', paths['initrd'])
    shutil.copyfile(os.path.join(kernel_root, 'boot', 'vmlinuz-' + version),
                    paths['kernel'])
    disk(paths['disk'], paths['kernel'], paths['initrd'], tmp, pkgs)
    shutil.rmtree(tmp)
    manifest = {
        'fingerprint': fingerprint,
        'kernel_version': version,
        'cmdline': CMDLINE,
        'user': USER, 'password': password or None,
        'data_label': DATA_LABEL,
        'modules': modules,
        'packages': sorted(os.path.basename(d) for d in debs.values()),
        'files': {k: {'path': p, 'bytes': os.path.getsize(p),
                      'sha256': _sha256(p)} for k, p in paths.items()},
        'initramfs_bytes_uncompressed': len(archive),
        'seconds': round(time.monotonic() - t0, 1),
        'cached': False,
    }
    layout.write_file(manifest_path, json.dumps(manifest, indent=1) + '\n')
    return manifest


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=DEFAULT_OUT,
                   help='output and cache dir (default %(default)s)')
    p.add_argument('--password', default=PASSWORD,
                   help='password of the guest user %s ("" for none; '
                   'default %%(default)s)' % USER)
    p.add_argument('--refresh', action='store_true',
                   help='download the packages again (drops the cache)')
    args = p.parse_args()
    try:
        manifest = build(args.out, args.password, args.refresh)
    except BuildError as e:
        sys.exit('guest_image: %s' % e)
    for name, f in sorted(manifest['files'].items()):
        print('guest_image: %-6s %s (%.1f MiB)' % (name, f['path'],
                                                   f['bytes'] / MIB))
    print('guest_image: kernel %s, user %s, %s in %.1f s'
          % (manifest['kernel_version'], manifest['user'],
             'up to date' if manifest['cached'] else 'built',
             manifest['seconds']))


if __name__ == '__main__':
    main()
