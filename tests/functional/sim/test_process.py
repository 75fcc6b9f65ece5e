"""scaleio_sim.process: the simulator as a separate process, for scripts."""

import os

import requests

from scaleio_sim import process
from tests import base


class TestSimulatorProcess(base.TestCase):

    def test_serves_until_stopped_then_leaves_nothing_behind(self):
        sim = process.SimulatorProcess('--api-version', '4.0')
        self.addCleanup(sim.stop)
        info = sim.start().info
        r = requests.get(info['api_url'] + '/login',
                         auth=('admin', 'Scaleio123'), timeout=10)
        self.assertEqual(200, r.status_code)
        self.assertEqual(sim.proc.pid, info['pid'])
        work_dir = sim.work_dir
        self.assertTrue(os.path.exists(sim.log_path))
        sim.stop()
        self.assertIsNotNone(sim.proc.poll())
        self.assertFalse(os.path.exists(work_dir))
        self.assertRaises(requests.ConnectionError, requests.get,
                          info['api_url'] + '/version', timeout=5)

    def test_a_simulator_that_cannot_start_says_why(self):
        sim = process.SimulatorProcess('--api-version', '9.9')
        self.addCleanup(sim.stop)
        e = self.assertRaises(RuntimeError, sim.start)
        self.assertIn('scaleio-sim did not start', str(e))
        self.assertIn('9.9', str(e))
        self.assertFalse(os.path.exists(sim.work_dir))

    def test_context_manager_stops_the_process(self):
        with process.SimulatorProcess() as sim:
            proc = sim.proc
            self.assertIsNone(proc.poll())
        self.assertIsNotNone(proc.poll())
