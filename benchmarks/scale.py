"""The array side at scale: 10,000 volumes and 2,000 SDCs, ours next to
the in-tree PowerFlexDriver (a benchmark, not a test).

One simulator preloaded through its model (the volumes spread over the
two default pools, the SDCs in the topology); for each driver, fresh and
in one run: set-up (``do_setup`` + ``check_for_setup_error``, then
``ensure_export`` of every volume as cinder-volume's start does), one
stats period, the manageable-volume listing (given the service's own
volumes, as Cinder's manager does, and given none), and attaches on new
hosts.
Prints wall time and gateway requests for each.

    .tox/py3/bin/python benchmarks/scale.py [--volumes N] [--sdcs N]
"""

import argparse
import os
import sys
import time
import uuid
import warnings

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def topology(sdcs):
    return {'sdcs': [{'name': 'host%04d' % i,
                      'guid': str(uuid.UUID(int=(0x5C1A << 112) + i)),
                      'ip': '198.51.100.%d' % (i % 250 + 1)}
                     for i in range(1, sdcs + 1)]}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--volumes', type=int, default=10000)
    parser.add_argument('--sdcs', type=int, default=2000)
    args = parser.parse_args(argv)
    warnings.simplefilter('ignore')
    sys.path.insert(0, TOP)
    from scaleio_client import names
    from tests.support import cinder as support

    class Environment(support.DriverTestCase):
        timeout = 0
        simulator_options = {'tls': True, 'topology': topology(args.sdcs)}

        def runTest(self):
            pass

    case = Environment('runTest')
    case.setUp()
    try:
        mdm = case.sim.mdm
        pools = [p.id for p in mdm.list('StoragePool')]
        started = time.perf_counter()
        records = []
        for i in range(args.volumes):
            volume = case.record(8, 'pd1:sp1' if i % 2 == 0 else 'pd1:sp2')
            volume_id = mdm.create_volume(
                pools[i % 2], 8 * 1024 * 1024, volume_type='ThinProvisioned',
                name=names.id_to_name(volume.id))
            volume.provider_id = volume_id
            records.append(volume)
        print('preloaded %d volumes and %d SDCs in %.1f s'
              % (args.volumes, args.sdcs, time.perf_counter() - started))
        guids = [s.guid for s in mdm.list('Sdc')]
        for label, make in (
                ('ours', lambda: case.make_driver('ours', 'pd1:sp1,pd1:sp2')),
                ('in-tree', lambda: case.make_powerflex('powerflex'))):
            holder = {}

            def setup():
                holder['driver'] = make()
                for volume in records:
                    holder['driver'].ensure_export(case.context, volume)
            lines = [measure(case, 'start-up (set-up + ensure %d volumes)'
                             % len(records), setup)]
            driver = holder['driver']
            lines.append(measure(case, 'one stats period', lambda:
                                 driver.get_volume_stats(refresh=True)))
            # Cinder's manager passes the service's own volumes; with none
            # passed, ours looks every owner up in the database.
            for passed, known in (('own volumes passed', records),
                                  ('none passed', [])):
                lines.append(measure(
                    case, 'manageable listing (%s)' % passed,
                    lambda: driver.get_manageable_volumes(
                        known, None, 1000, 0, ['size'], ['asc'])))
            for n, guid in enumerate(guids[-3:]):
                volume = records[n]
                lines.append(measure(
                    case, 'attach on a new host (%d)' % (n + 1),
                    lambda: driver.initialize_connection(
                        volume, case.connector(guid, 'h%d' % n))))
                driver.terminate_connection(volume,
                                            case.connector(guid, 'h%d' % n))
            for line in lines:
                print('%-8s %-52s %8.2f s %7d requests' % ((label,) + line))
    finally:
        case.doCleanups()


def measure(case, what, call):
    before = sum(case.sim.log.counters().values())
    started = time.perf_counter()
    call()
    return (what, time.perf_counter() - started,
            sum(case.sim.log.counters().values()) - before)


if __name__ == '__main__':
    main()
