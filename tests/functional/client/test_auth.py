"""Logging in: lazily, once, again when the gateway forgets the token, and
before the gateway would forget it."""

import time

import ddt

from scaleio_client import exceptions
from scaleio_client import sizes
from tests.functional.client import base

LOGIN = 'GET /api/login'
SYSTEMS = 'GET /api/types/System/instances'
SYSTEMS_PATH = '/api/types/System/instances'
CREATE = 'POST /api/types/Volume/instances'


@ddt.ddt
class TestLogin(base.ClientTestCase):

    def test_a_new_client_sends_nothing(self):
        self.make_client()
        self.assertEqual({}, self.sim.log.counters())
        self.assertEqual(0, self.sim.tokens.logins)

    def test_the_first_call_logs_in_once(self):
        self.client.system_id()
        self.assertEqual(1, self.sim_count(LOGIN))
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual(1, self.client.stats.logins)

    def test_the_token_is_reused_by_later_calls(self):
        for _ in range(5):
            self.client.system()
        self.client.protection_domain_id('pd1')
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual(5, self.sim_count(SYSTEMS))
        self.assertEqual([200] * 5, self.sim_statuses(SYSTEMS))

    def test_wrong_password_raises_authentication_error(self):
        gateway = self.make_client(password='Wrong-Pa55word')
        error = self.assertRaises(exceptions.AuthenticationError,
                                  gateway.system)
        self.assertEqual(401, error.status)
        self.assertEqual('/login', error.path)
        self.assertIn('admin', str(error))
        self.assertNotIn('Wrong-Pa55word', str(error))
        self.assertNotIn('Wrong-Pa55word', repr(error))

    def test_a_refused_login_is_not_retried(self):
        gateway = self.make_client(password='Wrong-Pa55word')
        self.assertRaises(exceptions.AuthenticationError, gateway.system)
        self.assertEqual(1, self.sim_count(LOGIN))
        self.assertEqual(0, self.sim_count(SYSTEMS))
        self.assertEqual(0, gateway.stats.retries)

    def test_unknown_user_raises_authentication_error(self):
        gateway = self.make_client(username='nobody')
        self.assertRaises(exceptions.AuthenticationError, gateway.system)

    def test_a_login_refused_with_403_raises_authentication_error(self):
        self.sim.faults.add({'action': 'error', 'path': '/api/login',
                             'status': 403, 'body': {
                                 'message': 'Forbidden', 'errorCode': 403,
                                 'httpStatusCode': 403}})
        self.assertRaises(exceptions.AuthenticationError, self.client.system)

    def test_close_gives_the_token_back(self):
        self.client.system()
        self.assertEqual(1, self.sim.tokens.active())
        self.client.close()
        self.assertEqual(1, self.sim_count('GET /api/logout'))
        self.assertEqual(0, self.sim.tokens.active())

    def test_close_without_a_login_sends_nothing(self):
        self.client.close()
        self.assertEqual({}, self.sim.log.counters())

    def test_a_closed_client_logs_in_again_when_used(self):
        self.client.system()
        self.client.close()
        self.client.system()
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertNotIn(401, self.sim_statuses(SYSTEMS))


@ddt.ddt
class TestTokenRefused(base.ClientTestCase):

    def test_revoked_token_costs_one_login_and_the_call_succeeds(self):
        system_id = self.client.system_id()
        self.client.cache.drop(('system',))
        self.sim.tokens.revoke()
        self.assertEqual(system_id, self.client.system_id())
        self.assertEqual([200, 401, 200], self.sim_statuses(SYSTEMS))
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertEqual(2, self.client.stats.logins)

    def test_revocation_in_the_middle_of_a_sequence(self):
        pool_id = self.pool_id()
        first = self.create_volume('before-revoke')
        # The gateway forgets every token while the request is on its way.
        self.sim.faults.add({'action': 'revoke', 'method': 'POST',
                             'path': '/api/types/Volume/instances',
                             'count': 1})
        second = self.create_volume('after-revoke')
        third = self.create_volume('after-relogin')
        self.assertEqual(3, len({first, second, third}))
        names = {v.name for v in self.client.pool_volumes(pool_id)}
        self.assertTrue({'before-revoke', 'after-revoke',
                         'after-relogin'} <= names)
        self.assertEqual([200, 401, 200, 200], self.sim_statuses(CREATE))
        self.assertEqual(2, self.sim.tokens.logins)

    def test_a_post_is_repeated_with_its_method_and_body(self):
        pool_id = self.pool_id()
        self.sim.tokens.revoke()
        volume_id = self.client.create_volume('relogin-body', pool_id,
                                              16 * sizes.KIB_PER_GIB,
                                              thin=False)
        volume = self.client.volume(volume_id)
        self.assertEqual('relogin-body', volume.name)
        self.assertEqual(16, volume.size_gib)
        self.assertEqual('ThickProvisioned', volume.volume_type)
        self.assertEqual(pool_id, volume.storage_pool_id)
        self.assertEqual([401, 200], self.sim_statuses(CREATE))
        self.assertEqual(1, len(self.volumes_named('relogin-body')))

    def test_a_repeated_action_carries_its_body(self):
        volume_id = self.create_volume('old-name')
        self.sim.tokens.revoke()
        self.client.rename_volume(volume_id, 'new-name')
        self.assertEqual('new-name', self.client.volume(volume_id).name)
        self.assertEqual(
            [401, 200],
            self.sim_statuses('POST /api/instances/Volume::{id}/action/'
                              'setVolumeName'))

    @ddt.named_data(
        ('json_body_error_code_0', {'message': 'Token expired',
                                    'httpStatusCode': 403, 'errorCode': 0}),
        ('json_body_no_error_code', {'message': 'Forbidden'}),
        ('html_body', '<html><body>403 Forbidden</body></html>'),
        ('empty_body', ''),
    )
    def test_a_403_that_is_an_auth_error_logs_in_again(self, body):
        self.client.system()
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 403, 'body': body, 'count': 1})
        self.client.system()
        self.assertEqual([200, 403, 200], self.sim_statuses(SYSTEMS))
        self.assertEqual(2, self.sim.tokens.logins)

    @ddt.named_data(
        ('json_body', {'message': 'Unauthorized', 'httpStatusCode': 401,
                       'errorCode': 0}),
        # A 4.x gateway may answer 401 with a body that is not JSON.
        ('html_body', '<html><body>401 Unauthorized</body></html>'),
        ('empty_body', ''),
    )
    def test_any_401_logs_in_again(self, body):
        self.client.system()
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 401, 'body': body, 'count': 1})
        self.client.system()
        self.assertEqual([200, 401, 200], self.sim_statuses(SYSTEMS))
        self.assertEqual(2, self.sim.tokens.logins)

    def test_a_403_with_a_business_error_code_is_not_a_login_matter(self):
        self.client.system()
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 403, 'count': 1, 'body': {
                                 'message': 'Operation not permitted',
                                 'httpStatusCode': 403, 'errorCode': 9004}})
        error = self.assertRaises(exceptions.GatewayError,
                                  self.client.system)
        self.assertNotIsInstance(error, exceptions.AuthenticationError)
        self.assertEqual(9004, error.error_code)
        self.assertEqual(403, error.status)
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual([200, 403], self.sim_statuses(SYSTEMS))

    def test_a_token_refused_twice_raises_without_a_third_try(self):
        self.client.system()
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 401, 'count': 5})
        error = self.assertRaises(exceptions.AuthenticationError,
                                  self.client.system)
        self.assertEqual(401, error.status)
        self.assertEqual([200, 401, 401], self.sim_statuses(SYSTEMS))
        self.assertEqual(2, self.sim.tokens.logins)
        for token in self.sim_tokens():
            self.assertNotIn(token, str(error))

    def test_a_gateway_restart_costs_one_login(self):
        self.client.system()
        # Tokens forgotten and open connections dropped, as on a reboot.
        self.sim.restart()
        self.client.system()
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertEqual(200, self.sim_statuses(SYSTEMS)[-1])


class TestIdleTimeout(base.ClientTestCase):
    """The gateway forgets tokens idle 0.6 s; the client renews at 0.3 s."""

    simulator_options = {'token_idle_timeout': 0.6}
    client_options = {'token_idle_timeout': 0.3}

    def test_an_idle_token_is_renewed_before_the_gateway_drops_it(self):
        self.client.system()
        time.sleep(0.8)
        self.client.system()
        self.assertEqual([200, 200], self.sim_statuses(SYSTEMS))
        self.assertNotIn(401, self.sim_statuses(LOGIN))
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertEqual(2, self.client.stats.logins)

    def test_a_busy_token_is_kept(self):
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            self.client.system()
            time.sleep(0.05)
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertNotIn(401, self.sim_statuses(SYSTEMS))

    def test_no_background_thread_logs_in(self):
        self.client.system()
        time.sleep(0.8)
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual(1, self.sim_count(LOGIN))


class TestIdleTimeoutTheClientDoesNotKnow(base.ClientTestCase):
    """The gateway's idle timeout is shorter than the client believes."""

    simulator_options = {'token_idle_timeout': 0.3}

    def test_an_expired_token_costs_one_401_and_one_login(self):
        self.client.system()
        time.sleep(0.5)
        self.client.system()
        self.assertEqual([200, 401, 200], self.sim_statuses(SYSTEMS))
        self.assertEqual(2, self.sim.tokens.logins)


class TestMaximumAge(base.ClientTestCase):
    """Tokens live 0.6 s on the gateway; the client renews them at 0.3 s."""

    simulator_options = {'token_max_lifetime': 0.6}
    client_options = {'token_max_age': 0.3}

    def test_an_old_token_is_renewed_even_when_busy(self):
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            self.client.system()
            time.sleep(0.05)
        self.assertNotIn(401, self.sim_statuses(SYSTEMS))
        self.assertGreaterEqual(self.sim.tokens.logins, 3)
        self.assertEqual(self.sim.tokens.logins, self.client.stats.logins)
