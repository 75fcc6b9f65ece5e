"""Failover and failback of N replicated volumes: time and gateway requests,
ours next to the in-tree PowerFlexDriver (a benchmark, not a test).

Two simulators in this process, peered (the primary and its replication
target ``site-b``); for each driver and each N, N volumes of a replicated
type in one RCG, then ``failover_host`` to ``site-b`` and back with
``default``. Requests are counted on both simulators.

    .tox/py3/bin/python benchmarks/failover.py [N ...]   # default 10 100 1000
"""

import os
import sys
import time
import warnings

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE_B = 'site-b'
RCG = 'bench-rcg'


def main(counts):
    warnings.simplefilter('ignore')
    sys.path.insert(0, TOP)
    from scaleio_client import client as client_mod
    from scaleio_sim import topology
    from tests.support import cinder as support
    from tests.support import common

    class Environment(support.DriverTestCase):
        """A primary simulator with a peer; drivers made on demand."""

        timeout = 0

        def runTest(self):
            pass

        def setUp(self):
            super().setUp()
            self.peer = self.useFixture(common.SimulatorFixture(
                tls=True, topology=topology.peer_default(
                    hosts_dir=self.sim.hosts_dir))).sim
            self.sim.peer_with(self.peer)
            # The in-tree driver needs its RCG made beforehand.
            gateway = self.useFixture(common.ClientFixture(self.sim)).client
            target = self.useFixture(common.ClientFixture(self.peer)).client
            gateway.create_replication_group(
                RCG, gateway.protection_domain_id('pd1'),
                target.protection_domain_id('pd1'), target.system_id())

        def device(self, ours):
            port_key = ('scaleio_rest_server_port' if ours
                        else 'powerflex_rest_server_port')
            return {'backend_id': SITE_B, 'san_ip': '127.0.0.1',
                    'san_login': common.USERNAME,
                    'san_password': common.PASSWORD,
                    port_key: str(self.peer.port),
                    'driver_ssl_cert_verify': 'True',
                    'driver_ssl_cert_path': self.peer.ca_file}

    rows = []
    for n in counts:
        for label in ('ours', 'in-tree'):
            case = Environment('runTest')
            case.setUp()
            try:
                rows.append((label, n) + run(case, label == 'ours', n,
                                             client_mod))
            finally:
                case.doCleanups()
            print('%-8s %5d volumes: failover %7.2f s %6d requests, '
                  'failback %7.2f s %6d requests, %s'
                  % rows[-1], flush=True)


def run(case, ours, n, client_mod):
    group = 'ours' if ours else 'pf'
    if ours:
        driver = case.make_driver(group, 'pd1:sp1',
                                  replication_device=[case.device(True)])
    else:
        driver = case.make_powerflex(group, 'pd1:sp1',
                                     replication_device=[case.device(False)])
    vt = case.volume_type('rep-' + group, {
        'replication_enabled': '<is> True', 'provisioning:type': 'thin',
        'powerflex:replication_cg': RCG})
    volumes = []
    for _ in range(n):
        volume = case.record(8, 'pd1:sp1', vt, 'cinder-volume@' + group)
        volumes.append(case.created(volume, driver.create_volume(volume)))
    results = []
    for target in (SITE_B, 'default'):
        before = total(case)
        started = time.perf_counter()
        _, updates, _ = driver.failover_host(case.context, volumes, target)
        seconds = time.perf_counter() - started
        errors = 0
        for entry in updates:
            volume = [v for v in volumes if v.id == entry['volume_id']][0]
            volume.update(entry['updates'])
            errors += 'provider_id' not in entry['updates']
        results += [seconds, total(case) - before]
    ok = sum(1 for v in volumes if v.replication_status == 'enabled')
    return tuple(results) + ('%d of %d back home' % (ok, n),)


def total(case):
    return sum(sum(sim.log.counters().values())
               for sim in (case.sim, case.peer))


if __name__ == '__main__':
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
