"""The libvirt volume driver with the real connector and nova's classes.

Each test is an attach as nova-compute does it on host sdc1: the gateway
maps a volume (as the Cinder driver would), nova calls connect_volume,
builds the guest's disk from get_config, extends, disconnects.
"""

import inspect
import os

from lxml import etree

from nova.virt.libvirt.volume import volume as nova_volume

from scaleio_nova import connector as scaleio_connector
from scaleio_nova import exceptions
from scaleio_nova import libvirt_volume
from tests.integration.nova import host_packages
from tests.support import common
from tests.support import nova as support

DISK_INFO = {'bus': 'virtio', 'dev': 'vdb', 'type': 'disk'}
DOMAIN = '''<domain type="qemu">
  <name>scaleio-disk</name>
  <memory unit="MiB">64</memory>
  <os><type arch="x86_64" machine="pc">hvm</type></os>
  <devices>%s</devices>
</domain>'''


class TestLibvirtScaleIOVolumeDriver(support.NovaHostTestCase):

    def setUp(self):
        super().setUp()
        self.driver = libvirt_volume.LibvirtScaleIOVolumeDriver(
            self.libvirt_host())

    def attached(self, size_gib=10, discard=False):
        """A volume of ``size_gib`` mapped here and connected by nova."""
        cinder_id, volume_id = self.create_volume(size_gib)
        info = self.attach_info(cinder_id, volume_id, size_gib, discard)
        self.driver.connect_volume(info, None)
        return info

    def disk(self, info, disk_info=DISK_INFO):
        return etree.fromstring(
            self.driver.get_config(info, disk_info).to_xml())

    def test_is_nova_volume_driver_with_its_signatures(self):
        self.assertIsInstance(self.driver,
                              nova_volume.LibvirtBaseVolumeDriver)
        self.assertFalse(self.driver.is_block_dev)
        for name in ('get_config', 'connect_volume', 'disconnect_volume',
                     'extend_volume'):
            self.assertEqual(
                inspect.signature(
                    getattr(nova_volume.LibvirtBaseVolumeDriver, name)),
                inspect.signature(
                    getattr(libvirt_volume.LibvirtScaleIOVolumeDriver,
                            name)), name)

    def test_connector_comes_from_nova_conf(self):
        self.conf.config(num_volume_scan_tries=7, group='libvirt')
        connector = self.driver.connector
        self.assertIsInstance(connector, scaleio_connector.ScaleIOConnector)
        self.assertEqual(self.search_path, connector.get_search_path())
        # The wait is bounded by [scaleio] device_timeout, whatever
        # nova's scan count says.
        self.assertEqual(5.0, connector.device_timeout)
        self.assertIn('rootwrap', connector._root_helper)
        # Made once, on first use.
        self.assertIs(connector, self.driver.connector)

    def test_connect_stores_the_device_link(self):
        info = self.attached(size_gib=10)
        path = info['data']['device_path']
        self.assertEqual(self.device_link(info['data']['scaleIO_volume_id']),
                         path)
        # 10 GiB in Cinder, 16 GiB on the array and on the host.
        self.assertEqual(16 * common.BYTES_PER_GIB, os.path.getsize(path))

    def test_connect_of_a_volume_not_mapped_here_fails(self):
        self.conf.config(device_timeout=0.2, device_rescan_delay=0.1,
                         group='scaleio')
        cinder_id, volume_id = self.create_volume()
        info = self.attach_info(cinder_id, volume_id, 8)
        self.gateway.unmap_volume(volume_id, guid=common.SDC1_GUID)
        self.assertRaises(exceptions.DeviceNotFound,
                          self.driver.connect_volume, info, None)
        self.assertNotIn('device_path', info['data'])

    def test_config_is_a_raw_block_device_with_native_io(self):
        info = self.attached()
        disk = self.disk(info)
        self.assertEqual('disk', disk.tag)
        self.assertEqual({'type': 'block', 'device': 'disk'},
                         dict(disk.attrib))
        driver = disk.find('driver')
        self.assertEqual({'name': 'qemu', 'type': 'raw', 'cache': 'none',
                          'io': 'native'}, dict(driver.attrib))
        self.assertEqual(info['data']['device_path'],
                         disk.find('source').get('dev'))
        self.assertEqual({'dev': 'vdb', 'bus': 'virtio'},
                         dict(disk.find('target').attrib))
        self.assertEqual(info['serial'], disk.findtext('serial'))
        self.assertEqual('ua-' + info['serial'],
                         disk.find('alias').get('name'))

    def test_config_unmaps_discarded_blocks_when_cinder_says_so(self):
        info = self.attached(discard=True)
        self.assertIs(True, info['data']['discard'])
        self.assertEqual('unmap',
                         self.disk(info).find('driver').get('discard'))

    def test_config_on_the_scsi_bus_has_the_unit_address(self):
        info = self.attached()
        disk = self.disk(info, {'bus': 'scsi', 'dev': 'sdb', 'type': 'disk',
                                'unit': 3})
        self.assertEqual('3', disk.find('address').get('unit'))

    def test_config_is_valid_libvirt_domain_xml(self):
        # libvirt's own RelaxNG schema (Debian libvirt0, installed before
        # the Nova side's tests where possible: see host_packages).
        if not os.path.exists(host_packages.DOMAIN_SCHEMA):
            self.skipTest('libvirt\'s domain schema %s is not installed '
                          '(Debian libvirt0)' % host_packages.DOMAIN_SCHEMA)
        schema = etree.RelaxNG(etree.parse(host_packages.DOMAIN_SCHEMA))
        info = self.attached(discard=True)
        xml = self.driver.get_config(info, DISK_INFO).to_xml()
        domain = etree.fromstring(DOMAIN % xml)
        self.assertTrue(schema.validate(domain), schema.error_log)
        # The check can fail: a disk without a target is refused.
        domain.find('devices/disk').remove(
            domain.find('devices/disk/target'))
        self.assertFalse(schema.validate(domain))

    def test_extend_returns_the_size_of_the_grown_device(self):
        info = self.attached(size_gib=10)
        volume_id = info['data']['scaleIO_volume_id']
        self.gateway.extend_volume(volume_id, 20)
        # Cinder asks for 20 GiB; the array (and so the guest) has 24.
        new_size = self.driver.extend_volume(info, None,
                                             20 * common.BYTES_PER_GIB)
        self.assertEqual(24 * common.BYTES_PER_GIB, new_size)
        self.assertEqual(24 * common.BYTES_PER_GIB,
                         os.path.getsize(info['data']['device_path']))

    def test_disconnect_leaves_the_unmapping_to_cinder(self):
        info = self.attached()
        path = info['data']['device_path']
        self.sim.log.reset()
        self.driver.disconnect_volume(info, None)
        # Cinder's terminate_connection unmaps; the host sent nothing.
        self.assertEqual({}, self.sim.log.counters())
        self.assertTrue(os.path.exists(path))
        self.gateway.unmap_volume(info['data']['scaleIO_volume_id'],
                                  guid=common.SDC1_GUID)
        self.assertFalse(os.path.exists(path))
