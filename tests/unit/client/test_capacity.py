"""Pool capacity from statistics counters (gateway reference 2.9)."""

import ddt

from scaleio_client import capacity
from scaleio_client import sizes
from scaleio_client import versions
from tests import base

# The reference's worked 3.0 example.
WORKED_3_0 = {
    'thickCapacityInUseInKb': 67108864,
    'snapCapacityInUseInKb': 2097152,
    'netCapacityInUseInKb': 34578432,
    'netUnusedCapacityInKb': 102417408,
    'thinCapacityAllocatedInKb': 218103808,
}


def v(text):
    return versions.ApiVersion(text)


def legacy_counters(total_net_gib, spare_gib, available_gib, thick_gib=0,
                    snap_gib=0, thin_gib=0, thin_name=capacity.THIN_ALLOCATED):
    """2.x counters: raw (mirrored) figures as the gateway reports them."""
    return {
        'capacityLimitInKb':
            (2 * total_net_gib + spare_gib) * sizes.KIB_PER_GIB,
        'spareCapacityInKb': spare_gib * sizes.KIB_PER_GIB,
        'capacityAvailableForVolumeAllocationInKb':
            available_gib * sizes.KIB_PER_GIB,
        'thickCapacityInUseInKb': 2 * thick_gib * sizes.KIB_PER_GIB,
        'snapCapacityInUseInKb': 2 * snap_gib * sizes.KIB_PER_GIB,
        thin_name: 2 * thin_gib * sizes.KIB_PER_GIB,
    }


@ddt.ddt
class TestProperties(base.TestCase):

    @ddt.data('2.0', '2.5')
    def test_2_x(self, text):
        self.assertCountEqual(
            ['snapCapacityInUseInKb', 'thickCapacityInUseInKb',
             'capacityLimitInKb', 'spareCapacityInKb',
             'capacityAvailableForVolumeAllocationInKb',
             'thinCapacityAllocatedInKb'],
            capacity.properties(v(text)))

    def test_2_x_with_the_misspelt_thin_counter(self):
        props = capacity.properties(v('2.0'), capacity.THIN_ALLOCATED_TYPO)
        self.assertIn('thinCapacityAllocatedInKm', props)
        self.assertNotIn('thinCapacityAllocatedInKb', props)
        self.assertEqual(6, len(props))

    @ddt.data('3.0', '3.4')
    def test_3_0_to_3_4(self, text):
        self.assertCountEqual(
            ['snapCapacityInUseInKb', 'thickCapacityInUseInKb',
             'netCapacityInUseInKb', 'netUnusedCapacityInKb',
             'thinCapacityAllocatedInKb'],
            capacity.properties(v(text)))

    @ddt.data('3.5', '3.6', '4.0', '4.5')
    def test_from_3_5(self, text):
        self.assertCountEqual(
            ['snapshotCapacityInKb', 'thickCapacityInUseInKb',
             'netCapacityInUseInKb', 'netUnusedCapacityInKb',
             'thinCapacityAllocatedInKb'],
            capacity.properties(v(text)))

    @ddt.data('2.0', '3.0', '3.5', '4.0')
    def test_no_property_twice(self, text):
        props = capacity.properties(v(text))
        self.assertEqual(len(props), len(set(props)))


@ddt.ddt
class TestNetFormula(base.TestCase):

    def test_reference_worked_example(self):
        cap = capacity.pool_capacity('pool1', WORKED_3_0, v('3.0'))
        self.assertEqual(('pool1', 130, 97, 137),
                         (cap.pool_id, cap.total_gib, cap.free_gib,
                          cap.provisioned_gib))

    @ddt.data('3.5', '4.0')
    def test_worked_example_with_the_3_5_snapshot_counter(self, text):
        counters = dict(WORKED_3_0)
        counters['snapshotCapacityInKb'] = counters.pop(
            'snapCapacityInUseInKb')
        cap = capacity.pool_capacity('pool1', counters, v(text))
        self.assertEqual((130, 97, 137), (cap.total_gib, cap.free_gib,
                                          cap.provisioned_gib))

    def test_3_5_does_not_read_the_old_snapshot_counter(self):
        # Snapshots are 2 GiB of the 137: without the renamed counter the
        # 3.5 formula sees none.
        cap = capacity.pool_capacity('pool1', WORKED_3_0, v('3.5'))
        self.assertEqual(136, cap.provisioned_gib)

    def test_counters_sent_as_strings(self):
        counters = {k: str(val) for k, val in WORKED_3_0.items()}
        cap = capacity.pool_capacity('pool1', counters, v('3.0'))
        self.assertEqual((130, 97, 137), (cap.total_gib, cap.free_gib,
                                          cap.provisioned_gib))

    def test_empty_pool(self):
        cap = capacity.pool_capacity('pool1', {
            'thickCapacityInUseInKb': 0, 'snapshotCapacityInKb': 0,
            'netCapacityInUseInKb': 0,
            'netUnusedCapacityInKb': 1024 * sizes.KIB_PER_GIB,
            'thinCapacityAllocatedInKb': 0}, v('3.5'))
        self.assertEqual((1024, 1024, 0), (cap.total_gib, cap.free_gib,
                                           cap.provisioned_gib))

    def test_counters_are_kept(self):
        cap = capacity.pool_capacity('pool1', WORKED_3_0, v('3.0'))
        self.assertEqual(WORKED_3_0, cap.counters)


@ddt.ddt
class TestLegacyFormula(base.TestCase):

    @ddt.unpack
    @ddt.data(
        # usable net GiB -> total, rounded down to a multiple of 8
        (1024, 1024),
        (1030, 1024),
        (1031, 1024),
        (1032, 1032),
        (7, 0),
        (15, 8),
    )
    def test_total_rounds_down_to_a_multiple_of_8(self, usable, total):
        cap = capacity.pool_capacity(
            'pool1', legacy_counters(usable, 100, 0), v('2.0'))
        self.assertEqual(total, cap.total_gib)

    def test_total_takes_spare_and_mirroring_off(self):
        counters = {'capacityLimitInKb': 2300 * sizes.KIB_PER_GIB + 1,
                    'spareCapacityInKb': 200 * sizes.KIB_PER_GIB,
                    'capacityAvailableForVolumeAllocationInKb': 0}
        # (2300 GiB + 1 KiB - 200 GiB) / 2 = 1050 GiB -> 1048.
        self.assertEqual(1048, capacity.pool_capacity(
            'pool1', counters, v('2.0')).total_gib)

    def test_free_and_provisioned(self):
        cap = capacity.pool_capacity('pool1', legacy_counters(
            1024, 100, 992, thick_gib=16, snap_gib=3, thin_gib=13), v('2.0'))
        self.assertEqual((1024, 992, 32), (cap.total_gib, cap.free_gib,
                                           cap.provisioned_gib))

    def test_free_is_rounded_down_to_whole_gib(self):
        counters = legacy_counters(1024, 100, 0)
        counters['capacityAvailableForVolumeAllocationInKb'] = (
            8 * sizes.KIB_PER_GIB - 1)
        self.assertEqual(7, capacity.pool_capacity(
            'pool1', counters, v('2.0')).free_gib)

    def test_misspelt_thin_counter_counts(self):
        cap = capacity.pool_capacity('pool1', legacy_counters(
            1024, 100, 1024, thin_gib=40,
            thin_name=capacity.THIN_ALLOCATED_TYPO), v('2.0'))
        self.assertEqual(40, cap.provisioned_gib)

    def test_net_counters_are_ignored_before_3_0(self):
        counters = legacy_counters(1024, 100, 1000)
        counters.update({'netCapacityInUseInKb': 5 * sizes.KIB_PER_GIB,
                         'netUnusedCapacityInKb': 5 * sizes.KIB_PER_GIB})
        cap = capacity.pool_capacity('pool1', counters, v('2.0'))
        self.assertEqual((1024, 1000), (cap.total_gib, cap.free_gib))
