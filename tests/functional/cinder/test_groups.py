"""Stories of consistent groups: snapshot a group of volumes at one point
in time, build a new group from that snapshot or from the group itself,
and delete it all; plain groups stay with Cinder's generic code."""

import os

from cinder import exception
from cinder import objects
from cinder.objects import fields
from cinder.volume import group_types
from scaleio_client import names
from scaleio_client import sizes
from tests.support import cinder as support
from tests.support import common

SNAPSHOT_VOLUMES = 'POST /api/instances/System/action/snapshotVolumes'
CONSISTENT = {'consistent_group_snapshot_enabled': '<is> True'}


class GroupTestCase(support.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.vt = self.volume_type('thin', {'provisioning:type': 'thin'})

    # ------------------------------------------------------ Cinder objects
    def group(self, specs=CONSISTENT, **fields_):
        """A group record, available as Cinder leaves it once created."""
        name = 'group-type-%d' % len(group_types.get_all_group_types(
            self.context))
        group_type = group_types.create(self.context, name, specs)
        group = objects.Group(
            self.context, group_type_id=group_type['id'],
            volume_type_ids=[self.vt.id], host=support.HOST, name='group',
            status=fields.GroupStatus.AVAILABLE, project_id='project',
            user_id='user', availability_zone='nova', **fields_)
        group.create()
        return group

    def members(self, group, sizes=(1, 1, 1), pools=('pd1:sp1',)):
        return [self.volume(size=size, pool=pools[i % len(pools)],
                            volume_type=self.vt, group_id=group.id)
                for i, size in enumerate(sizes)]

    def group_snapshot(self, group):
        group_snapshot = objects.GroupSnapshot(
            self.context, group_id=group.id,
            group_type_id=group.group_type_id, name='group-snapshot',
            status=fields.GroupSnapshotStatus.CREATING,
            project_id='project', user_id='user')
        group_snapshot.create()
        for volume in objects.VolumeList.get_all_by_generic_group(
                self.context, group.id):
            objects.Snapshot(
                self.context, volume_id=volume.id, volume_size=volume.size,
                volume_type_id=volume.volume_type_id,
                group_snapshot_id=group_snapshot.id,
                status=fields.SnapshotStatus.CREATING,
                project_id='project', user_id='user').create()
        return group_snapshot, self.snapshots_of(group_snapshot)

    def snapshots_of(self, group_snapshot):
        return list(objects.SnapshotList.get_all_for_group_snapshot(
            self.context, group_snapshot.id))

    def take_group_snapshot(self, group):
        """What the volume manager does: the driver, then the records."""
        group_snapshot, snapshots = self.group_snapshot(group)
        update, snapshot_updates = self.driver.create_group_snapshot(
            self.context, group_snapshot, snapshots)
        self.assertEqual(fields.GroupSnapshotStatus.AVAILABLE,
                         update['status'])
        for snapshot_update in snapshot_updates:
            snapshot = objects.Snapshot.get_by_id(
                self.context, snapshot_update.pop('id'))
            snapshot.update(snapshot_update)
            snapshot.save()
        return group_snapshot, self.snapshots_of(group_snapshot)

    def new_members(self, group, sources, key, sizes=None):
        """New volume records of ``group``, one per source, newest first."""
        sizes = sizes or [s.volume_size if key == 'snapshot_id' else s.size
                          for s in sources]
        return [self.volume(size=size, volume_type=self.vt, create=False,
                            group_id=group.id, **{key: source.id})
                for source, size in reversed(list(zip(sources, sizes)))]

    def array_volumes(self):
        with self.sim.mdm.lock:
            return {v.id: v for v in self.sim.mdm.list('Volume')}

    def fill_vtree(self, volume):
        """Snapshot a volume until its vTree holds all it can."""
        limit = self.sim.profile.max_snapshots_per_vtree
        with self.sim.mdm.lock:
            taken = sum(1 for v in self.sim.mdm.list('Volume')
                        if v.vtree_id == self.array_volume(volume).vtree_id
                        and v.is_snapshot)
        self.sim.mdm.snapshot_volumes(
            [(volume.provider_id, None)] * (limit - taken))

    # --------------------------------------------------------- data path
    def write(self, array_id, data):
        """Write at offset 0 of an array volume, as a host would."""
        path = self.sim.dataplane.path(array_id)
        with self.sim.dataplane.lock:
            if not os.path.exists(path):
                with open(path, 'wb') as f:
                    f.truncate(self.array_volumes()[array_id].size_kib
                               * common.BYTES_PER_KIB)
            with open(path, 'r+b') as f:
                f.write(data)

    def read(self, array_id, length):
        with open(self.sim.dataplane.path(array_id), 'rb') as f:
            return f.read(length)


class TestConsistentGroups(GroupTestCase):

    def test_group_create_and_update_stay_in_cinder(self):
        group = self.group()
        added = self.members(group, sizes=(1, 2))
        removed = self.members(group, sizes=(3,))
        before = self.sim.log.counters()
        self.assertEqual({'status': fields.GroupStatus.AVAILABLE},
                         self.driver.create_group(self.context, group))
        update, add_updates, remove_updates = self.driver.update_group(
            self.context, group, add_volumes=added, remove_volumes=removed)
        self.assertEqual(fields.GroupStatus.AVAILABLE, update['status'])
        self.assertIsNone(add_updates)
        self.assertIsNone(remove_updates)
        self.assertEqual({}, self.requests_since(before))

    def test_group_snapshot_is_one_call_at_one_point_in_time(self):
        group = self.group()
        volumes = self.members(group, sizes=(1, 9, 17),
                               pools=('pd1:sp1', 'pd1:sp2'))
        before = self.sim.log.counters()
        group_snapshot, snapshots = self.take_group_snapshot(group)
        self.assertEqual(1, self.requests_since(before)[SNAPSHOT_VOLUMES])
        self.assertEqual(3, len(snapshots))
        on_array = [self.array_volume(s) for s in snapshots]
        self.assertEqual(1, len({r.consistency_group_id for r in on_array}))
        by_volume = {v.id: v for v in volumes}
        for snapshot, record in zip(snapshots, on_array):
            self.assertEqual(fields.SnapshotStatus.AVAILABLE,
                             snapshot.status)
            self.assertEqual(names.id_to_name(snapshot.id), record.name)
            self.assertTrue(record.is_snapshot)
            self.assertEqual(by_volume[snapshot.volume_id].provider_id,
                             record.ancestor_id)

    def test_a_full_vtree_fails_the_group_snapshot_with_nothing_created(self):
        group = self.group()
        volumes = self.members(group)
        self.fill_vtree(volumes[1])
        on_array = set(self.array_volumes())
        before = self.sim.log.counters()
        group_snapshot, snapshots = self.group_snapshot(group)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_group_snapshot, self.context,
                          group_snapshot, snapshots)
        self.assertEqual(on_array, set(self.array_volumes()))
        self.assertEqual(1, self.requests_since(before)[SNAPSHOT_VOLUMES])

    def test_a_member_missing_on_the_array_fails_before_any_snapshot(self):
        group = self.group()
        self.members(group, sizes=(1,))
        self.volume(volume_type=self.vt, create=False, group_id=group.id)
        before = self.sim.log.counters()
        group_snapshot, snapshots = self.group_snapshot(group)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.create_group_snapshot, self.context,
                          group_snapshot, snapshots)
        self.assertNotIn(SNAPSHOT_VOLUMES, self.requests_since(before))

    def test_delete_group_snapshot_deletes_each_snapshot_twice_over(self):
        group = self.group()
        volumes = self.members(group)
        group_snapshot, snapshots = self.take_group_snapshot(group)
        for attempt in range(2):
            update, snapshot_updates = self.driver.delete_group_snapshot(
                self.context, group_snapshot, snapshots)
            self.assertEqual(fields.GroupSnapshotStatus.DELETED,
                             update['status'])
            self.assertEqual(
                sorted((s.id, fields.SnapshotStatus.DELETED)
                       for s in snapshots),
                sorted((u['id'], u['status']) for u in snapshot_updates))
            self.assertEqual({v.provider_id for v in volumes},
                             set(self.array_volumes()))

    def test_delete_group_deletes_every_member_twice_over(self):
        group = self.group()
        volumes = self.members(group, pools=('pd1:sp1', 'pd1:sp2'))
        self.driver.initialize_connection(volumes[0], self.connector())
        never_created = self.volume(volume_type=self.vt, create=False,
                                    group_id=group.id)
        volumes.append(never_created)
        for attempt in range(2):
            update, volume_updates = self.driver.delete_group(
                self.context, group, volumes)
            self.assertEqual(fields.GroupStatus.DELETED, update['status'])
            self.assertEqual(sorted((v.id, 'deleted') for v in volumes),
                             sorted((u['id'], u['status'])
                                    for u in volume_updates))
            self.assertEqual({}, self.array_volumes())

    def test_delete_group_reports_the_member_it_could_not_delete(self):
        group = self.group()
        volumes = self.members(group)
        stuck = volumes[1]
        self.sim.faults.add({
            'action': 'error', 'method': 'POST', 'status': 500,
            'path': '/api/instances/Volume::%s/action/removeVolume'
                    % stuck.provider_id,
            'body': {'errorCode': 0, 'httpStatusCode': 500,
                     'message': 'The MDM is busy'}})
        update, volume_updates = self.driver.delete_group(
            self.context, group, volumes)
        self.assertEqual(fields.GroupStatus.ERROR_DELETING, update['status'])
        self.assertEqual(
            sorted([(volumes[0].id, 'deleted'),
                    (stuck.id, fields.VolumeStatus.ERROR_DELETING),
                    (volumes[2].id, 'deleted')]),
            sorted((u['id'], u['status']) for u in volume_updates))
        self.assertEqual([stuck.provider_id], list(self.array_volumes()))


class TestGroupFromSource(GroupTestCase):

    def test_group_from_group_snapshot_keeps_each_snapshots_data(self):
        group = self.group()
        volumes = self.members(group, sizes=(1, 2, 3))
        for volume in volumes:
            self.write(volume.provider_id, b'before ' + volume.id.encode())
        group_snapshot, snapshots = self.take_group_snapshot(group)
        for volume in volumes:
            self.write(volume.provider_id, b'after! ' + volume.id.encode())
        new_group = self.group(group_snapshot_id=group_snapshot.id)
        # The third volume asks for more than its source's 8 GiB.
        new_volumes = self.new_members(new_group, snapshots, 'snapshot_id',
                                       sizes=[1, 2, 20])
        before = self.sim.log.counters()
        update, volume_updates = self.driver.create_group_from_src(
            self.context, new_group, new_volumes,
            group_snapshot=group_snapshot, snapshots=snapshots)
        self.assertEqual(1, self.requests_since(before)[SNAPSHOT_VOLUMES])
        self.assertEqual(fields.GroupStatus.AVAILABLE, update['status'])
        self.assertEqual([v.id for v in new_volumes],
                         [u['id'] for u in volume_updates])
        sources = {s.id: s for s in snapshots}
        origin = {v.id: v for v in volumes}
        for volume, volume_update in zip(new_volumes, volume_updates):
            self.assertEqual(fields.VolumeStatus.AVAILABLE,
                             volume_update['status'])
            record = self.array_volumes()[volume_update['provider_id']]
            snapshot = sources[volume.snapshot_id]
            self.assertEqual(names.id_to_name(volume.id), record.name)
            self.assertEqual(snapshot.provider_id, record.ancestor_id)
            self.assertEqual(
                (24 if volume.size == 20 else 8) * sizes.KIB_PER_GIB,
                record.size_kib)
            expected = b'before ' + snapshot.volume_id.encode()
            self.assertEqual(expected,
                             self.read(record.id, len(expected)))
            self.assertIn(snapshot.volume_id, origin)

    def test_group_from_source_group_is_one_consistent_call(self):
        group = self.group()
        volumes = self.members(group, sizes=(1, 9, 17),
                               pools=('pd1:sp1', 'pd1:sp2'))
        new_group = self.group(source_group_id=group.id)
        new_volumes = self.new_members(new_group, volumes, 'source_volid',
                                       sizes=[1, 10, 30])
        before = self.sim.log.counters()
        update, volume_updates = self.driver.create_group_from_src(
            self.context, new_group, new_volumes, source_group=group,
            source_vols=volumes)
        self.assertEqual(1, self.requests_since(before)[SNAPSHOT_VOLUMES])
        self.assertEqual(fields.GroupStatus.AVAILABLE, update['status'])
        records = [self.array_volumes()[u['provider_id']]
                   for u in volume_updates]
        self.assertEqual(1, len({r.consistency_group_id for r in records}))
        by_id = {v.id: v for v in volumes}
        for volume, record in zip(new_volumes, records):
            self.assertEqual(by_id[volume.source_volid].provider_id,
                             record.ancestor_id)
            self.assertEqual(
                {1: 8, 10: 16, 30: 32}[volume.size] * sizes.KIB_PER_GIB,
                record.size_kib)

    def test_a_full_vtree_fails_the_group_clone_with_nothing_created(self):
        group = self.group()
        volumes = self.members(group)
        self.fill_vtree(volumes[2])
        on_array = set(self.array_volumes())
        new_group = self.group(source_group_id=group.id)
        new_volumes = self.new_members(new_group, volumes, 'source_volid')
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_group_from_src, self.context,
                          new_group, new_volumes, source_group=group,
                          source_vols=volumes)
        self.assertEqual(on_array, set(self.array_volumes()))

    def test_a_new_volume_without_its_source_is_refused(self):
        group = self.group()
        volumes = self.members(group, sizes=(1, 1))
        new_group = self.group(source_group_id=group.id)
        new_volumes = self.new_members(new_group, volumes[:1],
                                       'source_volid')
        new_volumes.append(self.volume(volume_type=self.vt, create=False,
                                       group_id=new_group.id))
        before = self.sim.log.counters()
        self.assertRaises(exception.InvalidInput,
                          self.driver.create_group_from_src, self.context,
                          new_group, new_volumes, source_group=group,
                          source_vols=volumes)
        self.assertNotIn(SNAPSHOT_VOLUMES, self.requests_since(before))


class TestPlainGroups(GroupTestCase):
    """Groups without consistent snapshots are Cinder's generic groups."""

    def test_every_group_method_leaves_plain_groups_to_cinder(self):
        for specs in ({}, {'consistent_group_snapshot_enabled': '<is> False'}):
            group = self.group(specs)
            volumes = self.members(group, sizes=(1,))
            group_snapshot, snapshots = self.group_snapshot(group)
            before = self.sim.log.counters()
            calls = [
                (self.driver.create_group, group),
                (self.driver.update_group, group, volumes, []),
                (self.driver.delete_group, group, volumes),
                (self.driver.create_group_snapshot, group_snapshot,
                 snapshots),
                (self.driver.delete_group_snapshot, group_snapshot,
                 snapshots),
                (self.driver.create_group_from_src, group, volumes,
                 group_snapshot, snapshots),
            ]
            for method, *args in calls:
                self.assertRaises(NotImplementedError, method, self.context,
                                  *args)
            self.assertEqual({}, self.requests_since(before))
            self.assertIn(volumes[0].provider_id, self.array_volumes())
