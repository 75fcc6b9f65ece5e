"""KiB/GiB conversion and the 8 GiB allocation unit (reference 5.1)."""

import ddt

from scaleio_client import sizes
from tests import base


@ddt.ddt
class TestConversion(base.TestCase):

    @ddt.unpack
    @ddt.data((0, 0), (1, sizes.KIB_PER_GIB), (8, 8 * sizes.KIB_PER_GIB),
              (14, 14680064), ('16', 16 * sizes.KIB_PER_GIB))
    def test_gib_to_kib(self, size_gib, size_kib):
        self.assertEqual(size_kib, sizes.gib_to_kib(size_gib))

    @ddt.unpack
    @ddt.data(
        (0, 0),
        (1, 1),
        (sizes.KIB_PER_GIB, 1),
        (sizes.KIB_PER_GIB + 1, 2),
        (8000000, 8),           # manage: ceil(8000000 KiB / 1 Mi) = 8
        (8 * sizes.KIB_PER_GIB, 8),
        (14680064, 14),
        ('8388608', 8),
    )
    def test_kib_to_gib_rounds_up(self, size_kib, size_gib):
        self.assertEqual(size_gib, sizes.kib_to_gib(size_kib))

    @ddt.unpack
    @ddt.data(
        (0, 0),
        (sizes.KIB_PER_GIB - 1, 0),
        (sizes.KIB_PER_GIB, 1),
        (2 * sizes.KIB_PER_GIB - 1, 1),
        (136995840, 130),
    )
    def test_kib_to_gib_floor_rounds_down(self, size_kib, size_gib):
        self.assertEqual(size_gib, sizes.kib_to_gib_floor(size_kib))

    def test_round_trip(self):
        for size_gib in (0, 1, 7, 8, 1024, 65536):
            self.assertEqual(size_gib,
                             sizes.kib_to_gib(sizes.gib_to_kib(size_gib)))


@ddt.ddt
class TestGranularity(base.TestCase):

    @ddt.unpack
    @ddt.data((0, 0), (1, 8), (7, 8), (8, 8), (9, 16), (14, 16), (16, 16),
              (17, 24), (1000, 1000), (1001, 1008), ('14', 16))
    def test_round_up_to_8_gib(self, size_gib, rounded):
        self.assertEqual(rounded, sizes.round_up_gib(size_gib))

    @ddt.unpack
    @ddt.data((14, 1, 14), (14, 0, 14), (14, 4, 16), (14, 16, 16))
    def test_round_up_to_other_granularity(self, size_gib, granularity,
                                           rounded):
        self.assertEqual(rounded, sizes.round_up_gib(size_gib, granularity))

    @ddt.unpack
    @ddt.data((0, True), (8, True), (16, True), (1, False), (14, False),
              (23, False), (24, True))
    def test_is_granular(self, size_gib, granular):
        self.assertEqual(granular, sizes.is_granular(size_gib))

    def test_is_granular_with_other_granularity(self):
        self.assertTrue(sizes.is_granular(12, 4))
        self.assertFalse(sizes.is_granular(12, 8))

    def test_rounded_sizes_are_granular(self):
        for size_gib in range(0, 50):
            self.assertTrue(sizes.is_granular(sizes.round_up_gib(size_gib)))
