"""Fault injection and request accounting, as a test drives them: rules
added through the control API (``POST /sim/faults``) or from Python
(``sim.faults.add``), and what a gateway client then sees on the wire."""

import time

import ddt
import requests

from scaleio_client import sizes
from tests.functional.sim import base
from tests.support import common

VERSION = '/api/version'
CREATE = '/api/types/Volume/instances'
REMOVE_KEY = 'POST /api/instances/Volume::{id}/action/removeVolume'
TEAPOT = 418        # a status only an injected fault answers with


class FaultTestCase(base.SimulatorTestCase):
    """A simulator whose admin logged in before any fault rule exists."""

    def setUp(self):
        super().setUp()
        self.gw.login()

    def control(self, method, path, body=None, sim=None):
        """A control API call, on a connection of its own."""
        url = (sim or self.sim).url + '/sim' + path
        return requests.request(method, url, json=body, timeout=10)

    def inject(self, via, rule):
        """Add a fault rule through the control API or from Python."""
        if via == 'control':
            r = self.control('POST', '/faults', rule)
            self.assertEqual(200, r.status_code, r.text)
        else:
            self.sim.faults.add(rule)

    def rules(self):
        return self.control('GET', '/faults').json()

    def create_body(self, name):
        return {'storagePoolId': self.gw.pool_id(), 'name': name,
                'volumeType': 'ThinProvisioned',
                'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB)}

    def volumes_named(self, name):
        return [v for v in self.gw.ok_get('/types/Volume/instances')
                if v['name'] == name]


@ddt.ddt
class TestFaultActions(FaultTestCase):

    @ddt.data('control', 'python')
    def test_error_answers_with_the_json_body_given(self, via):
        self.inject(via, {'action': 'error', 'path': VERSION, 'status': 500,
                          'body': {'message': 'MDM is busy',
                                   'httpStatusCode': 500, 'errorCode': 65}})
        r = self.gw.get('/version')
        body = self.assertGatewayError(r, 500, 65)
        self.assertEqual('MDM is busy', body['message'])
        self.assertIn('application/json', r.headers['Content-Type'])

    @ddt.data('control', 'python')
    def test_error_sends_a_string_body_as_is(self, via):
        page = '<html><body>502 Bad Gateway</body></html>'
        self.inject(via, {'action': 'error', 'path': VERSION, 'status': 502,
                          'body': page})
        r = self.gw.get('/version')
        self.assertEqual(502, r.status_code)
        self.assertEqual(page, r.text)
        self.assertRaises(ValueError, r.json)

    @ddt.data('control', 'python')
    def test_error_default_body_is_json_without_an_error_code(self, via):
        self.inject(via, {'action': 'error', 'path': VERSION})
        r = self.gw.get('/version')
        self.assertEqual(503, r.status_code)
        body = r.json()
        self.assertEqual(503, body['httpStatusCode'])
        self.assertIsInstance(body['message'], str)
        self.assertNotIn('errorCode', body)

    @ddt.data('control', 'python')
    def test_reset_drops_the_connection_and_a_new_one_works(self, via):
        self.inject(via, {'action': 'reset', 'path': VERSION, 'count': 1})
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        self.assertEqual('3.5', self.gw.ok_get('/version'))

    @ddt.data('control', 'python')
    def test_delay_holds_the_answer_back(self, via):
        self.inject(via, {'action': 'delay', 'path': VERSION,
                          'seconds': 0.3})
        started = time.monotonic()
        self.assertEqual('3.5', self.gw.ok_get('/version'))
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    @ddt.data('control', 'python')
    def test_hang_times_the_client_out_while_others_are_served(self, via):
        self.inject(via, {'action': 'hang', 'path': VERSION, 'seconds': 2,
                          'count': 1})
        self.assertRaises(requests.ReadTimeout, self.gw.get, '/version',
                          timeout=0.3)
        # The first request still hangs: the simulator answers others.
        other = common.Gateway(self.sim)
        started = time.monotonic()
        self.assertEqual('3.5', other.ok_get('/version'))
        self.assertLess(time.monotonic() - started, 1.0)

    @ddt.data('control', 'python')
    def test_hang_ends_by_dropping_the_connection(self, via):
        self.inject(via, {'action': 'hang', 'path': VERSION,
                          'seconds': 0.3, 'count': 1})
        started = time.monotonic()
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version',
                          timeout=5)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertEqual('3.5', self.gw.ok_get('/version'))

    @ddt.data('control', 'python')
    def test_revoke_forgets_every_token(self, via):
        other = common.Gateway(self.sim)
        other.login()
        self.inject(via, {'action': 'revoke', 'path': VERSION, 'count': 1})
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.assertGatewayError(other.get('/version'), 401, 0)
        self.assertEqual(0, self.control('GET', '/tokens').json()['active'])
        self.gw.login()
        self.assertEqual('3.5', self.gw.ok_get('/version'))

    @ddt.data('control', 'python')
    def test_restart_forgets_tokens_and_keeps_the_state(self, via):
        volume_id = self.gw.create_volume('survivor')
        self.inject(via, {'action': 'restart', 'path': VERSION, 'count': 1})
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.gw.login()
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::survivor'))

    @ddt.data('control', 'python')
    def test_restart_with_downtime_refuses_then_serves_again(self, via):
        self.inject(via, {'action': 'restart', 'path': VERSION, 'count': 1,
                          'seconds': 0.5})
        started = time.monotonic()
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        # Down: even a login is dropped, but the control API still answers.
        self.assertRaises(requests.ConnectionError, self.gw.login)
        self.assertEqual('ok', self.control('GET', '/health').json()['status'])
        time.sleep(max(0, started + 0.6 - time.monotonic()))
        self.gw.login()
        self.assertEqual('3.5', self.gw.ok_get('/version'))


class TestRestartEndpoint(FaultTestCase):

    def test_restart_endpoint_answers_then_the_gateway_restarts(self):
        volume_id = self.gw.create_volume('survivor')
        r = self.control('POST', '/restart', {'seconds': 0.5})
        self.assertEqual((200, {}), (r.status_code, r.json()))
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        time.sleep(0.6)
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.gw.login()
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::survivor'))

    def test_restart_endpoint_refuses_a_negative_downtime(self):
        r = self.control('POST', '/restart', {'seconds': -1})
        self.assertEqual(400, r.status_code)
        self.assertIn('seconds', r.json()['error'])
        self.assertEqual('3.5', self.gw.ok_get('/version'))

    def test_restart_from_python_forgets_tokens_and_keeps_the_state(self):
        volume_id = self.gw.create_volume('survivor')
        self.sim.restart()
        self.assertGatewayError(self.gw.get('/version'), 401, 0)
        self.gw.login()
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::survivor'))


@ddt.ddt
class TestPhases(FaultTestCase):

    @ddt.data('control', 'python')
    def test_lost_answer_to_a_create_leaves_exactly_one_volume(self, via):
        body = self.create_body('lost-answer')
        self.inject(via, {'action': 'reset', 'method': 'POST',
                          'path': CREATE, 'phase': 'after', 'count': 1})
        self.assertRaises(requests.ConnectionError, self.gw.post,
                          '/types/Volume/instances', body)
        found = self.gw.ok_get(
            '/types/Volume/instances/getByName::lost-answer')
        self.assertEqual([found],
                         [v['id'] for v in self.volumes_named('lost-answer')])
        # A client that simply tries again learns the name is taken.
        self.assertGatewayError(self.gw.post('/types/Volume/instances', body),
                                500, 99)

    def test_error_after_a_removal_hides_that_it_happened(self):
        volume_id = self.gw.create_volume('doomed')
        self.inject('control', {'action': 'error', 'phase': 'after',
                                'path': '*/action/removeVolume',
                                'status': 500})
        r = self.gw.action(volume_id, 'removeVolume',
                           {'removeMode': 'ONLY_ME'})
        self.assertEqual(500, r.status_code)
        self.assertGatewayError(self.gw.get('/instances/Volume::%s'
                                            % volume_id), 500, 79)

    def test_error_before_a_create_leaves_nothing_behind(self):
        body = self.create_body('never-made')
        self.inject('control', {'action': 'error', 'method': 'POST',
                                'path': CREATE, 'status': 500})
        self.assertEqual(500, self.gw.post('/types/Volume/instances',
                                           body).status_code)
        self.assertEqual([], self.volumes_named('never-made'))

    def test_revoke_after_answers_then_later_calls_get_401(self):
        self.inject('control', {'action': 'revoke', 'path': VERSION,
                                'phase': 'after', 'count': 1})
        self.assertEqual('3.5', self.gw.ok_get('/version'))
        self.assertGatewayError(self.gw.get('/version'), 401, 0)


@ddt.ddt
class TestScope(FaultTestCase):
    """Which of a fixed set of requests a rule's method and path hit."""

    def probes(self, volume_id):
        return {
            'version': ('GET', '/version', None),
            'list': ('GET', '/types/Volume/instances', None),
            'get': ('GET', '/instances/Volume::%s' % volume_id, None),
            'query_id': ('POST', '/types/Volume/instances/action/'
                                 'queryIdByKey', {'name': 'probe'}),
            'select': ('POST', '/types/Volume/instances/action/'
                               'queryBySelectedIds', {'ids': [volume_id]}),
        }

    @ddt.named_data(
        ('get', {'method': 'GET'}, {'version', 'list', 'get'}),
        ('post_in_lower_case', {'method': 'post'}, {'query_id', 'select'}),
        ('one_path', {'path': VERSION}, {'version'}),
        # A glob must match the whole path, not a prefix of it...
        ('whole_path', {'path': '/api/types/Volume/instances'}, {'list'}),
        # ...and its * also crosses /.
        ('star_crosses_slash', {'path': '/api/types/Volume/*'},
         {'list', 'query_id', 'select'}),
        ('object_glob', {'path': '/api/instances/Volume::*'}, {'get'}),
        ('method_and_path', {'method': 'POST', 'path': '*/queryIdByKey'},
         {'query_id'}),
        ('method_rules_out_path', {'method': 'GET',
                                   'path': '*/queryIdByKey'}, set()),
    )
    def test_rule_hits_only_its_method_and_path(self, scope, hits):
        volume_id = self.gw.create_volume('probe')
        rule = dict(scope, action='error', status=TEAPOT)
        self.inject('control', rule)
        seen = set()
        for name, (method, path, body) in self.probes(volume_id).items():
            r = self.gw.request(method, path, body)
            if r.status_code == TEAPOT:
                seen.add(name)
            else:
                self.assertEqual(200, r.status_code, r.text)
        self.assertEqual(hits, seen)


class TestCount(FaultTestCase):

    def test_count_fires_exactly_n_times_then_the_rule_disappears(self):
        self.inject('control', {'action': 'error', 'path': VERSION,
                                'status': TEAPOT, 'count': 3})
        self.assertEqual(TEAPOT, self.gw.get('/version').status_code)
        rule, = self.rules()
        self.assertEqual((2, 1), (rule['count'], rule['fired']))
        statuses = [self.gw.get('/version').status_code for _ in range(4)]
        self.assertEqual([TEAPOT, TEAPOT, 200, 200], statuses)
        self.assertEqual([], self.rules())

    def test_requests_the_rule_does_not_match_leave_its_count(self):
        self.inject('python', {'action': 'error', 'path': VERSION,
                               'status': TEAPOT, 'count': 1})
        self.assertEqual(200, self.gw.get('/types/System/instances')
                         .status_code)
        self.assertEqual(TEAPOT, self.gw.get('/version').status_code)
        self.assertEqual(200, self.gw.get('/version').status_code)


class TestProbability(FaultTestCase):
    simulator_options = {'fault_seed': 1234}
    share = 0.25

    def pattern(self, sim, gw):
        """Which of 200 requests a seeded rule hits."""
        r = self.control('POST', '/faults', {
            'action': 'error', 'path': VERSION, 'status': TEAPOT,
            'probability': self.share}, sim=sim)
        self.assertEqual(200, r.status_code, r.text)
        return [gw.get('/version').status_code == TEAPOT
                for _ in range(200)]

    def other_simulator(self, seed):
        sim = self.useFixture(common.SimulatorFixture(fault_seed=seed)).sim
        gw = common.Gateway(sim)
        gw.login()
        return sim, gw

    def test_rule_fires_for_about_its_share_of_requests(self):
        hits = sum(self.pattern(self.sim, self.gw))
        # 50 expected; 30..70 is more than three standard deviations.
        self.assertTrue(30 <= hits <= 70, hits)
        self.assertEqual(hits, self.rules()[0]['fired'])

    def test_the_same_seed_gives_the_same_faults(self):
        first = self.pattern(self.sim, self.gw)
        second = self.pattern(*self.other_simulator(1234))
        self.assertEqual(first, second)

    def test_another_seed_gives_other_faults(self):
        first = self.pattern(self.sim, self.gw)
        second = self.pattern(*self.other_simulator(4321))
        self.assertNotEqual(first, second)


@ddt.ddt
class TestRuleManagement(FaultTestCase):

    def test_added_rules_are_listed_with_their_settings(self):
        first = self.control('POST', '/faults', {
            'action': 'delay', 'method': 'get', 'path': VERSION,
            'seconds': 0.1}).json()
        second = self.control('POST', '/faults', {
            'action': 'error', 'phase': 'after', 'count': 2,
            'probability': 0.5, 'status': 500,
            'body': {'message': 'x'}}).json()
        self.assertEqual([first, second], self.rules())
        self.assertLess(first['id'], second['id'])
        self.assertEqual(
            {'action': 'delay', 'method': 'GET', 'path': VERSION,
             'phase': 'before', 'count': None, 'probability': 1.0,
             'seconds': 0.1, 'fired': 0},
            {k: first[k] for k in ('action', 'method', 'path', 'phase',
                                   'count', 'probability', 'seconds',
                                   'fired')})
        self.assertEqual(
            {'action': 'error', 'method': None, 'path': '*',
             'phase': 'after', 'count': 2, 'probability': 0.5,
             'status': 500, 'body': {'message': 'x'}},
            {k: second[k] for k in ('action', 'method', 'path', 'phase',
                                    'count', 'probability', 'status',
                                    'body')})

    def test_rules_added_from_python_are_listed_too(self):
        rule = self.sim.faults.add({'action': 'reset', 'path': VERSION})
        self.assertEqual([rule.id], [r['id'] for r in self.rules()])
        self.assertTrue(self.sim.faults.remove(rule.id))
        self.assertEqual([], self.rules())

    def test_a_deleted_rule_no_longer_fires(self):
        doomed = self.control('POST', '/faults', {
            'action': 'error', 'path': VERSION, 'status': TEAPOT}).json()
        kept = self.control('POST', '/faults', {
            'action': 'error', 'path': '/api/types/*',
            'status': TEAPOT}).json()
        r = self.control('DELETE', '/faults/%d' % doomed['id'])
        self.assertEqual((200, {}), (r.status_code, r.json()))
        self.assertEqual([kept], self.rules())
        self.assertEqual('3.5', self.gw.ok_get('/version'))
        self.assertEqual(TEAPOT, self.gw.get('/types/System/instances')
                         .status_code)

    def test_deleting_an_unknown_rule_is_404(self):
        r = self.control('DELETE', '/faults/999')
        self.assertEqual(404, r.status_code)
        self.assertIn('999', r.json()['error'])

    def test_deleting_all_rules_stops_every_fault(self):
        for path in (VERSION, '/api/types/*'):
            self.inject('control', {'action': 'error', 'path': path})
        r = self.control('DELETE', '/faults')
        self.assertEqual(200, r.status_code)
        self.assertEqual([], self.rules())
        self.assertEqual('3.5', self.gw.ok_get('/version'))

    # (label, the field the error must name, the rule)
    @ddt.named_data(
        ('no_action', 'action', {}),
        ('action_unknown', 'action', {'action': 'explode'}),
        ('method_not_a_string', 'method', {'action': 'error', 'method': 42}),
        ('path_a_list', 'path', {'action': 'error', 'path': ['/api/*']}),
        ('phase_unknown', 'phase', {'action': 'error', 'phase': 'during'}),
        ('count_zero', 'count', {'action': 'error', 'count': 0}),
        ('probability_above_one', 'probability',
         {'action': 'error', 'probability': 1.5}),
        ('status_too_high', 'status', {'action': 'error', 'status': 700}),
        ('seconds_negative', 'seconds', {'action': 'delay', 'seconds': -1}),
        ('unknown_key', 'colour', {'action': 'error', 'colour': 'red'}),
    )
    def test_bad_rule_is_rejected_with_400_naming_the_field(self, field,
                                                            rule):
        r = self.control('POST', '/faults', rule)
        self.assertEqual(400, r.status_code, r.text)
        self.assertIn(field, r.json()['error'])
        self.assertEqual([], self.rules())

    def test_rule_that_is_not_a_mapping_is_rejected(self):
        r = self.control('POST', '/faults', ['action', 'error'])
        self.assertEqual(400, r.status_code)
        self.assertIn('mapping', r.json()['error'])

    def test_rule_that_is_not_json_is_rejected(self):
        r = requests.post(self.sim.url + '/sim/faults',
                          data='{"action": "error"', timeout=10)
        self.assertEqual(400, r.status_code)
        self.assertIsInstance(r.json()['error'], str)
        self.assertEqual([], self.rules())

    def test_bad_rule_from_python_raises_naming_the_field(self):
        e = self.assertRaises(ValueError, self.sim.faults.add,
                              {'action': 'error', 'phase': 'during'})
        self.assertIn('phase', str(e))
        self.assertEqual([], self.rules())


class TestCounters(FaultTestCase):

    def setUp(self):
        super().setUp()
        self.control('DELETE', '/counters')

    def counters(self):
        return self.control('GET', '/counters').json()

    def test_counters_count_each_endpoint_with_ids_and_names_elided(self):
        for name in ('vol-a', 'vol-b'):
            volume_id = self.gw.create_volume(name)
            self.gw.ok(self.gw.action(volume_id, 'removeVolume',
                                      {'removeMode': 'ONLY_ME'}))
        self.assertEqual({
            'total': 8,
            'endpoints': {
                'GET /api/types/Domain/instances/getByName::{name}': 2,
                'GET /api/types/Pool/instances/getByName::{name}': 2,
                'POST /api/types/Volume/instances': 2,
                REMOVE_KEY: 2,
            }}, self.counters())

    def test_failed_and_faulted_requests_are_counted(self):
        self.inject('control', {'action': 'reset', 'path': VERSION,
                                'count': 1})
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        self.gw.get('/instances/Volume::0123456789abcdef')
        self.assertEqual({'total': 2, 'endpoints': {
            'GET /api/version': 1, 'GET /api/instances/Volume::{id}': 1}},
            self.counters())

    def test_requests_gives_the_last_n_with_status_and_ms(self):
        self.gw.get('/version')
        self.gw.get('/instances/Volume::0123456789abcdef')
        self.gw.get('/version', auth=('admin', 'not-a-token'))
        self.gw.get('/types/Volume/instances')
        entries = self.control('GET', '/requests?limit=3').json()
        self.assertEqual(
            [('GET', '/api/instances/Volume::0123456789abcdef',
              'GET /api/instances/Volume::{id}', 500),
             ('GET', VERSION, 'GET /api/version', 401),
             ('GET', '/api/types/Volume/instances',
              'GET /api/types/Volume/instances', 200)],
            [(e['method'], e['path'], e['endpoint'], e['status'])
             for e in entries])
        for entry in entries:
            self.assertIsInstance(entry['ms'], float)
            self.assertGreaterEqual(entry['ms'], 0)
        self.assertEqual(4, len(self.control('GET', '/requests').json()))

    def test_requests_show_the_fault_and_its_time(self):
        self.inject('control', {'action': 'delay', 'path': VERSION,
                                'seconds': 0.2, 'count': 1})
        self.inject('control', {'action': 'reset', 'path': VERSION,
                                'count': 1})
        self.gw.get('/version')
        self.assertRaises(requests.ConnectionError, self.gw.get, '/version')
        delayed, reset = self.control('GET', '/requests?limit=2').json()
        self.assertEqual(('delay', 200), (delayed['fault'],
                                          delayed['status']))
        self.assertGreaterEqual(delayed['ms'], 200)
        self.assertEqual(('reset', None), (reset['fault'], reset['status']))

    def test_deleting_counters_resets_counters_and_requests(self):
        self.gw.get('/version')
        self.assertEqual(1, self.counters()['total'])
        r = self.control('DELETE', '/counters')
        self.assertEqual(200, r.status_code)
        self.assertEqual({'total': 0, 'endpoints': {}}, self.counters())
        self.assertEqual([], self.control('GET', '/requests').json())

    def test_control_requests_are_not_counted(self):
        rule = self.control('POST', '/faults', {'action': 'error',
                                                'path': '/none'}).json()
        self.control('DELETE', '/faults/%d' % rule['id'])
        for path in ('/health', '/faults', '/tokens', '/sdcs', '/requests',
                     '/counters'):
            self.assertEqual(200, self.control('GET', path).status_code)
        self.assertEqual({'total': 0, 'endpoints': {}}, self.counters())
        self.assertEqual([], self.control('GET', '/requests').json())
