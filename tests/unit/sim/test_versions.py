"""What each gateway API version does differently (reference section 1.4)."""

import ddt

from scaleio_sim import versions
from tests import base


@ddt.ddt
class TestProfileGates(base.TestCase):

    @ddt.unpack
    @ddt.data(
        # version, already mapped, not mapped, snapshots per vTree
        ('2.0', 81, 84, 31),
        ('2.0.1', 81, 84, 31),
        ('3.0', 81, 84, 126),
        ('3.5', 81, 84, 126),
        ('3.6', 81, 84, 126),
        ('4.0', 4037, 4039, 126),
        ('4.5', 4037, 4039, 126),
    )
    def test_error_codes_and_snapshot_limit(self, version, already_mapped,
                                            not_mapped, snapshots):
        profile = versions.profile(version)
        self.assertEqual(already_mapped, profile.already_mapped_code)
        self.assertEqual(not_mapped, profile.not_mapped_code)
        self.assertEqual(snapshots, profile.max_snapshots_per_vtree)

    @ddt.unpack
    @ddt.data(
        # version, net counters / fine granularity, bearer tokens
        ('2.0', False, False),
        ('2.5', False, False),
        ('3.0', True, False),
        ('3.5', True, False),
        ('4.0', True, True),
    )
    def test_features(self, version, from_3_0, from_4_0):
        profile = versions.profile(version)
        self.assertEqual(from_3_0, profile.has_net_capacity)
        self.assertEqual(from_3_0, profile.fine_granularity)
        self.assertEqual(from_4_0, profile.bearer_tokens)

    @ddt.unpack
    @ddt.data(
        ('2.0', 'snapCapacityInUseInKb'),
        ('3.0', 'snapCapacityInUseInKb'),
        ('3.4', 'snapCapacityInUseInKb'),
        ('3.5', 'snapshotCapacityInKb'),
        ('3.10', 'snapshotCapacityInKb'),
        ('4.0', 'snapshotCapacityInKb'),
    )
    def test_snapshot_statistic_renamed_at_3_5(self, version, name):
        self.assertEqual(name, versions.profile(version).snapshot_statistic)

    @ddt.unpack
    @ddt.data(('3.5', (3, 5), True), ('3.5', (3, 6), False),
              ('3.5', (3,), True), ('3.5', (4,), False),
              ('2.0.1', (2, 0, 1), True), ('2.0', (2, 0, 1), False),
              ('3.10', (3, 9), True))
    def test_at_least_compares_numbers_not_text(self, version, parts,
                                                expected):
        self.assertEqual(expected, versions.profile(version).at_least(*parts))

    def test_version_is_kept_as_given(self):
        self.assertEqual('2.0.1', versions.profile('2.0.1').version)
        self.assertEqual('3.5', versions.profile(' 3.5 ').version)


@ddt.ddt
class TestInvalidVersions(base.TestCase):

    @ddt.data('1.0b', '.6', 'bad', '', '3.', '3..5', 'v3.5', '3,5', '-3')
    def test_malformed_version_strings_are_refused(self, version):
        e = self.assertRaises(ValueError, versions.profile, version)
        self.assertIn(repr(version.strip()), str(e))

    @ddt.data('1.32', '1.0', '6.0', '0.1')
    def test_versions_that_are_not_simulated_are_refused(self, version):
        e = self.assertRaises(ValueError, versions.profile, version)
        self.assertIn(version, str(e))


@ddt.ddt
class TestThinAllocatedTypo(base.TestCase):

    @ddt.data('2.0', '2.0.1', '2.5')
    def test_typo_on_2_x(self, version):
        profile = versions.profile(version, thin_allocated_typo=True)
        self.assertEqual('thinCapacityAllocatedInKm',
                         profile.thin_allocated_statistic)

    @ddt.data('2.0', '3.0', '3.5', '4.0')
    def test_correct_spelling_without_the_typo(self, version):
        self.assertEqual('thinCapacityAllocatedInKb',
                         versions.profile(version).thin_allocated_statistic)

    @ddt.data('3.0', '3.5', '4.0')
    def test_typo_is_refused_from_3_0(self, version):
        e = self.assertRaises(ValueError, versions.profile, version,
                              thin_allocated_typo=True)
        self.assertIn(version, str(e))
