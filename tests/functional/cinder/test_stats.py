"""What the scheduler learns about the backend: one pool per domain:pool.

Capacity follows the formulas of each gateway generation (reference 2.9);
all pools' counters come from one statistics request.
"""

import os

import ddt

from tests.support import cinder as support
from tests.support import common

STATISTICS = ('POST /api/types/StoragePool/instances/action/'
              'querySelectedStatistics')
FLAGS = ('QoS_support', 'multiattach', 'consistent_group_snapshot_enabled',
         'online_extend_support')


def topology(fine_granularity=True):
    """pd1: sp1 medium granularity with 1001 GiB, sp2 with 1024 GiB."""
    return {'protection_domains': [{
        'name': 'pd1',
        'storage_pools': [
            {'name': 'sp1', 'data_layout': 'MediumGranularity',
             'capacity_gib': 1001},
            {'name': 'sp2', 'capacity_gib': 1024,
             'data_layout': ('FineGranularity' if fine_granularity
                             else 'MediumGranularity')},
        ]}]}


class StatsTestCase(support.DriverTestCase):

    simulator_options = {'tls': True, 'topology': topology()}

    def stats(self, driver=None):
        return (driver or self.driver).get_volume_stats(refresh=True)

    def pools_of(self, stats):
        return {p['pool_name']: p for p in stats['pools']}

    def allocate(self, obj, gib):
        """Blocks written to a volume or snapshot through an SDC."""
        path = self.sim.dataplane.path(obj.provider_id)
        with open(path, 'ab') as f:
            if not f.tell():
                f.truncate(self.array_volume(obj).size_kib
                           * common.BYTES_PER_KIB)
            os.posix_fallocate(f.fileno(), 0, int(gib * common.BYTES_PER_GIB))


@ddt.ddt
class TestStats(StatsTestCase):

    def test_one_pool_per_configured_domain_pool(self):
        self.assertEqual(['pd1:sp1', 'pd1:sp2'],
                         [p['pool_name'] for p in self.stats()['pools']])
        driver = self.make_driver('other', 'pd1:sp2')
        self.assertEqual(['pd1:sp2'],
                         [p['pool_name'] for p in self.stats(driver)['pools']])

    def test_the_backend_describes_itself(self):
        stats = self.stats()
        self.assertEqual(support.BACKEND, stats['volume_backend_name'])
        self.assertEqual('scaleio', stats['storage_protocol'])
        self.assertEqual('Dell EMC', stats['vendor_name'])
        self.assertEqual(self.driver.VERSION, stats['driver_version'])
        for flag in FLAGS:
            self.assertIs(True, stats[flag], flag)

    @ddt.data(*FLAGS + ('thin_provisioning_support',))
    def test_every_pool_reports(self, flag):
        for pool in self.stats()['pools']:
            self.assertIs(True, pool[flag], (pool['pool_name'], flag))

    @ddt.data(
        # pool, thick support, compression support
        ('pd1:sp1', True, False),
        ('pd1:sp2', False, True),
    )
    @ddt.unpack
    def test_pool_features_follow_its_layout(self, name, thick, compression):
        pool = self.pools_of(self.stats())[name]
        self.assertIs(thick, pool['thick_provisioning_support'])
        self.assertIs(compression, pool['compression_support'])

    def test_all_pools_statistics_in_one_gateway_request(self):
        before = self.sim.log.counters()
        self.stats()
        self.assertEqual({STATISTICS: 1}, self.requests_since(before))
        before = self.sim.log.counters()
        self.stats()
        self.assertEqual({STATISTICS: 1}, self.requests_since(before))

    def test_backend_capacity_is_the_sum_of_its_pools(self):
        self.volume(10, volume_type=self.volume_type(
            'thick', {'provisioning:type': 'thick'}))
        stats = self.stats()
        self.assertEqual(1001 + 1024, stats['total_capacity_gb'])
        self.assertEqual(1001 - 16 + 1024, stats['free_capacity_gb'])

    @ddt.data(0, 15, 100)
    def test_reserved_percentage_is_the_operators(self, percentage):
        driver = self.make_driver('other', 'pd1:sp1,pd1:sp2',
                                  reserved_percentage=percentage)
        stats = self.stats(driver)
        self.assertEqual(percentage, stats['reserved_percentage'])
        for pool in stats['pools']:
            self.assertEqual(percentage, pool['reserved_percentage'])

    @ddt.data(
        ({'scaleio_max_over_subscription_ratio': 5.0}, 5.0),
        ({'scaleio_max_over_subscription_ratio': 1.0,
          'max_over_subscription_ratio': '30.0'}, 1.0),
        # Unset: Cinder's own option applies, "auto" included.
        ({'max_over_subscription_ratio': '3.5'}, 3.5),
        ({'max_over_subscription_ratio': 'auto'}, 'auto'),
    )
    @ddt.unpack
    def test_max_over_subscription_ratio(self, options, expected):
        driver = self.make_driver('other', 'pd1:sp1,pd1:sp2', **options)
        for pool in self.stats(driver)['pools']:
            ratio = pool['max_over_subscription_ratio']
            if expected != 'auto':
                ratio = float(ratio)
            self.assertEqual(expected, ratio)

    @ddt.data(
        # san_thin_provision, sparse copy in sp1 (medium), in sp2 (fine)
        (True, True, True),
        (False, False, True),
    )
    @ddt.unpack
    def test_sparse_copy_where_new_volumes_are_thin(self, thin, sp1, sp2):
        driver = self.make_driver('other', 'pd1:sp1,pd1:sp2',
                                  san_thin_provision=thin)
        pools = self.pools_of(self.stats(driver))
        self.assertIs(sp1, pools['pd1:sp1']['sparse_copy_volume'])
        self.assertIs(sp2, pools['pd1:sp2']['sparse_copy_volume'])


class CapacityByVersion:
    """Capacity stories, run against each gateway generation.

    Pool sp1 holds a 16 GiB thick volume, a 24 GiB thin volume with 2.25
    GiB written and its snapshot with 1.5 GiB of its own. ``capacity``:
    the expected (total, free, provisioned) GiB per pool.
    """

    capacity = {}

    def fill(self):
        thick = self.volume_type('thick', {'provisioning:type': 'thick'})
        thin = self.volume_type('thin', {'provisioning:type': 'thin'})
        self.volume(10, volume_type=thick)
        volume = self.volume(20, volume_type=thin)
        snapshot = self.snapshot(volume)
        self.allocate(volume, 2.25)
        self.allocate(snapshot, 1.5)

    def test_capacity_per_the_version_formulas(self):
        self.fill()
        pools = self.pools_of(self.stats())
        self.assertEqual(
            self.capacity,
            {name: (p['total_capacity_gb'], p['free_capacity_gb'],
                    p['provisioned_capacity_gb'])
             for name, p in pools.items()})

    def test_steady_state_stats_are_one_gateway_request(self):
        self.stats()
        before = self.sim.log.counters()
        self.stats()
        self.assertEqual({STATISTICS: 1}, self.requests_since(before))


class TestCapacityApi20(CapacityByVersion, StatsTestCase):

    simulator_options = {'tls': True, 'api_version': '2.0',
                         'topology': topology(fine_granularity=False)}
    # Total: (limit - spare) / 2 down to 8 GiB; free: what the gateway
    # says is available for volumes (8 GiB units).
    capacity = {'pd1:sp1': (1000, 976, 41), 'pd1:sp2': (1024, 1024, 0)}

    def test_both_pools_hold_thick_volumes_and_none_compresses(self):
        for pool in self.stats()['pools']:
            self.assertIs(True, pool['thick_provisioning_support'])
            self.assertIs(False, pool['compression_support'])


class TestCapacityApi20Misspelt(CapacityByVersion, StatsTestCase):
    """Some 2.x builds call thin allocation thinCapacityAllocatedInKm."""

    simulator_options = {'tls': True, 'api_version': '2.0',
                         'thin_allocated_typo': True,
                         'topology': topology(fine_granularity=False)}
    capacity = TestCapacityApi20.capacity


class TestCapacityApi30(CapacityByVersion, StatsTestCase):

    simulator_options = {'tls': True, 'api_version': '3.0',
                         'topology': topology()}
    # Total: net in use + net unused; free: net unused.
    capacity = {'pd1:sp1': (1001, 981, 41), 'pd1:sp2': (1024, 1024, 0)}


class TestCapacityApi35(CapacityByVersion, StatsTestCase):
    """3.5 renamed the snapshot counter snapshotCapacityInKb."""

    capacity = TestCapacityApi30.capacity


class TestCapacityApi45(CapacityByVersion, StatsTestCase):

    simulator_options = {'tls': True, 'api_version': '4.5',
                         'topology': topology()}
    capacity = TestCapacityApi30.capacity
