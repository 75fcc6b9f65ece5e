"""HTTPS: a private CA that clients verify the simulator with."""

import os
import shutil
import socket
import ssl
import subprocess
import warnings

import ddt
import fixtures
import requests
import urllib3

from tests import base as test_base
from tests.functional.sim import base
from tests.support import common

LAZY_GUID = '5C1A0001-0000-4000-8000-0000000000F1'


@ddt.ddt
class TestHttps(base.SimulatorTestCase):
    simulator_options = {'tls': True}

    def test_simulator_serves_https(self):
        self.assertTrue(self.sim.url.startswith('https://127.0.0.1:'))
        self.assertTrue(self.sim.api_url.startswith('https://'))

    def test_ca_file_verifies_the_server(self):
        r = requests.get(self.sim.api_url + '/login', auth=common.ADMIN,
                         verify=self.sim.ca_file, timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_system_trust_store_does_not_trust_the_simulator(self):
        self.assertRaises(requests.exceptions.SSLError, requests.get,
                          self.sim.api_url + '/login', auth=common.ADMIN,
                          verify=True, timeout=30)

    def test_unverified_https_works(self):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore',
                                  urllib3.exceptions.InsecureRequestWarning)
            r = requests.get(self.sim.api_url + '/login', auth=common.ADMIN,
                             verify=False, timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_plain_http_gets_no_gateway_answer(self):
        self.assertRaises(requests.exceptions.ConnectionError, requests.get,
                          self.sim.url.replace('https:', 'http:')
                          + '/api/version', timeout=30)

    @ddt.data('127.0.0.1', 'localhost')
    def test_certificate_names_the_loopback_host(self, host):
        context = ssl.create_default_context(cafile=self.sim.ca_file)
        with socket.create_connection(('127.0.0.1', self.sim.port),
                                      timeout=30) as sock:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                names = tls.getpeercert()['subjectAltName']
        kind = 'IP Address' if host[0].isdigit() else 'DNS'
        self.assertIn((kind, host), names)

    def test_localhost_url_verifies_with_the_ca_file(self):
        url = 'https://localhost:%d/api/login' % self.sim.port
        r = requests.get(url, auth=common.ADMIN, verify=self.sim.ca_file,
                         timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_another_host_name_does_not_match_the_certificate(self):
        context = ssl.create_default_context(cafile=self.sim.ca_file)
        with socket.create_connection(('127.0.0.1', self.sim.port),
                                      timeout=30) as sock:
            self.assertRaises(ssl.SSLCertVerificationError,
                              context.wrap_socket, sock,
                              server_hostname='gateway.example.com')


class TestRescanOverHttps(base.SimulatorTestCase):
    simulator_options = {'tls': True, 'topology': {'sdcs': [
        {'name': 'lazy', 'guid': LAZY_GUID, 'auto_rescan': False}]}}

    def test_drv_cfg_rescan_reaches_an_https_simulator(self):
        gw = common.Gateway(self.sim, verify=self.sim.ca_file)
        # Else REQUESTS_CA_BUNDLE, if set, overrides the session's CA file.
        gw.session.trust_env = False
        volume_id = gw.create_volume('v1')
        gw.map(volume_id, 'lazy')
        host_dir = self.sim.host_dir('lazy')

        result = subprocess.run([os.path.join(host_dir, 'drv_cfg'),
                                 '--rescan'], capture_output=True, text=True,
                                timeout=60)

        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(1, len(os.listdir(os.path.join(host_dir, 'by-id'))))


class TestCertificateReuse(test_base.TestCase):

    def start(self, state_dir):
        return self.useFixture(common.SimulatorFixture(
            tls=True, state_dir=state_dir)).sim

    def test_same_ca_is_reused_across_restarts_on_a_state_dir(self):
        state_dir = self.useFixture(fixtures.TempDir()).path
        trusted = os.path.join(self.useFixture(fixtures.TempDir()).path,
                               'trusted-ca.pem')
        first = self.start(state_dir)
        shutil.copy(first.ca_file, trusted)
        first.stop()

        second = self.start(state_dir)

        with open(trusted, 'rb') as old, open(second.ca_file, 'rb') as new:
            self.assertEqual(old.read(), new.read())
        r = requests.get(second.api_url + '/login', auth=common.ADMIN,
                         verify=trusted, timeout=30)
        self.assertEqual(200, r.status_code, r.text)

    def test_simulators_without_a_state_dir_have_their_own_ca(self):
        first = self.start(None)
        second = self.start(None)
        self.assertRaises(requests.exceptions.SSLError, requests.get,
                          second.api_url + '/login', auth=common.ADMIN,
                          verify=first.ca_file, timeout=30)
