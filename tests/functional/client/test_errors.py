"""Gateway answers that are refusals or nonsense become typed errors, never
tracebacks: each error code the simulator produces, error bodies injected
on the wire, and bodies that are not JSON, empty or cut short."""

import ddt

from scaleio_client import exceptions
from scaleio_client import sizes
from tests.functional.client import base

NO_SUCH_ID = '0123456789abcdef'
SYSTEMS_PATH = '/api/types/System/instances'
SYSTEMS = 'GET /api/types/System/instances'


def error_body(code, status=500, message='Refused', **extra):
    return dict({'message': message, 'httpStatusCode': status,
                 'errorCode': code}, **extra)


class GatewayErrorsTestCase(base.ClientTestCase):

    def sdc_id(self, name='sdc1'):
        for sdc in self.client.sdcs():
            if sdc.name == name:
                return sdc.id
        raise KeyError(name)

    def volume_action(self, volume_id, verb, body):
        """An action sent as is: no client policy hides the refusal."""
        return self.client.transport.request(
            'POST', '/instances/Volume::%s/action/%s' % (volume_id, verb),
            body, idempotent=True)

    def assertRefused(self, cls, code, call, *args):
        error = self.assertRaises(cls, call, *args)
        self.assertIs(cls, type(error))
        self.assertEqual(code, error.error_code)
        self.assertIsInstance(error.message, str)
        self.assertTrue(error.message)
        return error


class TestErrorsTheGatewayProduces(GatewayErrorsTestCase):
    """Each code from the simulator doing what a gateway does."""

    def test_volume_not_found_is_79(self):
        error = self.assertRefused(exceptions.NotFound, 79,
                                   self.client.volume, NO_SUCH_ID)
        self.assertEqual(500, error.status)
        self.assertEqual('GET', error.method)
        self.assertEqual('/instances/Volume::%s' % NO_SUCH_ID, error.path)

    def test_protection_domain_not_found_is_142(self):
        self.assertRefused(exceptions.NotFound, 142,
                           self.client.protection_domain_id, 'no-such-pd')

    def test_storage_pool_not_found_is_3(self):
        self.assertRefused(exceptions.NotFound, 3,
                           self.client.storage_pool_id, 'pd1', 'no-such-sp')

    def test_sdc_not_found_is_3(self):
        self.assertRefused(exceptions.NotFound, 3, self.client.sdc,
                           NO_SUCH_ID)

    def test_name_in_use_is_99(self):
        self.create_volume('taken')
        self.assertRefused(exceptions.NameInUse, 99, self.create_volume,
                           'taken')
        self.assertEqual(1, len(self.volumes_named('taken')))

    def test_name_too_long_is_226(self):
        self.assertRefused(exceptions.NameTooLong, 226, self.create_volume,
                           'n' * 32)

    def test_shrinking_is_133(self):
        volume_id = self.create_volume('grown', size_gib=16)
        self.assertRefused(exceptions.CannotExtend, 133, self.volume_action,
                           volume_id, 'setVolumeSize', {'sizeInGB': '8'})

    def test_extending_to_the_current_size_again_is_not_an_error(self):
        volume_id = self.create_volume('grown', size_gib=8)
        self.client.extend_volume(volume_id, 16)
        self.client.extend_volume(volume_id, 16)
        self.assertEqual(16, self.client.volume(volume_id).size_gib)

    def test_already_mapped_is_81(self):
        volume_id = self.create_volume('mapped')
        body = {'sdcId': self.sdc_id(), 'allowMultipleMappings': 'True'}
        self.volume_action(volume_id, 'addMappedSdc', body)
        self.assertRefused(exceptions.AlreadyMapped, 81, self.volume_action,
                           volume_id, 'addMappedSdc', body)

    def test_mapping_twice_through_the_client_is_not_an_error(self):
        volume_id = self.create_volume('mapped')
        self.assertTrue(self.client.map_volume(volume_id, self.sdc_id()))
        self.assertFalse(self.client.map_volume(volume_id, self.sdc_id()))

    def test_not_mapped_is_84(self):
        volume_id = self.create_volume('unmapped')
        self.assertRefused(exceptions.NotMapped, 84, self.volume_action,
                           volume_id, 'removeMappedSdc',
                           {'sdcId': self.sdc_id()})

    def test_unmapping_twice_through_the_client_is_not_an_error(self):
        volume_id = self.create_volume('unmapped')
        self.client.map_volume(volume_id, self.sdc_id())
        self.assertTrue(self.client.unmap_volume(volume_id, self.sdc_id()))
        self.assertFalse(self.client.unmap_volume(volume_id, self.sdc_id()))

    def test_a_full_vtree_is_details_rc_182(self):
        volume_id = self.create_volume('busy')
        # One call asking for more snapshots than a 3.x vTree holds (126).
        definitions = [(volume_id, 'snap-%03d' % i) for i in range(127)]
        error = self.assertRefused(exceptions.TooManySnapshots, 0,
                                   self.client.snapshot_volumes, definitions)
        self.assertIn(182, [d['rc'] for d in error.details])
        self.assertIn('too many snapshots', str(error))
        self.assertEqual([], self.volumes_named('snap-000'))

    def test_migration_in_progress_is_717(self):
        volume_id = self.create_volume('moving')
        body = {'destSPId': self.pool_id('sp2'),
                'volTypeConversion': 'NoConversion'}
        self.volume_action(volume_id, 'migrateVTree', body)
        self.assertRefused(exceptions.MigrationInProgress, 717,
                           self.volume_action, volume_id, 'migrateVTree',
                           body)

    def test_migrating_twice_through_the_client_says_in_progress(self):
        volume_id = self.create_volume('moving')
        self.assertEqual('started', self.client.migrate_vtree(
            volume_id, self.pool_id('sp2')))
        self.assertEqual('in progress', self.client.migrate_vtree(
            volume_id, self.pool_id('sp2')))

    def test_already_in_the_destination_pool_is_718(self):
        volume_id = self.create_volume('staying')
        self.assertRefused(exceptions.AlreadyInPool, 718, self.volume_action,
                           volume_id, 'migrateVTree',
                           {'destSPId': self.pool_id('sp1')})
        self.assertEqual('done', self.client.migrate_vtree(
            volume_id, self.pool_id('sp1')))

    def test_removing_a_mapped_volume_is_a_plain_gateway_error(self):
        volume_id = self.create_volume('in-use')
        self.client.map_volume(volume_id, self.sdc_id())
        self.assertRefused(exceptions.GatewayError, 104, self.volume_action,
                           volume_id, 'removeVolume',
                           {'removeMode': 'ONLY_ME'})

    def test_a_malformed_request_is_a_400_gateway_error(self):
        error = self.assertRefused(
            exceptions.GatewayError, 0, self.client.transport.request,
            'POST', '/types/Volume/instances', {'name': 'no-pool'})
        self.assertEqual(400, error.status)

    def test_an_unknown_path_is_a_404_gateway_error(self):
        error = self.assertRaises(exceptions.GatewayError,
                                  self.client.transport.request, 'GET',
                                  '/types/Nothing/instances')
        self.assertEqual(404, error.status)

    def test_the_error_names_the_request_and_the_answer(self):
        error = self.assertRaises(exceptions.NotFound, self.client.volume,
                                  NO_SUCH_ID)
        self.assertIn('(GET /instances/Volume::%s -> HTTP 500, errorCode 79)'
                      % NO_SUCH_ID, str(error))
        self.assertIn('Could not find the volume', str(error))


class TestMappingErrorsOfApi4(GatewayErrorsTestCase):
    simulator_options = {'api_version': '4.0'}

    def test_already_mapped_is_4037(self):
        volume_id = self.create_volume('mapped')
        body = {'sdcId': self.sdc_id(), 'allowMultipleMappings': 'True'}
        self.volume_action(volume_id, 'addMappedSdc', body)
        self.assertRefused(exceptions.AlreadyMapped, 4037,
                           self.volume_action, volume_id, 'addMappedSdc',
                           body)

    def test_not_mapped_is_4039(self):
        volume_id = self.create_volume('unmapped')
        self.assertRefused(exceptions.NotMapped, 4039, self.volume_action,
                           volume_id, 'removeMappedSdc',
                           {'sdcId': self.sdc_id()})


@ddt.ddt
class TestErrorBodiesOnTheWire(GatewayErrorsTestCase):
    """Error bodies the simulator is told to send, each to its class."""

    @ddt.named_data(
        ('code_0_generic', 0, exceptions.GatewayError),
        ('code_3_not_found', 3, exceptions.NotFound),
        # 78 is older ScaleIO's "volume not found"; only injection makes it.
        ('code_78_not_found_old', 78, exceptions.NotFound),
        ('code_79_volume_not_found', 79, exceptions.NotFound),
        ('code_142_domain_not_found', 142, exceptions.NotFound),
        ('code_81_already_mapped', 81, exceptions.AlreadyMapped),
        ('code_4037_already_mapped', 4037, exceptions.AlreadyMapped),
        ('code_84_not_mapped', 84, exceptions.NotMapped),
        ('code_4039_not_mapped', 4039, exceptions.NotMapped),
        ('code_99_name_in_use', 99, exceptions.NameInUse),
        ('code_133_cannot_extend', 133, exceptions.CannotExtend),
        ('code_226_name_too_long', 226, exceptions.NameTooLong),
        ('code_717_migrating', 717, exceptions.MigrationInProgress),
        ('code_718_already_there', 718, exceptions.AlreadyInPool),
        ('code_104_unknown_to_the_client', 104, exceptions.GatewayError),
    )
    def test_error_code_maps_to_its_exception(self, code, cls):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 500, 'body': error_body(code)})
        error = self.assertRefused(cls, code, self.client.system)
        self.assertEqual(500, error.status)
        self.assertEqual('Refused', error.message)

    def test_details_rc_182_maps_to_too_many_snapshots(self):
        details = [{'rc': 182, 'error': 'TOO_MANY_SNAPS_IN_VTREE',
                    'errorMessage': 'full'}]
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'body': error_body(0, details=details,
                                                message='Error with details'),
                             'status': 500})
        error = self.assertRefused(exceptions.TooManySnapshots, 0,
                                   self.client.system)
        self.assertEqual(details, error.details)

    def test_an_error_body_without_a_message_still_raises(self):
        self.sim.faults.add({'action': 'error', 'path': SYSTEMS_PATH,
                             'status': 500, 'body': {'errorCode': 79}})
        error = self.assertRefused(exceptions.NotFound, 79,
                                   self.client.system)
        self.assertTrue(error.message)


@ddt.ddt
class TestMalformedAnswers(GatewayErrorsTestCase):
    """Bodies that are not what the API promises.

    The simulator's ``error`` fault sends a string body byte for byte.
    """

    def answer_with(self, path, status, body, method=None):
        rule = {'action': 'error', 'path': path, 'status': status,
                'body': body}
        if method:
            rule['method'] = method
        self.sim.faults.add(rule)

    @ddt.named_data(
        ('html', '<html><body>Gateway</body></html>'),
        ('plain_text', 'OK'),
        ('truncated_object', '[{"id": "5c1a0de4a7e1'),
        ('truncated_string', '"5c1a0de4'),
        ('binary', '\x00\x01\x02'),
    )
    def test_a_200_that_is_not_json_is_a_protocol_error(self, body):
        self.answer_with(SYSTEMS_PATH, 200, body)
        error = self.assertRaises(exceptions.ProtocolError,
                                  self.client.system)
        self.assertEqual(200, error.status)
        self.assertEqual('/types/System/instances', error.path)

    def test_a_malformed_200_is_not_retried(self):
        self.answer_with(SYSTEMS_PATH, 200, '{"id": ')
        self.assertRaises(exceptions.ProtocolError, self.client.system)
        self.assertEqual(1, self.sim_count(SYSTEMS))

    def test_an_empty_system_list_is_a_protocol_error(self):
        self.answer_with(SYSTEMS_PATH, 200, '')
        self.assertRaises(exceptions.ProtocolError, self.client.system)

    def test_an_empty_200_for_a_volume_is_a_protocol_error(self):
        self.answer_with('/api/instances/Volume::*', 200, '')
        self.assertRaises(exceptions.ProtocolError, self.client.volume,
                          NO_SUCH_ID)

    @ddt.named_data(
        ('empty', ''),
        ('object_without_id', '{}'),
        ('truncated', '{"id": "0123'),
    )
    def test_a_create_answer_without_an_id_is_a_protocol_error(self, body):
        pool_id = self.pool_id()
        self.answer_with('/api/types/Volume/instances', 200, body,
                         method='POST')
        self.assertRaises(exceptions.ProtocolError, self.client.create_volume,
                          'answer-without-id', pool_id, 8 * sizes.KIB_PER_GIB)

    def test_an_empty_200_for_an_action_is_success(self):
        volume_id = self.create_volume('named')
        self.client.rename_volume(volume_id, 'renamed')
        self.assertEqual('renamed', self.client.volume(volume_id).name)

    @ddt.named_data(
        ('truncated_string', '"Y2FmZWJh'),
        ('object', '{"token": "Y2FmZWJhYmU="}'),
        ('empty', ''),
        ('html', '<html>login</html>'),
    )
    def test_a_login_answer_that_is_not_a_token_is_a_protocol_error(
            self, body):
        self.answer_with('/api/login', 200, body)
        error = self.assertRaises(exceptions.ProtocolError,
                                  self.client.system)
        self.assertEqual('/login', error.path)

    @ddt.named_data(
        ('truncated', '"3.5'),
        ('not_a_version', '"bad"'),
        ('html', '<html>3.5</html>'),
    )
    def test_a_version_answer_that_is_not_a_version_is_a_protocol_error(
            self, body):
        self.answer_with('/api/version', 200, body)
        self.assertRaises(exceptions.ProtocolError, getattr, self.client,
                          'version')

    @ddt.named_data(
        ('html', 400, '<html>Bad Request</html>'),
        ('empty', 404, ''),
        ('truncated_json', 409, '{"errorCode": 99, "mess'),
        ('json_without_error_code', 409, '{"message": "Conflict"}'),
    )
    def test_a_4xx_without_an_error_code_is_a_gateway_error(self, status,
                                                            body):
        self.answer_with(SYSTEMS_PATH, status, body)
        error = self.assertRaises(exceptions.GatewayError,
                                  self.client.system)
        self.assertIs(exceptions.GatewayError, type(error))
        self.assertEqual(status, error.status)
        self.assertIsNone(error.error_code)
        self.assertEqual(1, self.sim_count(SYSTEMS))

    def test_the_message_of_a_body_without_error_code_is_kept(self):
        self.answer_with(SYSTEMS_PATH, 409, '{"message": "Conflict here"}')
        error = self.assertRaises(exceptions.GatewayError,
                                  self.client.system)
        self.assertEqual('Conflict here', error.message)

    @ddt.named_data(
        ('html', '<html>Internal Server Error</html>'),
        ('empty', ''),
        ('truncated_json', '{"errorCode": 79, "mess'),
        ('json_string', '"oops"'),
    )
    def test_a_5xx_that_is_not_an_error_body_is_a_transport_error(self,
                                                                  body):
        gateway = self.make_client(retries=1)
        self.answer_with(SYSTEMS_PATH, 500, body)
        error = self.assertRaises(exceptions.TransportError, gateway.system)
        self.assertEqual(500, error.status)
        self.assertEqual(2, self.sim_count(SYSTEMS))
