"""The compute driver: nova's libvirt driver with our ScaleIO volume driver.

Nova 34 has no setting for volume drivers (``VOLUME_DRIVERS`` in
nova.virt.libvirt.driver is a fixed dict) and loads ``compute_driver``
only from inside the ``nova.virt`` package (``nova.virt.<compute_driver>``,
no fallback to a full dotted path). So an operator installs a one-line
module there, ``nova/virt/scaleio_libvirt.py`` (``python3 -m
scaleio_nova.compute --install`` writes it), and sets::

    [DEFAULT]
    compute_driver = scaleio_libvirt.LibvirtDriver

Nothing in nova is patched: this subclass only fills its own per-instance
volume driver cache and adds our SDC GUID to the host's connector.
"""

import argparse
import os
import sys

import nova.conf
from nova import utils
from nova.virt.libvirt import driver as libvirt_driver

from scaleio_nova import libvirt_volume

CONF = nova.conf.CONF
DRIVER_VOLUME_TYPE = 'scaleio'
SHIM_MODULE = 'scaleio_libvirt'
SHIM_SOURCE = '''\
"""compute_driver = %s.LibvirtDriver (from scaleio_nova)."""

from scaleio_nova.compute import LibvirtDriver  # noqa: F401
''' % SHIM_MODULE


class LibvirtDriver(libvirt_driver.LibvirtDriver):
    """Nova's LibvirtDriver, ``scaleio`` volumes through scaleio_nova."""

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi, read_only=read_only)
        # _get_volume_driver() returns what this cache holds for a type
        # that VOLUME_DRIVERS lists ('scaleio' is listed, for nova's own
        # driver); seeding it here replaces nova's ScaleIO driver in this
        # compute driver only, without touching the module's dict. Our
        # volume driver makes its connector on first use.
        self.volume_drivers[DRIVER_VOLUME_TYPE] = (
            libvirt_volume.LibvirtScaleIOVolumeDriver(self._host))

    @property
    def scaleio_volume_driver(self):
        return self.volume_drivers[DRIVER_VOLUME_TYPE]

    def get_volume_connector(self, instance):
        """The host's connector properties, ``sdc_guid`` from our side.

        os-brick's part (run by nova's driver) finds the GUID only through
        the /dev/scini ioctl; ours also asks drv_cfg. Ours wins when it
        has one; when this host has no SDC neither has a GUID and the key
        stays absent, which Cinder reports as a host without SDC.
        """
        properties = super().get_volume_connector(instance)
        connector = self.scaleio_volume_driver.connector
        properties.update(connector.get_connector_properties(
            utils.get_root_helper(), CONF.my_block_storage_ip,
            CONF.libvirt.volume_use_multipath, enforce_multipath=True,
            host=CONF.host, drv_cfg_path=connector.drv_cfg_path))
        return properties


def nova_virt_dir():
    """Where nova's compute drivers live (the nova.virt package)."""
    import nova.virt
    return os.path.dirname(os.path.abspath(nova.virt.__file__))


def install_shim(directory=None):
    """Write the ``nova.virt`` shim module; returns its path."""
    path = os.path.join(directory or nova_virt_dir(), SHIM_MODULE + '.py')
    with open(path, 'w') as f:
        f.write(SHIM_SOURCE)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python3 -m scaleio_nova.compute',
        description='Show or install the nova.virt.%s module through '
                    'which nova-compute loads scaleio_nova.compute.'
                    'LibvirtDriver.' % SHIM_MODULE)
    parser.add_argument('--install', action='store_true',
                        help='write the module (needs write access to '
                             "nova's package)")
    parser.add_argument('--target', help='directory instead of nova.virt')
    args = parser.parse_args(argv)
    if args.install:
        print(install_shim(args.target))
    else:
        sys.stdout.write(SHIM_SOURCE)
    return 0


if __name__ == '__main__':
    sys.exit(main())
