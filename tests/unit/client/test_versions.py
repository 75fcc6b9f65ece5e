"""The /api/version answer and the features it gates (reference 1.3, 1.4)."""

import ddt

from scaleio_client import exceptions
from scaleio_client import versions
from tests import base


@ddt.ddt
class TestParse(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ('1.0', '1.0', (1, 0)),
        ('1.2.3.4', '1.2.3.4', (1, 2, 3, 4)),
        ('"3.5"', '3.5', (3, 5)),
        ('2.0.1', '2.0.1', (2, 0, 1)),
        ('4', '4', (4,)),
        (' "4.0" ', '4.0', (4, 0)),
        ('3.10', '3.10', (3, 10)),
    )
    def test_accepted(self, answer, text, parts):
        version = versions.ApiVersion(answer)
        self.assertEqual(text, version.text)
        self.assertEqual(text, str(version))
        self.assertEqual(parts, version.parts)

    @ddt.data('1.0b', '.6', 'bad', '', '""', '1.', '1..0', '-1.0', 'v3.5',
              '3.5 beta', None)
    def test_rejected(self, answer):
        self.assertRaises(exceptions.ProtocolError, versions.ApiVersion,
                          answer)

    def test_rejection_is_a_scaleio_error(self):
        # Callers catching the package's base class see a bad version too.
        self.assertRaises(exceptions.ScaleIOError, versions.ApiVersion,
                          '1.0b')

    def test_repr_names_the_version(self):
        self.assertEqual("ApiVersion('3.5')", repr(versions.ApiVersion('3.5')))


@ddt.ddt
class TestCompare(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ('2.0', '2.0.1'),
        ('2.0.1', '2.1'),
        ('2.5', '3.0'),
        ('3.0', '3.5'),
        ('3.5', '3.10'),        # numeric, not string, comparison
        ('3.9', '3.10'),
        ('1.32', '2.0'),
        ('3.5', '4'),
        ('4.0', '4.5'),
    )
    def test_older_than(self, older, newer):
        old, new = versions.ApiVersion(older), versions.ApiVersion(newer)
        self.assertLess(old, new)
        self.assertGreater(new, old)
        self.assertNotEqual(old, new)
        # Against a plain string as well.
        self.assertLess(old, newer)
        self.assertGreater(new, older)
        self.assertTrue(old <= newer)
        self.assertFalse(old >= newer)

    @ddt.unpack
    @ddt.data(('3.0', '3.0'), ('3', '3.0'), ('3.0.0', '3'), ('"3.5"', '3.5'))
    def test_equal(self, one, other):
        self.assertEqual(versions.ApiVersion(one), versions.ApiVersion(other))
        self.assertEqual(versions.ApiVersion(one), other)
        self.assertTrue(versions.ApiVersion(one) <= other)
        self.assertTrue(versions.ApiVersion(one) >= other)

    @ddt.unpack
    @ddt.data(('3.0', '3'), ('3.0.0', '3.0'), ('2', '2.0.0.0'))
    def test_equal_versions_hash_alike(self, one, other):
        # Python requires it; a set or dict key of versions relies on it.
        a, b = versions.ApiVersion(one), versions.ApiVersion(other)
        self.assertEqual(a, b)
        self.assertEqual(hash(a), hash(b))
        self.assertEqual(1, len({a, b}))

    @ddt.data(None, 'bad', '1.0b')
    def test_not_equal_to_what_is_not_a_version(self, other):
        # == must answer, not raise: versions end up in dicts and asserts.
        version = versions.ApiVersion('3.5')
        self.assertFalse(version == other)
        self.assertTrue(version != other)

    def test_sorting(self):
        found = sorted(versions.ApiVersion(v)
                       for v in ('4.0', '3.10', '2.0.1', '3.5', '1.32'))
        self.assertEqual(['1.32', '2.0.1', '3.5', '3.10', '4.0'],
                         [str(v) for v in found])


@ddt.ddt
class TestGates(base.TestCase):

    @ddt.unpack
    @ddt.data(
        # version, thin-allocated probe, 3.0 features
        ('1.32', False, False),
        ('2.0', True, False),
        ('2.0.1', True, False),
        ('2.5', True, False),
        ('3.0', False, True),
        ('3.4', False, True),
        ('3.5', False, True),
        ('3.6', False, True),
        ('4.0', False, True),
        ('4.5', False, True),
    )
    def test_features(self, text, probe, from_3_0):
        version = versions.ApiVersion(text)
        self.assertEqual(probe, version.may_misspell_thin_allocated)
        self.assertEqual(from_3_0, version.net_capacity_statistics)
        self.assertEqual(from_3_0, version.revert)
        self.assertEqual(from_3_0, version.migration)
        self.assertEqual(from_3_0, version.fine_granularity)

    @ddt.unpack
    @ddt.data(
        ('1.32', 'snapCapacityInUseInKb'),
        ('2.0', 'snapCapacityInUseInKb'),
        ('3.0', 'snapCapacityInUseInKb'),
        ('3.4', 'snapCapacityInUseInKb'),
        ('3.4.9', 'snapCapacityInUseInKb'),
        ('3.5', 'snapshotCapacityInKb'),
        ('3.10', 'snapshotCapacityInKb'),
        ('4.0', 'snapshotCapacityInKb'),
    )
    def test_snapshot_statistic_renamed_at_3_5(self, text, name):
        self.assertEqual(name,
                         versions.ApiVersion(text).snapshot_statistic)
