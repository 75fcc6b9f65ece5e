"""What functional tests of the simulator share: a running simulator and a
tiny HTTP client that speaks to it the way gateway clients do (Basic auth
with the login token as password). The client is deliberately plain
``requests``: these tests witness the wire, not scaleio_client."""

import fixtures
import requests

from scaleio_sim import server
from tests import base

ADMIN = ('admin', 'Scaleio123')


class SimulatorFixture(fixtures.Fixture):
    """A simulator on a free port, stopped (and its files removed) after."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def _setUp(self):
        self.sim = server.Simulator(**self.kwargs)
        self.addCleanup(self.sim.stop)
        self.sim.start()


class Gateway:
    """Requests to one simulator, logged in as admin."""

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
                'volumeSizeInKb': str(size_gib * 1024 * 1024)}
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


class SimulatorTestCase(base.TestCase):
    """A test with a fresh default simulator (API 3.5) at ``self.sim``."""

    simulator_options = {}

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(
            SimulatorFixture(**self.simulator_options)).sim
        self.gw = Gateway(self.sim)

    def assertGatewayError(self, response, http_status, error_code):
        """The response is a gateway error body with these codes."""
        self.assertEqual(http_status, response.status_code, response.text)
        body = response.json()
        self.assertEqual(http_status, body['httpStatusCode'])
        self.assertEqual(error_code, body['errorCode'])
        self.assertIsInstance(body['message'], str)
        return body
