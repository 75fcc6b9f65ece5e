"""PowerFlex 5.x: erasure-coded protection domains next to mirrored ones.

EC pools allocate whole GiB (no 8 GiB unit) and take no compression
method; their snapshots and clones go through ``createSnapshot`` and
``createThinClone`` (``snapshotVolumes`` stays for mirrored pools); their
capacity comes from the dtapi metrics query. 4.x and later also log in
through PFMP's ``/rest/auth/login`` for a Bearer token.
"""

import ddt
import requests

from scaleio_client import sizes
from scaleio_sim import server
from tests import base
from tests.support import common

MIXED = {
    'protection_domains': [
        {'name': 'mirror', 'storage_pools': [{'name': 'mg'}]},
        {'name': 'ec', 'generation': 'EC', 'storage_pools': [{'name': 'ecp'}]},
    ],
}
METRICS = '/dtapi/rest/v1/metrics/query'


class PowerFlex5TestCase(base.TestCase):

    api_version = '5.0'

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(common.SimulatorFixture(
            api_version=self.api_version, topology=MIXED)).sim
        self.gw = common.Gateway(self.sim)

    def create(self, pool, size_kib, domain, **extra):
        body = dict({'storagePoolId': self.gw.pool_id(pool, domain),
                     'volumeSizeInKb': str(size_kib),
                     'volumeType': 'ThinProvisioned'}, **extra)
        return self.gw.post('/types/Volume/instances', body)

    def dtapi(self, body):
        """A metrics query, authenticated as every gateway call is."""
        token = self.gw.login()
        return self.gw.session.post(self.sim.url + METRICS, json=body,
                                    auth=(common.USERNAME, token),
                                    timeout=30)

    def call(self, verb, volume_id, name=None):
        definition = {'volumeId': volume_id}
        if name:
            definition['snapshotName'] = name
        return self.gw.post('/instances/System/action/%s' % verb,
                            {'snapshotDefs': [definition]})


@ddt.ddt
class TestErasureCoding(PowerFlex5TestCase):

    def test_each_domain_says_its_generation(self):
        domains = {d['name']: d['genType'] for d in
                   self.gw.ok_get('/types/ProtectionDomain/instances')}
        self.assertEqual({'mirror': 'Mirroring', 'ec': 'EC'}, domains)
        ids = [self.gw.pd_id('ec')]
        [found] = self.gw.ok_post('/types/ProtectionDomain/instances/action/'
                                  'queryBySelectedIds', {'ids': ids})
        self.assertEqual('EC', found['genType'])

    @ddt.data((1, 1), (3, 3), (9, 9))
    @ddt.unpack
    def test_ec_pools_allocate_whole_gib(self, size_gib, expected_gib):
        volume_id = self.gw.ok(self.create(
            'ecp', size_gib * sizes.KIB_PER_GIB, 'ec'))['id']
        self.assertEqual(expected_gib * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': str(size_gib + 2)}))
        self.assertEqual((expected_gib + 2) * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    def test_mirrored_pools_keep_the_8_gib_unit(self):
        volume_id = self.gw.ok(self.create('mg', sizes.KIB_PER_GIB,
                                           'mirror'))['id']
        self.assertEqual(8 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    def test_ec_takes_no_compression_method(self):
        r = self.create('ecp', sizes.KIB_PER_GIB, 'ec',
                        compressionMethod='None')
        self.assertEqual(400, r.status_code, r.text)
        self.assertIn('compressionMethod', r.json()['message'])

    def test_ec_snapshots_and_thin_clones(self):
        volume_id = self.gw.ok(self.create('ecp', sizes.KIB_PER_GIB,
                                           'ec'))['id']
        [snap] = self.gw.ok(self.call('createSnapshot', volume_id,
                                      's1'))['volumeIdList']
        [clone] = self.gw.ok(self.call('createThinClone', volume_id,
                                       'c1'))['volumeIdList']
        self.assertEqual('Snapshot', self.gw.volume(snap)['volumeType'])
        self.assertEqual('ThinProvisioned',
                         self.gw.volume(clone)['volumeType'])
        self.assertEqual(volume_id, self.gw.volume(clone)['ancestorVolumeId'])
        # snapshotVolumes is for mirrored pools only, and the other way.
        r = self.call('snapshotVolumes', volume_id)
        self.assertEqual(500, r.status_code, r.text)
        self.assertIn('createSnapshot', r.json()['message'])
        mirrored = self.gw.ok(self.create('mg', sizes.KIB_PER_GIB,
                                          'mirror'))['id']
        r = self.call('createSnapshot', mirrored)
        self.assertEqual(500, r.status_code, r.text)
        self.assertIn('snapshotVolumes', r.json()['message'])

    def test_metrics_of_an_ec_pool_in_bytes(self):
        pool = self.gw.pool_id('ecp', 'ec')
        self.gw.ok(self.create('ecp', 3 * sizes.KIB_PER_GIB, 'ec'))
        answer = self.gw.ok(self.dtapi({
            'resource_type': 'storage_pool', 'ids': [pool],
            'metrics': ['physical_total', 'logical_provisioned',
                        'physical_free']}))
        [resource] = answer['resources']
        metrics = {m['name']: m['values'][0] for m in resource['metrics']}
        self.assertEqual(pool, resource['id'])
        self.assertEqual(3 * common.BYTES_PER_GIB,
                         metrics['logical_provisioned'])
        self.assertEqual(1024 * common.BYTES_PER_GIB,
                         metrics['physical_total'])
        self.assertLessEqual(metrics['physical_free'],
                             metrics['physical_total'])

    @ddt.data({'resource_type': 'volume', 'ids': [], 'metrics': []},
              {'resource_type': 'storage_pool', 'ids': [],
               'metrics': ['nonsense']})
    def test_a_bad_metrics_query_is_400(self, body):
        self.assertEqual(400, self.dtapi(body).status_code)


class TestPfmpLogin(PowerFlex5TestCase):

    def test_json_credentials_give_a_bearer_token(self):
        r = requests.post(self.sim.url + '/rest/auth/login',
                          json={'username': common.USERNAME,
                                'password': common.PASSWORD}, timeout=30)
        self.assertEqual(200, r.status_code, r.text)
        token = r.json()['access_token']
        r = requests.get(self.sim.api_url + '/version', timeout=30,
                         headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(200, r.status_code, r.text)

    def test_wrong_credentials_are_401(self):
        r = requests.post(self.sim.url + '/rest/auth/login',
                          json={'username': common.USERNAME,
                                'password': 'wrong'}, timeout=30)
        self.assertEqual(401, r.status_code, r.text)


@ddt.ddt
class TestBefore5(base.TestCase):

    def test_ec_domains_need_5_0(self):
        error = self.assertRaises(ValueError, server.Simulator,
                                  api_version='4.5', topology=MIXED)
        self.assertIn('5.0', str(error))

    @ddt.data(('4.5', METRICS), ('4.5', '/api/instances/System/action/'
                                        'createSnapshot'),
              ('3.5', '/rest/auth/login'))
    @ddt.unpack
    def test_newer_calls_are_unknown_before_their_version(self, version,
                                                          path):
        sim = self.useFixture(common.SimulatorFixture(
            api_version=version)).sim
        r = common.Gateway(sim).session.post(sim.url + path, json={},
                                             timeout=30)
        self.assertEqual(404, r.status_code, r.text)
