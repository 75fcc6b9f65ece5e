"""Every typed operation of scaleio_client, as an operator's story against
the simulator's default system over real HTTP (gateway reference section
2): domains and pools, volumes, snapshots, mapping, capacity, vTrees and
migration, and what changes with the API version."""

import os
import uuid

import ddt
import requests

from scaleio_client import client as client_mod
from scaleio_client import exceptions
from scaleio_client import names
from scaleio_client import records
from scaleio_client import sizes
from tests.functional.client import base
from tests.support import common

SYSTEM_ID = '5c1a0de4a7e10001'
NEW_GUID = '5C1A0001-0000-4000-8000-0000000000AA'
UUID = '1e5f37e5-7e5e-4a0f-b170-e45f4b469f6a'

# Endpoints as the simulator counts them.
LIST_SDCS = 'GET /api/types/Sdc/instances'
VERSION = 'GET /api/version'
DOMAIN_BY_NAME = 'GET /api/types/Domain/instances/getByName::{name}'
POOL_BY_NAME = 'GET /api/types/Pool/instances/getByName::{name}'
VOLUME_BY_NAME = 'GET /api/types/Volume/instances/getByName::{name}'
LIST_SYSTEMS = 'GET /api/types/System/instances'
CREATE = 'POST /api/types/Volume/instances'
SNAPSHOT = 'POST /api/instances/System/action/snapshotVolumes'
STATISTICS = ('POST /api/types/StoragePool/instances/action/'
              'querySelectedStatistics')


def action(verb):
    return 'POST /api/instances/Volume::{id}/action/%s' % verb


def new_name():
    """A gateway name as Cinder makes one, from a fresh volume UUID."""
    return names.id_to_name(uuid.uuid4())


class OperationsTestCase(base.ClientTestCase):

    def use_simulator(self, **options):
        """Replace the default simulator and client with these options."""
        self.sim = self.useFixture(common.SimulatorFixture(**options)).sim
        self.client = self.make_client()
        return self.client

    def client_with_clock(self, cache_ttl):
        clock = common.FakeClock()
        gateway = client_mod.ScaleIOClient(self.make_config(),
                                           cache_ttl=cache_ttl, clock=clock)
        self.addCleanup(gateway.close)
        return gateway, clock

    def count(self, endpoint):
        return self.sim.log.counters().get(endpoint, 0)

    def total_requests(self):
        return sum(self.sim.log.counters().values())

    def pool(self, name='sp1'):
        return self.client.storage_pool_id('pd1', name)

    def new_volume(self, size_gib=8, pool='sp1', name=None, **kwargs):
        return self.client.create_volume(
            name or new_name(), self.pool(pool), sizes.gib_to_kib(size_gib),
            **kwargs)

    def snapshot(self, volume_id, name=None):
        group = self.client.snapshot_volumes([(volume_id,
                                               name or new_name())])
        return group.volume_ids[0]

    def sdc_id(self, guid=common.SDC1_GUID):
        return self.client.sdc_id(guid)

    def assertGone(self, volume_id):
        self.assertRaises(exceptions.NotFound, self.client.volume, volume_id)

    def device_path(self, volume_id, sdc='sdc1'):
        return os.path.join(self.sim.host_dir(sdc), 'by-id',
                            'emc-vol-%s-%s' % (SYSTEM_ID, volume_id))


# ------------------------------------------------------------ domains, pools
class TestDomainsAndPools(OperationsTestCase):

    def test_protection_domain_id_is_looked_up_once(self):
        pd_id = self.client.protection_domain_id('pd1')
        self.assertEqual(pd_id, self.client.protection_domain_id('pd1'))
        self.assertEqual(1, self.count(DOMAIN_BY_NAME))
        self.assertEqual('pd1', self.client.protection_domain(pd_id).name)

    def test_storage_pool_id_is_looked_up_once(self):
        sp1 = self.client.storage_pool_id('pd1', 'sp1')
        before = self.total_requests()
        self.assertEqual(sp1, self.client.storage_pool_id('pd1', 'sp1'))
        self.assertEqual(before, self.total_requests())
        self.assertEqual(1, self.count(POOL_BY_NAME))

    def test_second_pool_reuses_the_cached_domain(self):
        sp1 = self.client.storage_pool_id('pd1', 'sp1')
        sp2 = self.client.storage_pool_id('pd1', 'sp2')
        self.assertNotEqual(sp1, sp2)
        self.assertEqual(1, self.count(DOMAIN_BY_NAME))
        self.assertEqual(2, self.count(POOL_BY_NAME))

    def test_system_id_is_read_once(self):
        self.assertEqual(SYSTEM_ID, self.client.system_id())
        self.assertEqual(SYSTEM_ID, self.client.system_id())
        self.assertEqual(1, self.count(LIST_SYSTEMS))
        self.assertEqual(SYSTEM_ID, self.client.system()['id'])

    def test_unknown_domain_is_not_found(self):
        self.assertRaises(exceptions.NotFound,
                          self.client.protection_domain_id, 'pd9')
        self.assertRaises(exceptions.NotFound,
                          self.client.storage_pool_id, 'pd9', 'sp1')

    def test_unknown_pool_is_not_found(self):
        self.assertRaises(exceptions.NotFound,
                          self.client.storage_pool_id, 'pd1', 'sp9')
        # The domain itself is fine, and so is a real pool in it.
        self.assertEqual(self.sim.mdm.storage_pool_id_by_name(
            self.client.protection_domain_id('pd1'), 'sp1'),
            self.client.storage_pool_id('pd1', 'sp1'))

    def test_a_failed_lookup_is_not_cached(self):
        self.assertRaises(exceptions.NotFound,
                          self.client.storage_pool_id, 'pd1', 'sp9')
        self.assertRaises(exceptions.NotFound,
                          self.client.storage_pool_id, 'pd1', 'sp9')
        self.assertEqual(2, self.count(POOL_BY_NAME))

    def test_cached_ids_expire(self):
        gateway, clock = self.client_with_clock(cache_ttl=60)
        gateway.storage_pool_id('pd1', 'sp1')
        gateway.system_id()
        clock.advance(59)
        gateway.storage_pool_id('pd1', 'sp1')
        gateway.system_id()
        self.assertEqual((1, 1, 1), (self.count(DOMAIN_BY_NAME),
                                     self.count(POOL_BY_NAME),
                                     self.count(LIST_SYSTEMS)))
        clock.advance(2)
        gateway.storage_pool_id('pd1', 'sp1')
        gateway.system_id()
        self.assertEqual((2, 2, 2), (self.count(DOMAIN_BY_NAME),
                                     self.count(POOL_BY_NAME),
                                     self.count(LIST_SYSTEMS)))

    def test_recreated_domain_is_found_after_a_not_found_answer(self):
        self.client.storage_pool_id('pd1', 'sp1')     # caches pd1's id
        old_id = self.client.protection_domain_id('pd1')
        new_id = 'abcdef0123456789'
        mdm = self.sim.mdm
        with mdm.lock:     # pd1 is deleted and made again: a new id
            domain = mdm.protection_domains.pop(old_id)
            domain.id = new_id
            mdm.protection_domains[new_id] = domain
            for pool in mdm.storage_pools.values():
                if pool.protection_domain_id == old_id:
                    pool.protection_domain_id = new_id
        sp2 = mdm.storage_pool_id_by_name(new_id, 'sp2')
        try:
            self.client.storage_pool_id('pd1', 'sp2')
        except exceptions.NotFound:
            pass        # the stale domain id was refused and dropped
        self.assertEqual(sp2, self.client.storage_pool_id('pd1', 'sp2'))
        self.assertEqual(new_id, self.client.protection_domain_id('pd1'))

    def test_names_with_url_characters(self):
        self.use_simulator(topology={'protection_domains': [{
            'name': 'pd one/+', 'storage_pools': [{'name': 'sp+1/x=y'}]}]})
        pd_id = self.client.protection_domain_id('pd one/+')
        pool_id = self.client.storage_pool_id('pd one/+', 'sp+1/x=y')
        self.assertEqual(self.sim.mdm.storage_pool_id_by_name(
            pd_id, 'sp+1/x=y'), pool_id)
        self.assertEqual('sp+1/x=y', self.client.storage_pool(pool_id).name)

    def test_storage_pool_records(self):
        sp1 = self.client.storage_pool(self.pool('sp1'))
        sp2 = self.client.storage_pool(self.pool('sp2'))
        pd_id = self.client.protection_domain_id('pd1')
        self.assertEqual(('sp1', pd_id, True, False),
                         (sp1.name, sp1.protection_domain_id,
                          sp1.zero_padding, sp1.fine_granularity))
        self.assertEqual(('sp2', pd_id, True, True),
                         (sp2.name, sp2.protection_domain_id,
                          sp2.zero_padding, sp2.fine_granularity))

    def test_protection_domains(self):
        pd_id = self.client.protection_domain_id('pd1')
        found = self.client.protection_domains([pd_id])
        self.assertEqual([(pd_id, 'pd1', 'Mirroring')],
                         [(d.id, d.name, d.generation) for d in found])

    def test_pool_volumes_lists_volumes_and_snapshots_of_that_pool(self):
        volume = self.new_volume(name='vol-a')
        snap = self.snapshot(volume, 'snap-a')
        other = self.new_volume(pool='sp2', name='vol-b')
        in_sp1 = self.client.pool_volumes(self.pool('sp1'))
        self.assertEqual({volume: 'vol-a', snap: 'snap-a'},
                         {v.id: v.name for v in in_sp1})
        self.assertEqual([snap], [v.id for v in in_sp1 if v.is_snapshot])
        self.assertEqual([other], [v.id for v in self.client.pool_volumes(
            self.pool('sp2'))])

    def test_pool_volumes_of_an_empty_pool(self):
        self.assertEqual([], self.client.pool_volumes(self.pool('sp2')))


# ------------------------------------------------------------------ volumes
@ddt.ddt
class TestCreateVolume(OperationsTestCase):

    @ddt.unpack
    @ddt.data((14, 16), (1, 8), (8, 8), (16, 16), (17, 24))
    def test_size_is_rounded_up_to_8_gib(self, size_gib, rounded_gib):
        volume = self.client.volume(self.new_volume(size_gib))
        self.assertEqual(rounded_gib, volume.size_gib)
        self.assertEqual(rounded_gib * sizes.KIB_PER_GIB, volume.size_kib)

    def test_one_request_creates_one_volume(self):
        self.pool('sp1')
        name = new_name()
        volume_id = self.new_volume(name=name)
        self.assertEqual(1, self.count(CREATE))
        volume = self.client.volume(volume_id)
        self.assertEqual((volume_id, name, self.pool('sp1'), None, False),
                         (volume.id, volume.name, volume.storage_pool_id,
                          volume.ancestor_id, volume.is_mapped))

    @ddt.unpack
    @ddt.data((True, records.THIN), (False, records.THICK))
    def test_thin_or_thick(self, thin, volume_type):
        volume = self.client.volume(self.new_volume(thin=thin))
        self.assertEqual(volume_type, volume.volume_type)

    def test_thin_is_the_default(self):
        self.assertEqual(records.THIN,
                         self.client.volume(self.new_volume()).volume_type)

    def test_compressed_on_the_fine_granularity_pool(self):
        volume = self.client.volume(self.new_volume(
            pool='sp2', compression='Normal'))
        self.assertEqual(('Normal', 'FineGranularity', records.THIN),
                         (volume.compression, volume.data_layout,
                          volume.volume_type))

    def test_uncompressed_on_the_fine_granularity_pool(self):
        volume = self.client.volume(self.new_volume(pool='sp2',
                                                    compression='None'))
        self.assertEqual('None', volume.compression)

    def test_with_the_protection_domain_id(self):
        volume_id = self.new_volume(
            protection_domain_id=self.client.protection_domain_id('pd1'))
        self.assertEqual(self.pool('sp1'),
                         self.client.volume(volume_id).storage_pool_id)

    def test_name_in_use(self):
        name = new_name()
        first = self.new_volume(name=name)
        error = self.assertRaises(exceptions.NameInUse, self.new_volume,
                                  name=name)
        self.assertEqual(99, error.error_code)
        self.assertEqual([first], [v.id for v in self.client.pool_volumes(
            self.pool('sp1')) if v.name == name])

    def test_name_in_use_in_another_pool(self):
        name = new_name()
        self.new_volume(name=name)
        self.assertRaises(exceptions.NameInUse, self.new_volume, pool='sp2',
                          name=name)


@ddt.ddt
class TestFindVolume(OperationsTestCase):

    @ddt.data(
        'Hl835X5eSg+xcORfS0afag==',                 # + and =
        '/////////////////////w==',                 # / and =
        names.id_to_name('ff' + UUID),  # a migration name
        'a+b/c=d',
        'vol%2Fx',                                  # a literal escape
    )
    def test_names_with_url_characters(self, name):
        volume_id = self.new_volume(name=name)
        self.assertEqual(volume_id, self.client.volume_id_by_name(name))
        found = self.client.find_volume(name)
        self.assertEqual((volume_id, name), (found.id, found.name))
        self.assertEqual(name, self.client.volume(volume_id).name)

    def test_escaped_and_plain_names_are_not_confused(self):
        plain = self.new_volume(name='vol/x')
        escaped = self.new_volume(name='vol%2Fx')
        self.assertEqual(plain, self.client.volume_id_by_name('vol/x'))
        self.assertEqual(escaped, self.client.volume_id_by_name('vol%2Fx'))

    def test_lookup_by_name_is_one_request(self):
        name = new_name()
        self.new_volume(name=name)
        before = self.total_requests()
        self.client.volume_id_by_name(name)
        self.assertEqual(before + 1, self.total_requests())
        self.assertEqual(1, self.count(VOLUME_BY_NAME))

    def test_unknown_name(self):
        self.assertIsNone(self.client.volume_id_by_name(new_name()))
        self.assertIsNone(self.client.find_volume(new_name()))

    def test_unknown_id_is_not_found(self):
        self.assertGone('0000000000000000')

    def test_volumes_by_ids_in_order(self):
        a, b, c = self.new_volume(), self.new_volume(), self.new_volume()
        self.assertEqual([c, a, b],
                         [v.id for v in self.client.volumes([c, a, b])])


@ddt.ddt
class TestDeleteVolume(OperationsTestCase):

    def test_mapped_volume_is_unmapped_first(self):
        volume_id = self.new_volume()
        self.client.map_volume(volume_id, self.sdc_id(common.SDC1_GUID))
        self.client.map_volume(volume_id, self.sdc_id(common.SDC2_GUID))
        self.assertTrue(self.client.delete_volume(volume_id))
        self.assertGone(volume_id)
        self.assertEqual(1, self.count(action('removeMappedSdc')))
        self.assertEqual(1, self.count(action('removeVolume')))
        self.assertEqual([], self.sim.mdm.volumes_in('Sdc', self.sdc_id()))

    def test_unmapped_volume_is_removed_without_an_unmap_call(self):
        volume_id = self.new_volume()
        self.assertTrue(self.client.delete_volume(volume_id))
        self.assertGone(volume_id)
        self.assertEqual(0, self.count(action('removeMappedSdc')))

    def test_second_delete_returns_false(self):
        volume_id = self.new_volume()
        self.assertTrue(self.client.delete_volume(volume_id))
        self.assertFalse(self.client.delete_volume(volume_id))

    def test_unknown_volume_returns_false(self):
        self.assertFalse(self.client.delete_volume('0000000000000000'))

    def test_name_is_free_again(self):
        name = new_name()
        self.client.delete_volume(self.new_volume(name=name))
        self.assertIsNotNone(self.new_volume(name=name))

    @ddt.unpack
    @ddt.data(
        # mode, delete which, which survive
        ('ONLY_ME', 'base', ('snap', 'snap_of_snap')),
        ('ONLY_ME', 'snap', ('base', 'snap_of_snap')),
        ('INCLUDING_DESCENDANTS', 'snap', ('base',)),
        ('INCLUDING_DESCENDANTS', 'base', ()),
        ('DESCENDANTS_ONLY', 'base', ('base',)),
        ('WHOLE_VTREE', 'snap_of_snap', ()),
    )
    def test_remove_modes(self, mode, target, survivors):
        tree = {'base': self.new_volume()}
        tree['snap'] = self.snapshot(tree['base'])
        tree['snap_of_snap'] = self.snapshot(tree['snap'])
        self.assertTrue(self.client.delete_volume(tree[target], mode=mode))
        left = {v.id for v in self.client.pool_volumes(self.pool())}
        self.assertEqual({tree[k] for k in survivors}, left)

    def test_snapshot_survives_its_deleted_source(self):
        base_id = self.new_volume()
        snap = self.snapshot(base_id)
        self.client.delete_volume(base_id)
        self.assertTrue(self.client.volume(snap).is_snapshot)
        self.assertEqual(1, self.client.vtree_volume_count(
            self.client.volume(snap).vtree_id))

    def test_whole_vtree_with_a_mapped_snapshot(self):
        # "Unmap a volume from every SDC and remove it": with a mode that
        # removes other volumes too, those must not block the removal.
        base_id = self.new_volume()
        snap = self.snapshot(base_id)
        self.client.map_volume(snap, self.sdc_id())
        self.assertTrue(self.client.delete_volume(base_id,
                                                  mode='WHOLE_VTREE'))
        self.assertGone(base_id)
        self.assertGone(snap)

    def test_unknown_mode_is_refused_before_any_request(self):
        volume_id = self.new_volume()
        before = self.total_requests()
        self.assertRaises(ValueError, self.client.delete_volume, volume_id,
                          mode='EVERYTHING')
        self.assertEqual(before, self.total_requests())
        self.assertEqual(volume_id, self.client.volume(volume_id).id)


class TestExtendVolume(OperationsTestCase):

    def test_extend_rounds_up(self):
        volume_id = self.new_volume(8)
        self.client.extend_volume(volume_id, 12)
        self.assertEqual(16, self.client.volume(volume_id).size_gib)
        self.assertEqual(1, self.count(action('setVolumeSize')))

    def test_repeating_an_extend_is_harmless(self):
        volume_id = self.new_volume(8)
        self.client.extend_volume(volume_id, 12)
        self.client.extend_volume(volume_id, 12)
        self.client.extend_volume(volume_id, 16)
        self.assertEqual(16, self.client.volume(volume_id).size_gib)

    def test_shrinking_raises_cannot_extend(self):
        volume_id = self.new_volume(16)
        self.assertRaises(exceptions.CannotExtend, self.client.extend_volume,
                          volume_id, 8)
        self.assertEqual(16, self.client.volume(volume_id).size_gib)

    def test_extend_twice(self):
        volume_id = self.new_volume(8)
        self.client.extend_volume(volume_id, 16)
        self.client.extend_volume(volume_id, 40)
        self.assertEqual(40, self.client.volume(volume_id).size_gib)

    def test_thick_volume(self):
        volume_id = self.new_volume(8, thin=False)
        self.client.extend_volume(volume_id, 24)
        volume = self.client.volume(volume_id)
        self.assertEqual((24, records.THICK),
                         (volume.size_gib, volume.volume_type))

    def test_snapshot_can_be_extended(self):
        # A clone to a larger size is a snapshot that is then extended.
        snap = self.snapshot(self.new_volume(8))
        self.client.extend_volume(snap, 16)
        self.assertEqual(16, self.client.volume(snap).size_gib)

    def test_unknown_volume(self):
        self.assertRaises(exceptions.NotFound, self.client.extend_volume,
                          '0000000000000000', 16)


class TestRenameVolume(OperationsTestCase):

    def test_rename(self):
        old, new = new_name(), new_name()
        volume_id = self.new_volume(name=old)
        self.client.rename_volume(volume_id, new)
        self.assertEqual(new, self.client.volume(volume_id).name)
        self.assertEqual(volume_id, self.client.find_volume(new).id)
        self.assertIsNone(self.client.find_volume(old))

    def test_renaming_again_is_harmless(self):
        new = new_name()
        volume_id = self.new_volume()
        self.client.rename_volume(volume_id, new)
        self.client.rename_volume(volume_id, new)
        self.assertEqual(new, self.client.volume(volume_id).name)

    def test_name_of_another_volume(self):
        taken, mine = new_name(), new_name()
        self.new_volume(name=taken)
        volume_id = self.new_volume(name=mine)
        self.assertRaises(exceptions.NameInUse, self.client.rename_volume,
                          volume_id, taken)
        self.assertEqual(mine, self.client.volume(volume_id).name)

    def test_migration_swaps_names(self):
        # Cinder's dance: the original steps aside under 'ff' + uuid, the
        # migrated volume takes the name.
        volume_uuid = str(uuid.uuid4())
        final, temporary = (names.id_to_name(volume_uuid),
                            names.id_to_name('ff' + volume_uuid))
        original = self.new_volume(name=final)
        migrated = self.new_volume(pool='sp2')
        self.client.rename_volume(original, temporary)
        self.client.rename_volume(migrated, final)
        self.assertEqual(migrated, self.client.volume_id_by_name(final))
        self.assertEqual(original, self.client.volume_id_by_name(temporary))

    def test_unknown_volume(self):
        self.assertRaises(exceptions.NotFound, self.client.rename_volume,
                          '0000000000000000', new_name())


@ddt.ddt
class TestRevertVolume(OperationsTestCase):

    def test_revert_gives_back_the_snapshot_content(self):
        volume_id = self.new_volume()
        self.client.map_volume(volume_id, self.sdc_id())
        device = self.device_path(volume_id)
        with open(device, 'r+b') as f:
            f.write(b'before the snapshot')
        snap = self.snapshot(volume_id)
        with open(device, 'r+b') as f:
            f.write(b'AFTER THE SNAPSHOT!')
        self.client.revert_volume(volume_id, snap)
        with open(device, 'rb') as f:
            self.assertEqual(b'before the snapshot', f.read(19))
        self.assertEqual(1, self.count(action('overwriteVolumeContent')))

    def test_snapshot_of_another_vtree_is_refused(self):
        volume_id = self.new_volume()
        other_snap = self.snapshot(self.new_volume())
        self.assertRaises(exceptions.GatewayError, self.client.revert_volume,
                          volume_id, other_snap)

    @ddt.unpack
    @ddt.data(('2.0', False), ('3.0', True), ('3.5', True), ('4.0', True))
    def test_needs_api_3_0(self, version, supported):
        self.use_simulator(api_version=version)
        volume_id = self.new_volume()
        snap = self.snapshot(volume_id)
        if supported:
            self.client.revert_volume(volume_id, snap)
        else:
            error = self.assertRaises(exceptions.GatewayError,
                                      self.client.revert_volume, volume_id,
                                      snap)
            self.assertIn('3.0', str(error))
        self.assertEqual(1 if supported else 0,
                         self.count(action('overwriteVolumeContent')))


# ---------------------------------------------------------------- snapshots
@ddt.ddt
class TestSnapshotVolumes(OperationsTestCase):

    def test_several_volumes_in_one_request(self):
        sources = [self.new_volume(), self.new_volume(16),
                   self.new_volume(pool='sp2')]
        snap_names = [new_name() for _ in sources]
        group = self.client.snapshot_volumes(list(zip(sources, snap_names)))
        self.assertEqual(1, self.count(SNAPSHOT))
        self.assertIsInstance(group, records.SnapshotGroup)
        self.assertEqual(3, len(group.volume_ids))
        self.assertIsNotNone(group.group_id)
        for source, name, snap_id in zip(sources, snap_names,
                                         group.volume_ids):
            snap = self.client.volume(snap_id)
            original = self.client.volume(source)
            self.assertEqual(
                (name, source, original.vtree_id, original.size_kib,
                 group.group_id, False),
                (snap.name, snap.ancestor_id, snap.vtree_id, snap.size_kib,
                 snap.consistency_group_id, snap.is_mapped))
            self.assertTrue(snap.is_snapshot)

    def test_one_volume(self):
        source = self.new_volume()
        name = new_name()
        group = self.client.snapshot_volumes([(source, name)])
        self.assertEqual((self.client.volume_id_by_name(name),),
                         group.volume_ids)

    def test_snapshot_of_a_snapshot_stays_in_the_vtree(self):
        source = self.new_volume()
        snap = self.snapshot(source)
        snap_of_snap = self.snapshot(snap)
        volume = self.client.volume(snap_of_snap)
        self.assertEqual((snap, self.client.volume(source).vtree_id),
                         (volume.ancestor_id, volume.vtree_id))

    def test_nothing_to_snapshot(self):
        before = self.total_requests()
        self.assertRaises(ValueError, self.client.snapshot_volumes, [])
        self.assertEqual(before, self.total_requests())

    def test_name_in_use(self):
        taken = new_name()
        self.new_volume(name=taken)
        self.assertRaises(exceptions.NameInUse, self.client.snapshot_volumes,
                          [(self.new_volume(), taken)])

    @ddt.unpack
    @ddt.data(('2.0', 31), ('3.5', 126))
    def test_too_many_snapshots_at_the_vtree_limit(self, version, limit):
        self.use_simulator(api_version=version)
        source = self.new_volume()
        group = self.client.snapshot_volumes(
            [(source, 's%d' % i) for i in range(limit)])
        self.assertEqual(limit, len(group.volume_ids))
        error = self.assertRaises(exceptions.TooManySnapshots,
                                  self.client.snapshot_volumes,
                                  [(source, 'one-too-many')])
        self.assertEqual([182], [d['rc'] for d in error.details])
        self.assertIsNone(self.client.find_volume('one-too-many'))
        self.assertEqual(limit + 1, self.client.vtree_volume_count(
            self.client.volume(source).vtree_id))

    def test_a_full_vtree_fails_the_whole_group(self):
        full, fresh = self.new_volume(), self.new_volume()
        self.client.snapshot_volumes([(full, 's%d' % i) for i in range(126)])
        before = len(self.client.pool_volumes(self.pool()))
        self.assertRaises(exceptions.TooManySnapshots,
                          self.client.snapshot_volumes,
                          [(fresh, 'fresh-snap'), (full, 'full-snap')])
        self.assertEqual(before, len(self.client.pool_volumes(self.pool())))


# ------------------------------------------------------------------ mapping
@ddt.ddt
class TestMapping(OperationsTestCase):

    @ddt.data('2.0', '3.5', '4.0')
    def test_map_and_unmap_are_safe_to_repeat(self, version):
        # 4.0 says 4037 / 4039 where older gateways say 81 / 84.
        self.use_simulator(api_version=version)
        volume_id = self.new_volume()
        sdc_id = self.sdc_id()
        self.assertTrue(self.client.map_volume(volume_id, sdc_id))
        self.assertEqual([sdc_id],
                         self.client.volume(volume_id).mapped_sdc_ids)
        self.assertFalse(self.client.map_volume(volume_id, sdc_id))
        self.assertTrue(self.client.unmap_volume(volume_id, sdc_id))
        self.assertFalse(self.client.volume(volume_id).is_mapped)
        self.assertFalse(self.client.unmap_volume(volume_id, sdc_id))

    @ddt.data('2.0', '3.5', '4.0')
    def test_unmap_from_all(self, version):
        self.use_simulator(api_version=version)
        volume_id = self.new_volume()
        self.assertFalse(self.client.unmap_volume_from_all(volume_id))
        self.client.map_volume(volume_id, self.sdc_id(common.SDC1_GUID))
        self.client.map_volume(volume_id, self.sdc_id(common.SDC2_GUID))
        self.assertTrue(self.client.unmap_volume_from_all(volume_id))
        self.assertFalse(self.client.volume(volume_id).is_mapped)
        self.assertFalse(self.client.unmap_volume_from_all(volume_id))

    def test_mapping_shows_on_the_host(self):
        volume_id = self.new_volume()
        self.client.map_volume(volume_id, self.sdc_id())
        self.assertTrue(os.path.exists(self.device_path(volume_id)))
        self.client.unmap_volume(volume_id, self.sdc_id())
        self.assertFalse(os.path.lexists(self.device_path(volume_id)))

    def test_two_sdcs(self):
        volume_id = self.new_volume()
        sdc1 = self.sdc_id(common.SDC1_GUID)
        sdc2 = self.sdc_id(common.SDC2_GUID)
        self.client.map_volume(volume_id, sdc1)
        self.client.map_volume(volume_id, sdc2)
        self.assertCountEqual([sdc1, sdc2],
                              self.client.volume(volume_id).mapped_sdc_ids)
        self.client.unmap_volume(volume_id, sdc1)
        self.assertEqual([sdc2], self.client.volume(volume_id).mapped_sdc_ids)

    def test_second_sdc_needs_multiple_mappings(self):
        volume_id = self.new_volume()
        self.client.map_volume(volume_id, self.sdc_id(common.SDC1_GUID))
        self.assertRaises(exceptions.GatewayError, self.client.map_volume,
                          volume_id, self.sdc_id(common.SDC2_GUID),
                          allow_multiple=False)
        self.assertEqual([self.sdc_id(common.SDC1_GUID)],
                         self.client.volume(volume_id).mapped_sdc_ids)

    def test_read_only_mapping(self):
        volume_id = self.new_volume()
        self.client.map_volume(volume_id, self.sdc_id(),
                               access_mode='ReadOnly')
        self.assertEqual('ReadOnly', self.client.volume(volume_id).mapping(
            self.sdc_id()).access_mode)

    def test_unknown_volume(self):
        self.assertRaises(exceptions.NotFound, self.client.map_volume,
                          '0000000000000000', self.sdc_id())

    def test_sdcs(self):
        found = {s.name: s for s in self.client.sdcs()}
        self.assertEqual({'sdc1', 'sdc2'}, set(found))
        self.assertEqual(common.SDC1_GUID, found['sdc1'].guid)
        self.assertEqual('192.0.2.11', found['sdc1'].ip)
        self.assertEqual('sdc1', self.client.sdc(found['sdc1'].id).name)


class TestLegacyGuidMapping(OperationsTestCase):
    """The os-brick legacy path names the SDC by its GUID, not its id."""

    def test_map_limit_and_unmap_by_guid(self):
        volume_id = self.new_volume()
        sdc_id = self.sim.mdm.sdc_by_guid(common.SDC1_GUID).id
        self.assertTrue(self.client.map_volume(volume_id,
                                               guid=common.SDC1_GUID.lower()))
        self.assertFalse(self.client.map_volume(volume_id,
                                                guid=common.SDC1_GUID))
        self.client.set_mapping_limits(volume_id,
                                       guid=common.SDC1_GUID, iops=80)
        self.assertEqual(80, self.client.volume(volume_id).mapping(
            sdc_id).iops_limit)
        self.assertTrue(self.client.unmap_volume(volume_id,
                                                 guid=common.SDC1_GUID))
        self.assertFalse(self.client.unmap_volume(volume_id,
                                                  guid=common.SDC1_GUID))
        # No SDC listing was needed.
        self.assertEqual(0, self.count(LIST_SDCS))

    def test_id_or_guid_not_both(self):
        volume_id = self.new_volume()
        self.assertRaises(ValueError, self.client.map_volume, volume_id)
        self.assertRaises(ValueError, self.client.map_volume, volume_id,
                          self.sdc_id(), guid=common.SDC1_GUID)


class TestMappingLimits(OperationsTestCase):

    def setUp(self):
        super().setUp()
        self.volume_id = self.new_volume()
        self.sdc = self.sdc_id()
        self.client.map_volume(self.volume_id, self.sdc)

    def mapping(self):
        return self.client.volume(self.volume_id).mapping(self.sdc)

    def test_iops_and_bandwidth(self):
        self.client.set_mapping_limits(self.volume_id, self.sdc, iops=80,
                                       bandwidth_kbps=1024)
        self.assertEqual((80, 1), (self.mapping().iops_limit,
                                   self.mapping().bandwidth_limit_mbps))

    def test_one_limit_leaves_the_other(self):
        self.client.set_mapping_limits(self.volume_id, self.sdc, iops=80,
                                       bandwidth_kbps=2048)
        self.client.set_mapping_limits(self.volume_id, self.sdc, iops=100)
        self.assertEqual((100, 2), (self.mapping().iops_limit,
                                    self.mapping().bandwidth_limit_mbps))
        self.client.set_mapping_limits(self.volume_id, self.sdc,
                                       bandwidth_kbps=0)
        self.assertEqual((100, 0), (self.mapping().iops_limit,
                                    self.mapping().bandwidth_limit_mbps))

    def test_zero_means_unlimited(self):
        self.client.set_mapping_limits(self.volume_id, self.sdc, iops=80)
        self.client.set_mapping_limits(self.volume_id, self.sdc, iops=0)
        self.assertEqual(0, self.mapping().iops_limit)

    def test_no_limit_given(self):
        before = self.total_requests()
        self.assertRaises(ValueError, self.client.set_mapping_limits,
                          self.volume_id, self.sdc)
        self.assertEqual(before, self.total_requests())

    def test_unmapped_sdc(self):
        self.assertRaises(exceptions.NotMapped,
                          self.client.set_mapping_limits, self.volume_id,
                          self.sdc_id(common.SDC2_GUID), iops=80)


class TestSdcIdCache(OperationsTestCase):

    def test_many_attaches_list_sdcs_once(self):
        for _ in range(5):
            volume_id = self.new_volume()
            self.client.map_volume(volume_id,
                                   self.client.sdc_id(common.SDC1_GUID))
            self.client.map_volume(volume_id,
                                   self.client.sdc_id(common.SDC2_GUID))
        self.assertEqual(1, self.count(LIST_SDCS))
        self.assertEqual(10, self.count(action('addMappedSdc')))

    def test_guid_letter_case_does_not_matter(self):
        self.assertEqual(self.client.sdc_id(common.SDC1_GUID.lower()),
                         self.client.sdc_id(common.SDC1_GUID))
        self.assertNotEqual(self.client.sdc_id(common.SDC1_GUID),
                            self.client.sdc_id(common.SDC2_GUID))
        self.assertEqual(1, self.count(LIST_SDCS))

    def test_unknown_guid(self):
        error = self.assertRaises(exceptions.NotFound, self.client.sdc_id,
                                  NEW_GUID)
        self.assertIn(NEW_GUID, str(error))

    def test_sdc_added_at_run_time_is_found(self):
        self.client.sdc_id(common.SDC1_GUID)
        added = self.sim.add_sdc({'name': 'sdc3', 'guid': NEW_GUID,
                                  'ip': '192.0.2.13'})
        self.assertEqual(added.id, self.client.sdc_id(NEW_GUID))
        self.assertEqual(2, self.count(LIST_SDCS))
        volume_id = self.new_volume()
        self.assertTrue(self.client.map_volume(volume_id, added.id))

    def test_sdc_registered_through_the_control_api_is_found(self):
        self.client.sdc_id(common.SDC1_GUID)
        response = requests.post(self.sim.url + '/sim/sdcs', json={
            'name': 'sdc3', 'guid': NEW_GUID.lower()}, timeout=10)
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(response.json()['id'],
                         self.client.sdc_id(NEW_GUID))

    def test_entries_expire(self):
        gateway, clock = self.client_with_clock(cache_ttl=30)
        sdc_id = gateway.sdc_id(common.SDC1_GUID)
        clock.advance(29)
        self.assertEqual(sdc_id, gateway.sdc_id(common.SDC1_GUID))
        self.assertEqual(1, self.count(LIST_SDCS))
        clock.advance(2)
        self.assertEqual(sdc_id, gateway.sdc_id(common.SDC1_GUID))
        self.assertEqual(2, self.count(LIST_SDCS))

    def test_reregistered_sdc_is_found_after_a_not_found_answer(self):
        old_id = self.client.sdc_id(common.SDC1_GUID)
        mdm = self.sim.mdm
        with mdm.lock:      # the host's SDC is removed and registered again
            del mdm.sdcs[old_id]
        new = self.sim.add_sdc({'name': 'sdc1', 'guid': common.SDC1_GUID,
                                'ip': '192.0.2.11'})
        self.assertNotEqual(old_id, new.id)
        volume_id = self.new_volume()
        self.assertRaises(exceptions.NotFound, self.client.map_volume,
                          volume_id, old_id)
        self.assertEqual(new.id, self.client.sdc_id(common.SDC1_GUID))


# ----------------------------------------------------------------- capacity
@ddt.ddt
class TestPoolCapacities(OperationsTestCase):

    def test_both_pools_in_one_request(self):
        sp1, sp2 = self.pool('sp1'), self.pool('sp2')
        found = self.client.pool_capacities([sp1, sp2])
        self.assertEqual(1, self.count(STATISTICS))
        self.assertEqual({sp1, sp2}, set(found))
        for pool_id in (sp1, sp2):
            cap = found[pool_id]
            self.assertEqual((pool_id, 1024, 1024, 0),
                             (cap.pool_id, cap.total_gib, cap.free_gib,
                              cap.provisioned_gib))

    def test_no_pools(self):
        before = self.total_requests()
        self.assertEqual({}, self.client.pool_capacities([]))
        self.assertEqual(before, self.total_requests())

    def test_unknown_pool(self):
        self.assertRaises(exceptions.NotFound, self.client.pool_capacities,
                          ['0000000000000000'])

    @ddt.unpack
    @ddt.data(
        # version, typo build, statistics requests (first call, next call)
        ('2.0', False, 2, 1),
        ('2.0', True, 2, 1),
        ('3.0', False, 1, 1),
        ('3.5', False, 1, 1),
        ('4.0', False, 1, 1),
    )
    def test_capacity_with_volumes(self, version, typo, first, then):
        self.use_simulator(api_version=version, thin_allocated_typo=typo)
        sp1, sp2 = self.pool('sp1'), self.pool('sp2')
        self.new_volume(16, thin=False)         # thick: uses its size
        self.new_volume(14)                     # thin 16, nothing written
        self.new_volume(8, pool='sp2')          # thin 8
        found = self.client.pool_capacities([sp1, sp2])
        self.assertEqual(first, self.count(STATISTICS))
        self.assertEqual(
            {sp1: (1024, 1008, 32), sp2: (1024, 1024, 8)},
            {p: (c.total_gib, c.free_gib, c.provisioned_gib)
             for p, c in found.items()})
        self.client.pool_capacities([sp1, sp2])
        self.assertEqual(first + then, self.count(STATISTICS))

    @ddt.unpack
    @ddt.data((False, 'thinCapacityAllocatedInKb'),
              (True, 'thinCapacityAllocatedInKm'))
    def test_2_0_probe_picks_the_thin_counter_name(self, typo, name):
        self.use_simulator(api_version='2.0', thin_allocated_typo=typo)
        sp1 = self.pool('sp1')
        self.new_volume(24)
        cap = self.client.pool_capacities([sp1])[sp1]
        self.assertIn(name, cap.counters)
        self.assertEqual(48 * sizes.KIB_PER_GIB, cap.counters[name])
        self.assertEqual(24, cap.provisioned_gib)

    def test_2_0_probe_of_an_unknown_pool_does_not_decide_the_name(self):
        # The probe asks about one pool; a pool that is not there says
        # nothing about how the gateway spells the thin counter.
        self.use_simulator(api_version='2.0')
        self.assertRaises(exceptions.NotFound, self.client.pool_capacities,
                          ['0000000000000000'])
        sp1 = self.pool('sp1')
        self.new_volume(24)
        cap = self.client.pool_capacities([sp1])[sp1]
        self.assertEqual((24, 48 * sizes.KIB_PER_GIB), (
            cap.provisioned_gib, cap.counters['thinCapacityAllocatedInKb']))

    def test_raw_pool_counters(self):
        sp1 = self.pool('sp1')
        self.new_volume(16, thin=False)
        self.new_volume(8)
        counters = self.client.pool_counters(sp1)
        self.assertEqual((2, 16 * sizes.KIB_PER_GIB, 1008 * sizes.KIB_PER_GIB),
                         (counters['numOfVolumes'],
                          counters['netThickCapacityInUseInKb'],
                          counters['netUnusedCapacityInKb']))

    @ddt.unpack
    @ddt.data(('3.0', 'snapCapacityInUseInKb'),
              ('3.5', 'snapshotCapacityInKb'),
              ('4.0', 'snapshotCapacityInKb'))
    def test_snapshot_counter_name(self, version, name):
        self.use_simulator(api_version=version)
        sp1 = self.pool('sp1')
        cap = self.client.pool_capacities([sp1])[sp1]
        self.assertIn(name, cap.counters)
        self.assertIn('netUnusedCapacityInKb', cap.counters)


# --------------------------------------------------------- vTree, migration
class TestVTree(OperationsTestCase):

    def test_vtree_and_its_volume_count(self):
        volume_id = self.new_volume()
        vtree_id = self.client.volume(volume_id).vtree_id
        self.assertEqual(1, self.client.vtree_volume_count(vtree_id))
        group = self.client.snapshot_volumes([(volume_id, new_name()),
                                              (volume_id, new_name())])
        self.assertEqual(3, self.client.vtree_volume_count(vtree_id))
        tree = self.client.vtree(vtree_id)
        self.assertEqual((vtree_id, self.pool('sp1'), 'NotInMigration',
                          False),
                         (tree.id, tree.storage_pool_id,
                          tree.migration_status, tree.migrating))
        self.client.delete_volume(group.volume_ids[0])
        self.assertEqual(2, self.client.vtree_volume_count(vtree_id))

    def test_each_volume_has_its_own_vtree(self):
        a, b = self.new_volume(), self.new_volume()
        self.assertNotEqual(self.client.volume(a).vtree_id,
                            self.client.volume(b).vtree_id)

    def test_unknown_vtree(self):
        self.assertRaises(exceptions.NotFound, self.client.vtree,
                          '0000000000000000')


@ddt.ddt
class TestMigrateVTree(OperationsTestCase):

    def wait_for_migration(self, vtree_id, gateway=None):
        gateway = gateway or self.client
        for _ in range(20):
            tree = gateway.vtree(vtree_id)
            if not tree.migrating:
                return tree
        self.fail('vTree %s is still migrating' % vtree_id)

    def test_migration_story(self):
        volume_id = self.new_volume()
        snap = self.snapshot(volume_id)
        sp2 = self.pool('sp2')
        self.assertEqual('started', self.client.migrate_vtree(volume_id, sp2))
        vtree_id = self.client.volume(volume_id).vtree_id
        self.assertTrue(self.client.vtree(vtree_id).migrating)
        self.assertEqual('in progress',
                         self.client.migrate_vtree(volume_id, sp2))
        tree = self.wait_for_migration(vtree_id)
        self.assertEqual((sp2, False), (tree.storage_pool_id,
                                        tree.migration_failed))
        self.assertEqual(sp2, self.client.volume(volume_id).storage_pool_id)
        self.assertEqual(sp2, self.client.volume(snap).storage_pool_id)
        self.assertEqual('done', self.client.migrate_vtree(volume_id, sp2))

    def test_same_pool_is_done(self):
        volume_id = self.new_volume()
        self.assertEqual('done', self.client.migrate_vtree(
            volume_id, self.pool('sp1')))
        self.assertFalse(self.client.vtree(
            self.client.volume(volume_id).vtree_id).migrating)

    def test_thick_to_thin_into_fine_granularity(self):
        volume_id = self.new_volume(thin=False)
        self.assertEqual('started', self.client.migrate_vtree(
            volume_id, self.pool('sp2'), conversion='ThickToThin',
            compression='Normal'))
        self.wait_for_migration(self.client.volume(volume_id).vtree_id)
        volume = self.client.volume(volume_id)
        self.assertEqual((records.THIN, 'Normal'),
                         (volume.volume_type, volume.compression))

    def test_paused_migration_is_a_failure(self):
        volume_id = self.new_volume()
        self.client.migrate_vtree(volume_id, self.pool('sp2'))
        vtree_id = self.client.volume(volume_id).vtree_id
        self.sim.mdm.pause_migration(vtree_id, 'NoSpace')
        tree = self.client.vtree(vtree_id)
        self.assertEqual((True, True, 'NoSpace'),
                         (tree.migrating, tree.migration_failed,
                          tree.migration_pause_reason))

    def test_unknown_conversion(self):
        volume_id = self.new_volume()
        sp2 = self.pool('sp2')
        self.assertTrue(self.client.version.migration)
        before = self.total_requests()
        self.assertRaises(ValueError, self.client.migrate_vtree, volume_id,
                          sp2, conversion='ThinToThinner')
        self.assertEqual(before, self.total_requests())

    @ddt.unpack
    @ddt.data(('2.0', False), ('3.0', True), ('3.5', True), ('4.0', True))
    def test_needs_api_3_0(self, version, supported):
        self.use_simulator(api_version=version)
        volume_id = self.new_volume()
        if supported:
            self.assertEqual('started', self.client.migrate_vtree(
                volume_id, self.pool('sp2')))
        else:
            self.assertRaises(exceptions.GatewayError,
                              self.client.migrate_vtree, volume_id,
                              self.pool('sp2'))
        self.assertEqual(1 if supported else 0,
                         self.count(action('migrateVTree')))


# ----------------------------------------------------------------- versions
@ddt.ddt
class TestVersionGates(OperationsTestCase):

    @ddt.unpack
    @ddt.data(
        # version, 3.0 features, snapshot counter
        ('2.0', False, 'snapCapacityInUseInKb'),
        ('3.0', True, 'snapCapacityInUseInKb'),
        ('3.5', True, 'snapshotCapacityInKb'),
        ('4.0', True, 'snapshotCapacityInKb'),
    )
    def test_gates(self, text, from_3_0, snapshot_counter):
        version = self.use_simulator(api_version=text).version
        self.assertEqual(text, str(version))
        self.assertEqual(not from_3_0, version.may_misspell_thin_allocated)
        self.assertEqual(from_3_0, version.revert)
        self.assertEqual(from_3_0, version.migration)
        self.assertEqual(from_3_0, version.net_capacity_statistics)
        self.assertEqual(from_3_0, version.fine_granularity)
        self.assertEqual(snapshot_counter, version.snapshot_statistic)

    @ddt.data('2.0', '3.0', '3.5', '4.0')
    def test_version_is_read_once(self, text):
        gateway = self.use_simulator(api_version=text)
        for _ in range(3):
            self.assertEqual(text, str(gateway.version))
        sp1 = self.pool('sp1')
        gateway.pool_capacities([sp1])
        gateway.pool_capacities([sp1])
        self.assertEqual(1, self.count(VERSION))

    def test_2_0_volumes_have_no_layout(self):
        self.use_simulator(api_version='2.0')
        volume = self.client.volume(self.new_volume())
        self.assertIsNone(volume.data_layout)
        self.assertFalse(self.client.storage_pool(
            self.pool('sp2')).fine_granularity)
