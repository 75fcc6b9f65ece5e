"""What tests of both sides share (it imports neither Cinder nor Nova):
size units, a fake clock, the default simulated system's credentials and
SDCs, a simulator on a free port, and clients of it: ``scaleio_client``'s
and a plain ``requests`` one that witnesses the wire.

KiB per GiB is ``scaleio_client.sizes.KIB_PER_GIB``; the units it lacks
are here, each with its unit in its name.
"""

import fixtures
import requests

from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import sizes
from scaleio_client import transport as transport_mod
from scaleio_sim import server

BYTES_PER_KIB = 1024
BYTES_PER_MIB = 1024 ** 2
BYTES_PER_GIB = 1024 ** 3
KIB_PER_MIB = 1024

# The default simulated system (scaleio_sim.topology).
USERNAME = 'admin'
PASSWORD = 'Scaleio123'
ADMIN = (USERNAME, PASSWORD)
SDC1_GUID = '5C1A0001-0000-4000-8000-000000000001'
SDC2_GUID = '5C1A0001-0000-4000-8000-000000000002'


class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class SimulatorFixture(fixtures.Fixture):
    """A simulator on a free port, stopped (and its files removed) after."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def _setUp(self):
        self.sim = server.Simulator(**self.kwargs)
        self.addCleanup(self.sim.stop)
        self.sim.start()


def client_config(sim, **overrides):
    """GatewayConfig for a scaleio_client of ``sim``.

    Fast tests: short backoff, timeouts that end a hang; over HTTPS the
    simulator's CA file verifies it. ``url`` in ``overrides`` replaces the
    simulator's.
    """
    options = {'username': USERNAME, 'password': PASSWORD,
               'retry_backoff': 0.01, 'retry_backoff_max': 0.05,
               'connect_timeout': 5.0, 'read_timeout': 10.0}
    if sim.tls:
        options['ca_bundle'] = sim.ca_file
    options.update(overrides)
    url = options.pop('url', sim.url)
    return config_mod.GatewayConfig.from_url(url, **options)


class ClientFixture(fixtures.Fixture):
    """A scaleio_client of a simulator (``client``), closed after.

    ``sleep`` replaces the retry sleep; other keywords override
    :func:`client_config`.
    """

    def __init__(self, sim, sleep=None, **config_overrides):
        super().__init__()
        self.sim = sim
        self.sleep = sleep
        self.config_overrides = config_overrides

    def _setUp(self):
        config = client_config(self.sim, **self.config_overrides)
        transport = None
        if self.sleep is not None:
            transport = transport_mod.Transport(config, sleep=self.sleep)
        self.client = client_mod.ScaleIOClient(config, transport=transport)
        self.addCleanup(self._close)

    def _close(self):
        # Faults left by the test must not slow the logout down.
        self.sim.faults.clear()
        self.client.close()


class Gateway:
    """Requests to one simulator, logged in as admin.

    Deliberately plain ``requests`` (Basic auth with the login token as
    password, as gateway clients do): it witnesses the wire, or plays
    another tool, not scaleio_client.
    """

    def __init__(self, sim, user=ADMIN, verify=True):
        self.sim = sim
        self.session = requests.Session()
        # The environment (REQUESTS_CA_BUNDLE, proxies) must not override
        # what a test asks for.
        self.session.trust_env = False
        self.session.verify = verify
        self.user = user
        self.token = None

    def login(self):
        r = self.session.get(self.sim.api_url + '/login', auth=self.user,
                             timeout=30)
        assert r.status_code == 200, r.text
        self.token = r.json()
        return self.token

    def request(self, method, path, body=None, **kwargs):
        if self.token is None:
            self.login()
        kwargs.setdefault('auth', (self.user[0], self.token))
        kwargs.setdefault('timeout', 30)
        if body is not None:
            kwargs['json'] = body
        return self.session.request(method, self.sim.api_url + path,
                                    **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, {} if body is None else body,
                            **kwargs)

    def ok(self, response):
        assert response.status_code == 200, (
            '%s %s -> %s %s' % (response.request.method, response.url,
                                response.status_code, response.text))
        return response.json() if response.content else None

    def ok_get(self, path):
        return self.ok(self.get(path))

    def ok_post(self, path, body=None):
        return self.ok(self.post(path, body))

    # Shortcuts for the objects of the default system.
    def pd_id(self, name='pd1'):
        return self.ok_get('/types/Domain/instances/getByName::%s' % name)

    def pool_id(self, name='sp1', pd='pd1'):
        return self.ok_get('/types/Pool/instances/getByName::%s,%s'
                           % (self.pd_id(pd), name))

    def sdc(self, name='sdc1'):
        for sdc in self.ok_get('/types/Sdc/instances'):
            if sdc['name'] == name:
                return sdc
        raise KeyError(name)

    def create_volume(self, name, size_gib=8, pool='sp1',
                      volume_type='ThinProvisioned', **extra):
        body = {'storagePoolId': self.pool_id(pool), 'name': name,
                'volumeType': volume_type,
                'volumeSizeInKb': str(size_gib * sizes.KIB_PER_GIB)}
        body.update(extra)
        return self.ok_post('/types/Volume/instances', body)['id']

    def volume(self, volume_id):
        return self.ok_get('/instances/Volume::%s' % volume_id)

    def snapshot(self, volume_id, name=None):
        definition = {'volumeId': volume_id}
        if name:
            definition['snapshotName'] = name
        return self.ok_post('/instances/System/action/snapshotVolumes',
                            {'snapshotDefs': [definition]})['volumeIdList'][0]

    def action(self, volume_id, verb, body=None):
        return self.post('/instances/Volume::%s/action/%s'
                         % (volume_id, verb), body)

    def map(self, volume_id, sdc='sdc1', multiple=True):
        return self.ok(self.action(volume_id, 'addMappedSdc', {
            'sdcId': self.sdc(sdc)['id'],
            'allowMultipleMappings': 'True' if multiple else 'False'}))
