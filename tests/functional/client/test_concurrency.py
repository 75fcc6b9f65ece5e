"""One client shared by many threads: every call answered, one login, and
one login again when the gateway forgets the token under load."""

import threading
import time

from scaleio_client import sizes
from tests.functional.client import base

SYSTEMS = 'GET /api/types/System/instances'
SYSTEMS_PATH = '/api/types/System/instances'


def run_threads(count, work):
    """Run ``work(index)`` in ``count`` threads; return results, errors."""
    results, errors = [None] * count, []

    def run(index):
        try:
            results[index] = work(index)
        except Exception as e:      # reported by the test, not lost
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


class TestSharedClient(base.ClientTestCase):
    simulator_options = {'threads': 32}

    def test_50_threads_share_one_client(self):
        pool_id = self.pool_id()
        start = threading.Barrier(50)

        def work(index):
            name = 'shared-%02d' % index
            start.wait(30)
            volume_id = self.client.create_volume(name, pool_id,
                                                  8 * sizes.KIB_PER_GIB)
            volume = self.client.volume(volume_id)
            self.client.rename_volume(volume_id, name + '-r')
            self.client.extend_volume(volume_id, 16)
            return volume_id, volume.name
        results, errors = run_threads(50, work)
        self.assertEqual([], errors)
        self.assertEqual(['shared-%02d' % i for i in range(50)],
                         [name for _, name in results])
        volumes = {v.id: v for v in self.client.pool_volumes(pool_id)}
        for index, (volume_id, _) in enumerate(results):
            self.assertEqual('shared-%02d-r' % index, volumes[volume_id].name)
            self.assertEqual(16, volumes[volume_id].size_gib)
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual(0, self.client.stats.retries)
        # Both ends counted the same requests.
        self.assertEqual(sum(self.sim.log.counters().values()),
                         self.client.stats.total)

    def test_the_first_calls_of_many_threads_log_in_once(self):
        start = threading.Barrier(20)

        def work(index):
            start.wait(30)
            return self.client.system()['id']
        results, errors = run_threads(20, work)
        self.assertEqual([], errors)
        self.assertEqual({self.sim.mdm.system_id}, set(results))
        self.assertEqual(1, self.sim.tokens.logins)
        self.assertEqual(1, self.client.stats.logins)

    def test_a_revocation_under_load_causes_one_login(self):
        self.client.system()
        warmed = threading.Barrier(21)

        def work(index):
            warmed.wait(30)
            return [self.client.system()['id'] for _ in range(5)]
        # Hold the threads' next requests at the gateway while it forgets
        # every token: all twenty come back 401 at about the same time.
        self.sim.faults.add({'action': 'delay', 'path': SYSTEMS_PATH,
                             'seconds': 0.3, 'count': 20})
        thread_results = []
        runner = threading.Thread(target=lambda: thread_results.append(
            run_threads(20, work)))
        runner.start()
        warmed.wait(30)
        self.sim.tokens.revoke()
        runner.join(60)
        results, errors = thread_results[0]
        self.assertEqual([], errors)
        self.assertEqual([[self.sim.mdm.system_id] * 5] * 20, results)
        statuses = self.sim_statuses(SYSTEMS)
        self.assertGreater(statuses.count(401), 1, 'no concurrent 401s')
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertEqual(2, self.client.stats.logins)

    def test_proactive_renewal_under_load_causes_one_login(self):
        gateway = self.make_client(token_idle_timeout=0.2)
        gateway.system()
        start = threading.Barrier(20)
        # Let the token go idle past the client's limit, then use it from
        # twenty threads at once.
        time.sleep(0.3)

        def work(index):
            start.wait(30)
            return gateway.system()['id']
        results, errors = run_threads(20, work)
        self.assertEqual([], errors)
        self.assertEqual(2, self.sim.tokens.logins)
        self.assertNotIn(401, self.sim_statuses(SYSTEMS))
