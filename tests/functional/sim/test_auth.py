"""Login, tokens and their expiry, as the real gateway does them."""

import time

import ddt

from tests.functional.sim import base
from tests.support import common


@ddt.ddt
class TestLogin(base.SimulatorTestCase):

    def test_login_returns_a_quoted_token(self):
        r = self.gw.session.get(self.sim.api_url + '/login', auth=common.ADMIN)
        self.assertEqual(200, r.status_code)
        self.assertTrue(r.text.startswith('"') and r.text.endswith('"'))
        token = r.json()
        self.assertIsInstance(token, str)
        self.assertGreater(len(token), 16)

    @ddt.data(('admin', 'wrong'), ('nobody', 'Scaleio123'), ('', ''))
    def test_bad_credentials_get_401_with_a_json_body(self, credentials):
        r = self.gw.session.get(self.sim.api_url + '/login',
                                auth=tuple(credentials))
        self.assertGatewayError(r, 401, 0)

    def test_login_without_credentials_is_refused(self):
        r = self.gw.session.get(self.sim.api_url + '/login')
        self.assertGatewayError(r, 401, 0)

    def test_token_is_the_basic_password_with_any_user_name(self):
        token = self.gw.login()
        for user in ('admin', '', 'someone-else'):
            r = self.gw.session.get(self.sim.api_url + '/version',
                                    auth=(user, token))
            self.assertEqual(200, r.status_code, r.text)
            self.assertEqual('"3.5"', r.text)

    def test_calls_without_a_token_get_401(self):
        r = self.gw.session.get(self.sim.api_url + '/version')
        self.assertGatewayError(r, 401, 0)
        r = self.gw.session.get(self.sim.api_url + '/version',
                                auth=('admin', 'Scaleio123'))
        self.assertGatewayError(r, 401, 0)

    def test_each_login_gives_a_new_token_and_both_work(self):
        first = self.gw.login()
        second = self.gw.login()
        self.assertNotEqual(first, second)
        for token in (first, second):
            r = self.gw.get('/version', auth=('admin', token))
            self.assertEqual(200, r.status_code)

    def test_logout_revokes_only_that_token(self):
        other = common.Gateway(self.sim)
        other.login()
        self.gw.ok(self.gw.get('/logout'))
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.assertEqual('3.5', other.ok_get('/version'))

    def test_bearer_is_refused_before_4_0(self):
        token = self.gw.login()
        r = self.gw.session.get(self.sim.api_url + '/version',
                                headers={'Authorization': 'Bearer ' + token})
        self.assertGatewayError(r, 401, 0)


class TestBearer(base.SimulatorTestCase):
    simulator_options = {'api_version': '4.0'}

    def test_bearer_token_accepted_from_4_0(self):
        token = self.gw.login()
        r = self.gw.session.get(self.sim.api_url + '/version',
                                headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(200, r.status_code, r.text)
        self.assertEqual('4.0', r.json())


class TestTokenExpiry(base.SimulatorTestCase):
    simulator_options = {'token_idle_timeout': 0.5,
                         'token_max_lifetime': 1.5}

    def test_idle_token_expires(self):
        self.gw.login()
        time.sleep(0.7)
        self.assertGatewayError(self.gw.get('/version'), 401, 0)

    def test_use_keeps_a_token_alive_until_its_lifetime_ends(self):
        self.gw.login()
        deadline = time.monotonic() + 1.2
        while time.monotonic() < deadline:
            self.assertEqual(200, self.gw.get('/version').status_code)
            time.sleep(0.2)
        time.sleep(0.5)
        self.assertGatewayError(self.gw.get('/version'), 401, 0)

    def test_expired_token_gets_401_and_a_new_login_works(self):
        self.gw.login()
        time.sleep(0.7)
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.gw.login()
        self.assertEqual('3.5', self.gw.ok_get('/version'))


class TestRevocation(base.SimulatorTestCase):

    def test_revocation_through_the_control_api(self):
        self.gw.login()
        r = self.gw.session.post(self.sim.url + '/sim/tokens/revoke')
        self.assertEqual({'revoked': 1}, r.json())
        self.assertGatewayError(self.gw.get('/version'), 401, 0)

    def test_revocation_from_python(self):
        self.gw.login()
        self.sim.tokens.revoke()
        self.assertGatewayError(self.gw.get('/version'), 401, 0)

    def test_control_api_counts_logins_without_showing_tokens(self):
        token = self.gw.login()
        body = self.gw.session.get(self.sim.url + '/sim/tokens').text
        self.assertNotIn(token, body)
        self.assertEqual({'active': 1, 'logins': 1},
                         self.gw.session.get(self.sim.url
                                             + '/sim/tokens').json())
