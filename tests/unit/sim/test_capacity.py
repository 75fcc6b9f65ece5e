"""Pool counters, checked with the formulas the clients apply to them
(gateway reference section 2.9)."""

import ddt

from scaleio_client import sizes
from scaleio_sim import capacity
from scaleio_sim import objects
from scaleio_sim import versions
from tests import base


def gib(kib):
    return kib // sizes.KIB_PER_GIB


def client_capacity_3_x(c, snapshot='snapCapacityInUseInKb'):
    """(total, free, provisioned) GiB the way Cinder computes them."""
    return (gib(c['netCapacityInUseInKb'] + c['netUnusedCapacityInKb']),
            gib(c['netUnusedCapacityInKb']),
            gib((c['thickCapacityInUseInKb'] + c[snapshot]
                 + c['thinCapacityAllocatedInKb']) // 2))


def client_capacity_2_x(c, thin='thinCapacityAllocatedInKb'):
    total = gib((c['capacityLimitInKb'] - c['spareCapacityInKb']) // 2)
    return (total // 8 * 8,
            gib(c['capacityAvailableForVolumeAllocationInKb']),
            gib((c['thickCapacityInUseInKb'] + c['snapCapacityInUseInKb']
                 + c[thin]) // 2))


def pool(capacity_gib=1024, spare_percentage=10):
    return objects.StoragePool('f1e2d3c400000000', 'sp1', 'd1a2b3c400000000',
                               objects.MEDIUM, True,
                               capacity_gib * sizes.KIB_PER_GIB,
                               spare_percentage)


def volume(volume_id, size_gib, volume_type, written_gib=0):
    """A volume record and the KiB its backing file holds."""
    record = objects.Volume(volume_id, volume_id, size_gib * sizes.KIB_PER_GIB,
                            volume_type, 'f1e2d3c400000000',
                            'vtree-' + volume_id, 0)
    return record, written_gib * sizes.KIB_PER_GIB


def counters(storage_pool, *volumes):
    written = {v.id: kib for v, kib in volumes}
    return capacity.pool_counters(storage_pool, [v for v, _ in volumes],
                                  len(volumes), written.get)


@ddt.ddt
class TestWorkedExample(base.TestCase):
    """The reference's 3.0 example: total 130, free 97, provisioned 137."""

    EXAMPLE = {'thickCapacityInUseInKb': 67108864,
               'snapCapacityInUseInKb': 2097152,
               'netCapacityInUseInKb': 34578432,
               'netUnusedCapacityInKb': 102417408,
               'thinCapacityAllocatedInKb': 218103808}

    def test_client_formulas_on_the_reference_counters(self):
        self.assertEqual((130, 97, 137), client_capacity_3_x(self.EXAMPLE))

    def example_pool_counters(self):
        # 32 GiB thick, a snapshot holding 1 GiB and 104 GiB of thin
        # volumes with nothing written, in a 130 GiB pool.
        return counters(
            pool(capacity_gib=130),
            volume('thick', 32, objects.THICK),
            volume('snap', 32, objects.SNAPSHOT, written_gib=1),
            volume('thin1', 96, objects.THIN),
            volume('thin2', 8, objects.THIN))

    def test_records_give_the_example_raw_counters(self):
        c = self.example_pool_counters()
        for name in ('thickCapacityInUseInKb', 'snapCapacityInUseInKb',
                     'thinCapacityAllocatedInKb'):
            self.assertEqual(self.EXAMPLE[name], c[name], name)

    def test_records_give_the_example_capacity(self):
        self.assertEqual((130, 97, 137), client_capacity_3_x(
            self.example_pool_counters()))

    def test_3_5_reports_the_same_under_the_new_snapshot_name(self):
        c = capacity.pool_counters_for_version(self.example_pool_counters(),
                                               versions.profile('3.5'))
        self.assertNotIn('snapCapacityInUseInKb', c)
        self.assertEqual((130, 97, 137),
                         client_capacity_3_x(c, 'snapshotCapacityInKb'))


@ddt.ddt
class TestPoolCounters(base.TestCase):

    @ddt.data(0, 10, 25, 50, 99)
    def test_limit_minus_spare_is_twice_the_usable_capacity(self, spare):
        c = counters(pool(capacity_gib=1024, spare_percentage=spare))
        self.assertEqual(2 * 1024 * sizes.KIB_PER_GIB,
                         c['capacityLimitInKb'] - c['spareCapacityInKb'])

    @ddt.data(0, 10, 50)
    def test_spare_is_that_share_of_the_limit(self, spare):
        c = counters(pool(spare_percentage=spare))
        self.assertEqual(spare, round(100 * c['spareCapacityInKb']
                                      / c['capacityLimitInKb']))

    @ddt.unpack
    @ddt.data(
        # (volumes, (total, free, provisioned)) in a 1024 GiB pool
        ((), (1024, 1024, 0)),
        ((('a', 8, objects.THIN, 0),), (1024, 1024, 8)),
        ((('a', 8, objects.THIN, 3),), (1024, 1021, 8)),
        ((('a', 16, objects.THICK, 0),), (1024, 1008, 16)),
        ((('a', 16, objects.THICK, 0), ('b', 8, objects.THIN, 2),
          ('c', 16, objects.SNAPSHOT, 1)), (1024, 1005, 25)),
    )
    def test_capacity_with_volumes(self, volumes, expected):
        c = counters(pool(), *[volume(*v) for v in volumes])
        self.assertEqual(expected, client_capacity_3_x(c))

    def test_thin_volume_never_uses_more_than_its_size(self):
        c = counters(pool(), volume('a', 8, objects.THIN, written_gib=9))
        self.assertEqual(8 * sizes.KIB_PER_GIB, c['netCapacityInUseInKb'])

    def test_net_counters_add_up_to_the_usable_capacity(self):
        c = counters(pool(capacity_gib=100),
                     volume('a', 40, objects.THICK),
                     volume('b', 8, objects.THIN, written_gib=5))
        self.assertEqual(100 * sizes.KIB_PER_GIB, c['netCapacityInUseInKb']
                         + c['netUnusedCapacityInKb'])
        self.assertEqual(2 * c['netCapacityInUseInKb'],
                         c['capacityInUseInKb'])

    def test_free_never_goes_negative(self):
        c = counters(pool(capacity_gib=8),
                     volume('a', 8, objects.THICK),
                     volume('b', 8, objects.THIN, written_gib=8))
        self.assertEqual(0, c['netUnusedCapacityInKb'])

    @ddt.unpack
    @ddt.data((100, 0, (96, 96, 0)),     # total rounds down to 8
              (100, 10, (96, 88, 10)),   # free: 90 GiB, 8 GiB granular
              (1024, 16, (1024, 1008, 16)))
    def test_2_x_formula(self, capacity_gib, thick_gib, expected):
        volumes = [volume('a', thick_gib, objects.THICK)] if thick_gib else []
        c = counters(pool(capacity_gib=capacity_gib), *volumes)
        self.assertEqual(expected, client_capacity_2_x(c))

    def test_volume_counts(self):
        c = counters(pool(), volume('a', 8, objects.THIN),
                     volume('b', 8, objects.THICK),
                     volume('s', 8, objects.SNAPSHOT))
        self.assertEqual((2, 1), (c['numOfVolumes'], c['numOfSnapshots']))


@ddt.ddt
class TestCountersForVersion(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ('2.0', False, 'snapCapacityInUseInKb', 'thinCapacityAllocatedInKb'),
        ('2.0', True, 'snapCapacityInUseInKb', 'thinCapacityAllocatedInKm'),
        ('3.0', False, 'snapCapacityInUseInKb', 'thinCapacityAllocatedInKb'),
        ('3.5', False, 'snapshotCapacityInKb', 'thinCapacityAllocatedInKb'),
        ('4.0', False, 'snapshotCapacityInKb', 'thinCapacityAllocatedInKb'),
    )
    def test_names(self, version, typo, snapshot, thin):
        raw = counters(pool(), volume('a', 8, objects.THIN),
                       volume('s', 8, objects.SNAPSHOT, written_gib=1))
        c = capacity.pool_counters_for_version(
            raw, versions.profile(version, typo))
        self.assertEqual(raw['snapCapacityInUseInKb'], c[snapshot])
        self.assertEqual(raw['thinCapacityAllocatedInKb'], c[thin])
        others = {'snapCapacityInUseInKb', 'snapshotCapacityInKb',
                  'thinCapacityAllocatedInKb', 'thinCapacityAllocatedInKm'}
        self.assertEqual({snapshot, thin}, others & set(c))

    @ddt.unpack
    @ddt.data(('2.0', False), ('3.0', True), ('3.5', True), ('4.0', True))
    def test_net_counters_from_3_0(self, version, has_net):
        c = capacity.pool_counters_for_version(counters(pool()),
                                               versions.profile(version))
        self.assertEqual(has_net, 'netUnusedCapacityInKb' in c)
        self.assertEqual(has_net, 'netCapacityInUseInKb' in c)

    def test_raw_counters_are_not_changed(self):
        raw = counters(pool())
        before = dict(raw)
        capacity.pool_counters_for_version(raw, versions.profile('2.0',
                                                                 True))
        self.assertEqual(before, raw)


class TestVtreeCounters(base.TestCase):

    def test_base_and_snapshot_use(self):
        base_volume, _ = volume('a', 16, objects.THIN)
        snapshot, _ = volume('s', 16, objects.SNAPSHOT)
        written = {'a': 3 * sizes.KIB_PER_GIB, 's': 1 * sizes.KIB_PER_GIB}
        c = capacity.vtree_counters([base_volume, snapshot], written.get)
        self.assertEqual(2, c['numOfVolumes'])
        self.assertEqual(1, c['numOfSnapshots'])
        self.assertEqual(3 * sizes.KIB_PER_GIB, c['baseNetCapacityInUseInKb'])
        self.assertEqual(1 * sizes.KIB_PER_GIB, c['snapNetCapacityInUseInKb'])
        self.assertEqual(4 * sizes.KIB_PER_GIB, c['netCapacityInUseInKb'])
