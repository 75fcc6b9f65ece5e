"""What functional tests of scaleio_client share: a running simulator and a
client pointed at it over real HTTP (HTTPS when the simulator serves TLS,
verified with the simulator's CA file)."""

from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import transport as transport_mod
from tests import base
from tests.functional.sim import base as sim_base

USERNAME = 'admin'
PASSWORD = 'Scaleio123'
GIB_IN_KIB = 1024 * 1024


class ClientTestCase(base.TestCase):
    """A fresh simulator at ``self.sim`` and a client of it at ``self.client``.

    ``simulator_options`` go to the Simulator, ``client_options`` to every
    GatewayConfig this test makes; :meth:`make_client` makes more clients.
    """

    simulator_options = {}
    client_options = {}

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(
            sim_base.SimulatorFixture(**self.simulator_options)).sim
        self.client = self.make_client()

    def make_config(self, **overrides):
        options = {'username': USERNAME, 'password': PASSWORD,
                   # Fast tests: short backoff, timeouts that end a hang.
                   'retry_backoff': 0.01, 'retry_backoff_max': 0.05,
                   'connect_timeout': 5.0, 'read_timeout': 10.0}
        if self.sim.tls:
            options['ca_bundle'] = self.sim.ca_file
        options.update(self.client_options)
        options.update(overrides)
        url = options.pop('url', self.sim.url)
        return config_mod.GatewayConfig.from_url(url, **options)

    def make_client(self, sleep=None, **config_overrides):
        """A client of the simulator; ``sleep`` replaces the retry sleep."""
        config = self.make_config(**config_overrides)
        transport = None
        if sleep is not None:
            transport = transport_mod.Transport(config, sleep=sleep)
        gateway = client_mod.ScaleIOClient(config, transport=transport)

        def close():
            # Faults left by the test must not slow the logout down.
            self.sim.faults.clear()
            gateway.close()
        self.addCleanup(close)
        return gateway

    # -------------------------------------------------------- wire facts
    def sim_count(self, endpoint):
        """Requests the simulator saw for ``'METHOD /api/path'``."""
        return self.sim.log.counters().get(endpoint, 0)

    def sim_statuses(self, endpoint):
        """The statuses of the simulator's answers to one endpoint."""
        return [e['status'] for e in self.sim.log.recent()
                if e['endpoint'] == endpoint]

    def sim_tokens(self):
        """The token values the simulator holds now."""
        with self.sim.tokens.lock:
            return set(self.sim.tokens.tokens)

    # ------------------------------------------ the default system's objects
    def pool_id(self, pool='sp1', domain='pd1'):
        return self.client.storage_pool_id(domain, pool)

    def create_volume(self, name, size_gib=8, pool='sp1', **kwargs):
        return self.client.create_volume(name, self.pool_id(pool),
                                         size_gib * GIB_IN_KIB, **kwargs)

    def volumes_named(self, name, pool='sp1'):
        return [v for v in self.client.pool_volumes(self.pool_id(pool))
                if v.name == name]
