"""What the client tells operators and benchmarks: one debug line per
request, counters per endpoint, listeners - and never a secret."""

import base64
import logging
import re

import fixtures

from scaleio_client import exceptions
from tests.functional.client import base
from tests.support import common

SYSTEMS_PATH = '/api/types/System/instances'
LINE_RE = re.compile(r'^(GET|POST) (\S+) -> (\d{3}|None) in \d+\.\d ms$')


class TestRequestLog(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='scaleio_client', level=logging.DEBUG,
            format='%(message)s'))

    def request_lines(self):
        return [LINE_RE.match(line).groups()
                for line in self.log.output.splitlines()
                if LINE_RE.match(line)]

    def test_one_debug_line_per_request(self):
        self.client.system()
        volume_id = self.create_volume('logged')
        self.client.volume(volume_id)
        lines = self.request_lines()
        self.assertEqual(self.client.stats.total, len(lines))
        self.assertEqual(sum(self.sim.log.counters().values()), len(lines))
        self.assertEqual(('GET', '/login', '200'), lines[0])
        self.assertEqual(('GET', '/types/System/instances', '200'), lines[1])
        self.assertIn(('POST', '/types/Volume/instances', '200'), lines)
        self.assertIn(('GET', '/instances/Volume::%s' % volume_id, '200'),
                      lines)

    def test_a_line_names_the_status_of_a_refusal(self):
        self.assertRaises(exceptions.NotFound, self.client.volume,
                          '0123456789abcdef')
        self.assertIn(('GET', '/instances/Volume::0123456789abcdef', '500'),
                      self.request_lines())

    def test_a_request_without_an_answer_is_logged_without_status(self):
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH,
                             'count': 1})
        self.client.system()
        self.assertEqual([('GET', '/types/System/instances', 'None'),
                          ('GET', '/types/System/instances', '200')],
                         [line for line in self.request_lines()
                          if line[1] == '/types/System/instances'])

    def test_a_retry_is_logged_as_a_warning(self):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503, 'count': 1})
        self.client.system()
        self.assertIn('Retrying GET /types/System/instances',
                      self.log.output)


class TestNoSecretsInLogs(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        # Everything, from every logger (urllib3 included), at DEBUG.
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.tokens = set()

    def note_tokens(self):
        self.tokens |= self.sim_tokens()

    def test_no_password_or_token_in_any_log_line(self):
        self.client.system()
        self.note_tokens()
        volume_id = self.create_volume('secretive')
        self.sim.tokens.revoke()
        self.client.volume(volume_id)
        self.note_tokens()
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH,
                             'count': 1})
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 401, 'count': 2})
        self.assertRaises(exceptions.AuthenticationError, self.client.system)
        self.note_tokens()
        self.assertRaises(exceptions.NotFound, self.client.volume,
                          '0123456789abcdef')
        self.assertRaises(exceptions.AuthenticationError,
                          self.make_client(password='Other-Pa55').system)
        self.client.close()

        self.assertGreaterEqual(len(self.tokens), 3)
        output = self.log.output
        self.assertIn('GET /login -> 200', output)
        secrets = {common.PASSWORD, 'Other-Pa55'} | self.tokens
        for secret in secrets:
            self.assertNotIn(secret, output)
            # Nor as the Basic authorization header would carry it.
            self.assertNotIn(base64.b64encode(
                ('%s:%s' % (common.USERNAME, secret)).encode()).decode(),
                output)

    def test_no_token_in_the_errors_of_a_refused_token(self):
        self.client.system()
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 401, 'count': 2})
        error = self.assertRaises(exceptions.AuthenticationError,
                                  self.client.system)
        tokens = self.sim_tokens()
        self.assertTrue(tokens)
        for token in tokens:
            self.assertNotIn(token, str(error))
            self.assertNotIn(token, repr(error))
            self.assertNotIn(token, repr(vars(error)))
        self.assertNotIn(common.PASSWORD, repr(vars(error)))


class TestCounters(base.ClientTestCase):

    def test_snapshot_counts_requests_per_endpoint(self):
        volume_id = self.create_volume('counted')
        self.client.volume(volume_id)
        self.client.volume(volume_id)
        self.client.volume_id_by_name('counted')
        snapshot = self.client.stats.snapshot()
        self.assertEqual({
            'GET /login': 1,
            'GET /types/Domain/instances/getByName::{name}': 1,
            'GET /types/Pool/instances/getByName::{name}': 1,
            'POST /types/Volume/instances': 1,
            'GET /instances/Volume::{id}': 2,
            'GET /types/Volume/instances/getByName::{name}': 1,
        }, snapshot['endpoints'])
        self.assertEqual(7, snapshot['total'])
        self.assertEqual(1, snapshot['logins'])
        self.assertEqual(0, snapshot['retries'])
        self.assertEqual(7, sum(self.sim.log.counters().values()))

    def test_snapshot_counts_retries_and_logins(self):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503, 'count': 2})
        self.client.system()
        self.sim.tokens.revoke()
        self.client.system()
        snapshot = self.client.stats.snapshot()
        self.assertEqual(2, snapshot['retries'])
        self.assertEqual(2, snapshot['logins'])
        self.assertEqual(5, snapshot['endpoints']['GET /types/System/'
                                                  'instances'])

    def test_a_snapshot_is_a_copy(self):
        self.client.system()
        snapshot = self.client.stats.snapshot()
        self.client.system()
        self.assertEqual(2, snapshot['total'])
        self.assertEqual(3, self.client.stats.total)

    def test_reset_starts_the_counts_again(self):
        self.client.system()
        self.client.stats.reset()
        self.client.system()
        self.assertEqual({'total': 1, 'logins': 0, 'retries': 0,
                          'endpoints': {'GET /types/System/instances': 1}},
                         self.client.stats.snapshot())

    def test_listeners_see_every_request(self):
        seen = []
        self.client.stats.listeners.append(
            lambda *args: seen.append(args))
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH,
                             'count': 1})
        self.client.system()
        self.assertRaises(exceptions.NotFound, self.client.volume,
                          '0123456789abcdef')
        self.assertEqual(
            [('GET', '/login', 200),
             ('GET', '/types/System/instances', None),
             ('GET', '/types/System/instances', 200),
             ('GET', '/instances/Volume::0123456789abcdef', 500)],
            [args[:3] for args in seen])
        for args in seen:
            self.assertIsInstance(args[3], float)
            self.assertGreaterEqual(args[3], 0)

    def test_a_listener_sees_the_time_the_gateway_took(self):
        seen = []
        self.client.stats.listeners.append(
            lambda *args: seen.append(args))
        self.sim.faults.add({'action': 'delay', 'path': SYSTEMS_PATH,
                             'seconds': 0.2, 'count': 1})
        self.client.system()
        self.assertGreaterEqual(seen[-1][3], 200)
