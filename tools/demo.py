"""The main job on its embedded default: a simulated ScaleIO gateway and a
short volume scenario through ``scaleio_client``, each step timed.

It starts ``scaleio-sim`` (the documented default system) as a separate
process, drives it with the project's gateway client, writes and reads
data through the simulated SDC device links, and removes everything it
made. Later issues replace this scenario with one through Cinder.
"""

import os
import shutil
import tempfile
import time

from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import names
from scaleio_client import sizes
from scaleio_sim import process

VOLUME_UUID = '1e5f37e5-7e5e-4a0f-b170-e45f4b469f6a'
SNAPSHOT_UUID = '5a9b0a7e-0000-4000-8000-0000000000a1'
MIB = 1 << 20


class Steps:
    """Prints each step with its time and the gateway requests it made."""

    def __init__(self):
        self.number = 0
        self.gateway = None

    def __call__(self, title, action):
        self.number += 1
        before = self.gateway.stats.total if self.gateway else 0
        started = time.perf_counter()
        result, detail = action()
        ms = (time.perf_counter() - started) * 1000
        requests = (self.gateway.stats.total - before) if self.gateway else 0
        print('%2d. %-38s %7.1f ms %6s  %s'
              % (self.number, title, ms,
                 '%d req' % requests if requests else '', detail))
        return result


def write(path, data):
    with open(path, 'r+b') as f:
        f.write(data)
    return None, '%d KiB written' % (len(data) // 1024)


def main():
    work = tempfile.mkdtemp(prefix='scaleio-demo-')
    step = Steps()
    sim = process.SimulatorProcess('--state-dir', os.path.join(work, 'sim'))
    try:
        info = step('Start scaleio-sim (default system)',
                    lambda: (sim.start().info, ''))
        print('    gateway %s, system %s' % (info['api_url'],
                                             info['system_id']))
        hosts = os.path.join(work, 'sim', 'hosts')
        gateway = client_mod.ScaleIOClient(config_mod.GatewayConfig.from_url(
            info['url'], 'admin', 'Scaleio123'))
        step.gateway = gateway

        def device(sdc, volume_id):
            return os.path.join(hosts, sdc, 'by-id', 'emc-vol-%s-%s'
                                % (info['system_id'], volume_id))

        step('Log in and read the API version',
             lambda: (None, 'API %s' % gateway.version))

        def find_pool():
            pool_id = gateway.storage_pool_id('pd1', 'sp1')
            return pool_id, 'pool %s' % pool_id
        pool = step('Find pool sp1 of domain pd1', find_pool)

        def create():
            name = names.id_to_name(VOLUME_UUID)
            volume_id = gateway.create_volume(name, pool,
                                              sizes.gib_to_kib(10))
            size = gateway.volume(volume_id).size_gib
            return volume_id, '%s, asked 10 GiB, got %d GiB' % (name, size)
        volume = step('Create a thin 10 GiB volume', create)

        def attach(volume_id, sdc):
            guid = {'sdc1': '5C1A0001-0000-4000-8000-000000000001',
                    'sdc2': '5C1A0001-0000-4000-8000-000000000002'}[sdc]
            gateway.map_volume(volume_id, gateway.sdc_id(guid))
            path = device(sdc, volume_id)
            return path, os.path.basename(path)
        dev = step('Map it to sdc1 (device appears)',
                   lambda: attach(volume, 'sdc1'))
        original = os.urandom(MIB)
        step('Write 1 MiB through the device', lambda: write(dev, original))

        def snapshot():
            group = gateway.snapshot_volumes(
                [(volume, names.id_to_name(SNAPSHOT_UUID))])
            return group.volume_ids[0], 'snapshot %s' % group.volume_ids[0]
        snap = step('Snapshot the volume', snapshot)
        step('Overwrite the volume', lambda: write(dev, bytes(MIB)))
        snap_dev = step('Map the snapshot to sdc2',
                        lambda: attach(snap, 'sdc2'))

        def read_back():
            with open(snap_dev, 'rb') as f:
                if f.read(MIB) != original:
                    raise SystemExit('the snapshot does not hold the data '
                                     'written before it was taken')
            return None, 'point-in-time data matches'
        step('Read the snapshot back', read_back)

        def extend():
            gateway.extend_volume(volume, 24)
            return None, 'device is now %d GiB' % (
                os.path.getsize(dev) // (1 << 30))
        step('Extend the volume to 24 GiB', extend)

        def stats():
            c = gateway.pool_capacities([pool])[pool]
            return None, 'total %d GiB, free %d GiB, provisioned %d GiB' % (
                c.total_gib, c.free_gib, c.provisioned_gib)
        step('Read pool capacity', stats)

        def clean_up():
            for volume_id in (snap, volume):
                gateway.delete_volume(volume_id)
            left = len(gateway.pool_volumes(pool))
            links = sum(len(os.listdir(os.path.join(hosts, s, 'by-id')))
                        for s in ('sdc1', 'sdc2'))
            return None, '%d volumes and %d device links left' % (left,
                                                                  links)
        step('Unmap and delete everything', clean_up)
        totals = gateway.stats.snapshot()
        gateway.close()
        step.gateway = None
        step('Stop scaleio-sim', lambda: (sim.stop(), 'stopped'))
        print('Demo finished: %d gateway requests, %d login, %d retries.'
              % (totals['total'], totals['logins'], totals['retries']))
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
