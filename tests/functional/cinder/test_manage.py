"""Stories of an operator bringing array volumes and snapshots under Cinder.

Objects "made by another tool" are created through the gateway's REST API;
the Cinder side follows what Cinder's manage flows and tempest do: ask the
size, manage, save; unmanage, then delete the record only.
"""

import uuid

import ddt

from cinder import exception
from cinder import objects
from scaleio_client import names
from scaleio_client import sizes
from tests.support import cinder as support
from tests.support import common

LIST_VOLUMES = 'GET /api/instances/StoragePool::{id}/relationships/Volume'


class ManageTestCase(support.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.gw = common.Gateway(self.sim, verify=self.sim.ca_file)

    # --------------------------------------------------- the array side
    def array_state(self):
        with self.sim.mdm.lock:
            return self.sim.mdm.to_state()

    def array_object(self, object_id):
        return self.gw.volume(object_id)

    def other_tool_volume(self, name, size_gib=8, pool='sp1',
                          volume_type='ThinProvisioned'):
        return self.gw.create_volume(name, size_gib, pool=pool,
                                     volume_type=volume_type)

    # -------------------------------------------------- the Cinder side
    def manage(self, volume, ref):
        """Cinder's manage flow: size first, then manage, then save."""
        size = self.driver.manage_existing_get_size(volume, ref)
        volume.update(self.driver.manage_existing(volume, ref) or {})
        volume.size = size
        volume.status = 'available'
        volume.save()
        return volume

    def manage_snapshot(self, snapshot, ref):
        size = self.driver.manage_existing_snapshot_get_size(snapshot, ref)
        snapshot.update(
            self.driver.manage_existing_snapshot(snapshot, ref) or {})
        snapshot.volume_size = size
        snapshot.status = 'available'
        snapshot.save()
        return snapshot

    def unmanage(self, vol_or_snap):
        """Cinder's unmanage: the driver, then the record goes."""
        if isinstance(vol_or_snap, objects.Snapshot):
            self.driver.unmanage_snapshot(vol_or_snap)
        else:
            self.driver.unmanage(vol_or_snap)
        vol_or_snap.destroy()

    def new_volume(self, pool='pd1:sp1', volume_type=None):
        """A Cinder volume record waiting to be managed."""
        return self.volume(create=False, pool=pool, volume_type=volume_type)

    def assertNamedAfter(self, vol_or_snap):
        self.assertEqual(names.id_to_name(vol_or_snap.id),
                         self.array_object(vol_or_snap.provider_id)['name'])

    def assertRefused(self, manage, obj, ref, *fragments,
                      error=exception.ManageExistingInvalidReference):
        """Both steps of the flow refuse, and the array does not change."""
        getters = {self.driver.manage_existing:
                   self.driver.manage_existing_get_size,
                   self.driver.manage_existing_snapshot:
                   self.driver.manage_existing_snapshot_get_size}
        before = self.array_state()
        for call in (getters[manage], manage):
            e = self.assertRaises(error, call, obj, ref)
            message = str(e)
            if error is exception.ManageExistingInvalidReference:
                self.assertIn(str(ref), message)
            for fragment in fragments:
                self.assertIn(fragment, message)
        self.assertEqual(before, self.array_state())
        return message


@ddt.ddt
class TestManageVolume(ManageTestCase):

    def test_manage_by_source_id_then_use_it(self):
        array_id = self.other_tool_volume('legacy-db', size_gib=12)
        volume = self.manage(self.new_volume(), {'source-id': array_id})
        self.assertEqual(array_id, volume.provider_id)
        self.assertEqual(16, volume.size)
        self.assertNamedAfter(volume)
        # The driver finds it like any volume it created.
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(names.id_to_name(volume.id),
                         info['data']['scaleIO_volname'])
        self.driver.terminate_connection(volume, self.connector())
        volume.provider_id = None
        self.driver.extend_volume(volume, 20)
        self.assertEqual(24 * sizes.KIB_PER_GIB,
                         self.array_object(array_id)['sizeInKb'])
        self.driver.delete_volume(volume)
        self.assertEqual([], self.sim.mdm.list('Volume'))

    def test_manage_by_array_name(self):
        array_id = self.other_tool_volume('legacy-web')
        volume = self.manage(self.new_volume(),
                             {'source-name': 'legacy-web'})
        self.assertEqual(array_id, volume.provider_id)
        self.assertEqual(8, volume.size)
        self.assertNamedAfter(volume)
        self.assertIsNone(self.driver.gateway.volume_id_by_name(
            'legacy-web'))

    @ddt.data('volume-%s', '%s', 'base64')
    def test_manage_by_cinder_style_name(self, template):
        # A volume another Cinder (or the in-tree driver) made.
        old_id = str(uuid.uuid4())
        array_id = self.other_tool_volume(names.id_to_name(old_id))
        if template == 'base64':
            source_name = names.id_to_name(old_id)
        else:
            source_name = template % old_id.upper()
        volume = self.manage(self.new_volume(),
                             {'source-name': source_name})
        self.assertEqual(array_id, volume.provider_id)
        self.assertNamedAfter(volume)

    def test_source_id_and_name_together_must_agree(self):
        first = self.other_tool_volume('first')
        self.other_tool_volume('second')
        volume = self.new_volume()
        self.assertRefused(self.driver.manage_existing, volume,
                           {'source-id': first, 'source-name': 'second'},
                           'is named first, not second')
        self.manage(volume, {'source-id': first, 'source-name': 'first'})
        self.assertEqual(first, volume.provider_id)

    def test_tempest_unmanage_then_manage_by_volume_template(self):
        # tempest VolumeManageAdminTest, with its default manage_volume_ref
        # ['source-name', 'volume-%s'].
        original = self.volume(size=1)
        array_id = original.provider_id
        self.unmanage(original)
        self.assertEqual(names.id_to_name(original.id),
                         self.array_object(array_id)['name'])
        managed = self.volume(create=False, pool='pd1:sp1',
                              volume_type=original.volume_type)
        self.assertEqual(original.host, managed.host)
        self.manage(managed, {'source-name': 'volume-%s' % original.id})
        # tempest compares the sizes: the old Cinder size comes back.
        self.assertEqual(1, managed.size)
        self.assertEqual(array_id, managed.provider_id)
        self.assertNamedAfter(managed)
        self.assertIsNone(self.driver.gateway.volume_id_by_name(
            names.id_to_name(original.id)))
        info = self.driver.initialize_connection(managed, self.connector())
        self.assertEqual(array_id, info['data']['scaleIO_volume_id'])
        self.driver.terminate_connection(managed, self.connector())
        self.driver.delete_volume(managed)
        self.assertEqual([], self.sim.mdm.list('Volume'))

    def test_a_grown_volume_comes_back_with_its_array_size(self):
        original = self.volume(size=1)
        self.unmanage(original)
        self.gw.ok(self.gw.action(original.provider_id, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        managed = self.manage(self.new_volume(),
                              {'source-name': 'volume-%s' % original.id})
        self.assertEqual(16, managed.size)

    def test_an_unmanaged_clone_can_be_managed_again(self):
        # A Cinder clone is a snapshot on the array.
        source = self.volume(size=8)
        clone = self.volume(size=8, create=False)
        clone.update(self.driver.create_cloned_volume(clone, source))
        clone.save()
        self.assertEqual('Snapshot',
                         self.array_object(clone.provider_id)['volumeType'])
        self.unmanage(clone)
        snapshot = self.snapshot(source, create=False)
        self.assertRefused(self.driver.manage_existing_snapshot, snapshot,
                           {'source-name': '%s' % clone.id},
                           'was Cinder volume %s' % clone.id,
                           'only be managed as a volume')
        managed = self.manage(self.new_volume(),
                              {'source-name': 'volume-%s' % clone.id})
        self.assertEqual(clone.provider_id, managed.provider_id)
        self.assertEqual(8, managed.size)

    def test_managing_again_after_a_lost_answer(self):
        array_id = self.other_tool_volume('legacy-app')
        volume = self.new_volume()
        ref = {'source-id': array_id}
        self.driver.manage_existing(volume, ref)
        # The array object is now named after this very volume.
        self.manage(volume, ref)
        self.assertNamedAfter(volume)

    def test_unmanage_leaves_the_array_alone(self):
        volume = self.volume(size=1)
        before = self.array_state()
        requests = self.sim.log.counters()
        self.unmanage(volume)
        self.assertEqual({}, self.requests_since(requests))
        self.assertEqual(before, self.array_state())


@ddt.ddt
class TestManageVolumeRefused(ManageTestCase):

    @ddt.data({}, {'source-ref': 'legacy'}, {'source-id': None})
    def test_a_reference_without_id_or_name(self, ref):
        self.other_tool_volume('legacy')
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           ref, 'neither source-id', 'nor source-name')

    @ddt.data({'source-id': ''}, {'source-name': 42})
    def test_a_reference_that_is_not_a_string(self, ref):
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           ref, 'must be a non-empty string')

    def test_an_unknown_id(self):
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-id': '0123456789abcdef'},
                           'no array volume or snapshot has the id '
                           '0123456789abcdef')

    @ddt.data('../System/instances', '0123456789abcdeg', 'a b')
    def test_an_id_that_is_not_one(self, source_id):
        requests = self.sim.log.counters()
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-id': source_id},
                           'is not an array object id')
        self.assertEqual({}, self.requests_since(requests))

    def test_an_unknown_name(self):
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'nothing'},
                           'no array volume or snapshot is named nothing')

    def test_an_unknown_cinder_style_name(self):
        cinder_id = str(uuid.uuid4())
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'volume-%s' % cinder_id},
                           names.id_to_name(cinder_id),
                           'the array name of Cinder id %s' % cinder_id)

    def test_a_mapped_volume(self):
        array_id = self.other_tool_volume('in-use')
        self.gw.map(array_id, 'sdc1')
        self.gw.map(array_id, 'sdc2')
        sdc1 = self.gw.sdc('sdc1')
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'in-use'},
                           'is mapped to SDC sdc1 (%s, 192.0.2.11), sdc2 ('
                           % sdc1['id'], 'unmap it first')

    def test_a_volume_cinder_manages(self):
        managed = self.volume(size=1)
        for ref in ({'source-id': managed.provider_id},
                    {'source-name': 'volume-%s' % managed.id},
                    {'source-name': names.id_to_name(managed.id)}):
            self.assertRefused(self.driver.manage_existing,
                               self.new_volume(), ref,
                               'already managed as Cinder volume %s '
                               '(available)' % managed.id)

    def test_a_volume_cinder_manages_under_another_name(self):
        # The in-tree driver keeps the array name of what it manages; only
        # provider_id links them.
        array_id = self.other_tool_volume('kept-its-name')
        managed = self.volume(create=False, provider_id=array_id)
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'kept-its-name'},
                           'already managed as Cinder volume %s'
                           % managed.id)

    def test_a_volume_cinder_manages_under_its_name_id(self):
        # After a migration whose rename failed, the array name is that of
        # the volume's name_id.
        name_id = str(uuid.uuid4())
        self.other_tool_volume(names.id_to_name(name_id))
        managed = self.volume(create=False, _name_id=name_id)
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'volume-%s' % name_id},
                           'already managed as Cinder volume %s'
                           % managed.id)

    def test_a_volume_of_another_backend_or_host(self):
        # Not in this service's list, but in the database: still managed.
        elsewhere = self.volume(size=1)
        elsewhere.host = 'other-cinder-volume@other#pd1:sp1'
        elsewhere.save()
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'volume-%s' % elsewhere.id},
                           'already managed as Cinder volume %s'
                           % elsewhere.id)

    def test_a_cinder_snapshot_given_as_a_volume(self):
        snapshot = self.snapshot(self.volume(size=1))
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-id': snapshot.provider_id},
                           'already managed as Cinder snapshot %s'
                           % snapshot.id)

    def test_an_array_snapshot_given_as_a_volume(self):
        parent = self.other_tool_volume('parent')
        snap = self.gw.snapshot(parent, 'parent-snap')
        self.assertRefused(self.driver.manage_existing, self.new_volume(),
                           {'source-name': 'parent-snap'},
                           'array snapshot %s is a snapshot of array volume '
                           '%s' % (snap, parent),
                           'manage it as a snapshot')

    def test_a_volume_in_another_pool_than_scheduled(self):
        array_id = self.other_tool_volume('in-sp2', pool='sp2')
        message = self.assertRefused(
            self.driver.manage_existing, self.new_volume(pool='pd1:sp1'),
            {'source-id': array_id},
            'array volume %s is in pd1:sp2, not in pd1:sp1' % array_id,
            'manage it on host %s#pd1:sp2' % support.HOST)
        self.assertNotIn('this backend', message)
        volume = self.manage(self.new_volume(pool='pd1:sp2'),
                             {'source-id': array_id})
        self.assertEqual(array_id, volume.provider_id)

    def test_a_volume_in_a_pool_this_backend_does_not_use(self):
        self.driver = self.make_driver('sp1only', 'pd1:sp1')
        array_id = self.other_tool_volume('in-sp2', pool='sp2')
        self.assertRefused(
            self.driver.manage_existing, self.new_volume(pool='pd1:sp1'),
            {'source-id': array_id},
            'is in storage pool %s' % self.gw.pool_id('sp2'),
            "not one of this backend's pools (pd1:sp1)")

    def test_a_thin_volume_for_a_thick_type(self):
        thick = self.volume_type('thick', {'provisioning:type': 'thick'})
        thin = self.volume_type('thin', {'provisioning:type': 'thin'})
        array_id = self.other_tool_volume('thin-one')
        ref = {'source-id': array_id}
        self.assertRefused(
            self.driver.manage_existing, self.new_volume(volume_type=thick),
            ref, 'array volume %s is thin' % array_id,
            'asks for thick provisioning',
            error=exception.ManageExistingVolumeTypeMismatch)
        self.manage(self.new_volume(volume_type=thin), ref)

    def test_a_type_without_provisioning_takes_any_volume(self):
        untyped = self.volume_type('plain', {})
        array_id = self.other_tool_volume('thick-one',
                                          volume_type='ThickProvisioned')
        volume = self.manage(self.new_volume(volume_type=untyped),
                             {'source-id': array_id})
        self.assertEqual(array_id, volume.provider_id)


@ddt.ddt
class TestManageSnapshot(ManageTestCase):

    def setUp(self):
        super().setUp()
        self.parent = self.volume(size=1)

    @ddt.data('_snapshot-%s', 'snapshot-%s', '%s', 'base64', 'source-id')
    def test_manage_by_each_reference(self, template):
        other_id = str(uuid.uuid4())
        array_id = self.gw.snapshot(self.parent.provider_id,
                                    names.id_to_name(other_id))
        if template == 'source-id':
            ref = {'source-id': array_id}
        elif template == 'base64':
            ref = {'source-name': names.id_to_name(other_id)}
        else:
            ref = {'source-name': template % other_id}
        snapshot = self.manage_snapshot(
            self.snapshot(self.parent, create=False), ref)
        self.assertEqual(array_id, snapshot.provider_id)
        self.assertEqual(8, snapshot.volume_size)
        self.assertNamedAfter(snapshot)

    def test_tempest_unmanage_then_manage_by_snapshot_template(self):
        # tempest SnapshotManageAdminTest: ['source-name', '_snapshot-%s'],
        # with the parent attached (test_snapshot_manage_with_attached_volume).
        self.driver.initialize_connection(self.parent, self.connector())
        original = self.snapshot(self.parent)
        array_id = original.provider_id
        self.unmanage(original)
        managed = self.manage_snapshot(
            self.snapshot(self.parent, create=False),
            {'source-name': '_snapshot-%s' % original.id})
        self.assertEqual(original.volume_size, managed.volume_size)
        self.assertEqual(array_id, managed.provider_id)
        self.assertNamedAfter(managed)
        # It serves as any snapshot does.
        clone = self.volume(size=1, create=False)
        clone.update(self.driver.create_volume_from_snapshot(clone, managed))
        self.assertEqual(array_id,
                         self.array_object(clone.provider_id)[
                             'ancestorVolumeId'])
        self.driver.delete_snapshot(managed)
        self.assertNotIn(array_id,
                         [v.id for v in self.sim.mdm.list('Volume')])

    def test_a_snapshot_of_another_volume(self):
        other = self.volume(size=1)
        array_id = self.gw.snapshot(other.provider_id, 'of-other')
        self.assertRefused(
            self.driver.manage_existing_snapshot,
            self.snapshot(self.parent, create=False),
            {'source-name': 'of-other'},
            'is a snapshot of array volume %s, not of array volume %s '
            '(Cinder volume %s)' % (other.provider_id,
                                    self.parent.provider_id, self.parent.id))
        snapshot = self.manage_snapshot(self.snapshot(other, create=False),
                                        {'source-id': array_id})
        self.assertEqual(array_id, snapshot.provider_id)

    def test_a_snapshot_of_a_snapshot(self):
        first = self.snapshot(self.parent)
        array_id = self.gw.snapshot(first.provider_id, 'second-level')
        self.assertRefused(
            self.driver.manage_existing_snapshot,
            self.snapshot(self.parent, create=False),
            {'source-id': array_id},
            'is a snapshot of array volume %s' % first.provider_id)

    def test_a_volume_given_as_a_snapshot(self):
        array_id = self.other_tool_volume('plain')
        self.assertRefused(
            self.driver.manage_existing_snapshot,
            self.snapshot(self.parent, create=False),
            {'source-name': 'plain'},
            'array volume %s is a volume, not a snapshot' % array_id)

    def test_a_mapped_snapshot(self):
        array_id = self.gw.snapshot(self.parent.provider_id, 'exported')
        self.gw.map(array_id, 'sdc2')
        self.assertRefused(
            self.driver.manage_existing_snapshot,
            self.snapshot(self.parent, create=False),
            {'source-id': array_id}, 'is mapped to SDC sdc2')

    def test_a_snapshot_cinder_manages(self):
        managed = self.snapshot(self.parent)
        self.assertRefused(
            self.driver.manage_existing_snapshot,
            self.snapshot(self.parent, create=False),
            {'source-name': 'snapshot-%s' % managed.id},
            'already managed as Cinder snapshot %s (available)'
            % managed.id)

    def test_a_missing_reference(self):
        self.assertRefused(self.driver.manage_existing_snapshot,
                           self.snapshot(self.parent, create=False),
                           {'name': 'x'}, 'neither source-id')

    def test_unmanage_leaves_the_array_alone(self):
        snapshot = self.snapshot(self.parent)
        before = self.array_state()
        requests = self.sim.log.counters()
        self.unmanage(snapshot)
        self.assertEqual({}, self.requests_since(requests))
        self.assertEqual(before, self.array_state())


class TestManageableListings(ManageTestCase):
    """What an operator sees with ``cinder manageable-list``."""

    def setUp(self):
        super().setUp()
        self.managed = self.volume(size=1)
        self.managed_snapshot = self.snapshot(self.managed)
        self.clone = self.volume(size=8, create=False)
        self.clone.update(self.driver.create_cloned_volume(self.clone,
                                                           self.managed))
        self.clone.save()
        unmanaged = self.volume(size=1)
        self.unmanaged_id = unmanaged.provider_id
        self.unmanage(unmanaged)
        self.free = self.other_tool_volume('free', size_gib=8)
        self.big = self.other_tool_volume('big', size_gib=24, pool='sp2')
        self.busy = self.other_tool_volume('busy', size_gib=16)
        self.gw.map(self.busy, 'sdc1')
        self.free_snap = self.gw.snapshot(self.free, 'free-snap')

    def volumes(self, marker=None, limit=1000, offset=0,
                sort_keys=('reference',), sort_dirs=('asc',),
                cinder_volumes=None):
        if cinder_volumes is None:
            cinder_volumes = [self.managed, self.clone]
        return self.driver.get_manageable_volumes(
            cinder_volumes, marker, limit, offset, list(sort_keys),
            list(sort_dirs))

    def snapshots(self, marker=None, limit=1000, offset=0,
                  sort_keys=('reference',), sort_dirs=('asc',)):
        return self.driver.get_manageable_snapshots(
            [self.managed_snapshot], marker, limit, offset,
            list(sort_keys), list(sort_dirs))

    def test_volumes(self):
        requests = self.sim.log.counters()
        entries = {e['reference']['source-id']: e for e in self.volumes()}
        # One request per configured pool, nothing else.
        self.assertEqual({LIST_VOLUMES: 2}, self.requests_since(requests))
        self.assertEqual(sorted([self.managed.provider_id,
                                 self.clone.provider_id, self.unmanaged_id,
                                 self.free, self.big, self.busy]),
                         sorted(entries))
        self.assertEqual({
            'reference': {'source-id': self.managed.provider_id},
            'size': 8, 'safe_to_manage': False,
            'reason_not_safe': 'already managed as Cinder volume %s '
                               '(available)' % self.managed.id,
            'cinder_id': self.managed.id,
            'extra_info': {'name': names.id_to_name(self.managed.id),
                           'type': 'ThinProvisioned', 'pool': 'pd1:sp1'},
        }, entries[self.managed.provider_id])
        self.assertEqual(self.clone.id,
                         entries[self.clone.provider_id]['cinder_id'])
        self.assertEqual({'name': 'big', 'type': 'ThinProvisioned',
                          'pool': 'pd1:sp2'},
                         entries[self.big]['extra_info'])
        self.assertEqual(24, entries[self.big]['size'])
        for safe in (self.unmanaged_id, self.free, self.big):
            self.assertTrue(entries[safe]['safe_to_manage'])
            self.assertIsNone(entries[safe]['reason_not_safe'])
            self.assertIsNone(entries[safe]['cinder_id'])
        busy = entries[self.busy]
        self.assertFalse(busy['safe_to_manage'])
        self.assertIn('mapped to SDC sdc1', busy['reason_not_safe'])
        # Cinder can turn every entry into its objects.
        objects.ManageableVolumeList.from_primitives(self.context,
                                                     list(entries.values()))

    def test_volumes_managed_by_another_service(self):
        entries = {e['reference']['source-id']: e
                   for e in self.volumes(cinder_volumes=[])}
        self.assertEqual(self.managed.id,
                         entries[self.managed.provider_id]['cinder_id'])
        self.assertEqual(self.clone.id,
                         entries[self.clone.provider_id]['cinder_id'])
        self.assertNotIn(self.managed_snapshot.provider_id, entries)

    def test_snapshots(self):
        entries = {e['reference']['source-id']: e for e in self.snapshots()}
        self.assertEqual(sorted([self.managed_snapshot.provider_id,
                                 self.free_snap]), sorted(entries))
        self.assertEqual({
            'reference': {'source-id': self.managed_snapshot.provider_id},
            'source_reference': {'source-id': self.managed.provider_id},
            'size': 8, 'safe_to_manage': False,
            'reason_not_safe': 'already managed as Cinder snapshot %s '
                               '(available)' % self.managed_snapshot.id,
            'cinder_id': self.managed_snapshot.id,
            'extra_info': {'name': names.id_to_name(self.managed_snapshot.id),
                           'type': 'Snapshot', 'pool': 'pd1:sp1'},
        }, entries[self.managed_snapshot.provider_id])
        free = entries[self.free_snap]
        self.assertTrue(free['safe_to_manage'])
        self.assertEqual({'source-id': self.free},
                         free['source_reference'])
        objects.ManageableSnapshotList.from_primitives(
            self.context, list(entries.values()))

    def test_paging_and_sorting(self):
        everything = self.volumes(sort_keys=['size', 'reference'],
                                  sort_dirs=['desc', 'asc'])
        sizes = [e['size'] for e in everything]
        self.assertEqual(sorted(sizes, reverse=True), sizes)
        self.assertEqual(24, sizes[0])
        same_size = [e['reference']['source-id'] for e in everything
                     if e['size'] == 8]
        self.assertEqual(sorted(same_size), same_size)
        pages, marker = [], None
        while True:
            page = self.volumes(marker=marker, limit=2,
                                sort_keys=['size', 'reference'],
                                sort_dirs=['desc', 'asc'])
            if not page:
                break
            self.assertLessEqual(len(page), 2)
            pages.extend(page)
            marker = page[-1]['reference']
        self.assertEqual(everything, pages)
        self.assertEqual(everything[3:5], self.volumes(limit=2, offset=3,
                                                       sort_keys=['size',
                                                                  'reference'],
                                                       sort_dirs=['desc',
                                                                  'asc']))
        ids = [e['reference']['source-id']
               for e in self.volumes(sort_dirs=['desc'])]
        self.assertEqual(sorted(ids, reverse=True), ids)
        self.assertRaises(exception.InvalidInput, self.volumes,
                          marker={'source-id': 'ffffffffffffffff'})

    def test_snapshot_paging(self):
        first = self.snapshots(limit=1)
        second = self.snapshots(marker=first[0]['reference'], limit=1)
        self.assertEqual(self.snapshots(), first + second)
        self.assertEqual([], self.snapshots(marker=second[0]['reference']))

    def test_only_configured_pools_are_listed(self):
        self.driver = self.make_driver('sp2only', 'pd1:sp2')
        entries = self.volumes()
        self.assertEqual([self.big],
                         [e['reference']['source-id'] for e in entries])
        self.assertEqual([], self.snapshots())

    def test_manage_what_the_listing_offers(self):
        offered = [e for e in self.volumes() if e['safe_to_manage']]
        for entry in offered:
            pool = entry['extra_info']['pool']
            volume = self.manage(self.new_volume(pool=pool),
                                 entry['reference'])
            self.assertEqual(entry['size'] if entry['reference'][
                'source-id'] != self.unmanaged_id else 1, volume.size)
        self.assertEqual([], [e for e in self.volumes()
                              if e['safe_to_manage']])
        entry, = [e for e in self.snapshots() if e['safe_to_manage']]
        parent = objects.VolumeList.get_all(
            self.context, filters={'provider_id': self.free})[0]
        snapshot = self.manage_snapshot(self.snapshot(parent, create=False),
                                        entry['reference'])
        self.assertEqual(self.free_snap, snapshot.provider_id)
        self.assertEqual([], [e for e in self.snapshots()
                              if e['safe_to_manage']])
