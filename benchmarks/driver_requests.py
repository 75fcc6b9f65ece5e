"""Gateway requests per Cinder driver operation (a benchmark, not a test).

Sets up what the functional tests use (a TLS simulator with the default
system, a sqlite Cinder database, real Cinder objects, a configured
ScaleIODriver), runs each driver operation once and prints the requests
the simulator counted for it: mutating POST actions apart from reads
(GETs, logins and the POST queries that only read), next to the fewest
mutating calls the operation needs.

    .venv/bin/python benchmarks/driver_requests.py
"""

import os
import sys
import warnings

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# POST actions that only read.
QUERIES = ('querySelectedStatistics', 'queryBySelectedIds', 'queryIdByKey')


def split(requests):
    """(mutating, reads) request counts per endpoint."""
    mutating, reads = {}, {}
    for endpoint, count in requests.items():
        side = (mutating if endpoint.startswith('POST ')
                and not endpoint.endswith(QUERIES) else reads)
        side[endpoint] = count
    return mutating, reads


def short(endpoint):
    """An endpoint without the /api prefix and object-id noise."""
    method, _, path = endpoint.partition(' ')
    path = path.replace('/api/', '', 1).replace('instances/Volume::{id}',
                                                'Volume')
    return '%s %s' % (method, path)


def describe(counts):
    return ', '.join('%s%s' % (short(k), '' if v == 1 else ' x%d' % v)
                     for k, v in sorted(counts.items())) or '-'


def scenario(case):
    """(operation, minimum mutating calls, prepare, run), in order.

    ``prepare`` (not counted) makes what the operation works on and
    returns it; ``run`` is the operation.
    """
    from tests.support import cinder as base

    driver = case.driver
    plain = case.volume_type('thin', {'provisioning:type': 'thin'})
    limited = case.volume_type('limited', {'provisioning:type': 'thin'},
                               qos={'maxIOPS': '100', 'maxBWS': '2048'})
    source = {}

    def nothing():
        return None

    def new_volume(size):
        return lambda: case.volume(size, volume_type=plain, create=False)

    def created(volume_type=plain):
        return lambda: case.volume(8, volume_type=volume_type)

    def create(volume):
        source['volume'] = volume
        volume.update(driver.create_volume(volume))
        volume.save()

    def snapshot(_):
        source['snapshot'] = case.snapshot(source['volume'])

    def clone(volume):
        driver.create_cloned_volume(volume, source['volume'])

    def from_snapshot(volume):
        driver.create_volume_from_snapshot(volume, source['snapshot'])

    def mapped():
        volume = case.volume(8, volume_type=plain)
        driver.initialize_connection(volume, case.connector())
        return volume

    return [
        ('create', 1, new_volume(10), create),
        ('snapshot', 1, nothing, snapshot),
        ('clone (same size)', 1, new_volume(10), clone),
        ('clone (resized)', 2, new_volume(20), clone),
        ('from snapshot', 1, new_volume(10), from_snapshot),
        ('extend within the 8 GiB bucket', 0, nothing,
         lambda _: driver.extend_volume(source['volume'], 12)),
        ('extend past the bucket', 1, nothing,
         lambda _: driver.extend_volume(source['volume'], 20)),
        ('attach', 1, created(),
         lambda v: driver.initialize_connection(v, case.connector())),
        ('attach with QoS', 2, created(limited),
         lambda v: driver.initialize_connection(
             v, case.connector(base.SDC2_GUID, 'compute2'))),
        ('detach', 1, mapped,
         lambda v: driver.terminate_connection(v, case.connector())),
        ('delete', 1, created(), driver.delete_volume),
        ('delete (mapped)', 2, mapped, driver.delete_volume),
        ('delete snapshot', 1, lambda: source['snapshot'],
         driver.delete_snapshot),
        ('stats', 0, nothing,
         lambda _: driver.get_volume_stats(refresh=True)),
    ]


def main():
    warnings.simplefilter('ignore')
    sys.path.insert(0, TOP)
    from tests.support import cinder as base

    class Environment(base.DriverTestCase):
        """DriverTestCase's set-up, used outside a test runner."""

        timeout = 0

        def runTest(self):
            pass

    case = Environment('runTest')
    case.setUp()
    rows = []
    try:
        for operation, minimum, prepare, run in scenario(case):
            target = prepare()
            before = case.sim.log.counters()
            run(target)
            rows.append((operation, minimum, case.requests_since(before)))
    finally:
        case.doCleanups()
    print_table(rows)


def print_table(rows):
    print('Gateway requests per ScaleIODriver operation (simulator, API '
          '3.5; set-up fills the pool caches, the first attach the SDC '
          'cache)')
    print('%-32s %8s %8s %6s  %s' % ('operation', 'minimum', 'mutating',
                                     'reads', 'requests'))
    over = 0
    for operation, minimum, requests in rows:
        mutating, reads = split(requests)
        made = sum(mutating.values())
        flag = '' if made <= minimum else '  <- over the minimum'
        over += made > minimum
        print('%-32s %8d %8d %6d  %s%s' % (
            operation, minimum, made, sum(reads.values()),
            describe(mutating), flag))
        if reads:
            print('%-32s %8s %8s %6s    reads: %s' % ('', '', '', '',
                                                      describe(reads)))
    print('%d operation(s) over their minimum of mutating calls.' % over)


if __name__ == '__main__':
    main()
