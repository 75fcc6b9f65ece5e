"""vTrees and their migration between storage pools (migrateVTree)."""

import copy

import ddt

from scaleio_sim import errors
from tests.functional.sim import base
from tests.support import common

UNKNOWN_ID = '0123456789abcdef'
# sp1 and sp3 are medium granularity, sp2 fine; sp4 is small.
POOLS = {'protection_domains': [{'name': 'pd1', 'storage_pools': [
    {'name': 'sp1', 'data_layout': 'MediumGranularity'},
    {'name': 'sp2', 'data_layout': 'FineGranularity'},
    {'name': 'sp3', 'data_layout': 'MediumGranularity'},
    {'name': 'sp4', 'data_layout': 'MediumGranularity', 'capacity_gib': 16},
]}]}


class VTreeTestCase(base.SimulatorTestCase):
    simulator_options = {'topology': POOLS}

    def setUp(self):
        super().setUp()
        self.pools = {name: self.gw.pool_id(name)
                      for name in ('sp1', 'sp2', 'sp3', 'sp4')}

    def vtree_id(self, volume_id):
        return self.gw.volume(volume_id)['vtreeId']

    def vtree(self, vtree_id, gw=None):
        return (gw or self.gw).ok_get('/instances/VTree::%s' % vtree_id)

    def migration_status(self, vtree_id, gw=None):
        return self.vtree(vtree_id, gw)['vtreeMigrationInfo'][
            'migrationStatus']

    def migrate(self, volume_id, pool, gw=None, **params):
        body = {'destSPId': self.pools.get(pool, pool),
                'volTypeConversion': 'NoConversion',
                'compressionMethod': 'None', 'allowDuringRebuild': 'True'}
        body.update(params)
        return (gw or self.gw).action(volume_id, 'migrateVTree', body)

    def finish(self, vtree_id, max_reads=10):
        """Poll the vTree as Cinder does until the migration is over."""
        for _ in range(max_reads):
            if self.migration_status(vtree_id) == 'NotInMigration':
                return
        self.fail('vTree %s still migrating after %d reads'
                  % (vtree_id, max_reads))


@ddt.ddt
class TestMigrateVTree(VTreeTestCase):

    def test_migration_moves_the_whole_vtree_to_the_destination(self):
        volume_id = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(volume_id, 'snap1')
        vtree_id = self.vtree_id(volume_id)
        self.assertIsNone(self.gw.ok(self.migrate(
            volume_id, 'sp2', compressionMethod='Normal')))
        self.finish(vtree_id)
        for member in (volume_id, snapshot):
            volume = self.gw.volume(member)
            self.assertEqual(self.pools['sp2'], volume['storagePoolId'])
            self.assertEqual('FineGranularity', volume['dataLayout'])
            self.assertEqual('Normal', volume['compressionMethod'])
            self.assertEqual(vtree_id, volume['vtreeId'])
        self.assertEqual(self.pools['sp2'],
                         self.vtree(vtree_id)['storagePoolId'])
        moved = self.gw.ok_get('/instances/StoragePool::%s/relationships/'
                               'Volume' % self.pools['sp2'])
        self.assertEqual({volume_id, snapshot}, {v['id'] for v in moved})

    def test_first_read_shows_the_migration_in_progress(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        info = self.vtree(self.vtree_id(volume_id))['vtreeMigrationInfo']
        self.assertEqual('InMigration', info['migrationStatus'])
        self.assertIsNone(info['migrationPauseReason'])
        self.assertEqual(self.pools['sp1'], info['sourceStoragePoolId'])
        self.assertEqual(self.pools['sp3'], info['destinationStoragePoolId'])
        self.assertEqual('NoConversion', info['thicknessConversionType'])
        self.assertEqual(self.pools['sp1'],
                         self.gw.volume(volume_id)['storagePoolId'])

    @ddt.data(0, 1, 2, 3)
    def test_vtree_reads_in_migration_as_often_as_migration_polls(self,
                                                                  polls):
        topology = dict(copy.deepcopy(POOLS), migration_polls=polls)
        sim = self.useFixture(common.SimulatorFixture(topology=topology)).sim
        gw = common.Gateway(sim)
        volume_id = gw.create_volume('vol1')
        vtree_id = gw.volume(volume_id)['vtreeId']
        gw.ok(self.migrate(volume_id, gw.pool_id('sp3'), gw=gw))
        statuses = [self.migration_status(vtree_id, gw)
                    for _ in range(polls + 1)]
        self.assertEqual(['InMigration'] * polls + ['NotInMigration'],
                         statuses)
        self.assertEqual(gw.pool_id('sp3'),
                         gw.volume(volume_id)['storagePoolId'])

    def test_volumes_stay_in_the_source_pool_until_the_migration_ends(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        self.assertEqual(self.pools['sp1'],
                         self.gw.volume(volume_id)['storagePoolId'])
        self.assertEqual(self.pools['sp1'],
                         self.vtree(self.vtree_id(volume_id))[
                             'storagePoolId'])

    def test_migrating_through_a_snapshot_moves_the_base_volume_too(self):
        volume_id = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(volume_id)
        self.gw.ok(self.migrate(snapshot, 'sp3'))
        self.finish(self.vtree_id(volume_id))
        self.assertEqual(self.pools['sp3'],
                         self.gw.volume(volume_id)['storagePoolId'])

    @ddt.unpack
    @ddt.data(
        ('ThickProvisioned', 'sp2', 'ThickToThin', 'ThinProvisioned'),
        ('ThinProvisioned', 'sp3', 'ThinToThick', 'ThickProvisioned'),
        ('ThickProvisioned', 'sp3', 'NoConversion', 'ThickProvisioned'),
        ('ThinProvisioned', 'sp2', 'NoConversion', 'ThinProvisioned'),
        ('ThickProvisioned', 'sp3', 'ThickToThin', 'ThinProvisioned'),
    )
    def test_volume_type_after_migration(self, volume_type, pool,
                                         conversion, expected):
        volume_id = self.gw.create_volume('vol1', volume_type=volume_type)
        snapshot = self.gw.snapshot(volume_id)
        self.gw.ok(self.migrate(volume_id, pool,
                                volTypeConversion=conversion))
        self.finish(self.vtree_id(volume_id))
        self.assertEqual(expected, self.gw.volume(volume_id)['volumeType'])
        self.assertEqual('Snapshot', self.gw.volume(snapshot)['volumeType'])

    @ddt.unpack
    @ddt.data(('ThickProvisioned', 'NoConversion'),
              ('ThinProvisioned', 'ThinToThick'))
    def test_fine_granularity_destination_refuses_thick_volumes(
            self, volume_type, conversion):
        volume_id = self.gw.create_volume('vol1', volume_type=volume_type)
        r = self.migrate(volume_id, 'sp2', volTypeConversion=conversion)
        self.assertGatewayError(r, 500, errors.INVALID_OPERATION)
        self.assertEqual('NotInMigration',
                         self.migration_status(self.vtree_id(volume_id)))
        self.assertEqual(self.pools['sp1'],
                         self.gw.volume(volume_id)['storagePoolId'])

    def test_compression_needs_a_fine_granularity_destination(self):
        volume_id = self.gw.create_volume('vol1')
        r = self.migrate(volume_id, 'sp3', compressionMethod='Normal')
        self.assertGatewayError(r, 500, errors.INVALID_OPERATION)
        self.assertEqual('NotInMigration',
                         self.migration_status(self.vtree_id(volume_id)))

    def test_thick_volumes_need_room_in_the_destination(self):
        volume_id = self.gw.create_volume('vol1', size_gib=24,
                                          volume_type='ThickProvisioned')
        self.assertGatewayError(self.migrate(volume_id, 'sp4'), 500,
                                errors.INSUFFICIENT_CAPACITY)
        self.assertEqual('NotInMigration',
                         self.migration_status(self.vtree_id(volume_id)))

    def test_thin_volumes_fit_where_thick_ones_would_not(self):
        volume_id = self.gw.create_volume('vol1', size_gib=24)
        self.gw.ok(self.migrate(volume_id, 'sp4'))
        self.finish(self.vtree_id(volume_id))
        self.assertEqual(self.pools['sp4'],
                         self.gw.volume(volume_id)['storagePoolId'])

    @ddt.data('sp3', 'sp2')
    def test_second_migration_of_a_migrating_vtree_gets_717(self, pool):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        self.assertGatewayError(self.migrate(volume_id, pool), 500, 717)
        self.finish(self.vtree_id(volume_id))
        self.assertEqual(self.pools['sp3'],
                         self.gw.volume(volume_id)['storagePoolId'])

    def test_migration_to_the_current_pool_gets_718(self):
        volume_id = self.gw.create_volume('vol1')
        self.assertGatewayError(self.migrate(volume_id, 'sp1'), 500, 718)
        self.assertEqual('NotInMigration',
                         self.migration_status(self.vtree_id(volume_id)))

    def test_a_finished_migration_can_be_followed_by_another(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        self.finish(self.vtree_id(volume_id))
        self.assertGatewayError(self.migrate(volume_id, 'sp3'), 500, 718)
        self.gw.ok(self.migrate(volume_id, 'sp1'))
        self.finish(self.vtree_id(volume_id))
        self.assertEqual(self.pools['sp1'],
                         self.gw.volume(volume_id)['storagePoolId'])

    @ddt.data('True', 'False', 'true', 'FALSE', True)
    def test_allow_during_rebuild_takes_any_true_or_false(self, flag):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3', allowDuringRebuild=flag))

    @ddt.unpack
    @ddt.data(('volTypeConversion', 'Sideways'),
              ('compressionMethod', 'Fast'),
              ('allowDuringRebuild', 'maybe'),
              ('destSPId', None))
    def test_bad_parameters_are_a_bad_request(self, field, value):
        volume_id = self.gw.create_volume('vol1')
        r = self.migrate(volume_id, 'sp3', **{field: value})
        self.assertGatewayError(r, 400, 0)
        self.assertEqual('NotInMigration',
                         self.migration_status(self.vtree_id(volume_id)))

    def test_unknown_destination_pool_is_not_found(self):
        volume_id = self.gw.create_volume('vol1')
        self.assertGatewayError(self.migrate(volume_id, UNKNOWN_ID), 500,
                                errors.OBJECT_NOT_FOUND)

    def test_volume_of_a_migrating_vtree_cannot_be_removed(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        r = self.gw.action(volume_id, 'removeVolume',
                           {'removeMode': 'ONLY_ME'})
        self.assertGatewayError(r, 500, errors.INVALID_OPERATION)
        self.gw.volume(volume_id)
        self.finish(self.vtree_id(volume_id))
        self.gw.ok(self.gw.action(volume_id, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))


class TestPausedMigration(VTreeTestCase):

    def pause(self, vtree_id, body):
        return self.gw.session.post(
            self.sim.url + '/sim/vtrees/%s/pause' % vtree_id, json=body)

    def test_paused_migration_shows_its_reason_and_does_not_advance(self):
        volume_id = self.gw.create_volume('vol1')
        vtree_id = self.vtree_id(volume_id)
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        r = self.pause(vtree_id, {'reason': 'DeviceFailure'})
        self.assertEqual(200, r.status_code, r.text)
        for _ in range(5):
            info = self.vtree(vtree_id)['vtreeMigrationInfo']
            self.assertEqual('InMigration', info['migrationStatus'])
            self.assertEqual('DeviceFailure', info['migrationPauseReason'])
        self.assertEqual(self.pools['sp1'],
                         self.gw.volume(volume_id)['storagePoolId'])

    def test_a_vtree_that_is_not_migrating_cannot_be_paused(self):
        vtree_id = self.vtree_id(self.gw.create_volume('vol1'))
        self.assertEqual(409, self.pause(vtree_id, {'reason': 'x'})
                         .status_code)
        self.assertIsNone(self.vtree(vtree_id)['vtreeMigrationInfo'][
            'migrationPauseReason'])

    def test_an_unknown_vtree_cannot_be_paused(self):
        self.assertEqual(404, self.pause(UNKNOWN_ID, {'reason': 'x'})
                         .status_code)

    def test_pause_needs_a_reason(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.ok(self.migrate(volume_id, 'sp3'))
        vtree_id = self.vtree_id(volume_id)
        self.assertEqual(400, self.pause(vtree_id, {}).status_code)
        self.assertEqual(400, self.pause(vtree_id, {'reason': ''})
                         .status_code)
        self.assertIsNone(self.vtree(vtree_id)['vtreeMigrationInfo'][
            'migrationPauseReason'])


class TestMigrationApi20(base.SimulatorTestCase):
    # FineGranularity pools do not exist before 3.0.
    simulator_options = {'api_version': '2.0', 'topology': {
        'protection_domains': [{'name': 'pd1', 'storage_pools': [
            {'name': 'sp1'}, {'name': 'sp3'}]}]}}

    def test_migrate_vtree_is_not_an_endpoint(self):
        volume_id = self.gw.create_volume('vol1')
        r = self.gw.action(volume_id, 'migrateVTree',
                           {'destSPId': self.gw.pool_id('sp3')})
        self.assertGatewayError(r, 404, 0)
        self.assertEqual(self.gw.pool_id('sp1'),
                         self.gw.volume(volume_id)['storagePoolId'])


class TestVTree(VTreeTestCase):

    def test_vtree_as_clients_read_it(self):
        volume_id = self.gw.create_volume('vol1')
        vtree_id = self.vtree_id(volume_id)
        vtree = self.vtree(vtree_id)
        self.assertEqual(vtree_id, vtree['id'])
        self.assertEqual(self.pools['sp1'], vtree['storagePoolId'])
        self.assertEqual(volume_id, vtree['baseVolumeId'])
        self.assertEqual({'migrationStatus': 'NotInMigration',
                          'migrationPauseReason': None},
                         {k: vtree['vtreeMigrationInfo'][k]
                          for k in ('migrationStatus',
                                    'migrationPauseReason')})
        self.assertIn({'rel': 'self',
                       'href': '/api/instances/VTree::%s' % vtree_id},
                      vtree['links'])

    def test_statistics_count_every_volume_of_the_vtree(self):
        volume_id = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(volume_id)
        self.gw.snapshot(snapshot)
        self.gw.create_volume('elsewhere')
        path = ('/instances/VTree::%s/relationships/Statistics'
                % self.vtree_id(volume_id))
        statistics = self.gw.ok_get(path)
        self.assertEqual(3, int(statistics['numOfVolumes']))
        self.assertEqual(2, int(statistics['numOfSnapshots']))
        self.gw.ok(self.gw.action(snapshot, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.assertEqual(2, int(self.gw.ok_get(path)['numOfVolumes']))

    def test_volume_relationship_lists_every_member(self):
        volume_id = self.gw.create_volume('vol1')
        members = {volume_id, self.gw.snapshot(volume_id)}
        self.gw.create_volume('elsewhere')
        listed = self.gw.ok_get('/instances/VTree::%s/relationships/Volume'
                                % self.vtree_id(volume_id))
        self.assertEqual(members, {v['id'] for v in listed})

    def test_pool_lists_its_vtrees(self):
        first = self.vtree_id(self.gw.create_volume('vol1'))
        second = self.vtree_id(self.gw.create_volume('vol2'))
        listed = self.gw.ok_get('/instances/StoragePool::%s/relationships/'
                                'VTree' % self.pools['sp1'])
        self.assertEqual({first, second}, {t['id'] for t in listed})

    def test_unknown_vtree_is_not_found(self):
        for path in ('/instances/VTree::%s',
                     '/instances/VTree::%s/relationships/Statistics',
                     '/instances/VTree::%s/relationships/Volume'):
            self.assertGatewayError(self.gw.get(path % UNKNOWN_ID), 500,
                                    errors.OBJECT_NOT_FOUND)
