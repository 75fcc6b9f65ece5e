"""The main job on its embedded default: a simulated ScaleIO gateway and a
short volume scenario against it, each step timed.

It starts ``scaleio-sim`` (the documented default system) as a separate
process, talks to it over HTTP the way a gateway client does, writes and
reads data through the simulated SDC device links, and removes everything
it made. Later issues replace this scenario with one through Cinder.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

USER, PASSWORD = 'admin', 'Scaleio123'
GIB_KIB = 1024 * 1024


class Step:
    """Prints what a step did and how long it took."""

    def __init__(self):
        self.number = 0

    def __call__(self, title, action):
        self.number += 1
        started = time.perf_counter()
        result, detail = action()
        ms = (time.perf_counter() - started) * 1000
        print('%2d. %-44s %8.1f ms  %s' % (self.number, title, ms, detail))
        return result


def start_simulator(state_dir):
    ready = os.path.join(state_dir, 'ready.json')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'scaleio_sim.cli', '--port', '0',
         '--state-dir', os.path.join(state_dir, 'sim'),
         '--ready-file', ready],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit('scaleio-sim did not start: %s'
                             % proc.stderr.read())
        time.sleep(0.05)
    with open(ready) as f:
        return proc, json.load(f)


class Gateway:

    def __init__(self, api_url):
        self.api_url = api_url
        self.session = requests.Session()
        self.auth = None

    def call(self, method, path, body=None):
        r = self.session.request(method, self.api_url + path, json=body,
                                 auth=self.auth, timeout=30)
        if r.status_code != 200:
            raise SystemExit('%s %s failed: %s %s'
                             % (method, path, r.status_code, r.text))
        return r.json() if r.content else None

    def login(self):
        r = self.session.get(self.api_url + '/login', auth=(USER, PASSWORD),
                             timeout=30)
        r.raise_for_status()
        self.auth = (USER, r.json())


def shown(value):
    """A step result that is also its own description."""
    return value, value


def device(host_dir, system_id, volume_id):
    return os.path.join(host_dir, 'by-id',
                        'emc-vol-%s-%s' % (system_id, volume_id))


def main():
    work = tempfile.mkdtemp(prefix='scaleio-demo-')
    step = Step()
    proc = None
    try:
        proc, info = step('Start scaleio-sim (default system)',
                          lambda: (start_simulator(work), ''))
        print('    gateway %s, system %s' % (info['api_url'],
                                             info['system_id']))
        gw = Gateway(info['api_url'])
        system_id = info['system_id']
        hosts = os.path.join(work, 'sim', 'hosts')

        step('Log in as admin', lambda: (gw.login(), 'token received'))
        step('Read the API version',
             lambda: shown(gw.call('GET', '/version')))
        pd = step('Find protection domain pd1', lambda: shown(
            gw.call('GET', '/types/Domain/instances/getByName::pd1')))
        pool = step('Find storage pool sp1', lambda: shown(
            gw.call('GET', '/types/Pool/instances/getByName::%s,sp1' % pd)))

        def create():
            vid = gw.call('POST', '/types/Volume/instances', {
                'storagePoolId': pool, 'name': 'demo-volume',
                'volumeType': 'ThinProvisioned',
                'volumeSizeInKb': str(10 * GIB_KIB)})['id']
            size = gw.call('GET', '/instances/Volume::%s' % vid)['sizeInKb']
            return vid, 'id %s, asked 10 GiB, got %d GiB' % (
                vid, size // GIB_KIB)
        volume = step('Create a thin 10 GiB volume', create)
        sdcs = {s['name']: s['id']
                for s in gw.call('GET', '/types/Sdc/instances')}

        def attach(volume_id, sdc):
            gw.call('POST', '/instances/Volume::%s/action/addMappedSdc'
                    % volume_id, {'sdcId': sdcs[sdc],
                                  'allowMultipleMappings': 'True'})
            path = device(os.path.join(hosts, sdc), system_id, volume_id)
            return path, os.path.basename(path)
        dev = step('Map it to sdc1 (device link appears)',
                   lambda: attach(volume, 'sdc1'))
        original = os.urandom(1 << 20)

        def write(path, data):
            with open(path, 'r+b') as f:
                f.write(data)
            return None, '%d KiB written' % (len(data) // 1024)
        step('Write 1 MiB through the device', lambda: write(dev, original))
        snap = step('Snapshot the volume', lambda: shown(gw.call(
            'POST', '/instances/System/action/snapshotVolumes',
            {'snapshotDefs': [{'volumeId': volume,
                               'snapshotName': 'demo-snapshot'}]}
        )['volumeIdList'][0]))
        step('Overwrite the volume', lambda: write(dev, bytes(1 << 20)))
        snap_dev = step('Map the snapshot to sdc2',
                        lambda: attach(snap, 'sdc2'))

        def read_back():
            with open(snap_dev, 'rb') as f:
                same = f.read(1 << 20) == original
            if not same:
                raise SystemExit('the snapshot does not hold the data '
                                 'written before it was taken')
            return None, 'point-in-time data matches'
        step('Read the snapshot back', read_back)

        def extend():
            gw.call('POST', '/instances/Volume::%s/action/setVolumeSize'
                    % volume, {'sizeInGB': '24'})
            return None, 'device is now %d GiB' % (
                os.path.getsize(dev) // (1 << 30))
        step('Extend the volume to 24 GiB', extend)

        def stats():
            s = gw.call('POST', '/types/StoragePool/instances/action/'
                        'querySelectedStatistics', {
                            'ids': [pool], 'properties': [
                                'netCapacityInUseInKb',
                                'netUnusedCapacityInKb',
                                'thinCapacityAllocatedInKb',
                                'snapshotCapacityInKb']})[pool]
            total = (s['netCapacityInUseInKb']
                     + s['netUnusedCapacityInKb']) // GIB_KIB
            provisioned = (s['thinCapacityAllocatedInKb']
                           + s['snapshotCapacityInKb']) // 2 // GIB_KIB
            return None, 'total %d GiB, free %d GiB, provisioned %d GiB' % (
                total, s['netUnusedCapacityInKb'] // GIB_KIB, provisioned)
        step('Read pool statistics', stats)

        def clean_up():
            for vid in (snap, volume):
                gw.call('POST', '/instances/Volume::%s/action/removeMappedSdc'
                        % vid, {'allSdcs': ''})
                gw.call('POST', '/instances/Volume::%s/action/removeVolume'
                        % vid, {'removeMode': 'ONLY_ME'})
            left = len(gw.call('GET', '/types/Volume/instances'))
            links = sum(len(os.listdir(os.path.join(hosts, s, 'by-id')))
                        for s in sdcs)
            return None, '%d volumes and %d device links left' % (left, links)
        step('Unmap and delete everything', clean_up)
        step('Stop scaleio-sim', lambda: (stop(proc), 'stopped'))
        proc = None
        print('Demo finished.')
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == '__main__':
    main()
