"""``scaleio-sim``: the simulator as an operator or CI job starts it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import types

import ddt
import fixtures
import requests

from scaleio_client import sizes
from tests import base as test_base
from tests.support import common

# The module, as the console script runs it, with the test's interpreter.
SCALEIO_SIM = [sys.executable, '-m', 'scaleio_sim.cli']
CONSOLE_SCRIPT = os.path.join(os.path.dirname(sys.executable), 'scaleio-sim')
READY_TIMEOUT = 30

FG_POOL = '''
protection_domains:
  - name: pd1
    storage_pools:
      - {name: fine, data_layout: FineGranularity}
'''


def _kill(process):
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=30)


class CliTestCase(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        with open(self.path(name), 'w') as f:
            f.write(text)
        return self.path(name)

    def start(self, *args, env=None):
        """Start scaleio-sim; return the process and its ready-file info."""
        ready_file = self.path('ready-%d.json' % time.monotonic_ns())
        process = subprocess.Popen(
            SCALEIO_SIM + ['--port', '0', '--ready-file', ready_file]
            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env)
        self.addCleanup(_kill, process)
        deadline = time.monotonic() + READY_TIMEOUT
        while not os.path.exists(ready_file):
            if process.poll() is not None:
                self.fail('scaleio-sim exited with %d: %s'
                          % (process.returncode, process.stderr.read()))
            if time.monotonic() > deadline:
                self.fail('scaleio-sim wrote no ready file in %d s'
                          % READY_TIMEOUT)
            time.sleep(0.05)
        with open(ready_file) as f:
            info = json.load(f)
        info['ready_file'] = ready_file
        return process, info

    def stop(self, process):
        """SIGTERM; return (exit code, stdout, stderr)."""
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        return process.returncode, out, err

    def fails_to_start(self, *args, env=None):
        """Run scaleio-sim expecting it to give up; return (code, stderr)."""
        result = subprocess.run(SCALEIO_SIM + ['--port', '0'] + list(args),
                                capture_output=True, text=True, timeout=60,
                                env=env)
        self.assertEqual('', result.stdout)
        self.assertNotIn('Traceback', result.stderr)
        return result.returncode, result.stderr

    def gateway(self, info):
        return common.Gateway(types.SimpleNamespace(api_url=info['api_url']))


class TestServing(CliTestCase):

    def test_console_script_is_installed_next_to_python(self):
        result = subprocess.run([CONSOLE_SCRIPT, '--help'],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('usage: scaleio-sim', result.stdout)
        self.assertIn('--ready-file', result.stdout)

    def test_prints_the_url_and_port_and_writes_the_ready_file(self):
        process, info = self.start()
        self.assertEqual('scaleio-sim: serving %s (API 3.5, system '
                         '5c1a0de4a7e10001)\n' % info['api_url'],
                         process.stdout.readline())
        self.assertEqual('scaleio-sim: port %d\n' % info['port'],
                         process.stdout.readline())
        self.assertEqual('http://127.0.0.1:%d' % info['port'], info['url'])
        self.assertEqual(info['url'] + '/api', info['api_url'])
        self.assertEqual(process.pid, info['pid'])

    def test_answers_login_with_the_default_credentials(self):
        _, info = self.start()
        r = requests.get(info['api_url'] + '/login',
                         auth=('admin', 'Scaleio123'), timeout=30)
        self.assertEqual(200, r.status_code, r.text)
        self.assertIsInstance(r.json(), str)

    def test_a_replication_peer_in_the_same_process(self):
        process, info = self.start('--peer-port', '0', '--state-dir',
                                   self.path('state'))
        peer = info['peer']
        self.assertEqual('5c1a0de4a7e10002', peer['system_id'])
        [peer_mdm] = self.gateway(info).ok_get('/types/PeerMdm/instances')
        self.assertEqual(peer['system_id'], peer_mdm['peerSystemId'])
        [back] = self.gateway(peer).ok_get('/types/PeerMdm/instances')
        self.assertEqual('5c1a0de4a7e10001', back['peerSystemId'])
        r = requests.post(info['url'] + '/sim/replication/sync', timeout=30)
        self.assertEqual({'copied': 0}, r.json())
        self.assertTrue(os.path.exists(self.path('state/peer/state.json')))
        self.assertEqual(0, self.stop(process)[0])

    def test_sigterm_exits_0_and_removes_the_ready_file(self):
        process, info = self.start()
        code, _, err = self.stop(process)
        self.assertEqual(0, code, err)
        self.assertFalse(os.path.exists(info['ready_file']))

    def test_api_version_2_0_answers_2_0(self):
        _, info = self.start('--api-version', '2.0')
        self.assertEqual('2.0', self.gateway(info).ok_get('/version'))

    def test_api_version_2_0_with_a_medium_granularity_topology(self):
        topology = self.write('mg.yaml', FG_POOL.replace('FineGranularity',
                                                         'MediumGranularity'))
        _, info = self.start('--api-version', '2.0', '--topology', topology)
        self.assertEqual('2.0', self.gateway(info).ok_get('/version'))

    def test_topology_file_sets_the_system_id(self):
        topology = self.write('topology.yaml', 'system:\n'
                              '  id: 0123456789abcdef\n'
                              '  name: lab\n')
        process, info = self.start('--topology', topology)
        self.assertEqual('0123456789abcdef', info['system_id'])
        system, = self.gateway(info).ok_get('/types/System/instances')
        self.assertEqual(('0123456789abcdef', 'lab'),
                         (system['id'], system['name']))

    def test_tls_prints_the_ca_file_that_verifies_it(self):
        process, info = self.start('--tls')
        process.stdout.readline()
        process.stdout.readline()
        self.assertEqual('scaleio-sim: CA file %s\n' % info['ca_file'],
                         process.stdout.readline())
        self.assertTrue(info['url'].startswith('https://'))
        r = requests.get(info['api_url'] + '/login',
                         auth=('admin', 'Scaleio123'),
                         verify=info['ca_file'], timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_state_dir_keeps_a_volume_across_two_runs(self):
        state_dir = self.path('state')
        process, info = self.start('--state-dir', state_dir)
        volume_id = self.gateway(info).create_volume('kept-volume')
        self.assertEqual(0, self.stop(process)[0])

        _, info = self.start('--state-dir', state_dir)

        gw = self.gateway(info)
        self.assertEqual(volume_id, gw.ok_get(
            '/types/Volume/instances/getByName::kept-volume'))
        self.assertEqual(8 * sizes.KIB_PER_GIB,
                         gw.volume(volume_id)['sizeInKb'])

    def test_without_a_state_dir_the_next_run_starts_empty(self):
        process, info = self.start()
        self.gateway(info).create_volume('forgotten')
        self.stop(process)
        _, info = self.start()
        self.assertEqual([], self.gateway(info).ok_get(
            '/types/Volume/instances'))

    def test_loop_device_mode_without_root_falls_back_to_files(self):
        if os.geteuid() == 0:
            self.skipTest('loop-device mode works as root; the fallback '
                          'needs an unprivileged user')
        process, info = self.start('--device-mode', 'loop')
        self.assertEqual('3.5', self.gateway(info).ok_get('/version'))
        _, _, err = self.stop(process)
        self.assertIn('Loop-device mode is not available', err)
        self.assertIn('not running as root', err)

    def test_loop_device_mode_without_losetup_falls_back_to_files(self):
        # Whoever runs the tests, a PATH without losetup takes loop-device
        # mode away, so this fallback is checked on CI (root) too.
        env = dict(os.environ, PATH=self.path('empty-bin'))
        os.makedirs(env['PATH'], exist_ok=True)
        process, info = self.start('--device-mode', 'loop', env=env)
        gw = self.gateway(info)
        self.assertEqual('3.5', gw.ok_get('/version'))
        _, _, err = self.stop(process)
        self.assertIn('Loop-device mode is not available', err)
        if os.geteuid() == 0:
            self.assertIn('losetup is not installed', err)


@ddt.ddt
class TestBadStart(CliTestCase):

    @ddt.data(
        ('colour: blue\n', 'unknown keys colour'),
        ('sdcs:\n  - {name: h1, guid: not-a-guid}\n',
         "sdcs[0].guid 'not-a-guid' is not a UUID"),
        ('system: {id: XYZ}\n', "system.id 'XYZ' is not 16 lower-case hex"),
        ('[1, 2]\n', 'expected a mapping at the top level'),
        ('system: {id: [\n', 'is not valid YAML or JSON'),
    )
    @ddt.unpack
    def test_bad_topology_file_exits_2_naming_the_problem(self, text,
                                                          problem):
        topology = self.write('bad.yaml', text)
        code, err = self.fails_to_start('--topology', topology)
        self.assertEqual(2, code)
        self.assertIn(topology, err)
        self.assertIn(problem, err)

    def test_missing_topology_file_exits_2(self):
        code, err = self.fails_to_start('--topology', self.path('none.yaml'))
        self.assertEqual(2, code)
        self.assertIn('cannot read topology file %s' % self.path('none.yaml'),
                      err)

    def test_fine_granularity_pool_on_2_0_exits_2(self):
        topology = self.write('fg.yaml', FG_POOL)
        code, err = self.fails_to_start('--topology', topology,
                                        '--api-version', '2.0')
        self.assertEqual(2, code)
        self.assertIn('storage pool fine is FineGranularity', err)
        self.assertIn('2.0', err)

    @ddt.data(('9.9', 'API version 9.9 is not simulated'),
              ('x', "API version 'x' is not of the form N[.N...]"),
              ('3.5b', "API version '3.5b' is not of the form"))
    @ddt.unpack
    def test_bad_api_version_exits_2_with_a_clear_message(self, version,
                                                          message):
        code, err = self.fails_to_start('--api-version', version)
        self.assertEqual(2, code)
        self.assertEqual('scaleio-sim: ', err[:13])
        self.assertIn(message, err)

    def test_port_in_use_exits_2(self):
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen()
            code, err = self.fails_to_start(
                '--port', str(taken.getsockname()[1]))
        self.assertEqual(2, code)
        self.assertIn('Address already in use', err)

    @ddt.data('port-in-use', 'fine-granularity-on-2.0')
    def test_failed_start_leaves_no_temporary_directory(self, why):
        tmpdir = self.path('tmpdir')
        os.mkdir(tmpdir)
        env = dict(os.environ, TMPDIR=tmpdir)
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen()
            args = {'port-in-use': ['--port', str(taken.getsockname()[1])],
                    'fine-granularity-on-2.0': [
                        '--api-version', '2.0', '--topology',
                        self.write('fg.yaml', FG_POOL)]}[why]
            code, _ = self.fails_to_start(*args, env=env)
        self.assertEqual(2, code)
        self.assertEqual([], os.listdir(tmpdir))
