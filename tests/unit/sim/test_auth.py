"""Login tokens: expiry by idleness and by age, revocation, uniqueness."""

import base64
import binascii
import os

from scaleio_sim import auth
from tests import base
from tests.support import common


class TokenStoreTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = common.FakeClock()
        self.store = auth.TokenStore(idle_timeout=60, max_lifetime=300,
                                     clock=self.clock)


class TestExpiry(TokenStoreTestCase):

    def test_issued_token_is_valid_for_its_user(self):
        token = self.store.issue('admin')
        self.assertEqual('admin', self.store.check(token))

    def test_unknown_token_is_refused(self):
        self.store.issue('admin')
        self.assertIsNone(self.store.check('bm90LWEtdG9rZW4='))
        self.assertIsNone(self.store.check(''))

    def test_token_unused_for_the_idle_timeout_expires(self):
        token = self.store.issue('admin')
        self.clock.advance(59)
        other = self.store.issue('admin')
        self.clock.advance(2)
        self.assertIsNone(self.store.check(token))
        self.assertEqual('admin', self.store.check(other))

    def test_use_refreshes_the_idle_time(self):
        token = self.store.issue('admin')
        for _ in range(4):
            self.clock.advance(50)
            self.assertEqual('admin', self.store.check(token))

    def test_max_lifetime_ends_a_token_in_use(self):
        token = self.store.issue('admin')
        for _ in range(5):
            self.clock.advance(50)
            self.assertEqual('admin', self.store.check(token))
        self.clock.advance(51)          # 301 s old, used 51 s ago
        self.assertIsNone(self.store.check(token))

    def test_an_expired_token_is_forgotten(self):
        token = self.store.issue('admin')
        self.clock.advance(61)
        self.assertEqual(1, self.store.active())
        self.assertIsNone(self.store.check(token))
        self.assertEqual(0, self.store.active())
        self.clock.now -= 61            # even if time could go back
        self.assertIsNone(self.store.check(token))


class TestRevocation(TokenStoreTestCase):

    def test_revoke_one_token_keeps_the_others(self):
        doomed = self.store.issue('admin')
        kept = self.store.issue('admin')
        self.assertEqual(1, self.store.revoke(doomed))
        self.assertIsNone(self.store.check(doomed))
        self.assertEqual('admin', self.store.check(kept))
        self.assertEqual(0, self.store.revoke(doomed))

    def test_revoke_all_says_how_many_went(self):
        tokens = [self.store.issue('admin') for _ in range(3)]
        self.assertEqual(3, self.store.revoke())
        self.assertEqual([None] * 3, [self.store.check(t) for t in tokens])
        self.assertEqual(0, self.store.active())
        self.assertEqual(0, self.store.revoke())

    def test_logins_count_every_issue_and_survive_revocation(self):
        for _ in range(3):
            self.store.issue('admin')
        self.store.revoke()
        self.store.issue('admin')
        self.assertEqual(4, self.store.logins)
        self.assertEqual(1, self.store.active())


class TestTokens(TokenStoreTestCase):

    def test_tokens_are_unique_and_unguessable_looking(self):
        # All issued at the same instant, for the same user.
        tokens = [self.store.issue('admin') for _ in range(200)]
        self.assertEqual(200, len(set(tokens)))
        self.assertEqual('', os.path.commonprefix(tokens))
        for token in tokens:
            self.assertGreaterEqual(len(token), 32)
            try:
                raw = base64.b64decode(token, validate=True)
            except binascii.Error:
                raw = token.encode()
            self.assertGreaterEqual(len(raw), 16)
            self.assertNotIn(b'admin', raw)
            self.assertNotIn(b'1000', raw)
            self.assertNotIn('admin', token)

    def test_defaults_are_ten_minutes_idle_and_eight_hours(self):
        store = auth.TokenStore()
        self.assertEqual((600.0, 8 * 3600.0),
                         (store.idle_timeout, store.max_lifetime))
