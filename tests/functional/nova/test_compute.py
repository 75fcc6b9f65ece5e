"""The compute driver as nova-compute loads and uses it.

Built the way nova's own libvirt tests build LibvirtDriver: a FakeVirtAPI
and fakelibvirt. Host sdc1 of the simulator is this compute node.
"""

import sys

import fixtures
from lxml import etree
from oslo_privsep import priv_context

import nova.virt
from nova.virt import driver as virt_driver
from nova.virt import fake
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt.volume import scaleio as nova_scaleio
from nova.virt.libvirt.volume import volume as nova_volume

from scaleio_nova import compute
from scaleio_nova import libvirt_volume
from tests.support import common
from tests.support import nova as support

DISK_INFO = {'bus': 'virtio', 'dev': 'vda', 'type': 'disk',
             'boot_index': '1'}
HOST_WITHOUT_SDC = {
    'platform': 'x86_64', 'os_type': 'linux', 'ip': '192.0.2.10',
    'host': 'compute-1', 'multipath': False,
    'initiator': 'iqn.1993-08.org.debian:01:compute-1'}


def refuse_privsep(context, *args, **kwargs):
    raise AssertionError('privsep daemon %s started in a test'
                         % context.pypath)


class TestComputeDriver(support.NovaHostTestCase):

    def setUp(self):
        super().setUp()
        # As nova's test fixtures do: no privsep daemon (it would run
        # nova-rootwrap through sudo) in these tests.
        self.useFixture(fixtures.MockPatchObject(
            priv_context.PrivContext, 'start', refuse_privsep))
        self.driver = compute.LibvirtDriver(fake.FakeVirtAPI(), False)

    def os_brick_host_properties(self, properties):
        """What os-brick finds probing this host, for the parent driver.

        os-brick's get_connector_properties asks every connector: iSCSI
        reads the initiator name, NVMe-oF the host NQN, ScaleIO the
        /dev/scini ioctl, all through os-brick's privsep daemon, which
        cannot run here.
        """
        return self.useFixture(fixtures.MockPatch(
            'os_brick.initiator.connector.get_connector_properties',
            return_value=dict(properties))).mock

    def test_scaleio_volumes_use_our_volume_driver(self):
        vol_driver = self.driver._get_volume_driver(
            {'driver_volume_type': 'scaleio', 'data': {}})
        self.assertIsInstance(vol_driver,
                              libvirt_volume.LibvirtScaleIOVolumeDriver)
        self.assertIs(self.driver._host, vol_driver.host)
        self.assertIs(vol_driver, self.driver._get_volume_driver(
            {'driver_volume_type': 'scaleio', 'data': {}}))

    def test_other_volume_types_and_nova_are_untouched(self):
        self.assertIsInstance(
            self.driver._get_volume_driver({'driver_volume_type': 'fake'}),
            nova_volume.LibvirtFakeVolumeDriver)
        self.assertEqual(
            'nova.virt.libvirt.volume.scaleio.LibvirtScaleIOVolumeDriver',
            libvirt_driver.VOLUME_DRIVERS['scaleio'])
        stock = libvirt_driver.LibvirtDriver(fake.FakeVirtAPI(), False)
        self.assertIsInstance(
            stock._get_volume_driver({'driver_volume_type': 'scaleio'}),
            nova_scaleio.LibvirtScaleIOVolumeDriver)

    def test_boot_disk_through_nova_connect_and_config(self):
        cinder_id, volume_id = self.create_volume(size_gib=10)
        info = self.attach_info(cinder_id, volume_id, 10, discard=True)
        self.driver._connect_volume(None, info, None)
        # _get_volume_config applies nova's cache mode policy on top.
        disk = etree.fromstring(
            self.driver._get_volume_config(info, DISK_INFO).to_xml())
        self.assertEqual('block', disk.get('type'))
        self.assertEqual(self.device_link(volume_id),
                         disk.find('source').get('dev'))
        self.assertEqual({'name': 'qemu', 'type': 'raw', 'cache': 'none',
                          'io': 'native', 'discard': 'unmap'},
                         dict(disk.find('driver').attrib))
        self.assertEqual(cinder_id, disk.findtext('serial'))

        self.gateway.extend_volume(volume_id, 17)
        self.assertEqual(24 * common.BYTES_PER_GIB,
                         self.driver._extend_volume(
                             info, None, 17 * common.BYTES_PER_GIB))
        self.driver._disconnect_volume(None, info, None)

    def test_connector_has_the_sdc_guid_from_drv_cfg(self):
        parent = self.os_brick_host_properties(HOST_WITHOUT_SDC)
        properties = self.driver.get_volume_connector(None)
        self.assertEqual(dict(HOST_WITHOUT_SDC, sdc_guid=common.SDC1_GUID),
                         properties)
        parent.assert_called_once()

    def test_our_sdc_guid_replaces_os_bricks(self):
        self.os_brick_host_properties(
            dict(HOST_WITHOUT_SDC, sdc_guid=common.SDC1_GUID.lower()))
        self.assertEqual(common.SDC1_GUID,
                         self.driver.get_volume_connector(None)['sdc_guid'])

    def test_host_without_sdc_has_no_sdc_guid(self):
        self.conf.config(drv_cfg_path='/nonexistent/drv_cfg',
                         group='scaleio')
        self.os_brick_host_properties(HOST_WITHOUT_SDC)
        self.assertEqual(HOST_WITHOUT_SDC,
                         self.driver.get_volume_connector(None))


class TestLoadingByNova(support.NovaHostTestCase):
    """nova.virt.driver.load_compute_driver, as nova-compute starts."""

    def setUp(self):
        super().setUp()
        self.nova_virt = self.useFixture(fixtures.TempDir()).path
        # The temporary directory stands in for nova.virt's own, where the
        # operator installs the shim.
        self.useFixture(fixtures.MonkeyPatch(
            'nova.virt.__path__', list(nova.virt.__path__) + [self.nova_virt]))
        self.addCleanup(sys.modules.pop,
                        'nova.virt.' + compute.SHIM_MODULE, None)

    def test_loads_through_the_nova_virt_shim(self):
        path = compute.install_shim(self.nova_virt)
        self.assertTrue(path.endswith('/scaleio_libvirt.py'))
        loaded = virt_driver.load_compute_driver(
            fake.FakeVirtAPI(), 'scaleio_libvirt.LibvirtDriver')
        self.assertIsInstance(loaded, compute.LibvirtDriver)

    def test_a_full_dotted_path_is_not_enough_for_nova_34(self):
        # nova imports 'nova.virt.' + compute_driver and exits otherwise.
        self.assertRaises(SystemExit, virt_driver.load_compute_driver,
                          fake.FakeVirtAPI(),
                          'scaleio_nova.compute.LibvirtDriver')

    def test_prints_the_shim(self):
        out = self.useFixture(fixtures.StringStream('stdout'))
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out.stream))
        self.assertEqual(0, compute.main([]))
        out.stream.flush()
        self.assertIn('from scaleio_nova.compute import LibvirtDriver',
                      out.getDetails()['stdout'].as_text())
