"""Volumes through their life: create, delete, extend, clone, revert.

Cinder keeps the size the user asked for; the array allocates the next
multiple of 8 GiB behind it.
"""

import datetime
import os

import ddt

from cinder.db import api as db_api
from cinder import exception
from cinder import objects
from scaleio_client import names
from scaleio_client import sizes
from tests.support import cinder as support
from tests.support import common

CREATE = 'POST /api/types/Volume/instances'
SNAPSHOT = 'POST /api/instances/System/action/snapshotVolumes'
EXTEND = 'POST /api/instances/Volume::{id}/action/setVolumeSize'
MAP = 'POST /api/instances/Volume::{id}/action/addMappedSdc'
UNMAP = 'POST /api/instances/Volume::{id}/action/removeMappedSdc'
REMOVE = 'POST /api/instances/Volume::{id}/action/removeVolume'
REVERT = 'POST /api/instances/Volume::{id}/action/overwriteVolumeContent'
# POST actions that only read.
QUERIES = ('querySelectedStatistics', 'queryBySelectedIds', 'queryIdByKey')


def mutations(requests):
    """The requests that change something on the array."""
    return {k: v for k, v in requests.items()
            if k.startswith('POST ') and not k.endswith(QUERIES)}


class VolumeTestCase(support.DriverTestCase):

    def pool_id(self, name):
        for pool in self.sim.mdm.list('StoragePool'):
            if pool.name == name:
                return pool.id
        raise KeyError(name)

    def array_volumes(self):
        return sorted(v.id for v in self.sim.mdm.list('Volume'))

    def array_size_gib(self, obj):
        return self.array_volume(obj).size_kib // sizes.KIB_PER_GIB

    def reload(self, volume):
        return objects.Volume.get_by_id(self.context, volume.id)

    def new_volume(self, size, **kwargs):
        """A Cinder volume record the driver has not created yet."""
        return self.volume(size, create=False, **kwargs)

    def fill_vtree(self, volume, snapshots=126):
        """Give a volume's vTree the array's full count of snapshots."""
        self.sim.mdm.snapshot_volumes(
            [(volume.provider_id, None)] * snapshots)


@ddt.ddt
class TestCreate(VolumeTestCase):

    @ddt.data(
        # pool, extra specs, array volume type, compression
        ('pd1:sp1', {'provisioning:type': 'thin'}, 'ThinProvisioned',
         'None'),
        ('pd1:sp1', {'provisioning:type': 'thick'}, 'ThickProvisioned',
         'None'),
        ('pd1:sp1', {'provisioning:type': 'compressed'}, 'ThinProvisioned',
         'None'),
        ('pd1:sp2', {'provisioning:type': 'thin'}, 'ThinProvisioned',
         'None'),
        ('pd1:sp2', {'provisioning:type': 'thick'}, 'ThinProvisioned',
         'None'),
        ('pd1:sp2', {'provisioning:type': 'compressed'}, 'ThinProvisioned',
         'Normal'),
        ('pd1:sp1', {'sio:provisioning_type': 'thick'}, 'ThickProvisioned',
         'None'),
        ('pd1:sp2', {'sio:provisioning_type': 'compressed'},
         'ThinProvisioned', 'Normal'),
        ('pd1:sp1', {}, 'ThinProvisioned', 'None'),
    )
    @ddt.unpack
    def test_the_provisioning_type_places_the_volume(self, pool, extra,
                                                     volume_type,
                                                     compression):
        vt = self.volume_type('t', extra)
        volume = self.volume(8, pool=pool, volume_type=vt)
        record = self.array_volume(volume)
        self.assertEqual(volume_type, record.volume_type)
        self.assertEqual(compression, record.compression)
        self.assertEqual(self.pool_id(pool.split(':')[1]),
                         record.storage_pool_id)
        self.assertEqual(names.id_to_name(volume.id), record.name)

    @ddt.data((1, 8), (8, 8), (9, 16), (10, 16), (17, 24))
    @ddt.unpack
    def test_cinder_keeps_the_size_asked_for_the_array_8_gib_units(
            self, size, array_gib):
        volume = self.new_volume(size)
        update = self.driver.create_volume(volume)
        self.assertEqual({'provider_id'}, set(update))
        volume.update(update)
        volume.save()
        self.assertEqual(size, self.reload(volume).size)
        self.assertEqual(array_gib, self.array_size_gib(volume))

    def test_create_is_one_gateway_request(self):
        before = self.sim.log.counters()
        self.volume(10)
        self.assertEqual({CREATE: 1}, self.requests_since(before))

    @ddt.data('thinn', 'dedup', 'thin provisioned', '')
    def test_an_unknown_provisioning_type_creates_nothing(self, value):
        vt = self.volume_type('bad', {'provisioning:type': value})
        volume = self.new_volume(8, volume_type=vt)
        error = self.assertRaises(exception.InvalidVolumeType,
                                  self.driver.create_volume, volume)
        self.assertIn('provisioning:type', str(error))
        self.assertIn(repr(value), str(error))
        self.assertIn('thin, thick, compressed', str(error))
        self.assertEqual([], self.array_volumes())

    @ddt.data(
        ({'maxIOPS': 'lots'}, None, 'maxIOPS', 'whole number'),
        ({'maxBWS': '-1024'}, None, 'maxBWS', 'negative'),
        (None, {'maxIOPSperGB': '1.5'}, 'maxIOPSperGB', 'whole number'),
        (None, {'maxBWSperGB': '-2'}, 'maxBWSperGB', 'negative'),
    )
    @ddt.unpack
    def test_a_bad_qos_value_creates_nothing(self, extra, qos, key,
                                             expected):
        vt = self.volume_type('bad', extra, qos=qos)
        volume = self.new_volume(8, volume_type=vt)
        error = self.assertRaises(exception.InvalidVolumeType,
                                  self.driver.create_volume, volume)
        value = (extra or qos)[key]
        self.assertIn(key, str(error))
        self.assertIn(repr(value), str(error))
        self.assertIn(expected, str(error))
        self.assertEqual([], self.array_volumes())

    def test_a_pool_this_backend_does_not_serve_is_refused(self):
        volume = self.new_volume(8, pool='pd1:sp9')
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.create_volume, volume)
        self.assertIn('pd1:sp9', str(error))
        self.assertEqual([], self.array_volumes())


class TestCreateThickByDefault(VolumeTestCase):

    driver_options = {'san_thin_provision': False}

    def test_without_a_provisioning_type_volumes_are_thick(self):
        volume = self.volume(8)
        self.assertEqual('ThickProvisioned',
                         self.array_volume(volume).volume_type)

    def test_the_type_still_wins_over_the_default(self):
        vt = self.volume_type('thin', {'provisioning:type': 'thin'})
        volume = self.volume(8, volume_type=vt)
        self.assertEqual('ThinProvisioned',
                         self.array_volume(volume).volume_type)


@ddt.ddt
class TestCreateWithoutRounding(VolumeTestCase):

    driver_options = {'scaleio_round_volume_capacity': False}

    @ddt.data(1, 10, 20)
    def test_a_size_off_the_8_gib_grid_creates_nothing(self, size):
        volume = self.new_volume(size)
        error = self.assertRaises(exception.InvalidInput,
                                  self.driver.create_volume, volume)
        self.assertIn('%d GiB' % size, str(error))
        self.assertIn('multiple of 8 GiB', str(error))
        self.assertEqual([], self.array_volumes())

    def test_a_multiple_of_8_gib_is_created(self):
        volume = self.volume(16)
        self.assertEqual(16, self.array_size_gib(volume))

    def test_extending_off_the_grid_leaves_the_volume_as_it_was(self):
        volume = self.volume(16)
        before = self.sim.log.counters()
        self.assertRaises(exception.InvalidInput, self.driver.extend_volume,
                          volume, 20)
        self.assertEqual({}, mutations(self.requests_since(before)))
        self.assertEqual(16, self.array_size_gib(volume))


class TestDelete(VolumeTestCase):

    def test_delete_removes_the_array_volume(self):
        volume = self.volume(8)
        before = self.sim.log.counters()
        self.driver.delete_volume(volume)
        self.assertEqual([], self.array_volumes())
        self.assertEqual({REMOVE: 1}, mutations(self.requests_since(before)))

    def test_deleting_twice_succeeds(self):
        volume = self.volume(8)
        self.driver.delete_volume(volume)
        self.driver.delete_volume(volume)
        self.assertEqual([], self.array_volumes())

    def test_deleting_a_volume_already_gone_from_the_array_succeeds(self):
        volume = self.volume(8)
        self.sim.mdm.remove_volume(volume.provider_id, 'ONLY_ME')
        self.driver.delete_volume(volume)
        self.assertEqual([], self.array_volumes())

    def test_deleting_a_volume_never_created_on_the_array_succeeds(self):
        other = self.volume(8)
        volume = self.new_volume(8)
        self.driver.delete_volume(volume)
        self.assertEqual([other.provider_id], self.array_volumes())

    def test_a_volume_whose_provider_id_was_lost_is_found_by_name(self):
        volume = self.volume(8)
        volume.provider_id = None
        volume.save()
        self.driver.delete_volume(self.reload(volume))
        self.assertEqual([], self.array_volumes())

    def test_a_mapped_volume_is_unmapped_from_every_host_first(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.initialize_connection(
            volume, self.connector(support.SDC2_GUID, 'compute2'))
        before = self.sim.log.counters()
        self.driver.delete_volume(volume)
        self.assertEqual([], self.array_volumes())
        self.assertEqual({UNMAP: 1, REMOVE: 1},
                         mutations(self.requests_since(before)))

    def test_deleting_a_volume_keeps_its_snapshots(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.driver.delete_volume(volume)
        self.assertEqual([snapshot.provider_id], self.array_volumes())


@ddt.ddt
class TestExtend(VolumeTestCase):

    @ddt.data((10, 17, 24), (8, 9, 16), (1, 40, 40), (16, 17, 24))
    @ddt.unpack
    def test_extend_past_the_bucket_grows_the_array_volume(self, size,
                                                           new_size,
                                                           array_gib):
        volume = self.volume(size)
        before = self.sim.log.counters()
        self.driver.extend_volume(volume, new_size)
        self.assertEqual(array_gib, self.array_size_gib(volume))
        # Cinder's sizes decide: no read before the grow.
        self.assertEqual({EXTEND: 1}, self.requests_since(before))

    @ddt.data((8, 17, 32, 32), (8, 17, 24, 24), (8, 20, 16, 24))
    @ddt.unpack
    def test_a_volume_grown_behind_cinders_back_is_extended(
            self, size, new_size, resized_gib, array_gib):
        volume = self.volume(size)
        self.driver.gateway.extend_volume(volume.provider_id, resized_gib)
        before = self.sim.log.counters()
        self.driver.extend_volume(volume, new_size)
        self.assertEqual(array_gib, self.array_size_gib(volume))
        requests = self.requests_since(before)
        self.assertEqual({EXTEND: 1}, mutations(requests))
        # The one read only follows the gateway's refusal to grow.
        self.assertEqual(
            {} if resized_gib < array_gib
            else {'GET /api/instances/Volume::{id}': 1},
            {k: v for k, v in requests.items() if k != EXTEND})

    @ddt.data((10, 12), (9, 16), (1, 8))
    @ddt.unpack
    def test_extend_within_the_same_bucket_makes_no_gateway_request(
            self, size, new_size):
        volume = self.volume(size)
        before = self.sim.log.counters()
        self.driver.extend_volume(volume, new_size)
        self.assertEqual({}, self.requests_since(before))
        self.assertEqual(new_size + (-new_size % 8),
                         self.array_size_gib(volume))

    def test_an_attached_volume_is_extended_and_stays_mapped(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.extend_volume(volume, 20)
        record = self.array_volume(volume)
        self.assertEqual(24 * sizes.KIB_PER_GIB, record.size_kib)
        self.assertEqual(1, len(record.mappings))

    @ddt.data(
        # size, new size, limits before, limits after (iops, KB/s)
        (8, 16, (80, 8192), (160, 16384)),
        # Inside the bucket the per-GB limits still follow Cinder's size.
        (9, 12, (90, 9216), (120, 12288)),
    )
    @ddt.unpack
    def test_extending_an_attached_volume_updates_per_gb_limits(
            self, size, new_size, before, after):
        vt = self.volume_type('qos', qos={'maxIOPSperGB': '10',
                                          'maxBWSperGB': '1024'})
        volume = self.volume(size, volume_type=vt)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.initialize_connection(
            volume, self.connector(support.SDC2_GUID, 'compute2'))

        def limits():
            return [(m.limit_iops, m.limit_bw_kbps)
                    for m in self.array_volume(volume).mappings]
        self.assertEqual([before, before], limits())
        self.driver.extend_volume(volume, new_size)
        self.assertEqual([after, after], limits())


@ddt.ddt
class TestClone(VolumeTestCase):

    def test_a_clone_is_a_snapshot_in_the_source_vtree_named_after_it(self):
        source = self.volume(10)
        clone = self.new_volume(10)
        before = self.sim.log.counters()
        clone.update(self.driver.create_cloned_volume(clone, source))
        self.assertEqual({SNAPSHOT: 1}, self.requests_since(before))
        record = self.array_volume(clone)
        self.assertEqual(names.id_to_name(clone.id), record.name)
        self.assertEqual(source.provider_id, record.ancestor_id)
        self.assertEqual(self.array_volume(source).vtree_id, record.vtree_id)
        self.assertEqual(16 * sizes.KIB_PER_GIB, record.size_kib)

    @ddt.data(
        # source size, clone size, clone's array GiB, resized?
        (10, 12, 16, False),
        (10, 17, 24, True),
        (8, 9, 16, True),
        (1, 100, 104, True),
    )
    @ddt.unpack
    def test_a_larger_clone_is_resized(self, size, clone_size, array_gib,
                                       resized):
        source = self.volume(size)
        clone = self.new_volume(clone_size)
        before = self.sim.log.counters()
        update = self.driver.create_cloned_volume(clone, source)
        self.assertEqual({'provider_id'}, set(update))
        clone.update(update)
        expected = {SNAPSHOT: 1, EXTEND: 1} if resized else {SNAPSHOT: 1}
        self.assertEqual(expected, self.requests_since(before))
        self.assertEqual(array_gib, self.array_size_gib(clone))
        self.assertEqual(clone_size, self.reload(clone).size)

    def test_a_source_larger_on_the_array_gives_a_clone_that_size(self):
        # Grown behind Cinder's back: the clone holds more than it needs.
        source = self.volume(8)
        self.driver.gateway.extend_volume(source.provider_id, 32)
        clone = self.new_volume(12)
        clone.update(self.driver.create_cloned_volume(clone, source))
        self.assertEqual(32, self.array_size_gib(clone))

    @ddt.data((10, 10, 16, False), (10, 20, 24, True), (8, 8, 8, False))
    @ddt.unpack
    def test_a_volume_from_a_snapshot_is_resized_when_larger(
            self, size, new_size, array_gib, resized):
        source = self.volume(size)
        snapshot = self.snapshot(source)
        volume = self.new_volume(new_size)
        before = self.sim.log.counters()
        update = self.driver.create_volume_from_snapshot(volume, snapshot)
        self.assertEqual({'provider_id'}, set(update))
        volume.update(update)
        expected = {SNAPSHOT: 1, EXTEND: 1} if resized else {SNAPSHOT: 1}
        self.assertEqual(expected, self.requests_since(before))
        record = self.array_volume(volume)
        self.assertEqual(array_gib * sizes.KIB_PER_GIB, record.size_kib)
        self.assertEqual(snapshot.provider_id, record.ancestor_id)
        self.assertEqual(names.id_to_name(volume.id), record.name)

    def test_a_clone_of_a_volume_in_a_full_vtree_hits_the_limit(self):
        source = self.volume(8)
        self.fill_vtree(source)
        existing = self.array_volumes()
        clone = self.new_volume(8)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_cloned_volume, clone, source)
        self.assertEqual(existing, self.array_volumes())

    def test_a_volume_from_a_snapshot_in_a_full_vtree_hits_the_limit(self):
        source = self.volume(8)
        snapshot = self.snapshot(source)
        self.fill_vtree(source, 125)
        existing = self.array_volumes()
        volume = self.new_volume(8)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_volume_from_snapshot, volume,
                          snapshot)
        self.assertEqual(existing, self.array_volumes())


class TestImageCache(VolumeTestCase):
    """Cinder replaces a cache entry when cloning it raises the limit."""

    driver_options = {'scaleio_max_image_cache_vtree_size': 3}

    def cache_entry(self):
        volume = self.volume(8)
        db_api.image_volume_cache_create(
            self.context, volume.host, None,
            'c3b9a8e0-5a5b-4a4e-9b0a-3c1f3b8a0001',
            datetime.datetime(2026, 1, 1),
            volume.id, volume.size)
        return volume

    def test_cloning_a_full_cache_entry_raises_snapshot_limit_reached(self):
        entry = self.cache_entry()
        for _ in range(2):      # the vTree holds 1, 2, then 3 volumes
            clone = self.new_volume(8)
            clone.update(self.driver.create_cloned_volume(clone, entry))
        existing = self.array_volumes()
        clone = self.new_volume(8)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.driver.create_cloned_volume, clone, entry)
        self.assertEqual(existing, self.array_volumes())

    def test_the_cache_limit_leaves_ordinary_volumes_alone(self):
        source = self.volume(8)
        for _ in range(4):
            clone = self.new_volume(8)
            clone.update(self.driver.create_cloned_volume(clone, source))
        self.assertEqual(5, len(self.array_volumes()))


class TestRevert(VolumeTestCase):

    def write(self, obj, data):
        """What a host writes through the SDC lands in the volume."""
        path = self.sim.dataplane.path(obj.provider_id)
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.truncate(self.array_volume(obj).size_kib
                           * common.BYTES_PER_KIB)
        with open(path, 'r+b') as f:
            f.write(data)

    def read(self, obj, length):
        path = self.sim.dataplane.path(obj.provider_id)
        if not os.path.exists(path):
            return b'\0' * length
        with open(path, 'rb') as f:
            return f.read(length)

    def test_revert_gives_the_volume_its_snapshot_content(self):
        volume = self.volume(8)
        self.write(volume, b'before')
        snapshot = self.snapshot(volume)
        self.write(volume, b'after!')
        before = self.sim.log.counters()
        self.driver.revert_to_snapshot(self.context, volume, snapshot)
        self.assertEqual({REVERT: 1}, mutations(self.requests_since(before)))
        self.assertEqual(b'before', self.read(volume, 6))
        self.assertEqual(volume.provider_id, self.array_volume(volume).id)

    def test_revert_to_a_snapshot_of_an_empty_volume_empties_it(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.write(volume, b'data')
        self.driver.revert_to_snapshot(self.context, volume, snapshot)
        self.assertEqual(b'\0' * 4, self.read(volume, 4))


class TestApi20(VolumeTestCase):
    """A ScaleIO 2.0 gateway: no fine granularity, no revert."""

    simulator_options = {'tls': True, 'api_version': '2.0'}

    def test_thick_and_thin_volumes_in_both_pools(self):
        thick = self.volume_type('thick', {'provisioning:type': 'thick'})
        for pool in ('pd1:sp1', 'pd1:sp2'):
            volume = self.volume(8, pool=pool, volume_type=thick)
            self.assertEqual('ThickProvisioned',
                             self.array_volume(volume).volume_type)

    def test_compressed_becomes_thin_without_compression(self):
        vt = self.volume_type('c', {'provisioning:type': 'compressed'})
        volume = self.volume(8, pool='pd1:sp2', volume_type=vt)
        record = self.array_volume(volume)
        self.assertEqual(('ThinProvisioned', 'None'),
                         (record.volume_type, record.compression))

    def test_revert_falls_back_to_cinders_generic_copy(self):
        # Cinder's manager copies the snapshot itself when the driver
        # raises NotImplementedError; any other error fails the revert.
        volume = self.volume(8)
        snapshot = self.snapshot(volume)
        self.assertRaises(NotImplementedError,
                          self.driver.revert_to_snapshot, self.context,
                          volume, snapshot)

    def test_a_full_vtree_holds_31_snapshots(self):
        source = self.volume(8)
        self.fill_vtree(source, 31)
        self.assertRaises(exception.SnapshotLimitReached,
                          self.snapshot, source)
