"""A first story: a thin volume through its life."""

from scaleio_client import sizes
from tests.support import cinder as support


class TestVolumeLife(support.DriverTestCase):

    def test_create_snapshot_clone_attach_extend_delete(self):
        vt = self.volume_type('thin', {'provisioning:type': 'thin'},
                              qos={'maxIOPS': '100', 'maxBWS': '2000'})
        volume = self.volume(size=10, volume_type=vt)
        record = self.array_volume(volume)
        self.assertEqual(16 * sizes.KIB_PER_GIB, record.size_kib)
        self.assertEqual(10, volume.size)
        snapshot = self.snapshot(volume)
        clone = self.volume(size=20, create=False, volume_type=vt)
        clone.update(self.driver.create_volume_from_snapshot(clone,
                                                             snapshot))
        self.assertEqual(24 * sizes.KIB_PER_GIB,
                         self.array_volume(clone).size_kib)
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual('scaleio', info['driver_volume_type'])
        self.assertEqual('100', info['data']['iopsLimit'])
        self.assertEqual('2048', info['data']['bandwidthLimit'])
        self.assertNotIn('Scaleio123', str(info))
        self.driver.extend_volume(volume, 12)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.array_volume(volume).size_kib)
        self.driver.terminate_connection(volume, self.connector())
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual(['pd1:sp1', 'pd1:sp2'],
                         [p['pool_name'] for p in stats['pools']])
        for obj in (clone, snapshot, volume):
            delete = (self.driver.delete_snapshot if obj is snapshot
                      else self.driver.delete_volume)
            delete(obj)
        self.assertEqual([], self.sim.mdm.list('Volume'))
