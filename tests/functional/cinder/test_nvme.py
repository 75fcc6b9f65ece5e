"""NVMe/TCP: ScaleIONVMeDriver maps volumes to NVMe host objects.

The host object is found by the connector's NQN or made on the first
attach, and removed with its last mapping; ``connection_info`` is
``nvmeof`` and stock os-brick 7.1.1's NVMe-oF connector reads it. (No
NVMe/TCP data path can run here: there is no nvme-tcp kernel module.)
"""

import os
import threading
import uuid

from os_brick.initiator.connectors import nvmeof

from cinder import exception
from scaleio_cinder import driver as scaleio_driver
from scaleio_cinder import nvme
from tests.support import cinder as support

NQN = 'nqn.2014-08.org.nvmexpress:uuid:5c1a0001-aaaa-4bbb-8ccc-0000000000%02d'


class NvmeTestCase(support.DriverTestCase):

    simulator_options = {'tls': True, 'api_version': '4.5'}

    def setUp(self):
        super().setUp()
        self.driver = self.load_driver(
            'nvme', support.backend_options(
                'nvme', self.pools, self.sim.port, self.sim.ca_file,
                scaleio_rest_retries=1),
            cls=scaleio_driver.ScaleIONVMeDriver)

    def nvme_connector(self, n=1, host='compute1'):
        return {'nqn': NQN % n, 'host': host, 'ip': '192.0.2.11'}

    def nvme_hosts(self):
        with self.sim.mdm.lock:
            return {h.nqn: h for h in self.sim.mdm.sdcs.values() if h.nvme}

    def volume(self, *args, **kwargs):
        volume = super().volume(*args, create=False, **kwargs)
        volume.host = 'cinder-volume@nvme#pd1:sp1'
        volume.update(self.driver.create_volume(volume))
        volume.save()
        return volume


class TestNvmeAttach(NvmeTestCase):

    def test_connection_info_stock_os_brick_reads(self):
        volume = self.volume(8)
        info = self.driver.initialize_connection(volume,
                                                 self.nvme_connector())
        self.assertEqual('nvmeof', info['driver_volume_type'])
        data = info['data']
        self.assertEqual([['127.0.0.1', 4420, 'tcp']], data['portals'])
        self.assertTrue(data['target_nqn'].startswith('nqn.'))
        nguid = nvme.volume_nguid(volume.provider_id, self.sim.mdm.system_id)
        self.assertEqual(nguid, data['volume_nguid'])
        props = nvmeof.NVMeOFConnProps(dict(data))
        [target] = props.targets
        self.assertEqual(data['target_nqn'], target.nqn)
        self.assertEqual(str(uuid.UUID(nguid)), target.nguid)
        self.assertEqual([('127.0.0.1', '4420', 'tcp')],
                         [(p.address, p.port, p.transport)
                          for p in target.portals])
        # The simulated host shows the namespace as udev would.
        self.assertIn('nvme-eui.' + nguid, os.listdir(os.path.join(
            self.sim.hosts_dir, 'compute1', 'by-id')))

    def test_one_host_object_per_nqn_removed_with_its_last_mapping(self):
        first, second = self.volume(8), self.volume(8)
        for volume in (first, second):
            self.driver.initialize_connection(volume, self.nvme_connector())
        self.assertEqual([NQN % 1], list(self.nvme_hosts()))
        self.driver.terminate_connection(first, self.nvme_connector())
        self.assertEqual([NQN % 1], list(self.nvme_hosts()))
        self.driver.terminate_connection(second, self.nvme_connector())
        self.assertEqual({}, self.nvme_hosts())

    def test_concurrent_first_attaches_of_one_host_make_one_host(self):
        volumes = [self.volume(8) for _ in range(4)]
        errors = []

        def attach(volume):
            try:
                self.driver.initialize_connection(volume,
                                                  self.nvme_connector())
            except Exception as e:     # reported below
                errors.append(e)
        threads = [threading.Thread(target=attach, args=(v,))
                   for v in volumes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual([], errors)
        [host] = self.nvme_hosts().values()
        with self.sim.mdm.lock:
            self.assertEqual(4, sum(1 for v in self.sim.mdm.volumes.values()
                                    if v.mapping(host.id)))

    def test_a_long_host_name_fits_31_characters(self):
        long_name = 'compute-rack42-node17.dc1.cloud.example.com'
        volume = self.volume(8)
        self.driver.initialize_connection(
            volume, self.nvme_connector(host=long_name))
        [host] = self.nvme_hosts().values()
        self.assertEqual(31, len(host.name))
        self.assertEqual(nvme.host_name({'host': long_name}), host.name)
        self.assertTrue(host.name.startswith(long_name[:22] + '-'))

    def test_a_connector_without_nqn_is_refused(self):
        volume = self.volume(8)
        self.assertRaises(exception.InvalidConnectorException,
                          self.driver.initialize_connection, volume,
                          {'host': 'compute1', 'sdc_guid': support.SDC1_GUID})
        self.assertEqual({}, self.nvme_hosts())

    def test_stats_say_nvme_tcp_without_qos(self):
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual('NVMe-TCP', stats['storage_protocol'])
        self.assertFalse(any(p['QoS_support'] for p in stats['pools']))

    def test_force_detach_unmaps_from_every_host(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.nvme_connector())
        self.driver.terminate_connection(volume, None)
        self.assertEqual([], self.array_volume(volume).mappings)


class TestDropIn(NvmeTestCase):
    """Host objects the in-tree NVMe driver made are ours too."""

    def test_in_tree_host_objects_are_found_and_cleaned_up(self):
        # Imported here: its module needs Cinder's objects registered.
        from cinder.volume.drivers.dell_emc.powerflex import driver as pf
        options = {
            'volume_backend_name': 'pfnvme', 'san_ip': '127.0.0.1',
            'san_login': 'admin', 'san_password': 'Scaleio123',
            'powerflex_rest_server_port': self.sim.port,
            'powerflex_storage_pools': 'pd1:sp1',
            'driver_ssl_cert_verify': True,
            'driver_ssl_cert_path': self.sim.ca_file}
        theirs = self.load_driver('pfnvme', options,
                                  cls=pf.PowerFlexNVMeDriver)
        volume = self.volume(8)
        theirs.initialize_connection(volume, self.nvme_connector())
        [host] = self.nvme_hosts().values()
        other = self.volume(8)
        self.driver.initialize_connection(other, self.nvme_connector())
        self.assertEqual([host.id], [h.id for h in self.nvme_hosts().values()])
        self.driver.terminate_connection(volume, self.nvme_connector())
        self.driver.terminate_connection(other, self.nvme_connector())
        self.assertEqual({}, self.nvme_hosts())
