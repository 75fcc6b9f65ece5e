"""Storage-assisted migration (migrateVTree) and the renames that follow a
host-assisted one, against the simulator with real Cinder records."""

import threading
import time

from cinder import exception
from cinder import objects
from cinder.objects import fields
from cinder.volume import manager as volume_manager
import requests

from scaleio_client import names
from scaleio_client import records
from scaleio_client import sizes
from tests.support import cinder as support

# Two pools more than the default system: sp3 without zero padding.
TOPOLOGY = {
    'protection_domains': [{
        'name': 'pd1',
        'storage_pools': [
            {'name': 'sp1', 'data_layout': 'MediumGranularity',
             'zero_padding': True},
            {'name': 'sp2', 'data_layout': 'FineGranularity',
             'zero_padding': True},
            {'name': 'sp3', 'data_layout': 'MediumGranularity',
             'zero_padding': False},
            {'name': 'sp4', 'data_layout': 'MediumGranularity',
             'zero_padding': True},
        ],
    }],
}


def destination(pool, backend=support.HOST, backend_name=support.BACKEND):
    """The ``host`` argument the scheduler hands migrate_volume."""
    return {'host': '%s#%s' % (backend, pool),
            'cluster_name': None,
            'capabilities': {'volume_backend_name': backend_name,
                             'storage_protocol': 'scaleio',
                             'pool_name': pool}}


class MigrationTestCase(support.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(group=support.BACKEND,
                         scaleio_migration_poll_interval=0.01,
                         scaleio_migration_timeout=30)

    def pool_id(self, pool):
        return self.driver.backend.pool(pool).id

    def migrate_requests(self, since):
        return sum(n for key, n in self.requests_since(since).items()
                   if 'migrateVTree' in key)

    def vtree_reads(self, since):
        return sum(n for key, n in self.requests_since(since).items()
                   if key == 'GET /api/instances/VTree::{id}')

    def vtree(self, volume):
        with self.sim.mdm.lock:
            vtree_id = self.sim.mdm.get('Volume', volume.provider_id).vtree_id
            return self.sim.mdm.get('VTree', vtree_id)

    def attach(self, volume):
        attachment = volume.begin_attach('rw')
        attachment.finish_attach(None, 'compute1', '/dev/vdb', 'rw')
        volume.refresh()
        return attachment


class TestMigrateVolume(MigrationTestCase):

    def assert_moved(self, volume, pool, result):
        self.assertEqual((True, {'host': '%s#%s' % (support.HOST, pool)}),
                         result)
        record = self.array_volume(volume)
        self.assertEqual(self.pool_id(pool), record.storage_pool_id)
        tree = self.vtree(volume)
        self.assertIsNone(tree.migration)
        self.assertEqual(self.pool_id(pool), tree.storage_pool_id)
        return record

    def test_thin_medium_to_fine_waits_for_the_array(self):
        vt = self.volume_type('thin', {'provisioning:type': 'thin'})
        volume = self.volume(size=8, volume_type=vt)
        before = self.sim.log.counters()
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        record = self.assert_moved(volume, 'pd1:sp2', result)
        self.assertEqual(records.THIN, record.volume_type)
        self.assertEqual('None', record.compression)
        self.assertEqual(1, self.migrate_requests(before))
        # The simulator reads InMigration twice, then the tree has moved.
        self.assertEqual(3, self.vtree_reads(before))
        # Still the same array volume: nothing else to record.
        self.assertEqual(volume.provider_id, record.id)

    def test_thick_into_fine_granularity_becomes_thin(self):
        vt = self.volume_type('thick', {'provisioning:type': 'thick'})
        volume = self.volume(size=8, volume_type=vt)
        self.assertEqual(records.THICK, self.array_volume(volume).volume_type)
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        record = self.assert_moved(volume, 'pd1:sp2', result)
        self.assertEqual(records.THIN, record.volume_type)

    def test_compressed_type_compresses_in_fine_granularity(self):
        vt = self.volume_type('compressed',
                              {'provisioning:type': 'compressed'})
        volume = self.volume(size=8, volume_type=vt)
        self.assertEqual('None', self.array_volume(volume).compression)
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        record = self.assert_moved(volume, 'pd1:sp2', result)
        self.assertEqual('Normal', record.compression)
        self.assertEqual(records.THIN, record.volume_type)

    def test_thick_type_back_to_medium_granularity_becomes_thick(self):
        vt = self.volume_type('thick', {'provisioning:type': 'thick'})
        # Created thin: a fine-granularity pool holds no thick volume.
        volume = self.volume(size=8, pool='pd1:sp2', volume_type=vt)
        self.assertEqual(records.THIN, self.array_volume(volume).volume_type)
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp1'))
        record = self.assert_moved(volume, 'pd1:sp1', result)
        self.assertEqual(records.THICK, record.volume_type)

    def test_compressed_volume_to_medium_granularity_uncompresses(self):
        vt = self.volume_type('compressed',
                              {'provisioning:type': 'compressed'})
        volume = self.volume(size=8, pool='pd1:sp2', volume_type=vt)
        self.assertEqual('Normal', self.array_volume(volume).compression)
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp1'))
        record = self.assert_moved(volume, 'pd1:sp1', result)
        self.assertEqual('None', record.compression)
        self.assertEqual(records.THIN, record.volume_type)

    def test_default_type_follows_san_thin_provision(self):
        driver = self.make_driver(support.BACKEND, self.pools,
                                  san_thin_provision=False)
        volume = self.volume(size=8, pool='pd1:sp2')
        self.assertEqual(records.THIN, self.array_volume(volume).volume_type)
        result = driver.migrate_volume(self.context, volume,
                                       destination('pd1:sp1'))
        record = self.assert_moved(volume, 'pd1:sp1', result)
        self.assertEqual(records.THICK, record.volume_type)

    def test_allowed_during_rebuild(self):
        driver = self.make_driver(
            support.BACKEND, self.pools,
            scaleio_allow_migration_during_rebuild=True)
        volume = self.volume(size=8)
        self.assert_moved(volume, 'pd1:sp2', driver.migrate_volume(
            self.context, volume, destination('pd1:sp2')))

    def test_volume_recorded_without_provider_id_is_found_by_name(self):
        volume = self.volume(size=8)
        array_id = volume.provider_id
        volume.provider_id = None
        volume.save()
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        self.assertTrue(result[0])
        with self.sim.mdm.lock:
            record = self.sim.mdm.get('Volume', array_id)
            self.assertEqual(self.pool_id('pd1:sp2'), record.storage_pool_id)

    def test_migrating_again_after_a_lost_answer_is_fine(self):
        # The tree is already in the destination (718: done) while Cinder
        # still records the old pool.
        volume = self.volume(size=8)
        self.driver.gateway.migrate_vtree(volume.provider_id,
                                          self.pool_id('pd1:sp2'))
        tree_id = self.array_volume(volume).vtree_id
        while self.driver.gateway.vtree(tree_id).migrating:
            pass
        before = self.sim.log.counters()
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        self.assert_moved(volume, 'pd1:sp2', result)
        self.assertEqual(1, self.migrate_requests(before))
        self.assertEqual(1, self.vtree_reads(before))

    def test_request_lost_in_flight_is_taken_as_in_progress(self):
        volume = self.volume(size=8)
        # The gateway runs the request, the answer never arrives; the
        # client sends it again and hears 717 (in progress).
        self.sim.faults.add({'action': 'reset', 'phase': 'after',
                             'method': 'POST', 'path': '*migrateVTree',
                             'count': 1})
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        self.assert_moved(volume, 'pd1:sp2', result)

    def test_bad_provisioning_spec_moves_nothing(self):
        volume = self.volume(size=8)
        bad = self.volume_type('bad', {'provisioning:type': 'fat'})
        volume.volume_type_id = bad.id
        volume.save()
        volume = objects.Volume.get_by_id(self.context, volume.id)
        before = self.sim.log.counters()
        self.assertRaises(exception.InvalidVolumeType,
                          self.driver.migrate_volume, self.context, volume,
                          destination('pd1:sp2'))
        self.assertEqual(0, self.migrate_requests(before))

    def test_another_backend_on_this_system_moves_on_the_array(self):
        # Two backends over pools of one ScaleIO system (the location_info
        # their stats report): the array moves the vTree, no host copy.
        volume = self.volume(size=8)
        [pool] = [p for p in self.driver.get_volume_stats(
            refresh=True)['pools'] if p['pool_name'] == 'pd1:sp2']
        host = destination('pd1:sp2', backend='cinder-volume@other',
                           backend_name='other')
        host['capabilities']['location_info'] = pool['location_info']
        before = self.sim.log.counters()
        result = self.driver.migrate_volume(self.context, volume, host)
        self.assertEqual((True, {'host': host['host']}), result)
        self.assertEqual(1, self.migrate_requests(before))
        self.assertEqual(self.pool_id('pd1:sp2'),
                         self.array_volume(volume).storage_pool_id)

    def test_capabilities_of_another_backend_name_fall_back(self):
        volume = self.volume(size=8)
        before = self.sim.log.counters()
        self.assertEqual((False, None), self.driver.migrate_volume(
            self.context, volume,
            destination('pd1:sp2', backend_name='someone-else')))
        self.assertEqual({}, self.requests_since(before))


class TestMigrationFallsBack(MigrationTestCase):
    """Cases the array must not handle: Cinder copies the data itself."""

    def assert_falls_back(self, volume, host):
        before = self.sim.log.counters()
        pool = self.array_volume(volume).storage_pool_id
        self.assertEqual((False, None), self.driver.migrate_volume(
            self.context, volume, host))
        self.assertEqual(0, self.migrate_requests(before))
        self.assertEqual(pool, self.array_volume(volume).storage_pool_id)
        self.assertIsNone(self.vtree(volume).migration)

    def test_another_backend_without_location_info(self):
        volume = self.volume(size=8)
        self.assert_falls_back(volume, destination(
            'pd1:sp2', backend='cinder-volume@other', backend_name='other'))

    def test_another_backend_on_another_system(self):
        volume = self.volume(size=8)
        host = destination('pd1:sp2', backend='cinder-volume@other',
                           backend_name='other')
        host['capabilities']['location_info'] = (
            'ScaleIO:0123456789abcdef:%s:%s' % (
                self.driver.backend.pool('pd1:sp2').protection_domain_id,
                self.pool_id('pd1:sp2')))
        self.assert_falls_back(volume, host)

    def test_another_host_with_the_same_backend_name(self):
        # Two backends sharing a volume_backend_name may be two arrays.
        volume = self.volume(size=8)
        self.assert_falls_back(volume, destination(
            'pd1:sp2', backend='other-host@' + support.BACKEND))

    def test_same_backend_in_another_cluster_member(self):
        # Active-active: same cluster, so the same array and pools.
        volume = self.volume(size=8)
        volume.cluster_name = 'cluster@' + support.BACKEND
        volume.save()
        host = destination('pd1:sp2', backend='other-host@' + support.BACKEND)
        host['cluster_name'] = 'cluster@' + support.BACKEND + '#pd1:sp2'
        result = self.driver.migrate_volume(self.context, volume, host)
        self.assertEqual((True, {'host': host['host']}), result)

    def test_pool_that_is_not_ours(self):
        volume = self.volume(size=8)
        self.assert_falls_back(volume, destination('pd1:sp9'))

    def test_destination_without_pool(self):
        volume = self.volume(size=8)
        self.assert_falls_back(volume, {'host': support.HOST,
                                        'capabilities': {}})

    def test_volume_with_a_snapshot(self):
        volume = self.volume(size=8)
        self.snapshot(volume)
        self.assert_falls_back(volume, destination('pd1:sp2'))

    def test_volume_with_a_clone_and_the_clone(self):
        volume = self.volume(size=8)
        clone = self.volume(size=8, create=False)
        clone.update(self.driver.create_cloned_volume(clone, volume))
        clone.save()
        self.assert_falls_back(volume, destination('pd1:sp2'))
        self.assert_falls_back(clone, destination('pd1:sp2'))

    def test_clone_alone_in_its_tree_moves(self):
        # Once the source is gone, the clone has its vTree to itself.
        volume = self.volume(size=8)
        clone = self.volume(size=8, create=False)
        clone.update(self.driver.create_cloned_volume(clone, volume))
        clone.save()
        self.driver.delete_volume(volume)
        result = self.driver.migrate_volume(self.context, clone,
                                            destination('pd1:sp2'))
        self.assertTrue(result[0])
        self.assertEqual(self.pool_id('pd1:sp2'),
                         self.array_volume(clone).storage_pool_id)

    def test_attached_volume(self):
        volume = self.volume(size=8)
        self.attach(volume)
        self.assertEqual(fields.VolumeAttachStatus.ATTACHED,
                         volume.attach_status)
        self.assert_falls_back(volume, destination('pd1:sp2'))


class TestPoolCompatibility(MigrationTestCase):

    simulator_options = {'tls': True, 'topology': TOPOLOGY}
    pools = 'pd1:sp1,pd1:sp2,pd1:sp3,pd1:sp4'
    driver_options = {'scaleio_allow_non_padded_volumes': True}

    def check(self, source, dest):
        volume = self.volume(size=8, pool=source)
        before = self.sim.log.counters()
        moved, update = self.driver.migrate_volume(self.context, volume,
                                                   destination(dest))
        self.assertEqual(1 if moved else 0, self.migrate_requests(before))
        where = self.array_volume(volume).storage_pool_id
        self.assertEqual(self.pool_id(dest if moved else source), where)
        return moved

    def test_medium_padded_to_medium_padded(self):
        self.assertTrue(self.check('pd1:sp1', 'pd1:sp4'))

    def test_medium_unpadded_to_fine_falls_back(self):
        self.assertFalse(self.check('pd1:sp3', 'pd1:sp2'))

    def test_medium_padding_must_match(self):
        self.assertFalse(self.check('pd1:sp1', 'pd1:sp3'))
        self.assertFalse(self.check('pd1:sp3', 'pd1:sp4'))

    def test_fine_to_medium(self):
        self.assertTrue(self.check('pd1:sp2', 'pd1:sp4'))

    def test_padding_read_at_migration_time(self):
        # The operator turns padding off on sp4 after the driver started.
        self.driver.backend.pool('pd1:sp4')
        with self.sim.mdm.lock:
            self.sim.mdm.get('StoragePool', self.pool_id('pd1:sp4')) \
                .zero_padding = False
        self.assertFalse(self.check('pd1:sp1', 'pd1:sp4'))


class TestUnpaddedPoolNotAllowed(MigrationTestCase):

    simulator_options = {'tls': True, 'topology': TOPOLOGY}
    pools = 'pd1:sp1,pd1:sp2,pd1:sp3,pd1:sp4'

    # Set-up refuses unpadded pools unless allowed; the pool lost its
    # padding (or the operator withdrew the permission) later.
    driver_options = {'scaleio_allow_non_padded_volumes': True}

    def test_fine_to_unpadded_pool_falls_back(self):
        # Moving in would put a volume where the operator allows none;
        # the host copy then fails in create_volume with the reason.
        volume = self.volume(size=8, pool='pd1:sp2')
        self.conf.config(group=support.BACKEND,
                         scaleio_allow_non_padded_volumes=False)
        self.assertEqual((False, None), self.driver.migrate_volume(
            self.context, volume, destination('pd1:sp3')))


class TestBeforeApi3(MigrationTestCase):

    simulator_options = {'tls': True, 'api_version': '2.5'}

    def test_falls_back(self):
        volume = self.volume(size=8)
        before = self.sim.log.counters()
        self.assertEqual((False, None), self.driver.migrate_volume(
            self.context, volume, destination('pd1:sp2')))
        self.assertEqual(0, self.migrate_requests(before))
        self.assertEqual(self.pool_id('pd1:sp1'),
                         self.array_volume(volume).storage_pool_id)


class TestMigrationFailures(MigrationTestCase):

    simulator_options = {'tls': True,
                         'topology': dict(TOPOLOGY, migration_polls=5)}
    pools = 'pd1:sp1,pd1:sp2,pd1:sp4'

    def pause(self, tree_id, reason):
        r = requests.post('%s/sim/vtrees/%s/pause' % (self.sim.url, tree_id),
                          json={'reason': reason}, verify=self.sim.ca_file,
                          timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_pause_reason_fails_the_migration(self):
        volume = self.volume(size=8)
        tree_id = self.array_volume(volume).vtree_id
        self.conf.config(group=support.BACKEND,
                         scaleio_migration_poll_interval=0.05)
        outcome = {}

        def migrate():
            try:
                outcome['result'] = self.driver.migrate_volume(
                    self.context, volume, destination('pd1:sp2'))
            except Exception as e:
                outcome['error'] = e

        thread = threading.Thread(target=migrate)
        thread.start()
        deadline = time.monotonic() + 20
        while self.vtree(volume).migration is None:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        self.pause(tree_id, 'DeviceFailure')
        thread.join(30)
        self.assertFalse(thread.is_alive())
        self.assertIsInstance(outcome.get('error'),
                              exception.VolumeBackendAPIException)
        self.assertIn('DeviceFailure', str(outcome['error']))
        self.assertIn(volume.id, str(outcome['error']))
        self.assertEqual(self.pool_id('pd1:sp1'),
                         self.array_volume(volume).storage_pool_id)

    def test_delete_waits_for_a_migration_its_service_left(self):
        # cinder-volume died while the array moved the vTree: the array
        # refuses to remove it until the move ends.
        volume = self.volume(size=8)
        self.conf.config(group=support.BACKEND,
                         scaleio_migration_poll_interval=0.01)
        self.driver.gateway.migrate_vtree(volume.provider_id,
                                          self.pool_id('pd1:sp2'))
        self.assertIsNotNone(self.vtree(volume).migration)
        self.driver.delete_volume(volume)
        with self.sim.mdm.lock:
            self.assertEqual([], self.sim.mdm.list('Volume'))

    def test_delete_of_a_paused_migration_says_why(self):
        volume = self.volume(size=8)
        tree_id = self.array_volume(volume).vtree_id
        self.driver.gateway.migrate_vtree(volume.provider_id,
                                          self.pool_id('pd1:sp2'))
        self.pause(tree_id, 'DeviceFailure')
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.delete_volume, volume)
        self.assertIn('being migrated', str(error))

    def test_paused_migration_already_running(self):
        volume = self.volume(size=8)
        tree_id = self.array_volume(volume).vtree_id
        self.driver.gateway.migrate_vtree(volume.provider_id,
                                          self.pool_id('pd1:sp2'))
        self.pause(tree_id, 'NotEnoughSpace')
        error = self.assertRaises(
            exception.VolumeBackendAPIException, self.driver.migrate_volume,
            self.context, volume, destination('pd1:sp2'))
        self.assertIn('NotEnoughSpace', str(error))

    def test_timeout_keeps_the_records_and_can_be_resumed(self):
        volume = self.volume(size=8)
        self.conf.config(group=support.BACKEND, scaleio_migration_timeout=0)
        error = self.assertRaises(
            exception.VolumeBackendAPIException, self.driver.migrate_volume,
            self.context, volume, destination('pd1:sp2'))
        self.assertIn('still moving', str(error))
        self.assertIsNotNone(self.vtree(volume).migration)
        # Migrating again to the same pool picks up the running move.
        self.conf.config(group=support.BACKEND, scaleio_migration_timeout=30)
        before = self.sim.log.counters()
        result = self.driver.migrate_volume(self.context, volume,
                                            destination('pd1:sp2'))
        self.assertEqual((True, {'host': support.HOST + '#pd1:sp2'}), result)
        self.assertEqual(1, self.migrate_requests(before))
        self.assertEqual(self.pool_id('pd1:sp2'),
                         self.array_volume(volume).storage_pool_id)

    def test_move_elsewhere_already_running_is_not_success(self):
        volume = self.volume(size=8)
        self.driver.gateway.migrate_vtree(volume.provider_id,
                                          self.pool_id('pd1:sp4'))
        error = self.assertRaises(
            exception.VolumeBackendAPIException, self.driver.migrate_volume,
            self.context, volume, destination('pd1:sp2'))
        self.assertIn('not in pd1:sp2', str(error))

    def test_gateway_refusal_is_a_backend_error(self):
        volume = self.volume(size=8)
        self.sim.faults.add({'action': 'error', 'method': 'POST',
                             'path': '*migrateVTree', 'status': 500,
                             'body': {'errorCode': 65,
                                      'message': 'Rebuild in progress',
                                      'httpStatusCode': 500}})
        error = self.assertRaises(
            exception.VolumeBackendAPIException, self.driver.migrate_volume,
            self.context, volume, destination('pd1:sp2'))
        self.assertIn('Rebuild in progress', str(error))


class TestUpdateMigratedVolume(MigrationTestCase):
    """After a host-assisted migration: renames, then the record swap.

    The new array volume takes the original's name; the manager then swaps
    the records.
    """

    def names(self, *array_ids):
        with self.sim.mdm.lock:
            return [self.sim.mdm.get('Volume', i).name for i in array_ids]

    def migrated_pair(self, status='available'):
        volume = self.volume(size=8)
        volume.status = status
        volume.save()
        new = self.volume(size=8, pool='pd1:sp2',
                          migration_status='target:' + volume.id)
        return volume, new

    def complete(self, volume, new, status='available'):
        """What the manager does after the copy: its real code paths."""
        manager = type('Manager', (), {'driver': self.driver})()
        volume_manager.VolumeManager.update_migrated_volume(
            manager, self.context, volume, new, status)
        volume.refresh()
        new.refresh()
        return volume.finish_volume_migration(new)

    def test_new_volume_takes_the_original_name(self):
        volume, new = self.migrated_pair()
        old_array, new_array = volume.provider_id, new.provider_id
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': None}, update)
        self.assertEqual([names.id_to_name('ff' + volume.id.replace('-', '')),
                          names.id_to_name(volume.id)],
                         self.names(old_array, new_array))
        self.assertTrue(self.names(old_array)[0].endswith('='))
        self.assertFalse(self.names(old_array)[0].endswith('=='))

    def test_manager_completion_then_normal_life(self):
        volume, new = self.migrated_pair()
        old_array, new_array = volume.provider_id, new.provider_id
        temporary = self.complete(volume, new)
        volume = objects.Volume.get_by_id(self.context, volume.id)
        self.assertEqual(new_array, volume.provider_id)
        self.assertEqual(volume.id, volume.name_id)
        self.assertEqual(old_array, temporary.provider_id)
        # Cinder deletes the migration source under the temporary id.
        self.driver.delete_volume(temporary)
        with self.sim.mdm.lock:
            self.assertEqual([new_array],
                             [v.id for v in self.sim.mdm.list('Volume')])
        # The migrated volume works under its id, including by name.
        volume.provider_id = None
        self.driver.extend_volume(volume, 12)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.sim.mdm.get('Volume', new_array).size_kib)
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(new_array, info['data']['scaleIO_volume_id'])
        self.assertEqual(names.id_to_name(volume.id),
                         info['data']['scaleIO_volname'])
        self.driver.terminate_connection(volume, self.connector())

    def test_original_already_gone(self):
        volume, new = self.migrated_pair()
        self.driver.delete_volume(volume)
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': None}, update)
        self.assertEqual([names.id_to_name(volume.id)],
                         self.names(new.provider_id))

    def test_in_use_volume_is_renamed_too(self):
        # Nova swapped the attachment to the new volume; the array name
        # is not part of the path os-brick looks for.
        volume, new = self.migrated_pair(status='in-use')
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'in-use')
        self.assertEqual({'_name_id': None}, update)
        self.assertEqual([names.id_to_name(volume.id)],
                         self.names(new.provider_id))

    def test_repeated_call_is_harmless(self):
        volume, new = self.migrated_pair()
        first = self.driver.update_migrated_volume(self.context, volume,
                                                   new, 'available')
        second = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual(first, second)
        self.assertEqual([names.id_to_name(volume.id)],
                         self.names(new.provider_id))

    def test_new_volume_found_by_name(self):
        volume, new = self.migrated_pair()
        new_array = new.provider_id
        new.provider_id = None
        new.save()
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': None}, update)
        self.assertEqual([names.id_to_name(volume.id)],
                         self.names(new_array))

    def test_rename_refused_keeps_the_new_name_id(self):
        volume, new = self.migrated_pair()
        old_array, new_array = volume.provider_id, new.provider_id
        self.sim.faults.add({'action': 'error', 'method': 'POST',
                             'path': '*::%s/action/setVolumeName' % new_array,
                             'status': 500,
                             'body': {'errorCode': 0,
                                      'message': 'Illegal syntax',
                                      'httpStatusCode': 500}})
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': new.id}, update)
        # The original got its name back.
        self.assertEqual([names.id_to_name(volume.id),
                          names.id_to_name(new.id)],
                         self.names(old_array, new_array))

    def test_rename_refused_through_the_manager(self):
        volume, new = self.migrated_pair()
        new_array = new.provider_id
        self.sim.faults.add({'action': 'error', 'method': 'POST',
                             'path': '*setVolumeName', 'status': 500,
                             'body': {'errorCode': 0,
                                      'message': 'Illegal syntax',
                                      'httpStatusCode': 500}})
        new_id = new.id
        self.complete(volume, new)
        volume = objects.Volume.get_by_id(self.context, volume.id)
        self.assertEqual(new_id, volume.name_id)
        self.assertEqual(new_array, volume.provider_id)
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(new_array, info['data']['scaleIO_volume_id'])
        self.driver.terminate_connection(volume, self.connector())

    def test_name_held_by_an_unrelated_volume(self):
        volume, new = self.migrated_pair()
        old_array = volume.provider_id
        # The original was renamed by someone; another volume took its name.
        self.driver.gateway.rename_volume(old_array, 'renamed-by-admin')
        stranger = self.driver.gateway.create_volume(
            names.id_to_name(volume.id), self.pool_id('pd1:sp1'),
            8 * sizes.KIB_PER_GIB)
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': new.id}, update)
        self.assertEqual([names.id_to_name(volume.id), 'renamed-by-admin',
                          names.id_to_name(new.id)],
                         self.names(stranger, old_array, new.provider_id))

    def test_new_volume_missing_on_the_array(self):
        volume, new = self.migrated_pair()
        self.driver.gateway.delete_volume(new.provider_id)
        update = self.driver.update_migrated_volume(self.context, volume,
                                                    new, 'available')
        self.assertEqual({'_name_id': new.id}, update)
        self.assertEqual([names.id_to_name(volume.id)],
                         self.names(volume.provider_id))
