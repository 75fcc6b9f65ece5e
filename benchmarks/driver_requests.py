"""Gateway requests per Cinder driver operation, ours next to the in-tree
driver's (a benchmark, not a test).

One TLS simulator with the default system, a sqlite Cinder database and
real Cinder objects; a backend of our ScaleIODriver and one of Cinder 29's
PowerFlexDriver on the same simulator, each set up from scratch. Every
operation runs once per driver on objects prepared alike (sizes that are
multiples of 8 GiB, so both drivers' Cinder records agree), and the
simulator's counters give its requests: writes (POST actions that change
the array) apart from reads (GETs, logins, POST queries that only read).
A row is flagged when ours needs more requests of either kind.

    .tox/py3/bin/python benchmarks/driver_requests.py [--ec]

``--ec``: a PowerFlex 5.0 simulator whose domain is erasure-coded (exact
sizes, createSnapshot/createThinClone, dtapi metrics).
"""

import os
import sys
import warnings

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# POST actions that only read.
QUERIES = ('querySelectedStatistics', 'queryBySelectedIds', 'queryIdByKey',
           '/metrics/query')
EC_TOPOLOGY = {'protection_domains': [{
    'name': 'pd1', 'generation': 'EC',
    'storage_pools': [{'name': 'sp1'},
                      {'name': 'sp2', 'data_layout': 'FineGranularity'}]}]}


def split(requests):
    """(writes, reads) request counts per endpoint."""
    writes, reads = {}, {}
    for endpoint, count in requests.items():
        side = (writes if endpoint.startswith('POST ')
                and not endpoint.endswith(QUERIES)
                and not endpoint.endswith('/login') else reads)
        side[endpoint] = count
    return writes, reads


def short(endpoint):
    """An endpoint without the /api prefix and object-id noise."""
    method, _, path = endpoint.partition(' ')
    path = path.replace('/api/', '', 1).replace('instances/Volume::{id}',
                                                'Volume')
    return '%s %s' % (method, path)


def describe(counts):
    return ', '.join('%s%s' % (short(k), '' if v == 1 else ' x%d' % v)
                     for k, v in sorted(counts.items())) or '-'


class Side:
    """One driver under measurement and the Cinder objects it makes."""

    def __init__(self, case, label, driver, host):
        self.case = case
        self.label = label
        self.driver = driver
        self.host = host
        self.made = {}

    def record(self, size, volume_type):
        """A Cinder volume record of this side's backend."""
        return self.case.record(size, 'pd1:sp1', volume_type, self.host)


def operations(case, types):
    """(name, prepare(side), run(side, target)) in the order they run.

    ``prepare`` (not counted) makes what the operation works on.
    """
    plain, limited = types

    def new(size):
        return lambda side: side.record(size, plain)

    def existing(size=8, volume_type=plain):
        def make(side):
            volume = side.record(size, volume_type)
            return case.created(volume, side.driver.create_volume(volume))
        return make

    def kept(key):
        return lambda side: side.made[key]

    def create(side, volume):
        case.created(volume, side.driver.create_volume(volume))
        side.made['volume'] = volume

    def snapshot(side, _):
        snap = case.snapshot(side.made['volume'], create=False)
        side.made['snapshot'] = case.created(
            snap, side.driver.create_snapshot(snap))

    def clone(side, volume):
        side.driver.create_cloned_volume(volume, side.made['volume'])

    def from_snapshot(side, volume):
        side.driver.create_volume_from_snapshot(volume,
                                                side.made['snapshot'])

    def attach(connector):
        def run(side, volume):
            side.driver.initialize_connection(volume, connector)
        return run

    def mapped(side):
        volume = existing()(side)
        side.driver.initialize_connection(volume, case.connector())
        return volume

    def detach(side, volume):
        side.driver.terminate_connection(volume, case.connector())

    def revert(side, _):
        side.driver.revert_to_snapshot(case.context, side.made['volume'],
                                       side.made['snapshot'])

    second_host = case.connector(case.SDC2_GUID, 'compute2')
    nothing = lambda side: None     # noqa: E731
    return [
        ('create', new(8), create),
        ('snapshot', nothing, snapshot),
        ('revert to snapshot', nothing, revert),
        ('clone (same size)', new(8), clone),
        ('clone (resized 8 -> 16 GiB)', new(16), clone),
        ('from snapshot (same size)', new(8), from_snapshot),
        ('from snapshot (resized 8 -> 16)', new(16), from_snapshot),
        ('extend within the bucket (10 -> 12)', existing(10),
         lambda side, v: side.driver.extend_volume(v, 12)),
        ('extend 8 -> 16 GiB', kept('volume'),
         lambda side, v: side.driver.extend_volume(v, 16)),
        ('attach (first on this host)', existing(), attach(case.connector())),
        ('attach', existing(), attach(case.connector())),
        ('attach with QoS', existing(8, limited), attach(second_host)),
        ('detach', mapped, detach),
        ('delete', existing(), lambda side, v: side.driver.delete_volume(v)),
        ('delete (mapped)', mapped,
         lambda side, v: side.driver.delete_volume(v)),
        ('delete snapshot', kept('snapshot'),
         lambda side, v: side.driver.delete_snapshot(v)),
        ('stats (2 pools)', nothing,
         lambda side, _: side.driver.get_volume_stats(refresh=True)),
    ]


def measure(case, what):
    before = case.sim.log.counters()
    what()
    return split(case.requests_since(before))


def main(ec=False):
    warnings.simplefilter('ignore')
    sys.path.insert(0, TOP)
    from tests.support import cinder as support

    class Environment(support.DriverTestCase):
        """The functional tests' set-up, used outside a test runner."""

        timeout = 0
        SDC2_GUID = support.SDC2_GUID
        simulator_options = ({'tls': True, 'api_version': '5.0',
                              'topology': EC_TOPOLOGY} if ec
                             else {'tls': True})

        def runTest(self):
            pass

    case = Environment('runTest')
    case.setUp()
    try:
        sides = []
        setup_rows = {}
        for label, make, group in (
                ('ours', lambda: case.make_driver('ours', 'pd1:sp1,pd1:sp2'),
                 'ours'),
                ('in-tree', lambda: case.make_powerflex('powerflex'),
                 'powerflex')):
            holder = {}
            setup_rows[label] = measure(
                case, lambda: holder.update(driver=make()))
            sides.append(Side(case, label, holder['driver'],
                              'cinder-volume@' + group))
        types = (case.volume_type('thin', {'provisioning:type': 'thin'}),
                 case.volume_type('limited', {'provisioning:type': 'thin'},
                                  qos={'maxIOPS': '100', 'maxBWS': '2048'}))
        rows = [('set-up (2 pools, 1 domain)', setup_rows['ours'],
                 setup_rows['in-tree'])]
        for name, prepare, run in operations(case, types):
            counted = {}
            for side in sides:
                target = prepare(side)
                counted[side.label] = measure(
                    case, lambda: run(side, target))
            rows.append((name, counted['ours'], counted['in-tree']))
    finally:
        case.doCleanups()
    print_table(rows, 'API 5.0, erasure-coded pools' if ec else 'API 3.5')


def print_table(rows, where):
    print('Gateway requests per driver operation, ours and the in-tree '
          'PowerFlexDriver (cinder 29) on one simulator (%s); '
          'w = writes, r = reads' % where)
    print('%-38s %8s %8s %10s %8s' % ('operation', 'ours w', 'ours r',
                                      'in-tree w', 'in-tree r'))
    flagged = 0
    details = []
    for name, ours, theirs in rows:
        counts = [sum(side.values()) for pair in (ours, theirs)
                  for side in pair]
        over = counts[0] > counts[2] or counts[1] > counts[3]
        flagged += over
        print('%-38s %8d %8d %10d %8d%s' % (
            name, *counts, '  <- ours needs more' if over else ''))
        details.append((name, ours, theirs))
    print('%d operation(s) where ours needs more requests of a kind than '
          'the in-tree driver.' % flagged)
    print()
    print('Requests made:')
    for name, ours, theirs in details:
        print('  %s' % name)
        for label, (writes, reads) in (('ours', ours), ('in-tree', theirs)):
            print('    %-8s writes: %s' % (label, describe(writes)))
            print('    %-8s reads:  %s' % ('', describe(reads)))
    return flagged


if __name__ == '__main__':
    main(ec='--ec' in sys.argv[1:])
