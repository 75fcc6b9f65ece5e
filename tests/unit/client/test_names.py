"""Gateway names from Cinder ids, and quoting for getByName paths
(gateway reference sections 5.2 and 5.3)."""

import base64
import uuid

import ddt

from scaleio_client import names
from tests import base

UUID = '1e5f37e5-7e5e-4a0f-b170-e45f4b469f6a'
NAME = 'Hl835X5eSg+xcORfS0afag=='


@ddt.ddt
class TestIdToName(base.TestCase):

    @ddt.unpack
    @ddt.data(
        (UUID, NAME),
        ('ffffffff-ffff-ffff-ffff-ffffffffffff', '/////////////////////w=='),
        ('00000000-0000-0000-0000-000000000000', 'AAAAAAAAAAAAAAAAAAAAAA=='),
        # Letter case of the hex digits does not matter.
        (UUID.upper(), NAME),
    )
    def test_reference_examples(self, object_id, name):
        self.assertEqual(name, names.id_to_name(object_id))

    def test_uuid_object_gives_the_same_name_as_its_string(self):
        self.assertEqual(NAME, names.id_to_name(uuid.UUID(UUID)))

    @ddt.data(UUID, 'ffffffff-ffff-ffff-ffff-ffffffffffff',
              '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0')
    def test_uuid_names_are_24_characters_ending_in_two_equals(self, oid):
        name = names.id_to_name(oid)
        self.assertEqual(24, len(name))
        self.assertTrue(name.endswith('=='), name)
        self.assertFalse(name.endswith('==='), name)

    def test_migration_temporary_name_ends_in_one_equals(self):
        # 'ff' + uuid: 17 bytes -> 24 characters, a single '=' of padding.
        name = names.id_to_name('ff' + UUID)
        self.assertEqual(24, len(name))
        self.assertTrue(name.endswith('='), name)
        self.assertFalse(name.endswith('=='), name)
        self.assertEqual(b'\xff' + uuid.UUID(UUID).bytes,
                         base64.b64decode(name))

    def test_temporary_name_differs_from_the_final_name(self):
        self.assertNotEqual(names.id_to_name(UUID),
                            names.id_to_name('ff' + UUID))

    @ddt.unpack
    @ddt.data(
        # Not hex: the in-tree driver base64-encodes the UTF-8 bytes of the
        # id with its '-' removed (it strips them before trying to decode).
        ('volume1', 'dm9sdW1lMQ=='),
        ('snap-1', 'c25hcDE='),
        ('not-a-uuid', 'bm90YXV1aWQ='),
        # Odd number of hex digits: not decodable either.
        ('abc', 'YWJj'),
    )
    def test_non_hex_ids_encode_their_text_as_the_driver_does(
            self, oid, name):
        self.assertEqual(name, names.id_to_name(oid))

    def test_names_fit_the_gateway_limit(self):
        for oid in (UUID, 'ff' + UUID, str(uuid.uuid4())):
            self.assertLessEqual(len(names.id_to_name(oid)), 31, oid)


@ddt.ddt
class TestNameToId(base.TestCase):

    def test_reference_example(self):
        self.assertEqual(UUID, names.name_to_id(NAME))

    @ddt.data(UUID, 'ffffffff-ffff-ffff-ffff-ffffffffffff',
              '00000000-0000-0000-0000-000000000000',
              '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0')
    def test_round_trip(self, object_id):
        self.assertEqual(object_id,
                         names.name_to_id(names.id_to_name(object_id)))

    def test_round_trip_of_random_uuids(self):
        for _ in range(50):
            object_id = str(uuid.uuid4())
            self.assertEqual(object_id,
                             names.name_to_id(names.id_to_name(object_id)))

    @ddt.data(
        None,
        12,
        '',
        'volume1',
        'sp1',
        NAME[:-1],                    # 23 characters
        NAME + 'A',                   # 25 characters
        'Hl835X5eSg-xcORfS0afag==',   # '-' is not standard base64
        'Hl835X5eSg+xcORfS0afag*=',
        'Hl835X5eSg+xcORfS0afagA=',   # 17 bytes: a temporary name
        'Hl835X5eSg+xcORfS0afah==',   # non-canonical padding bits
    )
    def test_not_a_name_of_a_cinder_id_gives_none(self, name):
        self.assertIsNone(names.name_to_id(name))

    def test_temporary_migration_name_is_not_a_volume_id(self):
        self.assertIsNone(names.name_to_id(names.id_to_name('ff' + UUID)))


@ddt.ddt
class TestQuote(base.TestCase):

    @ddt.unpack
    @ddt.data(
        (NAME, 1, 'Hl835X5eSg%2BxcORfS0afag%3D%3D'),
        (NAME, 2, 'Hl835X5eSg%252BxcORfS0afag%253D%253D'),
        ('/////////////////////w==', 1,
         '%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2Fw'
         '%3D%3D'),
        ('a/b', 2, 'a%252Fb'),
        ('pd1', 1, 'pd1'),
        ('pd1', 2, 'pd1'),
        ('my pool', 1, 'my%20pool'),
        ('my pool', 2, 'my%2520pool'),
        ('a,b', 1, 'a%2Cb'),
    )
    def test_quote(self, name, times, quoted):
        self.assertEqual(quoted, names.quote(name, times=times))

    def test_once_is_the_default(self):
        self.assertEqual('Hl835X5eSg%2BxcORfS0afag%3D%3D', names.quote(NAME))

    def test_no_character_is_left_safe(self):
        quoted = names.quote('a/b+c=d?e#f&g%h')
        for c in '/+=?#&':
            self.assertNotIn(c, quoted)
