"""The gateway's rules about sizes, names, numbers, flags and object ids."""

import re

import ddt

from scaleio_client import sizes
from scaleio_sim import errors
from scaleio_sim import objects
from tests import base

OBJECT_ID_RE = re.compile(r'^[0-9a-f]{16}$')


@ddt.ddt
class TestRoundUpKib(base.TestCase):

    @ddt.unpack
    @ddt.data(
        (1, 8 * sizes.KIB_PER_GIB),
        (14 * sizes.KIB_PER_GIB, 16 * sizes.KIB_PER_GIB),   # Cinder's example
        (8 * sizes.KIB_PER_GIB + 1, 16 * sizes.KIB_PER_GIB),
        (1001 * sizes.KIB_PER_GIB, 1008 * sizes.KIB_PER_GIB),
    )
    def test_sizes_round_up_to_the_next_8_gib(self, size_kib, expected_kib):
        self.assertEqual(expected_kib, objects.round_up_kib(size_kib))

    @ddt.data(8 * sizes.KIB_PER_GIB, 16 * sizes.KIB_PER_GIB,
              1024 * sizes.KIB_PER_GIB)
    def test_exact_multiples_of_8_gib_are_unchanged(self, size_kib):
        self.assertEqual(size_kib, objects.round_up_kib(size_kib))

    def test_zero_stays_zero(self):
        self.assertEqual(0, objects.round_up_kib(0))


@ddt.ddt
class TestCheckName(base.TestCase):

    @ddt.data(
        'a',
        'v' * 31,
        'Hl835X5eSg+xcORfS0afag==',          # base64 of a Cinder UUID
        '/////////////////////w==',
        '/x5fN+V+XkoPsXDkX0tGn2o=',          # migration's 'ff' + UUID name
        'vol_1-2.3:4!~',
    )
    def test_accepted_names(self, name):
        self.assertIsNone(objects.check_name(name))

    @ddt.data('v' * 32, 'x' * 100, ' ' * 32)
    def test_names_longer_than_31_characters_get_226(self, name):
        e = self.assertRaises(errors.GatewayError, objects.check_name, name)
        self.assertEqual(226, e.error_code)
        self.assertEqual(500, e.http_status)

    @ddt.data('', 'my volume', 'tab\tname', 'volüme', 'caf\u00e9',
              '\u4e2d\u6587', 'del\x7f', 'nl\n')
    def test_empty_blank_or_non_ascii_names_are_refused(self, name):
        e = self.assertRaises(errors.GatewayError, objects.check_name, name)
        self.assertEqual(errors.INVALID_NAME, e.error_code)
        self.assertEqual(500, e.http_status)

    @ddt.data(None, 5, ['vol'], {'name': 'vol'})
    def test_names_that_are_not_strings_are_bad_requests(self, name):
        e = self.assertRaises(errors.GatewayError, objects.check_name, name)
        self.assertEqual(400, e.http_status)
        self.assertEqual(0, e.error_code)


@ddt.ddt
class TestParseInt(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ('14680064', 14680064),             # Cinder sends sizes as strings
        (14680064, 14680064),
        ('0', 0),
        (0, 0),
        ('-8', -8),
        (-8, -8),
        (' 16 ', 16),
        ('007', 7),
        (str(2 ** 40), 2 ** 40),
    )
    def test_numbers_and_decimal_strings(self, value, expected):
        self.assertEqual(expected, objects.parse_int(value, 'sizeInGB'))

    @ddt.data(True, False, None, 8.0, 8.5, '8.0', '8.5', 'eight', '',
              ' ', '0x10', '1e3', '-', '8 GB', [8], {'size': 8},
              '--5', '-+5', '\u00b2')
    def test_anything_else_is_a_bad_request_naming_the_field(self, value):
        e = self.assertRaises(errors.GatewayError, objects.parse_int, value,
                              'volumeSizeInKb')
        self.assertEqual(400, e.http_status)
        self.assertEqual(0, e.error_code)
        self.assertIn('volumeSizeInKb', e.message)


@ddt.ddt
class TestParseBool(base.TestCase):

    @ddt.unpack
    @ddt.data(
        (True, True), (False, False),
        ('True', True), ('TRUE', True), ('true', True),     # Cinder, brick,
        ('False', False), ('FALSE', False), ('false', False),   # siolib
    )
    def test_booleans_and_true_false_in_any_case(self, value, expected):
        self.assertIs(expected, objects.parse_bool(value,
                                                   'allowMultipleMappings'))

    @ddt.data('yes', 'no', '1', '0', 1, 0, None, '', 'tru', ' true')
    def test_anything_else_is_a_bad_request_naming_the_field(self, value):
        e = self.assertRaises(errors.GatewayError, objects.parse_bool, value,
                              'allowMultipleMappings')
        self.assertEqual(400, e.http_status)
        self.assertEqual(0, e.error_code)
        self.assertIn('allowMultipleMappings', e.message)


@ddt.ddt
class TestIdGenerator(base.TestCase):

    SEED = '5c1a0de4a7e10001'

    @ddt.data('Volume', 'VTree', 'Sdc', 'StoragePool', 'SnapshotGroup')
    def test_ids_are_16_lower_case_hex_digits(self, object_type):
        ids = objects.IdGenerator(self.SEED)
        for _ in range(3):
            self.assertRegex(ids.next(object_type), OBJECT_ID_RE)

    def test_ids_of_one_type_share_a_prefix_and_count_up(self):
        ids = objects.IdGenerator(self.SEED)
        first, second, third = (ids.next('Volume') for _ in range(3))
        self.assertEqual(first[:8], second[:8])
        self.assertEqual(first[:8], third[:8])
        self.assertEqual([1, 2, 3],
                         [int(i[8:], 16) for i in (first, second, third)])

    def test_types_have_their_own_prefix_and_counter(self):
        ids = objects.IdGenerator(self.SEED)
        volume = ids.next('Volume')
        vtree = ids.next('VTree')
        self.assertNotEqual(volume[:8], vtree[:8])
        self.assertEqual(1, int(vtree[8:], 16))
        self.assertEqual({'Volume': 1, 'VTree': 1}, ids.counters)

    def test_the_same_seed_gives_the_same_ids(self):
        one = objects.IdGenerator(self.SEED)
        two = objects.IdGenerator(self.SEED)
        self.assertEqual([one.next('Volume') for _ in range(3)],
                         [two.next('Volume') for _ in range(3)])

    def test_another_system_gets_other_ids(self):
        one = objects.IdGenerator(self.SEED)
        two = objects.IdGenerator('5c1a0de4a7e10002')
        self.assertNotEqual(one.next('Volume'), two.next('Volume'))

    def test_restored_counters_continue_without_reusing_an_id(self):
        before = objects.IdGenerator(self.SEED)
        issued = {before.next('Volume') for _ in range(5)}
        saved = dict(before.counters)
        after = objects.IdGenerator(self.SEED, saved)
        new_id = after.next('Volume')
        self.assertNotIn(new_id, issued)
        self.assertEqual(before.next('Volume'), new_id)

    def test_restoring_does_not_change_the_saved_counters(self):
        saved = {'Volume': 5}
        ids = objects.IdGenerator(self.SEED, saved)
        ids.next('Volume')
        self.assertEqual({'Volume': 5}, saved)
