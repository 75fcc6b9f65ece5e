"""Requests per second through ``scaleio_client`` against ``scaleio-sim``,
and how many logins a long run needs (a benchmark, not a test).

The simulator runs as its own process with a 60 s token idle timeout; the
client renews its token before 50 s of idleness. A 10,000-request run
should need one login plus renewals, never one per request.

    python benchmarks/client_throughput.py [--seconds 3] [--threads 1 8]
                                           [--requests 10000]
"""

import argparse
import os
import threading
import time

from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import names
from scaleio_sim import process


def make_client(info):
    return client_mod.ScaleIOClient(config_mod.GatewayConfig.from_url(
        info['url'], 'admin', 'Scaleio123', token_idle_timeout=50,
        pool_size=16))


def rate(threads, seconds, call):
    """Calls per second from ``threads`` threads for ``seconds``."""
    counts = [0] * threads
    failures = []
    stop_at = time.monotonic() + seconds

    def worker(index):
        try:
            while time.monotonic() < stop_at:
                call()
                counts[index] += 1
        except Exception as e:       # report, do not hide, a failure
            failures.append(e)
    pool = [threading.Thread(target=worker, args=(i,))
            for i in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise SystemExit('calls failed: %s' % failures[0])
    return sum(counts) / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--requests', type=int, default=10000)
    args = parser.parse_args()
    with process.SimulatorProcess('--token-idle-timeout', '60') as sim:
        info = sim.info
        gateway = make_client(info)
        pool = gateway.storage_pool_id('pd1', 'sp1')
        volume_id = gateway.create_volume(
            names.id_to_name('00000000-0000-4000-8000-000000000001'), pool,
            8 * 1024 * 1024)
        calls = [
            ('volume(id)        GET one volume',
             lambda: gateway.volume(volume_id)),
            ('pool_capacities   POST statistics query',
             lambda: gateway.pool_capacities([pool])),
            ('rename_volume     POST action',
             lambda: gateway.rename_volume(volume_id, 'bench')),
        ]
        print('scaleio_client throughput against %s (%d CPUs, %.0f s per '
              'figure)' % (info['url'], os.cpu_count(), args.seconds))
        print('%-42s' % 'call' + ''.join(
            '%14s' % ('%d thread%s' % (n, '' if n == 1 else 's'))
            for n in args.threads))
        for title, call in calls:
            print('%-42s' % title + ''.join(
                '%10.0f /s ' % rate(n, args.seconds, call)
                for n in args.threads))

        fresh = make_client(info)
        per_thread = args.requests // 8
        threads = [threading.Thread(target=lambda: [
            fresh.volume(volume_id) for _ in range(per_thread)])
            for _ in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stats = fresh.stats.snapshot()
        print('%d requests from 8 threads sharing one client in %.1f s: '
              '%d login(s), %d retries'
              % (stats['total'] - stats['logins'], elapsed, stats['logins'],
                 stats['retries']))
        gateway.delete_volume(volume_id)


if __name__ == '__main__':
    main()
