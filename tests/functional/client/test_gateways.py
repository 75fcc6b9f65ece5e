"""One system behind several gateways: the client keeps using the one that
answers and moves to the next only when it does not answer."""

import fixtures

from scaleio_client import exceptions
from tests.functional.client import base


class TestMoreGateways(base.ClientTestCase):

    simulator_options = {'extra_ports': [0]}

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='scaleio_client.transport'))
        # The extra gateway first, so that it is the one taken down.
        self.client = self.make_client(
            url='http://127.0.0.1:%d' % self.sim.extra_ports[0],
            more_hosts=('127.0.0.1:%d' % self.sim.port,), retries=2)

    def logins(self):
        return self.client.stats.snapshot()['logins']

    def test_both_gateways_are_known(self):
        self.assertEqual(
            ['http://127.0.0.1:%d/api' % port
             for port in (self.sim.extra_ports[0], self.sim.port)],
            self.client.config.base_urls)

    def test_a_gateway_that_goes_down_is_left_for_the_next(self):
        volume_id = self.create_volume('before')
        self.assertEqual(1, self.logins())
        self.sim.stop_gateway(0)
        self.assertEqual('before', self.client.volume(volume_id).name)
        # Logged in again there, and said so once.
        self.assertEqual(2, self.logins())
        switches = [line for line in self.log.output.splitlines()
                    if 'does not answer' in line]
        self.assertEqual(1, len(switches), self.log.output)
        self.assertIn(str(self.sim.extra_ports[0]), switches[0])
        # It stays there, also when the first gateway comes back.
        self.sim.start_gateway(0)
        self.create_volume('after')
        self.assertEqual(2, self.logins())
        self.assertEqual(self.sim.api_url, self.client.transport.url)

    def test_a_create_whose_gateway_died_is_not_made_twice(self):
        pool = self.pool_id()
        self.sim.stop_gateway(0)
        self.client.create_volume('once', pool, 8 * 1024 * 1024)
        self.assertEqual(1, len(self.volumes_named('once')))

    def test_a_business_error_keeps_the_gateway(self):
        self.assertRaises(exceptions.NotFound, self.client.volume,
                          '0123456789abcdef')
        self.assertEqual(self.client.config.base_urls[0],
                         self.client.transport.url)
        self.assertNotIn('does not answer', self.log.output)

    def test_a_gateway_error_answer_keeps_the_gateway(self):
        self.sim.faults.add({'action': 'error', 'status': 503,
                             'method': 'GET', 'path': '*/version',
                             'count': 1})
        self.client.version
        self.assertEqual(self.client.config.base_urls[0],
                         self.client.transport.url)

    def test_with_every_gateway_down_the_error_is_a_transport_error(self):
        pool = self.pool_id()
        self.sim.stop_gateway(0)
        self.sim.stop()
        self.assertRaises(exceptions.TransportError, self.client.create_volume,
                          'nowhere', pool, 8 * 1024 * 1024)
