"""Debian packages and libvirt-python for the Nova side's host tests.

The real boot from volume needs libvirtd and qemu; the libvirt XML check
needs libvirt's RelaxNG schemas. tox's ``nova`` environment runs this
module before its tests (``python -m tests.integration.nova.host_packages``)
so that every test finds them; as root with apt-get it installs what is
missing, otherwise it says why not and the tests that need the packages
skip with that reason.
"""

import os
import shutil
import subprocess
import sys
import time

PACKAGES = ('libvirt-daemon-system', 'libvirt-clients',
            'libvirt-daemon-driver-qemu', 'qemu-system-x86', 'libvirt-dev',
            'pkg-config')
# A file each package installs: a missing file means installing.
PACKAGE_FILES = ('/usr/sbin/libvirtd', '/usr/sbin/virtlogd', '/usr/bin/virsh',
                 '/usr/bin/qemu-system-x86_64',
                 '/usr/include/libvirt/libvirt.h', '/usr/bin/pkg-config')
DOMAIN_SCHEMA = '/usr/share/libvirt/schemas/domain.rng'
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def missing():
    return [f for f in PACKAGE_FILES if not os.path.exists(f)]


def cannot_install():
    """Why missing packages cannot be installed here, or None."""
    if os.geteuid() != 0:
        return 'not root (uid %d)' % os.geteuid()
    if not shutil.which('apt-get'):
        return 'apt-get is not available'
    return None


def _run(*cmd, **kwargs):
    return subprocess.run(cmd, check=False, text=True, capture_output=True,
                          timeout=600, **kwargs)


def install_debian_packages():
    """Install the packages if any is missing; returns an error or None."""
    if not missing():
        return None
    reason = cannot_install()
    if reason:
        return ('needs %s; cannot install them: %s'
                % (', '.join(missing()), reason))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for cmd in (('apt-get', 'update', '-q'),
                ('apt-get', 'install', '-y', '-q', '--no-install-recommends')
                + PACKAGES):
        result = _run(*cmd, env=env)
        if result.returncode:
            return '%s failed (rc %d): %s' % (' '.join(cmd[:2]),
                                              result.returncode,
                                              result.stderr.strip()[-500:])
    return None


def install_libvirt_python(python=sys.executable):
    """pip install libvirt-python into ``python``'s environment if absent."""
    if not _run(python, '-c', 'import libvirt').returncode:
        return None
    result = _run(python, '-m', 'pip', 'install', '-q', '-c',
                  os.path.join(TOP, 'tools', 'constraints.txt'),
                  'libvirt-python')
    if result.returncode:
        return ('pip install libvirt-python failed: %s'
                % result.stderr.strip()[-1000:])
    return None


def main():
    started = time.monotonic()
    error = install_debian_packages()
    if error is None and os.path.exists('/usr/include/libvirt/libvirt.h'):
        error = install_libvirt_python()
    if error:
        print('host packages: %s' % error)
    else:
        print('host packages: ready in %.1f s' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
