"""The client's lookup cache: entries expire after their time to live."""

from scaleio_client import client
from tests import base
from tests.support import common


class TestTtlCache(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = common.FakeClock()
        self.cache = client.TtlCache(60, self.clock)

    def test_missing_key(self):
        self.assertIsNone(self.cache.get(('pd', 'pd1')))

    def test_entry_lives_until_its_ttl(self):
        self.cache.put(('pd', 'pd1'), 'd1')
        self.assertEqual('d1', self.cache.get(('pd', 'pd1')))
        self.clock.advance(59.9)
        self.assertEqual('d1', self.cache.get(('pd', 'pd1')))

    def test_entry_expires_at_its_ttl(self):
        self.cache.put(('pd', 'pd1'), 'd1')
        self.clock.advance(60)
        self.assertIsNone(self.cache.get(('pd', 'pd1')))

    def test_expired_entry_is_removed(self):
        self.cache.put('k', 'v')
        self.clock.advance(61)
        self.assertIsNone(self.cache.get('k'))
        self.assertEqual({}, self.cache.entries)

    def test_put_again_restarts_the_ttl(self):
        self.cache.put('k', 'old')
        self.clock.advance(50)
        self.cache.put('k', 'new')
        self.clock.advance(50)
        self.assertEqual('new', self.cache.get('k'))
        self.clock.advance(10)
        self.assertIsNone(self.cache.get('k'))

    def test_reading_does_not_extend_the_ttl(self):
        self.cache.put('k', 'v')
        for _ in range(5):
            self.clock.advance(11)
            self.cache.get('k')
        self.clock.advance(10)
        self.assertIsNone(self.cache.get('k'))

    def test_entries_expire_independently(self):
        self.cache.put('a', 1)
        self.clock.advance(30)
        self.cache.put('b', 2)
        self.clock.advance(30)
        self.assertIsNone(self.cache.get('a'))
        self.assertEqual(2, self.cache.get('b'))

    def test_drop(self):
        self.cache.put('a', 1)
        self.cache.put('b', 2)
        self.cache.drop('a')
        self.assertIsNone(self.cache.get('a'))
        self.assertEqual(2, self.cache.get('b'))

    def test_drop_missing_key_is_harmless(self):
        self.cache.drop('nothing')
        self.assertIsNone(self.cache.get('nothing'))

    def test_falsy_values_are_kept(self):
        self.cache.put('zero', 0)
        self.cache.put('empty', '')
        self.assertEqual(0, self.cache.get('zero'))
        self.assertEqual('', self.cache.get('empty'))

    def test_zero_ttl_keeps_nothing(self):
        cache = client.TtlCache(0, self.clock)
        cache.put('k', 'v')
        self.assertIsNone(cache.get('k'))

    def test_default_clock_is_monotonic(self):
        cache = client.TtlCache(300)
        cache.put('k', 'v')
        self.assertEqual('v', cache.get('k'))
