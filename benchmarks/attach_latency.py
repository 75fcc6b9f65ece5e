"""Attach latency of our connector and of os-brick 7.1.1's (a benchmark).

Latency is from "the driver's mapping is done" (the gateway answered
addMappedSdc) to "connect_volume returned the path", on one in-process
simulator (TLS, file mode) with two SDC hosts:

* ``linked``: the SDC makes the link while the gateway maps (the
  simulator does it before answering), so both connectors find it at once;
* ``late``: the SDC missed the notification and a background thread
  rescans it (the request ``drv_cfg --rescan`` sends) ``--delay-ms``
  after the mapping, as udev or a slow SDC would make the link late.
  os-brick lists the directory, then retries after sleeping.

os-brick's connector is subclassed only to look in the simulated host's
directory, as tests/functional/cinder/test_interop.py does.

    python benchmarks/attach_latency.py [--count 50] [--late-count 20]
                                        [--delay-ms 20]
"""

import argparse
import logging
import os
import statistics
import tempfile
import threading
import time

import os_brick
from os_brick.initiator.connectors import scaleio as brick_scaleio
from oslo_config import cfg

from scaleio_client import client
from scaleio_client import config
from scaleio_nova import connector
from scaleio_sim import server

EAGER_GUID = '5C1A0001-0000-4000-8000-000000000001'
LAZY_GUID = '5C1A0001-0000-4000-8000-00000000000A'
TOPOLOGY = {'sdcs': [{'name': 'eager', 'guid': EAGER_GUID},
                     {'name': 'lazy', 'guid': LAZY_GUID,
                      'auto_rescan': False}]}


class BrickConnector(brick_scaleio.ScaleIOConnector):
    """Stock os-brick, looking in a simulated host's device directory."""

    def __init__(self, search_path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_path = search_path

    def get_search_path(self):
        return self.search_path


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[int(round(fraction * (len(ordered) - 1)))]


def run(sim, gateway, volume_id, host, conn, count, delay):
    """``count`` attaches of one volume; latencies in milliseconds."""
    sdc_id = [s.id for s in sim.mdm.sdcs.values() if s.name == host][0]
    guid = sim.mdm.sdcs[sdc_id].guid
    info = {'scaleIO_volname': 'bench', 'scaleIO_volume_id': volume_id,
            'sdc_guid': guid}
    latencies = []
    for _ in range(count):
        gateway.map_volume(volume_id, guid=guid)
        mapped = time.perf_counter()
        if delay is not None:
            def rescan():
                time.sleep(delay)
                with sim.mdm.lock:
                    sim.rescan(sim.mdm.sdcs[sdc_id])
            threading.Thread(target=rescan, daemon=True).start()
        path = conn.connect_volume(dict(info))['path']
        latencies.append((time.perf_counter() - mapped) * 1000)
        assert os.path.basename(path).endswith(volume_id), path
        gateway.unmap_volume(volume_id, guid=guid)
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=50)
    parser.add_argument('--late-count', type=int, default=20,
                        help='attaches per connector when the link is late '
                             '(os-brick takes about a second each)')
    parser.add_argument('--delay-ms', type=float, default=20.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lock_dir = tempfile.mkdtemp(prefix='attach-latency-locks-')
    cfg.CONF([], default_config_files=[])
    cfg.CONF.set_override('lock_path', lock_dir, 'oslo_concurrency')
    os_brick.setup(cfg.CONF)

    with server.Simulator(tls=True, topology=TOPOLOGY) as sim:
        gateway = client.ScaleIOClient(config.GatewayConfig(
            host='127.0.0.1', port=sim.port, username='admin',
            password='Scaleio123', ca_bundle=sim.ca_file))
        pool_id = gateway.storage_pool_id('pd1', 'sp1')
        volume_id = gateway.create_volume('bench', pool_id, 8 * 1024 ** 2)
        print('attach latency, ms (mapping done -> path returned)')
        print('%-10s %-9s %5s %8s %8s %8s' % ('case', 'connector', 'n',
                                              'p50', 'p95', 'max'))
        for case, host, count, delay in (
                ('linked', 'eager', args.count, None),
                ('late', 'lazy', args.late_count, args.delay_ms / 1000)):
            by_id = os.path.join(sim.host_dir(host), 'by-id')
            connectors = {
                'ours': connector.ScaleIOConnector(
                    None, search_path=by_id,
                    drv_cfg_path=os.path.join(sim.host_dir(host), 'drv_cfg'),
                    lock_path=lock_dir),
                'os-brick': BrickConnector(by_id, None),
            }
            for name, conn in connectors.items():
                ms = run(sim, gateway, volume_id, host, conn, count, delay)
                print('%-10s %-9s %5d %8.2f %8.2f %8.2f'
                      % (case, name, len(ms), statistics.median(ms),
                         percentile(ms, 0.95), max(ms)))
        print('late: the SDC shows the link %.0f ms after the mapping'
              % args.delay_ms)
        gateway.delete_volume(volume_id)
        gateway.close()


if __name__ == '__main__':
    main()
