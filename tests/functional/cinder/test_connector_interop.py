"""Our host connector attaches what Cinder exports.

Volumes exported by Cinder 29's in-tree PowerFlexDriver and by our driver,
with connector properties from our connector (the GUID from the simulated
host's drv_cfg), are found, extended and detached on the simulated host.
"""

import os

import ddt

from scaleio_nova import connector as scaleio_connector
from tests.functional.cinder import test_interop
from tests.support import cinder as support
from tests.support import common


@ddt.ddt
class TestOurConnectorAttaches(test_interop.InteropTestCase):

    def setUp(self):
        super().setUp()
        self.pf = self.make_powerflex()
        host_dir = self.sim.host_dir('sdc1')
        self.host = scaleio_connector.ScaleIOConnector(
            None, search_path=os.path.join(host_dir, 'by-id'),
            drv_cfg_path=os.path.join(host_dir, 'drv_cfg'),
            device_timeout=5.0, device_rescan_delay=1.0)

    def host_connector(self):
        props = self.host.get_connector_properties(
            None, drv_cfg_path=self.host.drv_cfg_path)
        self.assertEqual(support.SDC1_GUID, props['sdc_guid'])
        return dict(self.connector(), **props)

    @ddt.data('powerflex', 'ours')
    def test_attach_extend_detach(self, exporter):
        driver = self.pf if exporter == 'powerflex' else self.driver
        if exporter == 'powerflex':
            volume = self.pf_volume(self.pf, size=8)
        else:
            volume = self.volume(size=8)
        connector = self.host_connector()
        info = driver.initialize_connection(volume, connector)
        self.assertEqual('scaleio', info['driver_volume_type'])

        device = self.host.connect_volume(info['data'])

        self.assertEqual('block', device['type'])
        self.assertEqual(
            'emc-vol-%s-%s' % (self.sim.mdm.system_id, volume.provider_id),
            os.path.basename(device['path']))
        self.assertTrue(self.host.check_valid_device(device['path']))
        with open(device['path'], 'r+b') as f:
            f.write(b'written by the host')

        driver.extend_volume(volume, 16)
        self.assertEqual(16 * common.BYTES_PER_GIB,
                         self.host.extend_volume(info['data']))

        self.host.disconnect_volume(info['data'], device)
        driver.terminate_connection(volume, connector)
        self.assertEqual([], self.host.get_volume_paths(info['data']))
        self.assertEqual([], self.mapped_sdcs(volume))
        driver.delete_volume(volume)
