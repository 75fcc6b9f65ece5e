"""Pool statistics as Cinder asks for them on each API version, and the
capacity Cinder computes from them (gateway reference section 2.9)."""

import ddt

from scaleio_client import sizes
from tests.functional.sim import base

STATISTICS = '/types/StoragePool/instances/action/querySelectedStatistics'
# A 2.x gateway has no fine-granularity pools.
MEDIUM_ONLY = {'protection_domains': [{
    'name': 'pd1', 'storage_pools': [{'name': 'sp1'}, {'name': 'sp3'}]}]}

LEGACY = ['snapCapacityInUseInKb', 'thickCapacityInUseInKb',
          'capacityLimitInKb', 'spareCapacityInKb',
          'capacityAvailableForVolumeAllocationInKb',
          'thinCapacityAllocatedInKb']
NET_3_0 = ['snapCapacityInUseInKb', 'thickCapacityInUseInKb',
           'netCapacityInUseInKb', 'netUnusedCapacityInKb',
           'thinCapacityAllocatedInKb']
NET_3_5 = ['snapshotCapacityInKb', 'thickCapacityInUseInKb',
           'netCapacityInUseInKb', 'netUnusedCapacityInKb',
           'thinCapacityAllocatedInKb']


def gib(kib):
    return kib // sizes.KIB_PER_GIB


def capacity_2_x(s, thin_allocated='thinCapacityAllocatedInKb'):
    """(total, free, provisioned) GiB as Cinder computes them before 3.0."""
    total = gib((s['capacityLimitInKb'] - s['spareCapacityInKb']) // 2)
    return (total // 8 * 8,
            gib(s['capacityAvailableForVolumeAllocationInKb']),
            gib((s['thickCapacityInUseInKb'] + s['snapCapacityInUseInKb']
                 + s[thin_allocated]) // 2))


def capacity_3_x(s, snapshot='snapCapacityInUseInKb'):
    """(total, free, provisioned) GiB as Cinder computes them from 3.0."""
    return (gib(s['netCapacityInUseInKb'] + s['netUnusedCapacityInKb']),
            gib(s['netUnusedCapacityInKb']),
            gib((s['thickCapacityInUseInKb'] + s[snapshot]
                 + s['thinCapacityAllocatedInKb']) // 2))


class StatisticsTestCase(base.SimulatorTestCase):

    def query(self, properties, ids=None):
        if ids is None:
            ids = [self.gw.pool_id()]
        return self.gw.post(STATISTICS, {'ids': ids,
                                         'properties': properties})

    def statistics(self, properties, pool='sp1'):
        pool_id = self.gw.pool_id(pool)
        answer = self.gw.ok(self.query(properties, [pool_id]))
        self.assertEqual([pool_id], list(answer))
        return answer[pool_id]

    def assertRefused(self, response):
        self.assertNotEqual(200, response.status_code, response.text)
        body = response.json()
        self.assertEqual(response.status_code, body['httpStatusCode'])


@ddt.ddt
class TestLegacy2x(StatisticsTestCase):
    simulator_options = {'api_version': '2.0', 'topology': MEDIUM_ONLY}

    def test_legacy_properties_only(self):
        stats = self.statistics(LEGACY)
        self.assertEqual(sorted(LEGACY), sorted(stats))
        for name, value in stats.items():
            self.assertIsInstance(value, int, name)

    def test_empty_pool_capacity(self):
        self.assertEqual((1024, 1024, 0), capacity_2_x(
            self.statistics(LEGACY)))

    def test_thin_volume_is_provisioned_but_takes_nothing(self):
        self.gw.create_volume('thin', size_gib=8)
        self.assertEqual((1024, 1024, 8), capacity_2_x(
            self.statistics(LEGACY)))

    def test_thick_volume_is_provisioned_and_takes_its_size(self):
        self.gw.create_volume('thick', size_gib=16,
                              volume_type='ThickProvisioned')
        self.assertEqual((1024, 1008, 16), capacity_2_x(
            self.statistics(LEGACY)))

    @ddt.data('thinCapacityAllocatedInKm', 'netCapacityInUseInKb',
              'snapshotCapacityInKb')
    def test_names_of_other_versions_are_refused(self, name):
        self.assertRefused(self.query(['capacityLimitInKb', name]))


class TestThinAllocatedTypo(StatisticsTestCase):
    simulator_options = {'api_version': '2.0', 'topology': MEDIUM_ONLY,
                         'thin_allocated_typo': True}

    def test_cinder_probe_with_the_right_spelling_is_refused(self):
        self.assertRefused(self.query(['thinCapacityAllocatedInKb']))

    def test_misspelt_thin_allocated_is_answered(self):
        self.gw.create_volume('thin', size_gib=24)
        legacy = LEGACY[:-1] + ['thinCapacityAllocatedInKm']
        stats = self.statistics(legacy)
        self.assertEqual(sorted(legacy), sorted(stats))
        self.assertEqual((1024, 1024, 24), capacity_2_x(
            stats, 'thinCapacityAllocatedInKm'))


@ddt.ddt
class TestNetCounters3_0(StatisticsTestCase):
    simulator_options = {'api_version': '3.0'}

    def test_net_properties_with_the_old_snapshot_name(self):
        stats = self.statistics(NET_3_0)
        self.assertEqual(sorted(NET_3_0), sorted(stats))

    def test_new_snapshot_name_is_refused_before_3_5(self):
        self.assertRefused(self.query(['snapshotCapacityInKb']))

    @ddt.data('sp1', 'sp2')
    def test_thin_and_thick_volumes_in_the_capacity(self, pool):
        self.assertEqual((1024, 1024, 0), capacity_3_x(
            self.statistics(NET_3_0, pool)))
        self.gw.create_volume('thin', size_gib=8, pool=pool)
        self.assertEqual((1024, 1024, 8), capacity_3_x(
            self.statistics(NET_3_0, pool)))

    def test_thick_volume_takes_free_capacity(self):
        self.gw.create_volume('thick', size_gib=32,
                              volume_type='ThickProvisioned')
        self.assertEqual((1024, 992, 32), capacity_3_x(
            self.statistics(NET_3_0)))


class TestNetCounters3_5(StatisticsTestCase):

    def test_snapshot_capacity_has_its_new_name(self):
        stats = self.statistics(NET_3_5)
        self.assertEqual(sorted(NET_3_5), sorted(stats))

    def test_old_snapshot_name_is_refused(self):
        self.assertRefused(self.query(['snapCapacityInUseInKb']))

    def test_capacity_follows_thin_and_thick_volumes(self):
        self.gw.create_volume('thin', size_gib=8)
        self.gw.create_volume('thick', size_gib=16,
                              volume_type='ThickProvisioned')
        self.assertEqual((1024, 1008, 24), capacity_3_x(
            self.statistics(NET_3_5), 'snapshotCapacityInKb'))

    def test_total_stays_while_free_shrinks(self):
        for i in range(1, 4):
            self.gw.create_volume('thick%d' % i, size_gib=8,
                                  volume_type='ThickProvisioned')
            total, free, provisioned = capacity_3_x(
                self.statistics(NET_3_5), 'snapshotCapacityInKb')
            self.assertEqual((1024, 1024 - 8 * i, 8 * i),
                             (total, free, provisioned))

    def test_extending_a_thick_volume_takes_more(self):
        volume_id = self.gw.create_volume('thick', size_gib=8,
                                          volume_type='ThickProvisioned')
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': '24'}))
        self.assertEqual((1024, 1000, 24), capacity_3_x(
            self.statistics(NET_3_5), 'snapshotCapacityInKb'))

    def test_removing_a_volume_gives_its_capacity_back(self):
        volume_id = self.gw.create_volume('thick', size_gib=8,
                                          volume_type='ThickProvisioned')
        self.gw.ok(self.gw.action(volume_id, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.assertEqual((1024, 1024, 0), capacity_3_x(
            self.statistics(NET_3_5), 'snapshotCapacityInKb'))

    def test_volumes_count_only_in_their_own_pool(self):
        self.gw.create_volume('thick', size_gib=8, pool='sp1',
                              volume_type='ThickProvisioned')
        self.assertEqual((1024, 1024, 0), capacity_3_x(
            self.statistics(NET_3_5, 'sp2'), 'snapshotCapacityInKb'))


class TestQueryShape(StatisticsTestCase):

    def test_answer_is_keyed_by_pool_id(self):
        pool_id = self.gw.pool_id()
        answer = self.gw.ok(self.query(['netUnusedCapacityInKb'],
                                       [pool_id]))
        self.assertEqual({pool_id: {'netUnusedCapacityInKb':
                                    1024 * sizes.KIB_PER_GIB}}, answer)

    def test_several_pools_in_one_request(self):
        ids = [self.gw.pool_id('sp1'), self.gw.pool_id('sp2')]
        self.gw.create_volume('thick', size_gib=8, pool='sp1',
                              volume_type='ThickProvisioned')
        answer = self.gw.ok(self.query(['netCapacityInUseInKb'], ids))
        self.assertEqual(
            {ids[0]: {'netCapacityInUseInKb': 8 * sizes.KIB_PER_GIB},
             ids[1]: {'netCapacityInUseInKb': 0}}, answer)

    def test_all_ids(self):
        answer = self.gw.ok(self.gw.post(STATISTICS, {
            'allIds': '', 'properties': ['netUnusedCapacityInKb']}))
        self.assertEqual(sorted([self.gw.pool_id('sp1'),
                                 self.gw.pool_id('sp2')]), sorted(answer))

    def test_unknown_property_is_refused(self):
        self.assertRefused(self.query(['netUnusedCapacityInKb',
                                       'noSuchCapacityInKb']))

    def test_unknown_pool_is_refused(self):
        self.assertRefused(self.query(['netUnusedCapacityInKb'],
                                      ['0123456789abcdef']))

    def test_properties_are_required(self):
        self.assertRefused(self.gw.post(STATISTICS,
                                        {'ids': [self.gw.pool_id()]}))


class TestStatisticsRelationship(StatisticsTestCase):

    def flat(self, pool='sp1'):
        return self.gw.ok_get('/instances/StoragePool::%s/relationships/'
                              'Statistics' % self.gw.pool_id(pool))

    def test_flat_dict_holds_every_counter_cinder_and_lxd_read(self):
        stats = self.flat()
        for name in NET_3_5 + LEGACY[1:]:
            self.assertIsInstance(stats[name], int, name)

    def test_flat_dict_agrees_with_the_selected_statistics(self):
        self.gw.create_volume('thick', size_gib=16,
                              volume_type='ThickProvisioned')
        self.gw.create_volume('thin', size_gib=8)
        selected = self.statistics(NET_3_5 + LEGACY[1:])
        flat = self.flat()
        self.assertEqual(selected, {k: flat[k] for k in selected})

    def test_counters_obey_the_mirroring_identities(self):
        self.gw.create_volume('thick', size_gib=16,
                              volume_type='ThickProvisioned')
        stats = self.flat()
        net = stats['netCapacityInUseInKb'] + stats['netUnusedCapacityInKb']
        self.assertEqual(net, (stats['capacityLimitInKb']
                               - stats['spareCapacityInKb']) // 2)
        self.assertEqual(1024 * sizes.KIB_PER_GIB, net)
