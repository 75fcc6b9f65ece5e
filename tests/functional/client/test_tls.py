"""HTTPS to the simulator's self-signed certificate: verified with its CA
file, refused without it, accepted only when verification is turned off,
which is said once in the log."""

import logging

import fixtures

from scaleio_client import exceptions
from scaleio_client import transport
from scaleio_sim import tls
from tests.functional.client import base

WARNING = 'TLS certificate verification is off'


class TestTls(base.ClientTestCase):
    simulator_options = {'tls': True}

    def setUp(self):
        super().setUp()
        # "Warn once" is remembered per gateway URL for the process; a
        # simulator of an earlier test may have had this port.
        self.useFixture(fixtures.MockPatchObject(
            transport, '_insecure_warned', set()))
        self.warnings = self.useFixture(fixtures.FakeLogger(
            name='scaleio_client', level=logging.WARNING))

    def test_the_ca_file_verifies_the_gateway(self):
        self.assertTrue(self.client.config.base_url.startswith('https://'))
        self.assertEqual(self.sim.ca_file, self.client.config.verify)
        self.assertEqual(self.sim.mdm.system_id, self.client.system()['id'])
        self.assertEqual(1, self.sim.tokens.logins)

    def test_localhost_verifies_with_the_ca_file(self):
        gateway = self.make_client(
            url='https://localhost:%d' % self.sim.port)
        self.assertEqual(self.sim.mdm.system_id, gateway.system()['id'])

    def test_without_the_ca_file_the_gateway_is_refused(self):
        gateway = self.make_client(ca_bundle=None)
        self.assertIs(True, gateway.config.verify)
        error = self.assertRaises(exceptions.ScaleIOError, gateway.system)
        self.assertIn('TLS', str(error))
        # Refused during the handshake: the credentials never left.
        self.assertEqual({}, self.sim.log.counters())

    def test_a_refused_certificate_is_not_retried(self):
        gateway = self.make_client(ca_bundle=None, retries=3)
        self.assertRaises(exceptions.ScaleIOError, gateway.system)
        self.assertEqual(0, gateway.stats.retries)
        self.assertEqual(1, gateway.stats.total)

    def test_another_ca_is_refused(self):
        other_dir = self.useFixture(fixtures.TempDir()).path
        other_ca, _, _ = tls.ensure_certificates(other_dir, '127.0.0.1')
        gateway = self.make_client(ca_bundle=other_ca)
        error = self.assertRaises(exceptions.ScaleIOError, gateway.system)
        self.assertIn('TLS', str(error))
        self.assertEqual({}, self.sim.log.counters())

    def test_the_explicit_opt_out_accepts_the_certificate(self):
        gateway = self.make_client(verify_tls=False)
        self.assertIs(False, gateway.config.verify)
        self.assertEqual(self.sim.mdm.system_id, gateway.system()['id'])

    def test_the_opt_out_wins_over_a_ca_file(self):
        gateway = self.make_client(verify_tls=False, ca_bundle='/nonexistent')
        self.assertEqual(self.sim.mdm.system_id, gateway.system()['id'])

    def test_the_opt_out_is_warned_about_once(self):
        first = self.make_client(verify_tls=False)
        second = self.make_client(verify_tls=False)
        first.system()
        second.system()
        lines = [line for line in self.warnings.output.splitlines()
                 if WARNING in line]
        self.assertEqual(1, len(lines), self.warnings.output)
        self.assertIn(first.config.base_url, lines[0])

    def test_verified_clients_warn_about_nothing(self):
        self.make_client().system()
        self.assertNotIn(WARNING, self.warnings.output)

    def test_plain_http_to_the_https_gateway_is_an_error(self):
        gateway = self.make_client(
            url='http://127.0.0.1:%d' % self.sim.port, retries=1)
        self.assertRaises(exceptions.ScaleIOError, gateway.system)
