"""Retries: what is tried again after a failure on the wire, how often, how
long apart, and what never is."""

import socket
import time

import ddt
import requests

from scaleio_client import client as client_mod
from scaleio_client import exceptions
from scaleio_client import sizes
from scaleio_client import transport as transport_mod
from tests.functional.client import base

SYSTEMS = 'GET /api/types/System/instances'
SYSTEMS_PATH = '/api/types/System/instances'
CREATE = 'POST /api/types/Volume/instances'
CREATE_PATH = '/api/types/Volume/instances'
BY_NAME = 'GET /api/types/Volume/instances/getByName::{name}'
# The client's endpoint keys, without the /api prefix.
SYSTEMS_ENDPOINT = 'GET /types/System/instances'
CREATE_ENDPOINT = 'POST /types/Volume/instances'


def free_port():
    """A loopback port nothing listens on (for a gateway that is down)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@ddt.ddt
class TestIdempotentCalls(base.ClientTestCase):

    @ddt.data(500, 502, 503, 504)
    def test_a_burst_of_5xx_without_error_code_is_retried(self, status):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': status, 'count': 3})
        self.assertEqual(self.sim.mdm.system_id, self.client.system()['id'])
        self.assertEqual([status] * 3 + [200], self.sim_statuses(SYSTEMS))
        self.assertEqual(3, self.client.stats.retries)

    def test_a_5xx_with_a_non_json_body_is_retried(self):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 502, 'count': 2,
                             'body': '<html>Bad Gateway</html>'})
        self.client.system()
        self.assertEqual([502, 502, 200], self.sim_statuses(SYSTEMS))

    def test_5xx_longer_than_the_retries_raises_transport_error(self):
        gateway = self.make_client(retries=2)
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503})
        error = self.assertRaises(exceptions.TransportError, gateway.system)
        self.assertEqual(503, error.status)
        self.assertEqual('GET', error.method)
        self.assertEqual('/types/System/instances', error.path)
        self.assertEqual(3, self.sim_count(SYSTEMS))
        self.assertEqual(2, gateway.stats.retries)

    def test_no_retries_means_one_attempt(self):
        gateway = self.make_client(retries=0)
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503, 'count': 1})
        self.assertRaises(exceptions.TransportError, gateway.system)
        self.assertEqual(1, self.sim_count(SYSTEMS))

    def test_connection_resets_are_retried(self):
        self.client.system()
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH,
                             'count': 2})
        self.client.system()
        self.assertEqual(4, self.sim_count(SYSTEMS))
        self.assertEqual(2, self.client.stats.retries)

    def test_resets_longer_than_the_retries_raise_transport_error(self):
        gateway = self.make_client(retries=1)
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH})
        error = self.assertRaises(exceptions.TransportError, gateway.system)
        self.assertIsNone(error.status)
        self.assertEqual(2, self.sim_count(SYSTEMS))

    def test_a_gateway_that_does_not_answer_times_out_then_succeeds(self):
        gateway = self.make_client(read_timeout=0.5)
        self.sim.faults.add({'action': 'hang', 'path': SYSTEMS_PATH,
                             'seconds': 2, 'count': 1})
        started = time.monotonic()
        self.assertEqual(self.sim.mdm.system_id, gateway.system()['id'])
        self.assertLess(time.monotonic() - started, 1.5)
        # The simulator counts a hung request only when it ends: count here.
        self.assertEqual(2, gateway.stats.by_endpoint[SYSTEMS_ENDPOINT])
        self.assertEqual(1, gateway.stats.retries)

    def test_a_gateway_that_never_answers_raises_gateway_timeout(self):
        gateway = self.make_client(read_timeout=0.3, retries=1)
        self.sim.faults.add({'action': 'hang', 'path': SYSTEMS_PATH,
                             'seconds': 2})
        started = time.monotonic()
        error = self.assertRaises(exceptions.GatewayTimeout, gateway.system)
        self.assertLess(time.monotonic() - started, 1.5)
        self.assertIsInstance(error, exceptions.TransportError)
        self.assertEqual(2, gateway.stats.by_endpoint[SYSTEMS_ENDPOINT])

    def test_a_slow_answer_within_the_read_timeout_is_not_retried(self):
        gateway = self.make_client(read_timeout=2.0)
        self.sim.faults.add({'action': 'delay', 'path': SYSTEMS_PATH,
                             'seconds': 0.3, 'count': 1})
        gateway.system()
        self.assertEqual(1, self.sim_count(SYSTEMS))
        self.assertEqual(0, gateway.stats.retries)

    def test_a_gateway_down_for_a_while_is_waited_for(self):
        self.client.system()
        gateway = self.make_client(retries=6,
                                   sleep=lambda seconds: time.sleep(0.15))
        gateway.system()
        # Down for 0.3 s: six retries 0.15 s apart outlast it.
        self.sim.restart(seconds=0.3)
        self.assertEqual(self.sim.mdm.system_id, gateway.system()['id'])
        self.assertGreaterEqual(gateway.stats.retries, 1)

    def test_a_gateway_nobody_listens_on_raises_transport_error(self):
        gateway = self.make_client(url='http://127.0.0.1:%d' % free_port(),
                                   retries=2)
        error = self.assertRaises(exceptions.TransportError, gateway.system)
        self.assertIn('/login', str(error))
        self.assertEqual(2, gateway.stats.retries)


@ddt.ddt
class TestBusinessErrors(base.ClientTestCase):

    @ddt.named_data(
        ('code_0_status_500', 500, 0),
        ('code_3_status_500', 500, 3),
        ('code_9001_status_500', 500, 9001),
        ('code_0_status_400', 400, 0),
        ('code_0_status_503', 503, 0),
    )
    def test_an_answer_with_an_error_code_is_never_retried(self, status,
                                                           code):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': status, 'count': 3, 'body': {
                                 'message': 'Refused', 'errorCode': code,
                                 'httpStatusCode': status}})
        error = self.assertRaises(exceptions.GatewayError,
                                  self.client.system)
        self.assertEqual(code, error.error_code)
        self.assertEqual(1, self.sim_count(SYSTEMS))
        self.assertEqual(0, self.client.stats.retries)

    def test_a_real_not_found_is_asked_once(self):
        self.assertRaises(exceptions.NotFound, self.client.volume,
                          '0123456789abcdef')
        self.assertEqual(1, self.sim_count('GET /api/instances/Volume::{id}'))
        self.assertEqual(0, self.client.stats.retries)


class TestBackoff(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.sleeps = []

    def test_each_retry_sleeps_with_exponential_backoff(self):
        gateway = self.make_client(sleep=self.sleeps.append, retries=4,
                                   retry_backoff=0.5, retry_backoff_max=60)
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503, 'count': 4})
        gateway.system()
        self.assertEqual(4, len(self.sleeps))
        for attempt, seconds in enumerate(self.sleeps):
            self.assertGreaterEqual(seconds, 0)
            self.assertLessEqual(seconds, 0.5 * 2 ** attempt)

    def test_backoff_is_capped(self):
        gateway = self.make_client(sleep=self.sleeps.append, retries=4,
                                   retry_backoff=10, retry_backoff_max=0.2)
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 503, 'count': 4})
        gateway.system()
        self.assertEqual(4, len(self.sleeps))
        for seconds in self.sleeps:
            self.assertLessEqual(seconds, 0.2)

    def test_the_backoff_sleep_is_the_one_given(self):
        # Hours of backoff, yet the call returns at once: no real sleep.
        gateway = self.make_client(sleep=self.sleeps.append, retries=2,
                                   retry_backoff=3600,
                                   retry_backoff_max=7200)
        self.sim.faults.add({'action': 'reset', 'path': SYSTEMS_PATH,
                             'count': 2})
        started = time.monotonic()
        gateway.system()
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(2, len(self.sleeps))

    def test_a_business_error_sleeps_not_at_all(self):
        gateway = self.make_client(sleep=self.sleeps.append)
        self.assertRaises(exceptions.NotFound, gateway.volume,
                          '0123456789abcdef')
        self.assertEqual([], self.sleeps)


class ConnectTimeoutOnce:
    """A session whose first POST times out connecting; the rest is real.

    The simulator cannot produce a connect timeout: on loopback it accepts
    every connection at once (a hang fault is a *read* timeout). So this
    one shape is made by the session handed to the transport.
    """

    def __init__(self, session):
        self.session = session
        self.timed_out = []

    def __getattr__(self, name):
        return getattr(self.session, name)

    def request(self, method, url, **kwargs):
        if method == 'POST' and not self.timed_out:
            self.timed_out.append((method, url))
            raise requests.exceptions.ConnectTimeout(
                'timed out connecting to %s' % url)
        return self.session.request(method, url, **kwargs)


class TestNonIdempotentPosts(base.ClientTestCase):

    def create_body(self, name):
        return {'storagePoolId': self.pool_id(), 'name': name,
                'volumeType': 'ThinProvisioned',
                'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB)}

    def test_a_post_whose_request_was_sent_is_not_sent_again(self):
        body = self.create_body('sent-once')
        self.sim.faults.add({'action': 'reset', 'path': CREATE_PATH,
                             'count': 1})
        self.assertRaises(exceptions.TransportError,
                          self.client.transport.request, 'POST',
                          '/types/Volume/instances', body)
        self.assertEqual(1, self.sim_count(CREATE))
        self.assertEqual(0, self.client.stats.retries)

    def test_a_post_on_a_5xx_is_not_sent_again(self):
        body = self.create_body('sent-once')
        self.sim.faults.add({'action': 'error', 'path': CREATE_PATH,
                             'status': 503, 'count': 1})
        self.assertRaises(exceptions.TransportError,
                          self.client.transport.request, 'POST',
                          '/types/Volume/instances', body)
        self.assertEqual(1, self.sim_count(CREATE))

    def test_a_post_that_never_left_is_retried(self):
        body = self.create_body('login-failed-first')
        gateway = self.make_client()
        # The new client's first login fails on the wire: the POST it was
        # for never left this host, so sending it is safe.
        self.sim.faults.add({'action': 'reset', 'path': '/api/login',
                             'count': 1})
        answer = gateway.transport.request('POST', '/types/Volume/instances',
                                           body)
        self.assertEqual(1, self.sim_count(CREATE))
        self.assertEqual(1, gateway.stats.retries)
        self.assertEqual(answer['id'],
                         self.client.volume_id_by_name('login-failed-first'))

    def test_a_post_whose_connect_timed_out_is_retried(self):
        body = self.create_body('connect-timed-out')
        config = self.make_config()
        session = ConnectTimeoutOnce(transport_mod.make_session(config))
        gateway = client_mod.ScaleIOClient(
            config, transport=transport_mod.Transport(config, session))
        self.addCleanup(gateway.close)
        gateway.system()
        answer = gateway.transport.request('POST', '/types/Volume/instances',
                                           body)
        self.assertEqual(
            [('POST', config.base_url + '/types/Volume/instances')],
            session.timed_out)
        self.assertEqual(1, gateway.stats.retries)
        self.assertEqual(1, self.sim_count(CREATE))
        self.assertEqual(answer['id'],
                         self.client.volume_id_by_name('connect-timed-out'))

    def test_a_post_refused_for_its_token_is_sent_again(self):
        body = self.create_body('after-401')
        self.sim.tokens.revoke()
        answer = self.client.transport.request(
            'POST', '/types/Volume/instances', body)
        # The 401 answer means the gateway did not run the first one.
        self.assertEqual([401, 200], self.sim_statuses(CREATE))
        self.assertEqual([answer['id']],
                         [v.id for v in self.volumes_named('after-401')])

    def test_a_post_marked_idempotent_is_retried(self):
        self.sim.faults.add({'action': 'error', 'status': 503, 'count': 2,
                             'path': '/api/types/Volume/instances/action/'
                                     'queryBySelectedIds'})
        self.assertEqual([], self.client.volumes([]))
        self.assertEqual(
            3, self.sim_count('POST /api/types/Volume/instances/action/'
                              'queryBySelectedIds'))


@ddt.ddt
class TestLostCreate(base.ClientTestCase):
    """A create whose answer is lost leaves exactly one volume."""

    @ddt.named_data(
        ('reset', {'action': 'reset'}),
        ('502', {'action': 'error', 'status': 502}),
        ('hang', {'action': 'hang', 'seconds': 2}),
    )
    def test_a_lost_answer_leaves_exactly_one_volume(self, fault):
        gateway = self.make_client(read_timeout=0.5)
        fault = dict(fault, method='POST', path=CREATE_PATH, phase='after',
                     count=1)
        pool_id = gateway.storage_pool_id('pd1', 'sp1')
        self.sim.faults.add(fault)
        volume_id = gateway.create_volume('lost-answer', pool_id,
                                          8 * sizes.KIB_PER_GIB)
        self.assertEqual([volume_id],
                         [v.id for v in self.volumes_named('lost-answer')])
        # Sent once (a hung request is not in the simulator's count yet).
        self.assertEqual(1, gateway.stats.by_endpoint[CREATE_ENDPOINT])

    def test_a_create_that_never_arrived_is_sent_again(self):
        pool_id = self.pool_id()
        self.sim.faults.add({'action': 'reset', 'method': 'POST',
                             'path': CREATE_PATH, 'count': 1})
        volume_id = self.client.create_volume('never-arrived', pool_id,
                                              8 * sizes.KIB_PER_GIB)
        self.assertEqual([volume_id],
                         [v.id for v in self.volumes_named('never-arrived')])
        self.assertEqual(2, self.sim_count(CREATE))
        # It looked the name up before sending again.
        endpoints = [e['endpoint'] for e in self.sim.log.recent()]
        first = endpoints.index(CREATE)
        self.assertIn(BY_NAME, endpoints[first:endpoints.index(
            CREATE, first + 1)])

    def test_lost_answers_on_every_attempt_still_leave_one_volume(self):
        pool_id = self.pool_id()
        self.sim.faults.add({'action': 'reset', 'method': 'POST',
                             'path': CREATE_PATH, 'phase': 'after'})
        volume_id = self.client.create_volume('always-lost', pool_id,
                                              8 * sizes.KIB_PER_GIB)
        self.assertEqual([volume_id],
                         [v.id for v in self.volumes_named('always-lost')])

    def test_a_lost_snapshot_answer_leaves_one_snapshot(self):
        volume_id = self.create_volume('snap-source')
        self.sim.faults.add({'action': 'reset', 'method': 'POST',
                             'path': '/api/instances/System/action/'
                                     'snapshotVolumes',
                             'phase': 'after', 'count': 1})
        group = self.client.snapshot_volumes([(volume_id, 'snap-lost')])
        self.assertEqual([group.volume_ids[0]],
                         [v.id for v in self.volumes_named('snap-lost')])
        self.assertEqual(
            1, self.sim_count('POST /api/instances/System/action/'
                              'snapshotVolumes'))
