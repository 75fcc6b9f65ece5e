"""How the gateway answers: JSON error bodies for every failure, exactly 200
for every success, and an empty body for actions."""

import ddt

from tests.functional.sim import base

UNKNOWN_ID = '0123456789abcdef'


class ErrorTestCase(base.SimulatorTestCase):

    def raw_post(self, path, data):
        return self.gw.request('POST', path, data=data, headers={
            'Content-Type': 'application/json'})

    def assertJsonError(self, response, http_status):
        """A gateway error body that the simulator itself chose to send."""
        self.assertNotIn('Traceback', response.text)
        body = self.assertGatewayError(response, http_status,
                                       response.json().get('errorCode'))
        self.assertIsInstance(body['errorCode'], int)
        self.assertTrue(response.headers['Content-Type'].startswith(
            'application/json'), response.headers['Content-Type'])
        self.assertNotIn('Internal error', body['message'])
        return body


@ddt.ddt
class TestRequestErrors(ErrorTestCase):

    @ddt.data(b'{not json', b'{"name": "vol",}', b'\xff\xfe', b'{"a": 1')
    def test_malformed_json_body_is_400_error_0(self, data):
        r = self.raw_post('/types/Volume/instances', data)
        self.assertGatewayError(r, 400, 0)
        self.assertNotIn('Traceback', r.text)

    @ddt.data(b'[]', b'[{"name": "vol"}]', b'"vol"', b'42', b'null',
              b'true')
    def test_json_body_that_is_not_an_object_is_400(self, data):
        r = self.raw_post('/types/Volume/instances', data)
        self.assertGatewayError(r, 400, 0)
        self.assertEqual([], self.gw.ok_get('/types/Volume/instances'))

    def test_malformed_body_on_an_action_changes_nothing(self):
        volume_id = self.gw.create_volume('vol')
        r = self.raw_post('/instances/Volume::%s/action/addMappedSdc'
                          % volume_id, b'{"sdcId": ')
        self.assertGatewayError(r, 400, 0)
        self.assertIsNone(self.gw.volume(volume_id)['mappedSdcInfo'])

    @ddt.data('/nothing', '/types/Nothing/instances',
              '/instances/Nothing::%s' % UNKNOWN_ID,
              '/types/Volume/instances/getByNothing::x',
              '/instances/Volume::%s/nothing' % UNKNOWN_ID)
    def test_unknown_path_is_a_json_404(self, path):
        self.assertJsonError(self.gw.get(path), 404)

    def test_path_outside_the_api_is_a_json_404(self):
        r = self.gw.session.get(self.sim.url + '/index.html')
        self.assertJsonError(r, 404)

    @ddt.unpack
    @ddt.data(('PUT', '/types/Volume/instances'),
              ('DELETE', '/instances/Volume::%s' % UNKNOWN_ID),
              ('POST', '/version'),
              ('GET', '/instances/Volume::%s/action/removeVolume'
               % UNKNOWN_ID),
              ('PATCH', '/types/Sdc/instances'))
    def test_wrong_method_is_a_json_405(self, method, path):
        self.assertJsonError(self.gw.request(method, path), 405)

    def test_unknown_volume_action_is_404(self):
        volume_id = self.gw.create_volume('vol')
        r = self.gw.action(volume_id, 'explodeVolume')
        self.assertGatewayError(r, 404, 0)
        self.assertNotIn('Traceback', r.text)


@ddt.ddt
class TestNoSimulatorFailures(ErrorTestCase):
    """Wrong types in bodies are refused, never crash the simulator."""

    def setUp(self):
        super().setUp()
        self.volume_id = self.gw.create_volume('vol')
        self.sdc_id = self.gw.sdc()['id']

    @ddt.data({'storagePoolId': 5}, {'storagePoolId': ['x']},
              {'volumeSizeInKb': 'big'}, {'volumeSizeInKb': None},
              {'volumeSizeInKb': 1.5}, {'name': 7},
              {'volumeType': ['ThinProvisioned']},
              {'compressionMethod': {}}, {'protectionDomainId': 5})
    def test_create_volume_with_wrong_types(self, change):
        body = {'storagePoolId': self.gw.pool_id(), 'name': 'new',
                'volumeType': 'ThinProvisioned', 'volumeSizeInKb': '8388608'}
        body.update(change)
        r = self.gw.post('/types/Volume/instances', body)
        self.assertJsonError(r, r.status_code)
        self.assertGreaterEqual(r.status_code, 400)

    @ddt.unpack
    @ddt.data(('addMappedSdc', {'sdcId': 5}),
              ('addMappedSdc', {'sdcId': ['x']}),
              ('addMappedSdc', {'guid': 5}),
              ('addMappedSdc', {'guid': None}),
              ('addMappedSdc', {'sdcId': 'SDC', 'allowMultipleMappings': 5}),
              ('addMappedSdc', {'sdcId': 'SDC', 'accessMode': ['x']}),
              ('removeMappedSdc', {'sdcId': {}}),
              ('setMappedSdcLimits', {'sdcId': 'SDC', 'iopsLimit': None}),
              ('setMappedSdcLimits', {'sdcId': 'SDC',
                                      'bandwidthLimitInKbps': [1024]}),
              ('setVolumeSize', {'sizeInGB': None}),
              ('setVolumeSize', {'sizeInGB': '1.5'}),
              ('setVolumeName', {'newName': None}),
              ('setVolumeName', {'newName': ['x']}),
              ('removeVolume', {'removeMode': ['ONLY_ME']}),
              ('overwriteVolumeContent', {'srcVolumeId': ['x']}),
              ('migrateVTree', {'destSPId': ['x']}))
    def test_volume_action_with_wrong_types(self, verb, body):
        body = {k: self.sdc_id if v == 'SDC' else v for k, v in body.items()}
        if verb == 'setMappedSdcLimits':
            self.gw.map(self.volume_id)
        r = self.gw.action(self.volume_id, verb, body)
        self.assertJsonError(r, r.status_code)
        self.assertGreaterEqual(r.status_code, 400)

    @ddt.unpack
    @ddt.data(('/types/Volume/instances/action/queryBySelectedIds',
               {'ids': [['x']]}),
              ('/types/Volume/instances/action/queryIdByKey', {'name': 5}),
              ('/types/StoragePool/instances/action/queryIdByKey',
               {'name': 'sp1', 'protectionDomainId': ['x']}),
              ('/types/StoragePool/instances/action/querySelectedStatistics',
               {'ids': 'x', 'properties': ['netUnusedCapacityInKb']}),
              ('/instances/System/action/snapshotVolumes',
               {'snapshotDefs': 'x'}),
              ('/instances/System/action/snapshotVolumes',
               {'snapshotDefs': [{'volumeId': ['x']}]}),
              ('/instances/System/action/snapshotVolumes',
               {'snapshotDefs': [{'volumeId': 'VOLUME',
                                  'snapshotName': 5}]}))
    def test_queries_with_wrong_types(self, path, body):
        if 'snapshotDefs' in body and isinstance(body['snapshotDefs'], list):
            body['snapshotDefs'][0] = {
                k: self.volume_id if v == 'VOLUME' else v
                for k, v in body['snapshotDefs'][0].items()}
        r = self.gw.post(path, body)
        self.assertJsonError(r, r.status_code)
        self.assertGreaterEqual(r.status_code, 400)


class TestSuccess(ErrorTestCase):

    def test_queries_answer_exactly_200(self):
        for path in ('/version', '/types/Sdc/instances',
                     '/types/Domain/instances/getByName::pd1'):
            self.assertEqual(200, self.gw.get(path).status_code, path)

    def test_create_answers_200_not_201(self):
        r = self.gw.post('/types/Volume/instances', {
            'storagePoolId': self.gw.pool_id(), 'name': 'vol',
            'volumeType': 'ThinProvisioned', 'volumeSizeInKb': '8388608'})
        self.assertEqual(200, r.status_code, r.text)
        self.assertEqual(['id'], list(r.json()))

    def test_snapshot_answers_200_with_the_new_ids(self):
        volume_id = self.gw.create_volume('vol')
        r = self.gw.post('/instances/System/action/snapshotVolumes', {
            'snapshotDefs': [{'volumeId': volume_id,
                              'snapshotName': 'snap'}]})
        self.assertEqual(200, r.status_code, r.text)
        self.assertEqual(1, len(r.json()['volumeIdList']))

    def test_actions_answer_200_with_an_empty_body(self):
        volume_id = self.gw.create_volume('vol')
        sdc_id = self.gw.sdc()['id']
        for verb, body in (
                ('addMappedSdc', {'sdcId': sdc_id,
                                  'allowMultipleMappings': 'True'}),
                ('setMappedSdcLimits', {'sdcId': sdc_id,
                                        'iopsLimit': '80'}),
                ('removeMappedSdc', {'sdcId': sdc_id}),
                ('setVolumeSize', {'sizeInGB': '16'}),
                ('setVolumeName', {'newName': 'renamed'}),
                ('removeVolume', {'removeMode': 'ONLY_ME'})):
            r = self.gw.action(volume_id, verb, body)
            self.assertEqual(200, r.status_code, '%s: %s' % (verb, r.text))
            self.assertEqual(b'', r.content, verb)

    def test_action_with_no_body_at_all_is_parsed_as_empty(self):
        volume_id = self.gw.create_volume('vol')
        r = self.gw.request('POST', '/instances/Volume::%s/action/'
                            'removeVolume' % volume_id)
        self.assertGatewayError(r, 400, 0)
        self.assertIn('removeMode', r.json()['message'])
