"""What the stack runs on: Debian's MariaDB and RabbitMQ, and the venv.

The venv holds OpenStack pinned by ``tools/constraints.txt``, this project
and the tempest shim plugin, both editable. Standard library only.
"""

import hashlib
import os
import sys
import time

import cloud
import guest_image
import layout
import procs

CONSTRAINTS = os.path.join(layout.REPO, 'tools', 'constraints.txt')
SHIM = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    'tempest_shim')
PACKAGES = ['cinder==29.0.0', 'keystone==30.0.0', 'tempest==47.0.0',
            'cinder-tempest-plugin==1.23.0', 'python-openstackclient',
            'gunicorn', 'PyMySQL',
            # the cloud around Cinder (up's default; --cinder-only leaves
            # it out): the APIs run under uwsgi
            'nova==34.0.0', 'openstack-placement==16.0.0', 'glance==33.0.0',
            'neutron==29.0.0', 'os-vif', 'ovsdbapp', 'osc-placement',
            'libvirt-python', 'uwsgi',
            # tooz's etcd3+http:// driver (up --active-active)
            'etcd3gw']
# package: (binaries it brings, process names of a server already running)
APT = {
    'mariadb-server': (['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db',
                        '/usr/bin/mariadb'], ['mariadbd', 'mysqld']),
    'rabbitmq-server': (['/usr/lib/rabbitmq/bin/rabbitmq-server'],
                        ['beam.smp']),
    # nova-compute's hypervisor (libvirt-python builds against libvirt-dev)
    'libvirt-daemon-system': (['/usr/sbin/libvirtd', '/usr/sbin/virtlogd'],
                              ['libvirtd']),
    'libvirt-dev': (['/usr/include/libvirt/libvirt.h'], []),
    'pkg-config': (['/usr/bin/pkg-config'], []),
    'qemu-system-x86': (['/usr/bin/qemu-system-x86_64'], []),
    'qemu-utils': (['/usr/bin/qemu-img'], []),
    # Neutron's ML2/OVN on OVS's userspace datapath, started by the harness
    'openvswitch-switch': (['/usr/sbin/ovs-vswitchd', '/usr/bin/ovs-vsctl',
                            '/usr/bin/ovsdb-tool'], ['ovs-vswitchd']),
    'ovn-central': (['/usr/bin/ovn-northd'], ['ovn-northd']),
    'ovn-host': (['/usr/bin/ovn-controller'], ['ovn-controller']),
    # Nova's config drive (ISO 9660), and the SSH guest's check
    'genisoimage': (['/usr/bin/genisoimage'], []),
    # the lock service of up --active-active
    'etcd-server': (['/usr/bin/etcd'], []),
    # LUKS for encrypted volumes (os-brick's encryptors)
    'cryptsetup-bin': (['/usr/sbin/cryptsetup'], []),
}


def step(name, cmd, **kw):
    t0 = time.monotonic()
    procs.run(cmd, **kw)
    print('harness: %-28s %6.1f s' % (name, time.monotonic() - t0),
          flush=True)


def apt_packages():
    missing = []
    for package, (binaries, servers) in sorted(APT.items()):
        if all(os.path.exists(b) for b in binaries):
            continue
        if any(procs.find_by_name(s) for s in servers):
            print('harness: %s: binaries missing but a server runs; not '
                  'installing' % package)
            continue
        missing.append(package)
    if not missing:
        print('harness: apt: %s installed' % ', '.join(sorted(APT)))
        return
    if os.geteuid() != 0:
        raise procs.HarnessError('need root to apt-get install %s'
                                 % ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    # Packages must not start their services with /etc defaults (RabbitMQ
    # would listen on every interface): deny starts while installing.
    policy = '/usr/sbin/policy-rc.d'
    own_policy = not os.path.exists(policy)
    if own_policy:
        layout.write_file(policy, '#!/bin/sh\n# tools/openstack/install.py'
                          '\nexit 101\n', mode=0o755)
    try:
        step('apt-get update', ['apt-get', 'update', '-qq'], env=env)
        step('apt-get install ' + ' '.join(missing),
             ['apt-get', 'install', '-y', '-qq', '--no-install-recommends']
             + missing, env=env)
    finally:
        if own_policy:
            os.unlink(policy)


def _fingerprint():
    h = hashlib.sha256(' '.join(PACKAGES).encode())
    for name in (CONSTRAINTS, os.path.join(layout.REPO, 'setup.cfg'),
                 os.path.join(layout.REPO, 'requirements.txt'),
                 os.path.join(SHIM, 'pyproject.toml')):
        with open(name, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def venv(lay):
    marker = os.path.join(lay.venv, '.harness-installed')
    fingerprint = _fingerprint()
    try:
        with open(marker) as f:
            if f.read().strip() == fingerprint:
                print('harness: venv %s: up to date' % lay.venv)
                return
    except OSError:
        pass
    if not os.path.exists(lay.bin('python')):
        step('python3 -m venv', [sys.executable, '-m', 'venv', lay.venv])
    pip = [lay.bin('python'), '-m', 'pip', '--disable-pip-version-check',
           'install', '-q', '-c', CONSTRAINTS]
    log = lay.log('install.log')
    step('pip install (openstack)', pip + PACKAGES, log=log,
         what='pip install', timeout=1800)
    # Editable: cinder-volume runs the work tree's driver (restart to pick
    # up a change), tempest the shim as it is in the tree.
    step('pip install -e <repo> <shim>', pip + ['-e', layout.REPO, '-e', SHIM],
         log=log, what='pip install -e')
    layout.write_file(marker, fingerprint + '\n')


def guest(lay):
    """The SSH scenarios' Linux guest (guest_image.py), cached."""
    try:
        manifest = guest_image.build(cloud.guest_dir(lay))
    except guest_image.BuildError as e:
        raise procs.HarnessError('guest image: %s' % e)
    print('harness: guest %s (kernel %s): %s in %.1f s'
          % (manifest['files']['disk']['path'], manifest['kernel_version'],
             'up to date' if manifest['cached'] else 'built',
             manifest['seconds']), flush=True)


def install(lay):
    os.makedirs(lay.logs, exist_ok=True)
    apt_packages()
    venv(lay)
    guest(lay)
