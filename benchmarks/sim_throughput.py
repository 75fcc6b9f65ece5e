"""Requests per second that ``scaleio-sim`` serves (a benchmark, not a test).

The simulator runs as its own process (``scaleio-sim``), as it does for the
harness, so client and server do not share an interpreter lock. Clients use
``http.client`` with one keep-alive connection per thread: ``requests``
costs more CPU per call than the simulator does and would measure itself.

    python benchmarks/sim_throughput.py [--seconds 3] [--threads 1 8]
                                        [--no-state-dir] [--tls]
"""

import argparse
import base64
import http.client
import json
import os
import shutil
import ssl
import tempfile
import threading
import time

from scaleio_sim import process

ADMIN = ('admin', 'Scaleio123')


class Client:
    """One keep-alive connection with the token in a Basic header."""

    def __init__(self, info, token=None):
        context = None
        if info['ca_file']:
            context = ssl.create_default_context(cafile=info['ca_file'])
        if context:
            self.conn = http.client.HTTPSConnection(
                '127.0.0.1', info['port'], context=context, timeout=30)
        else:
            self.conn = http.client.HTTPConnection('127.0.0.1', info['port'],
                                                   timeout=30)
        self.token = token or self._login()

    def _header(self, user, password):
        raw = ('%s:%s' % (user, password)).encode()
        return {'Authorization': 'Basic ' + base64.b64encode(raw).decode(),
                'Content-Type': 'application/json'}

    def _login(self):
        self.conn.request('GET', '/api/login', headers=self._header(*ADMIN))
        response = self.conn.getresponse()
        return json.loads(response.read())

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, '/api' + path, body=data,
                          headers=self._header(ADMIN[0], self.token))
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 response.status, payload))
        return json.loads(payload) if payload else None


def run(info, token, threads, seconds, make_request):
    """Requests per second from ``threads`` clients for ``seconds``."""
    counts = [0] * threads
    errors = []
    start = threading.Barrier(threads + 1)
    stop_at = []

    def worker(index):
        client = Client(info, token)
        request = make_request(client, index)
        start.wait()
        try:
            while time.monotonic() < stop_at[0]:
                request()
                counts[index] += 1
        except Exception as e:       # report, do not hide, a failure
            errors.append(e)

    pool = [threading.Thread(target=worker, args=(i,))
            for i in range(threads)]
    for t in pool:
        t.start()
    stop_at.append(time.monotonic() + seconds)
    started = time.monotonic()
    start.wait()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        raise SystemExit('requests failed: %s' % errors[0])
    return sum(counts) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--no-state-dir', action='store_true',
                        help='keep the simulator state in memory only')
    parser.add_argument('--tls', action='store_true')
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix='scaleio-bench-')
    options = [] if args.no_state_dir else ['--state-dir', work]
    if args.tls:
        options.append('--tls')
    sim = process.SimulatorProcess(*options)
    try:
        info = sim.start().info
        setup = Client(info)
        pd = setup.call('GET', '/types/Domain/instances/getByName::pd1')
        pool = setup.call('GET',
                          '/types/Pool/instances/getByName::%s,sp1' % pd)
        volumes = [setup.call('POST', '/types/Volume/instances', {
            'storagePoolId': pool, 'name': 'bench-%d' % i,
            'volumeType': 'ThinProvisioned',
            'volumeSizeInKb': str(8 * 1024 * 1024)})['id']
            for i in range(max(args.threads))]

        def get_version(client, index):
            return lambda: client.call('GET', '/version')

        def get_volume(client, index):
            path = '/instances/Volume::%s' % volumes[index]
            return lambda: client.call('GET', path)

        def query_statistics(client, index):
            body = {'ids': [pool], 'properties': ['netUnusedCapacityInKb',
                                                  'thinCapacityAllocatedInKb']}
            path = ('/types/StoragePool/instances/action/'
                    'querySelectedStatistics')
            return lambda: client.call('POST', path, body)

        def rename_volume(client, index):
            path = '/instances/Volume::%s/action/setVolumeName' % volumes[
                index]
            names = iter(range(10 ** 9))
            return lambda: client.call('POST', path, {
                'newName': 'bench-%d-%d' % (index, next(names))})

        workloads = [
            ('GET  /api/version', get_version),
            ('GET  /api/instances/Volume::{id}', get_volume),
            ('POST querySelectedStatistics (query)', query_statistics),
            ('POST setVolumeName (change%s)' % (
                '' if args.no_state_dir else ', persisted'), rename_volume),
        ]
        print('scaleio-sim throughput, %s, %d CPUs, %.0f s per figure%s'
              % (info['url'], os.cpu_count(), args.seconds,
                 ', TLS' if args.tls else ''))
        header = '%-40s' % 'request' + ''.join(
            '%14s' % ('%d thread%s' % (n, '' if n == 1 else 's'))
            for n in args.threads)
        print(header)
        for title, make_request in workloads:
            rates = [run(info, setup.token, n, args.seconds, make_request)
                     for n in args.threads]
            print('%-40s' % title + ''.join('%10.0f /s ' % r for r in rates))
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
