"""What connector tests share: a simulator (TLS, file mode) with SDC hosts,
an admin gateway client to create and map volumes as a Cinder driver
would, and connectors looking at a simulated host's device directory."""

import os

import fixtures

from scaleio_cinder import connection
from scaleio_client import sizes
from scaleio_nova import connector
from tests import base
from tests.support import common


class ConnectorTestCase(base.TestCase):

    simulator_options = {'tls': True}

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(
            common.SimulatorFixture(**self.simulator_options)).sim
        self.lock_path = self.useFixture(fixtures.TempDir()).path
        self.gateway = self.useFixture(common.ClientFixture(
            self.sim, password=self.admin_password, retries=1)).client
        self.pool_id = self.gateway.storage_pool_id('pd1', 'sp1')
        self.system_id = self.gateway.system_id()

    admin_password = common.PASSWORD

    def connector(self, host='sdc1', **kwargs):
        host_dir = self.sim.host_dir(host)
        kwargs.setdefault('device_timeout', 5.0)
        kwargs.setdefault('device_rescan_delay', 0.5)
        return connector.ScaleIOConnector(
            None, search_path=os.path.join(host_dir, 'by-id'),
            drv_cfg_path=os.path.join(host_dir, 'drv_cfg'),
            lock_path=self.lock_path, **kwargs)

    def create_volume(self, name, size_gib=8):
        return self.gateway.create_volume(name, self.pool_id,
                                          size_gib * sizes.KIB_PER_GIB)

    def map(self, volume_id, guid=common.SDC1_GUID):
        return self.gateway.map_volume(volume_id, guid=guid)

    def mapped_guids(self, volume_id):
        with self.sim.mdm.lock:
            volume = self.sim.mdm.get('Volume', volume_id)
            return sorted(self.sim.mdm.get('Sdc', m.sdc_id).guid
                          for m in volume.mappings)

    def device(self, volume_id, host='sdc1'):
        return os.path.join(self.sim.host_dir(host), 'by-id',
                            'emc-vol-%s-%s' % (self.system_id, volume_id))

    # Connection info of each generation.
    def driver_info(self, name, volume_id, guid=common.SDC1_GUID):
        """What our Cinder driver sends (it mapped the volume)."""
        return connection.connection_info(
            name, volume_id, guid, 'scaleio', iops=100, bandwidth_kbps=2048,
            size_gib=8)['data']

    def in_tree_info(self, name, volume_id, guid=common.SDC1_GUID):
        """What Cinder 29's in-tree driver sends (it mapped the volume)."""
        return {'scaleIO_volname': name, 'scaleIO_volume_id': volume_id,
                'sdc_guid': guid}

    def legacy_info(self, name, volume_id=None, config_group='scaleio',
                    iops=None, bandwidth=None):
        """Pre-Train connection info: the host maps the volume itself."""
        info = {'scaleIO_volname': name, 'hostIP': '192.0.2.11',
                'serverIP': '127.0.0.1', 'serverPort': self.sim.port,
                'serverUsername': 'admin', 'config_group': config_group,
                'failed_over': False, 'iopsLimit': iops,
                'bandwidthLimit': bandwidth, 'verify_certificate': True,
                'certificate_path': self.sim.ca_file}
        if volume_id is not None:
            info['scaleIO_volume_id'] = volume_id
        return info

    def connector_file(self, text, mode=0o600):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'connector.conf')
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(text)
        os.chmod(path, mode)
        return path
