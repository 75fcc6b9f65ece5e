"""The scheduler's pool entries (scaleio_cinder.stats)."""

import ddt

from scaleio_cinder import stats
from scaleio_client import capacity
from scaleio_client import records
from scaleio_client import sizes
from scaleio_client import versions
from tests import base

MEDIUM = 'MediumGranularity'
FINE = 'FineGranularity'


def pool(layout=MEDIUM, zero_padding=True):
    return records.StoragePool(
        'a7e1000000000002', 'sp1', 'd0e1000000000001', zero_padding, layout,
        {})


def capacity_of(total=1024, free=1000, provisioned=48):
    return records.PoolCapacity('a7e1000000000002', total, free,
                                provisioned, {})


def entry(layout=MEDIUM, thin_by_default=True, reserved=0, ratio=10.0,
          **kwargs):
    return stats.pool_stats('pd1:sp1', capacity_of(), pool(layout),
                            thin_by_default, reserved, ratio, **kwargs)


@ddt.ddt
class TestPoolStats(base.TestCase):

    def test_the_pool_is_named_domain_colon_pool(self):
        self.assertEqual('pd1:sp1', entry()['pool_name'])

    def test_capacity_is_the_pools(self):
        result = entry()
        self.assertEqual(1024, result['total_capacity_gb'])
        self.assertEqual(1000, result['free_capacity_gb'])
        self.assertEqual(48, result['provisioned_capacity_gb'])

    @ddt.data(
        # layout, thin, thick, compression
        (MEDIUM, True, True, False),
        (FINE, True, False, True),
    )
    @ddt.unpack
    def test_provisioning_support_follows_the_layout(self, layout, thin,
                                                     thick, compression):
        result = entry(layout)
        self.assertIs(thin, result['thin_provisioning_support'])
        self.assertIs(thick, result['thick_provisioning_support'])
        self.assertIs(compression, result['compression_support'])
        self.assertEqual(layout, result['data_layout'])

    @ddt.data((0, 10.0), (15, 1.5), (100, 'auto'))
    @ddt.unpack
    def test_reserved_percentage_and_ratio_are_the_operators(
            self, reserved, ratio):
        result = entry(reserved=reserved, ratio=ratio)
        self.assertEqual(reserved, result['reserved_percentage'])
        self.assertEqual(ratio, result['max_over_subscription_ratio'])

    @ddt.data('QoS_support', 'multiattach',
              'consistent_group_snapshot_enabled', 'online_extend_support')
    def test_feature_flags_are_reported(self, flag):
        self.assertIs(True, entry()[flag])

    @ddt.data(
        # layout, san_thin_provision, sparse copy
        (MEDIUM, True, True),
        (MEDIUM, False, False),
        (FINE, True, True),
        (FINE, False, True),   # fine granularity holds thin volumes only
    )
    @ddt.unpack
    def test_sparse_copy_where_new_volumes_are_thin(self, layout, thin,
                                                    sparse):
        self.assertIs(sparse, entry(layout, thin)['sparse_copy_volume'])

    @ddt.data(True, False)
    def test_zero_padding_is_reported(self, padded):
        result = stats.pool_stats('pd1:sp1', capacity_of(),
                                  pool(zero_padding=padded), True, 0, 10.0)
        self.assertIs(padded, result['zero_padding'])

    def test_location_info_names_system_domain_and_pool_ids(self):
        result = stats.pool_stats('pd1:sp1', capacity_of(), pool(), True, 0,
                                  10.0, system_id='5c1a0de4a7e10001')
        self.assertEqual(
            'ScaleIO:5c1a0de4a7e10001:d0e1000000000001:a7e1000000000002',
            result['location_info'])
        self.assertEqual(('5c1a0de4a7e10001', 'd0e1000000000001',
                          'a7e1000000000002'),
                         tuple(stats.parse_location(result['location_info'])))

    @ddt.data(None, '', 'ScaleIO:d0e1000000000001:a7e1000000000002',
              'LVM:5c1a:d0e1:a7e1', 'ScaleIO::d0e1:a7e1')
    def test_location_info_of_others_is_not_ours(self, text):
        self.assertIsNone(stats.parse_location(text))

    def test_no_volume_count_is_reported(self):
        # Counting volumes would cost a listing per stats period.
        self.assertNotIn('total_volumes', entry())


@ddt.ddt
class TestCapacityFormulas(base.TestCase):
    """Gateway counters to the pool entry, per API version (ref. 2.9)."""

    def test_the_reference_worked_example_on_3_0(self):
        counters = {'thickCapacityInUseInKb': 67108864,
                    'snapCapacityInUseInKb': 2097152,
                    'netCapacityInUseInKb': 34578432,
                    'netUnusedCapacityInKb': 102417408,
                    'thinCapacityAllocatedInKb': 218103808}
        version = versions.ApiVersion('3.0')
        result = stats.pool_stats(
            'pd1:sp1', capacity.pool_capacity('p', counters, version),
            pool(), True, 0, 10.0)
        self.assertEqual((130, 97, 137),
                         (result['total_capacity_gb'],
                          result['free_capacity_gb'],
                          result['provisioned_capacity_gb']))

    @ddt.data(('2.0', 1000, 984), ('3.0', 1001, 985), ('3.5', 1001, 985),
              ('4.5', 1001, 985))
    @ddt.unpack
    def test_a_1001_gib_pool_with_16_gib_thick(self, version, total, free):
        g = sizes.KIB_PER_GIB
        net, spare, thick = 1001 * g, 222 * g, 16 * g
        version = versions.ApiVersion(version)
        counters = {
            # Raw counters hold both mirror copies.
            'capacityLimitInKb': 2 * net + spare,
            'spareCapacityInKb': spare,
            'capacityAvailableForVolumeAllocationInKb':
                (net - thick) // (8 * g) * 8 * g,
            'thickCapacityInUseInKb': 2 * thick,
            'netCapacityInUseInKb': thick,
            'netUnusedCapacityInKb': net - thick,
            version.snapshot_statistic: 0,
            'thinCapacityAllocatedInKb': 2 * 24 * g,
        }
        result = stats.pool_stats(
            'pd1:sp1', capacity.pool_capacity('p', counters, version),
            pool(), True, 0, 10.0)
        self.assertEqual((total, free, 40),
                         (result['total_capacity_gb'],
                          result['free_capacity_gb'],
                          result['provisioned_capacity_gb']))
