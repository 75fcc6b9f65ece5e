"""Snapshots: create, delete, and attach one for a backup."""

import ddt

from cinder import exception
from scaleio_client import names
from tests.support import cinder as support

SNAPSHOT = 'POST /api/instances/System/action/snapshotVolumes'
REMOVE = 'POST /api/instances/Volume::{id}/action/removeVolume'
MAP = 'POST /api/instances/Volume::{id}/action/addMappedSdc'
LIMITS = 'POST /api/instances/Volume::{id}/action/setMappedSdcLimits'


class SnapshotTestCase(support.DriverTestCase):

    def array_volumes(self):
        return sorted(v.id for v in self.sim.mdm.list('Volume'))

    def sdc_id(self, guid):
        with self.sim.mdm.lock:
            return self.sim.mdm.sdc_by_guid(guid).id

    def mapped_sdcs(self, obj):
        return sorted(m.sdc_id for m in self.array_volume(obj).mappings)


class TestSnapshots(SnapshotTestCase):

    def test_a_snapshot_joins_the_volume_vtree_named_after_it(self):
        volume = self.volume(10)
        before = self.sim.log.counters()
        snapshot = self.snapshot(volume)
        self.assertEqual({SNAPSHOT: 1}, self.requests_since(before))
        record = self.array_volume(snapshot)
        self.assertEqual('Snapshot', record.volume_type)
        self.assertEqual(names.id_to_name(snapshot.id), record.name)
        self.assertEqual(volume.provider_id, record.ancestor_id)
        self.assertEqual(self.array_volume(volume).vtree_id, record.vtree_id)
        self.assertEqual(self.array_volume(volume).size_kib, record.size_kib)

    def test_a_volume_without_a_provider_id_is_found_by_name(self):
        volume = self.volume(8)
        volume.provider_id = None
        volume.save()
        snapshot = self.snapshot(volume)
        self.assertEqual(self.array_volumes()[0],
                         self.array_volume(snapshot).ancestor_id)

    def test_deleting_a_snapshot_keeps_its_volume(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.driver.delete_snapshot(snapshot)
        self.assertEqual([volume.provider_id], self.array_volumes())

    def test_deleting_a_snapshot_twice_succeeds(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.driver.delete_snapshot(snapshot)
        self.driver.delete_snapshot(snapshot)
        self.assertEqual([volume.provider_id], self.array_volumes())

    def test_deleting_a_snapshot_gone_from_the_array_succeeds(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.sim.mdm.remove_volume(snapshot.provider_id, 'ONLY_ME')
        self.driver.delete_snapshot(snapshot)
        self.assertEqual([volume.provider_id], self.array_volumes())

    def test_deleting_a_snapshot_never_made_on_the_array_succeeds(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume, create=False)
        before = self.sim.log.counters()
        self.driver.delete_snapshot(snapshot)
        self.assertNotIn(REMOVE, self.requests_since(before))
        self.assertEqual([volume.provider_id], self.array_volumes())

    def test_a_snapshot_mapped_for_a_backup_is_unmapped_and_deleted(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.driver.initialize_connection_snapshot(snapshot,
                                                   self.connector())
        self.driver.delete_snapshot(snapshot)
        self.assertEqual([volume.provider_id], self.array_volumes())

    def test_a_full_vtree_raises_snapshot_limit_reached(self):
        volume = self.volume(8)
        self.sim.mdm.snapshot_volumes([(volume.provider_id, None)] * 126)
        existing = self.array_volumes()
        snapshot = self.snapshot(volume, create=False)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_snapshot, snapshot)
        self.assertEqual(existing, self.array_volumes())

    def test_the_126th_snapshot_is_still_made(self):
        volume = self.volume(8)
        self.sim.mdm.snapshot_volumes([(volume.provider_id, None)] * 125)
        snapshot = self.snapshot(volume)
        self.assertEqual('Snapshot', self.array_volume(snapshot).volume_type)


class TestBackupAttach(SnapshotTestCase):
    """cinder-backup reads a temporary snapshot through its own SDC."""

    def test_a_snapshot_is_mapped_to_the_backup_host(self):
        vt = self.volume_type('qos', qos={'maxIOPS': '100'})
        volume = self.volume(8, volume_type=vt)
        snapshot = self.snapshot(volume)
        before = self.sim.log.counters()
        info = self.driver.initialize_connection_snapshot(
            snapshot, self.connector(support.SDC2_GUID, 'backup1'))
        # A backup reads as fast as it can: the volume's limits are not
        # the snapshot's.
        self.assertNotIn(LIMITS, self.requests_since(before))
        self.assertEqual('scaleio', info['driver_volume_type'])
        data = info['data']
        self.assertEqual(names.id_to_name(snapshot.id),
                         data['scaleIO_volname'])
        self.assertEqual(snapshot.provider_id, data['scaleIO_volume_id'])
        self.assertEqual(support.SDC2_GUID, data['sdc_guid'])
        self.assertIsNone(data['iopsLimit'])
        self.assertEqual([self.sdc_id(support.SDC2_GUID)],
                         self.mapped_sdcs(snapshot))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_terminate_unmaps_the_snapshot(self):
        snapshot = self.snapshot(self.volume(8))
        connector = self.connector(support.SDC2_GUID, 'backup1')
        self.driver.initialize_connection_snapshot(snapshot, connector)
        self.driver.terminate_connection_snapshot(snapshot, connector)
        self.assertEqual([], self.mapped_sdcs(snapshot))

    def test_terminate_of_an_unmapped_snapshot_succeeds(self):
        snapshot = self.snapshot(self.volume(8))
        self.driver.terminate_connection_snapshot(snapshot, self.connector())
        self.assertEqual([], self.mapped_sdcs(snapshot))

    def test_force_detach_unmaps_the_snapshot_everywhere(self):
        snapshot = self.snapshot(self.volume(8))
        self.driver.initialize_connection_snapshot(snapshot,
                                                   self.connector())
        self.driver.initialize_connection_snapshot(
            snapshot, self.connector(support.SDC2_GUID, 'backup1'))
        self.driver.terminate_connection_snapshot(snapshot, None)
        self.assertEqual([], self.mapped_sdcs(snapshot))

    def test_a_connector_without_sdc_guid_maps_nothing(self):
        snapshot = self.snapshot(self.volume(8))
        self.assertRaises(exception.InvalidConnectorException,
                          self.driver.initialize_connection_snapshot,
                          snapshot, {'host': 'backup1'})
        self.assertEqual([], self.mapped_sdcs(snapshot))


@ddt.ddt
class TestBackupUseTempSnapshot(support.DriverTestCase):

    @ddt.data(True, False)
    def test_the_operators_choice_is_honoured(self, value):
        driver = self.make_driver('other', 'pd1:sp1',
                                  backup_use_temp_snapshot=value)
        self.assertIs(value, driver.backup_use_temp_snapshot())

    def test_cinders_default_applies_when_unset(self):
        self.assertIs(False, self.driver.backup_use_temp_snapshot())
