"""Fault rules, the injector that picks them, and the request log."""

import ddt

from scaleio_sim import faults
from tests import base

VOLUME_ID = '0123456789abcdef'


def rule(**spec):
    spec.setdefault('action', 'error')
    return faults.Rule(1, spec)


@ddt.ddt
class TestRuleValidation(base.TestCase):

    # (label, the field the error must name, the rule)
    @ddt.named_data(
        ('no_action', 'action', {}),
        ('action_none', 'action', {'action': None}),
        ('action_unknown', 'action', {'action': 'explode'}),
        ('method_not_a_string', 'method', {'action': 'error', 'method': 42}),
        ('path_none', 'path', {'action': 'error', 'path': None}),
        ('path_a_list', 'path', {'action': 'error', 'path': ['/api/*']}),
        ('phase_unknown', 'phase', {'action': 'error', 'phase': 'during'}),
        ('count_zero', 'count', {'action': 'error', 'count': 0}),
        ('count_negative', 'count', {'action': 'error', 'count': -2}),
        ('count_fraction', 'count', {'action': 'error', 'count': 1.5}),
        ('count_a_string', 'count', {'action': 'error', 'count': 'twice'}),
        ('count_a_boolean', 'count', {'action': 'error', 'count': True}),
        ('probability_zero', 'probability',
         {'action': 'error', 'probability': 0}),
        ('probability_above_one', 'probability',
         {'action': 'error', 'probability': 1.01}),
        ('probability_a_string', 'probability',
         {'action': 'error', 'probability': '0.5'}),
        ('status_too_low', 'status', {'action': 'error', 'status': 99}),
        ('status_too_high', 'status', {'action': 'error', 'status': 600}),
        ('status_a_string', 'status', {'action': 'error', 'status': '500'}),
        ('seconds_negative', 'seconds', {'action': 'delay', 'seconds': -1}),
        ('seconds_a_string', 'seconds', {'action': 'delay', 'seconds': '1'}),
        ('unknown_key', 'colour', {'action': 'error', 'colour': 'red'}),
        ('a_list', 'mapping', ['action', 'error']),
        ('none', 'mapping', None),
    )
    def test_bad_rule_is_refused_naming_the_field(self, field, spec):
        e = self.assertRaises(faults.FaultError, faults.Rule, 1, spec)
        self.assertIn(field, str(e))

    def test_fault_error_is_a_value_error(self):
        self.assertTrue(issubclass(faults.FaultError, ValueError))

    def test_defaults(self):
        self.assertEqual(
            {'id': 1, 'action': 'error', 'method': None, 'path': '*',
             'phase': 'before', 'count': None, 'probability': 1.0,
             'status': 503, 'body': None, 'seconds': 0.0, 'fired': 0},
            rule().describe())

    def test_hang_lasts_an_hour_unless_told_otherwise(self):
        self.assertEqual(3600.0, rule(action='hang').seconds)
        self.assertEqual(0.5, rule(action='hang', seconds=0.5).seconds)

    @ddt.data(*faults.ACTIONS)
    def test_every_action_is_accepted(self, action):
        self.assertEqual(action, rule(action=action).action)


@ddt.ddt
class TestRuleMatching(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ({}, 'GET', '/api/version', 'before', True),
        ({}, 'POST', '/api/types/Volume/instances', 'before', True),
        ({}, 'GET', '/api/version', 'after', False),
        ({'phase': 'after'}, 'GET', '/api/version', 'after', True),
        ({'phase': 'after'}, 'GET', '/api/version', 'before', False),
        ({'method': 'post'}, 'POST', '/api/version', 'before', True),
        ({'method': 'POST'}, 'GET', '/api/version', 'before', False),
        ({'path': '/api/version'}, 'GET', '/api/version', 'before', True),
        ({'path': '/api/version'}, 'GET', '/api/versions', 'before', False),
        ({'path': '/api/types/Volume/instances'}, 'GET',
         '/api/types/Volume/instances/getByName::v', 'before', False),
        ({'path': '/api/instances/Volume::*'}, 'POST',
         '/api/instances/Volume::%s/action/removeVolume' % VOLUME_ID,
         'before', True),
        ({'path': '*/action/removeVolume'}, 'POST',
         '/api/instances/Volume::%s/action/removeVolume' % VOLUME_ID,
         'before', True),
        ({'path': '*/action/removeVolume'}, 'POST',
         '/api/instances/Volume::%s/action/setVolumeName' % VOLUME_ID,
         'before', False),
        ({'path': '/api/instances/Volume::' + '?' * 16}, 'GET',
         '/api/instances/Volume::%s' % VOLUME_ID, 'before', True),
        ({'path': '/api/instances/Volume::' + '?' * 16}, 'GET',
         '/api/instances/Volume::0123', 'before', False),
    )
    def test_matches(self, spec, method, path, phase, expected):
        self.assertEqual(expected, rule(**spec).matches(method, path, phase))


class TestFaultInjector(base.TestCase):

    def setUp(self):
        super().setUp()
        self.injector = faults.FaultInjector(seed=7)

    def take(self, method='GET', path='/api/version', phase='before'):
        return self.injector.take(method, path, phase)

    def test_nothing_fires_without_rules(self):
        self.assertIsNone(self.take())

    def test_rules_get_increasing_ids(self):
        first = self.injector.add({'action': 'reset'})
        second = self.injector.add({'action': 'reset'})
        self.assertLess(first.id, second.id)

    def test_first_matching_rule_in_order_wins(self):
        version = self.injector.add({'action': 'error',
                                     'path': '/api/version'})
        anything = self.injector.add({'action': 'reset'})
        self.assertIs(version, self.take())
        self.assertIs(anything, self.take(path='/api/login'))

    def test_rule_with_a_count_fires_that_often_then_goes(self):
        twice = self.injector.add({'action': 'error', 'count': 2})
        self.assertEqual([twice, twice, None],
                         [self.take() for _ in range(3)])
        self.assertEqual(2, twice.fired)
        self.assertEqual([], self.injector.describe())

    def test_requests_a_rule_does_not_match_leave_its_count(self):
        once = self.injector.add({'action': 'error', 'count': 1,
                                  'path': '/api/version'})
        self.assertIsNone(self.take(path='/api/login'))
        self.assertIsNone(self.take(phase='after'))
        self.assertIs(once, self.take())
        self.assertIsNone(self.take())

    def test_rule_without_a_count_fires_forever(self):
        always = self.injector.add({'action': 'error'})
        for _ in range(100):
            self.assertIs(always, self.take())
        self.assertEqual(100, always.fired)

    def test_seeded_probability_fires_for_about_that_share(self):
        sometimes = self.injector.add({'action': 'error',
                                       'probability': 0.3})
        hits = sum(self.take() is not None for _ in range(1000))
        # 300 expected; 240..360 is four standard deviations.
        self.assertTrue(240 <= hits <= 360, hits)
        self.assertEqual(hits, sometimes.fired)

    def pattern(self, seed):
        injector = faults.FaultInjector(seed=seed)
        injector.add({'action': 'error', 'probability': 0.5})
        return [injector.take('GET', '/api/version', 'before') is not None
                for _ in range(100)]

    def test_the_same_seed_gives_the_same_pattern(self):
        self.assertEqual(self.pattern(11), self.pattern(11))

    def test_another_seed_gives_another_pattern(self):
        self.assertNotEqual(self.pattern(11), self.pattern(12))

    def test_a_miss_does_not_use_up_the_count(self):
        self.injector.add({'action': 'error', 'probability': 0.5,
                           'count': 3})
        hits = sum(self.take() is not None for _ in range(200))
        self.assertEqual(3, hits)
        self.assertEqual([], self.injector.describe())

    def test_a_miss_lets_the_next_rule_fire(self):
        self.injector.add({'action': 'error', 'probability': 0.5})
        fallback = self.injector.add({'action': 'reset'})
        taken = [self.take() for _ in range(100)]
        self.assertIn(fallback, taken)
        self.assertNotIn(None, taken)

    def test_remove_one_rule(self):
        doomed = self.injector.add({'action': 'error'})
        kept = self.injector.add({'action': 'reset'})
        self.assertTrue(self.injector.remove(doomed.id))
        self.assertFalse(self.injector.remove(doomed.id))
        self.assertEqual([kept.id], [r['id'] for r in
                                     self.injector.describe()])

    def test_clear_removes_every_rule(self):
        self.injector.add({'action': 'error'})
        self.injector.add({'action': 'reset'})
        self.injector.clear()
        self.assertEqual([], self.injector.describe())
        self.assertIsNone(self.take())

    def test_a_bad_rule_is_not_added(self):
        self.assertRaises(faults.FaultError, self.injector.add,
                          {'action': 'error', 'count': 0})
        self.assertEqual([], self.injector.describe())


@ddt.ddt
class TestEndpointKey(base.TestCase):

    @ddt.unpack
    @ddt.data(
        ('GET', '/api/version', 'GET /api/version'),
        ('GET', '/api/types/Volume/instances',
         'GET /api/types/Volume/instances'),
        ('GET', '/api/instances/Volume::' + VOLUME_ID,
         'GET /api/instances/Volume::{id}'),
        ('GET', '/api/instances/StoragePool::0123456789ABCDEF/'
                'relationships/Statistics',
         'GET /api/instances/StoragePool::{id}/relationships/Statistics'),
        ('POST', '/api/instances/Volume::%s/action/removeVolume' % VOLUME_ID,
         'POST /api/instances/Volume::{id}/action/removeVolume'),
        ('POST', '/api/instances/System::5c1a0de4a7e10001/action/'
                 'snapshotVolumes',
         'POST /api/instances/System::{id}/action/snapshotVolumes'),
        ('GET', '/api/types/Volume/instances/getByName::vol-1',
         'GET /api/types/Volume/instances/getByName::{name}'),
        # A name that looks like an id is still a name.
        ('GET', '/api/types/Volume/instances/getByName::' + VOLUME_ID,
         'GET /api/types/Volume/instances/getByName::{name}'),
        ('GET', '/api/types/Pool/instances/getByName::%s,sp1' % VOLUME_ID,
         'GET /api/types/Pool/instances/getByName::{name}'),
        ('GET', '/api/types/Sdc/instances/getByIp::192.0.2.11',
         'GET /api/types/Sdc/instances/getByIp::{name}'),
        # Not an id: too short.
        ('GET', '/api/instances/Volume::0123',
         'GET /api/instances/Volume::0123'),
    )
    def test_endpoint_key(self, method, path, expected):
        self.assertEqual(expected, faults.endpoint_key(method, path))


class TestRequestLog(base.TestCase):

    def setUp(self):
        super().setUp()
        self.log = faults.RequestLog()

    def test_counters_count_per_endpoint(self):
        for volume_id in ('0123456789abcdef', 'fedcba9876543210'):
            self.log.record('POST', '/api/instances/Volume::%s/action/'
                            'removeVolume' % volume_id, 200, 0.001)
        self.log.record('GET', '/api/version', 401, 0.001)
        self.assertEqual(
            {'POST /api/instances/Volume::{id}/action/removeVolume': 2,
             'GET /api/version': 1}, self.log.counters())

    def test_entry_has_status_ms_and_fault(self):
        self.log.record('GET', '/api/version', 200, 0.0123456)
        self.log.record('GET', '/api/version', None, 0.5, fault='reset')
        plain, faulted = self.log.recent()
        self.assertEqual(
            ('GET', '/api/version', 'GET /api/version', 200, 12.346),
            (plain['method'], plain['path'], plain['endpoint'],
             plain['status'], plain['ms']))
        self.assertNotIn('fault', plain)
        self.assertEqual((None, 500.0, 'reset'),
                         (faulted['status'], faulted['ms'],
                          faulted['fault']))

    def test_recent_gives_the_last_n_oldest_first(self):
        for status in (200, 401, 500, 503):
            self.log.record('GET', '/api/version', status, 0)
        self.assertEqual([500, 503],
                         [e['status'] for e in self.log.recent(2)])
        self.assertEqual(4, len(self.log.recent()))

    def test_log_keeps_only_the_newest_entries_but_counts_all(self):
        log = faults.RequestLog(keep=3)
        for status in range(200, 205):
            log.record('GET', '/api/version', status, 0)
        self.assertEqual([202, 203, 204],
                         [e['status'] for e in log.recent()])
        self.assertEqual({'GET /api/version': 5}, log.counters())

    def test_reset_clears_counters_and_entries(self):
        self.log.record('GET', '/api/version', 200, 0)
        self.log.reset()
        self.assertEqual({}, self.log.counters())
        self.assertEqual([], self.log.recent())

    def test_counters_are_a_copy(self):
        self.log.record('GET', '/api/version', 200, 0)
        self.log.counters().clear()
        self.assertEqual({'GET /api/version': 1}, self.log.counters())
