"""What functional tests of scaleio_client share: a running simulator and a
client pointed at it over real HTTP (HTTPS when the simulator serves TLS,
verified with the simulator's CA file)."""

from scaleio_client import sizes
from tests import base
from tests.support import common


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
            common.SimulatorFixture(**self.simulator_options)).sim
        self.client = self.make_client()

    def make_config(self, **overrides):
        return common.client_config(
            self.sim, **dict(self.client_options, **overrides))

    def make_client(self, sleep=None, **config_overrides):
        """A client of the simulator; ``sleep`` replaces the retry sleep."""
        return self.useFixture(common.ClientFixture(
            self.sim, sleep=sleep,
            **dict(self.client_options, **config_overrides))).client

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
                                         size_gib * sizes.KIB_PER_GIB,
                                         **kwargs)

    def volumes_named(self, name, pool='sp1'):
        return [v for v in self.client.pool_volumes(self.pool_id(pool))
                if v.name == name]
