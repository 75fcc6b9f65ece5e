"""The simulated system on disk: what survives stopping the simulator and
starting another on the same state directory, how the state file is
written, and many clients changing the system at once."""

import json
import os
import threading
import time

import ddt
import fixtures
import requests

from scaleio_client import sizes
from scaleio_sim import server
from tests import base as test_base
from tests.support import common


class StateDirTestCase(test_base.TestCase):
    """Simulators started one after another on one state directory."""

    def setUp(self):
        super().setUp()
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        self.state_file = os.path.join(self.state_dir, 'state.json')

    def start(self, **kwargs):
        kwargs.setdefault('state_dir', self.state_dir)
        return self.useFixture(common.SimulatorFixture(**kwargs)).sim

    def assertUnauthorized(self, response):
        self.assertEqual(401, response.status_code, response.text)
        self.assertEqual(401, response.json()['httpStatusCode'])


class TestRestartOnTheSameStateDir(StateDirTestCase):

    def test_volumes_snapshots_mappings_limits_and_names_survive(self):
        first = self.start()
        gw = common.Gateway(first)
        data = gw.create_volume('db-data')
        logs = gw.create_volume('db-logs', volume_type='ThickProvisioned')
        snap = gw.snapshot(data, 'db-data-snap')
        gw.map(data, 'sdc1')
        gw.ok(gw.action(data, 'setMappedSdcLimits', {
            'sdcId': gw.sdc('sdc1')['id'], 'iopsLimit': '1000',
            'bandwidthLimitInKbps': '2048'}))
        gw.ok(gw.action(logs, 'setVolumeName', {'newName': 'db-logs-2'}))
        gw.ok(gw.action(logs, 'setVolumeSize', {'sizeInGB': '16'}))
        volumes = gw.ok_get('/types/Volume/instances')
        vtrees = gw.ok_get('/types/VTree/instances')
        first.stop()

        gw = common.Gateway(self.start())
        self.assertEqual(volumes, gw.ok_get('/types/Volume/instances'))
        self.assertEqual(vtrees, gw.ok_get('/types/VTree/instances'))
        self.assertEqual(logs, gw.ok_get(
            '/types/Volume/instances/getByName::db-logs-2'))
        self.assertEqual(16 * sizes.KIB_PER_GIB, gw.volume(logs)['sizeInKb'])
        self.assertEqual(data, gw.volume(snap)['ancestorVolumeId'])
        mapping, = gw.volume(data)['mappedSdcInfo']
        self.assertEqual(
            (gw.sdc('sdc1')['id'], 1000, 2),
            (mapping['sdcId'], mapping['limitIops'],
             mapping['limitBwInMbps']))

    def test_new_ids_never_repeat_ids_from_before(self):
        first = self.start()
        gw = common.Gateway(first)
        kept = gw.create_volume('kept')
        gone = gw.create_volume('gone')
        snap = gw.snapshot(kept)
        old_vtrees = {gw.volume(v)['vtreeId'] for v in (kept, gone)}
        gw.ok(gw.action(gone, 'removeVolume', {'removeMode': 'ONLY_ME'}))
        first.stop()

        # The removed volume had the highest id: counters that were
        # rebuilt from the surviving records would hand it out again.
        gw = common.Gateway(self.start())
        new = gw.create_volume('new')
        new_snap = gw.snapshot(new)
        self.assertEqual(set(), {new, new_snap} & {kept, gone, snap})
        self.assertNotIn(gw.volume(new)['vtreeId'], old_vtrees)

    def test_tokens_do_not_survive(self):
        first = self.start()
        gw = common.Gateway(first)
        token = gw.login()
        gw.create_volume('written')        # the state file now exists
        first.stop()

        second = self.start()
        r = requests.get(second.api_url + '/version', auth=('admin', token),
                         timeout=10)
        self.assertUnauthorized(r)
        self.assertEqual({'active': 0, 'logins': 0},
                         requests.get(second.url + '/sim/tokens',
                                      timeout=10).json())
        with open(self.state_file) as f:
            self.assertNotIn(token, f.read())


class TestStateFile(StateDirTestCase):

    def test_state_file_is_always_whole_while_20_threads_change_it(self):
        sim = self.start()
        gw = common.Gateway(sim)
        gw.create_volume('first')          # the file exists from now on
        pool_id = gw.pool_id()
        finished = threading.Event()
        torn, seen, failures = [], set(), []

        def read_until_finished():
            while not finished.is_set():
                with open(self.state_file) as f:
                    text = f.read()
                try:
                    json.loads(text)
                except ValueError:
                    torn.append(text[-80:])
                seen.add(text)
                time.sleep(0.001)

        def change(n):
            client = common.Gateway(sim)
            try:
                for i in range(3):
                    name = 't%02d-%d' % (n, i)
                    volume_id = client.ok_post('/types/Volume/instances', {
                        'storagePoolId': pool_id, 'name': name,
                        'volumeType': 'ThinProvisioned',
                        'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB)})['id']
                    client.ok(client.action(volume_id, 'setVolumeName',
                                            {'newName': name + 'r'}))
                    client.ok(client.action(volume_id, 'removeVolume',
                                            {'removeMode': 'ONLY_ME'}))
            except Exception as e:
                failures.append(repr(e))

        reader = threading.Thread(target=read_until_finished)
        reader.start()
        writers = [threading.Thread(target=change, args=(n,))
                   for n in range(20)]
        for t in writers:
            t.start()
        for t in writers:
            t.join(60)
        finished.set()
        reader.join(10)

        self.assertEqual([], failures)
        self.assertEqual([], torn)
        self.assertGreater(len(seen), 10)     # the reader saw it change
        with open(self.state_file) as f:
            self.assertEqual(['first'],
                             [v['name'] for v in json.load(f)['Volume']])
        self.assertEqual([], [n for n in os.listdir(self.state_dir)
                              if n.startswith('.')])


@ddt.ddt
class TestCorruptedStateFile(StateDirTestCase):

    @ddt.named_data(
        ('truncated', '{"format": 1, "system": {"id": "5c1a0de4'),
        ('empty', ''),
        ('not_json', 'state: yes'),
        ('empty_object', '{}'),
        ('list', '[]'),
    )
    def test_corrupted_state_file_gives_an_error_naming_it(self, text):
        with open(self.state_file, 'w') as f:
            f.write(text)
        e = self.assertRaises(ValueError, server.Simulator,
                              state_dir=self.state_dir)
        self.assertIn(self.state_file, str(e))


class TestWithoutStateDir(test_base.TestCase):

    def test_files_stay_in_a_temporary_dir_removed_on_stop(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MonkeyPatch('tempfile.tempdir', tmp))
        sim = self.useFixture(common.SimulatorFixture()).sim
        self.assertEqual(tmp, os.path.dirname(sim.state_dir))
        gw = common.Gateway(sim)
        volume_id = gw.create_volume('scratch')
        gw.map(volume_id, 'sdc1')
        gw.snapshot(volume_id)

        written = []
        for root, dirs, files in os.walk(tmp):
            written.extend(os.path.join(root, f) for f in files)
        links = [p for p in written if os.path.islink(p)]
        self.assertEqual(1, len(links), written)
        for path in written:
            self.assertTrue(path.startswith(sim.state_dir + os.sep), path)
            self.assertTrue(os.path.realpath(path).startswith(
                os.path.realpath(sim.state_dir) + os.sep), path)
        self.assertEqual([os.path.basename(sim.state_dir)],
                         os.listdir(tmp))
        self.assertFalse(os.path.exists(
            os.path.join(sim.state_dir, 'state.json')))

        sim.stop()
        self.assertEqual([], os.listdir(tmp))


@ddt.ddt
class TestConcurrentClients(StateDirTestCase):
    """50 clients, each with its own session and login, at once.

    Each creates two volumes and renames them, maps the first to sdc1 and
    sdc2 and unmaps it from sdc2, and removes the second.
    """

    clients = 50

    def work(self, sim, n, pool_id, sdc_ids, failures):
        gw = common.Gateway(sim)

        def ok(response):
            if response.status_code != 200:
                failures.append((n, response.request.method, response.url,
                                 response.status_code, response.text))
            return response.json() if response.content else None

        try:
            gw.login()
            ids = [ok(gw.post('/types/Volume/instances', {
                'storagePoolId': pool_id, 'name': 'c%02d-v%d' % (n, i),
                'volumeType': 'ThinProvisioned',
                'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB)}))['id']
                for i in range(2)]
            for i, volume_id in enumerate(ids):
                ok(gw.action(volume_id, 'setVolumeName',
                             {'newName': 'c%02d-r%d' % (n, i)}))
            for sdc in ('sdc1', 'sdc2'):
                ok(gw.action(ids[0], 'addMappedSdc', {
                    'sdcId': sdc_ids[sdc], 'allowMultipleMappings': 'True'}))
            ok(gw.action(ids[0], 'removeMappedSdc',
                         {'sdcId': sdc_ids['sdc2']}))
            ok(gw.action(ids[1], 'removeVolume', {'removeMode': 'ONLY_ME'}))
        except Exception as e:
            failures.append((n, repr(e)))

    @ddt.data(False, True)
    def test_fifty_clients_never_lose_an_update(self, persistent):
        sim = self.start(state_dir=self.state_dir if persistent else None)
        gw = common.Gateway(sim)
        pool_id = gw.pool_id()
        sdc_ids = {name: gw.sdc(name)['id'] for name in ('sdc1', 'sdc2')}
        requests.delete(sim.url + '/sim/counters', timeout=10)
        failures = []
        threads = [threading.Thread(target=self.work,
                                    args=(sim, n, pool_id, sdc_ids, failures))
                   for n in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        self.assertEqual([], failures)
        endpoints = requests.get(sim.url + '/sim/counters',
                                 timeout=10).json()['endpoints']
        action = 'POST /api/instances/Volume::{id}/action/'
        self.assertEqual(
            {'GET /api/login': 50, 'POST /api/types/Volume/instances': 100,
             action + 'setVolumeName': 100, action + 'addMappedSdc': 100,
             action + 'removeMappedSdc': 50, action + 'removeVolume': 50},
            endpoints)
        volumes = gw.ok_get('/types/Volume/instances')
        expected = {'c%02d-r0' % n: [sdc_ids['sdc1']]
                    for n in range(self.clients)}
        self.assertEqual(expected, {
            v['name']: [m['sdcId'] for m in v['mappedSdcInfo'] or []]
            for v in volumes})
        if persistent:
            sim.stop()
            reloaded = common.Gateway(self.start())
            self.assertEqual(volumes,
                             reloaded.ok_get('/types/Volume/instances'))


class TestRestartUnderLoad(StateDirTestCase):
    """Restarts while clients change the system.

    Every acknowledged change is kept; no id is handed out twice.
    """

    def create_until(self, sim, stop, acknowledged, errors):
        gw = common.Gateway(sim)
        pool = None
        n = 0
        while not stop.is_set():
            n += 1
            name = '%s-%d' % (threading.current_thread().name, n)
            try:
                if pool is None:
                    pool = gw.pool_id()
                r = gw.post('/types/Volume/instances', {
                    'storagePoolId': pool, 'name': name,
                    'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB),
                    'volumeType': 'ThinProvisioned'})
            except requests.RequestException:
                gw.token = None
                continue        # the restart dropped the connection
            if r.status_code == 401:
                gw.token = None
            elif r.status_code == 200:
                acknowledged.append((r.json()['id'], name))
            else:
                errors.append(r.text)

    def test_fifteen_restarts_while_four_threads_create(self):
        sim = self.start()
        stop = threading.Event()
        acknowledged, errors = [], []
        threads = [threading.Thread(target=self.create_until, name='c%d' % i,
                                    args=(sim, stop, acknowledged, errors))
                   for i in range(4)]
        for t in threads:
            t.start()
        try:
            for _ in range(15):
                time.sleep(0.3)
                sim.restart(0)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual([], errors)
        self.assertGreater(len(acknowledged), 15)
        ids = [volume_id for volume_id, _ in acknowledged]
        self.assertEqual(len(ids), len(set(ids)), 'an id was handed out twice')
        with sim.mdm.lock:
            held = {v.id: v.name for v in sim.mdm.list('Volume')}
        missing = [(i, n) for i, n in acknowledged if held.get(i) != n]
        self.assertEqual([], missing)

    def test_data_files_of_removed_volumes_do_not_survive(self):
        sim = self.start()
        gw = common.Gateway(sim)
        kept = gw.create_volume('kept')
        # A file left behind by a removal the state already shows
        # (e.g. the gateway died between the two).
        stray = os.path.join(sim.dataplane.data_dir, 'feedfeed00000001.img')
        with open(stray, 'wb') as f:
            f.write(b'old tenant data')
        sim.restart(0)
        self.assertFalse(os.path.exists(stray))
        gw.token = None         # the restart forgot it
        self.assertEqual('kept', gw.ok_get('/instances/Volume::%s' % kept)
                         ['name'])
