"""Gateway error bodies to exceptions, and what an error says."""

import ddt

from scaleio_client import exceptions
from tests import base

PATH = '/instances/Volume::0123456789abcdef'


def body(code, message='Refused', **extra):
    return dict({'message': message, 'httpStatusCode': 500,
                 'errorCode': code}, **extra)


@ddt.ddt
class TestFromErrorBody(base.TestCase):

    @ddt.named_data(
        ('code_0', 0, exceptions.GatewayError),
        ('code_3', 3, exceptions.NotFound),
        ('code_78', 78, exceptions.NotFound),
        ('code_79', 79, exceptions.NotFound),
        ('code_142', 142, exceptions.NotFound),
        ('code_81', 81, exceptions.AlreadyMapped),
        ('code_4037', 4037, exceptions.AlreadyMapped),
        ('code_84', 84, exceptions.NotMapped),
        ('code_4039', 4039, exceptions.NotMapped),
        ('code_99', 99, exceptions.NameInUse),
        ('code_133', 133, exceptions.CannotExtend),
        ('code_226', 226, exceptions.NameTooLong),
        ('code_717', 717, exceptions.MigrationInProgress),
        ('code_718', 718, exceptions.AlreadyInPool),
        ('code_104', 104, exceptions.GatewayError),
        ('code_9001', 9001, exceptions.GatewayError),
        ('code_401', 401, exceptions.GatewayError),
        ('code_none', None, exceptions.GatewayError),
    )
    def test_error_code_maps_to_its_class(self, code, cls):
        error = exceptions.from_error_body(body(code), 'GET', PATH, 500)
        self.assertIs(cls, type(error))
        self.assertIsInstance(error, exceptions.GatewayError)
        self.assertEqual(code, error.error_code)
        self.assertEqual('Refused', error.message)
        self.assertEqual(('GET', PATH, 500),
                         (error.method, error.path, error.status))

    def test_details_rc_182_is_too_many_snapshots(self):
        details = [{'rc': 182, 'error': 'TOO_MANY_SNAPS_IN_VTREE',
                    'errorMessage': 'vTree full'}]
        error = exceptions.from_error_body(
            body(0, 'Error with details', details=details), 'POST',
            '/instances/System/action/snapshotVolumes', 500)
        self.assertIs(exceptions.TooManySnapshots, type(error))
        self.assertEqual(details, error.details)
        self.assertEqual(0, error.error_code)
        self.assertIn('too many snapshots', error.message)

    def test_rc_182_among_other_details_is_too_many_snapshots(self):
        details = [{'rc': 7, 'error': 'OTHER'}, 'not a mapping',
                   {'rc': 182}]
        error = exceptions.from_error_body(body(0, details=details), 'POST',
                                           PATH, 500)
        self.assertIs(exceptions.TooManySnapshots, type(error))

    @ddt.named_data(
        ('other_rc', [{'rc': 7}]),
        ('empty', []),
        ('not_a_list', {'rc': 182}),
        ('rc_as_text', [{'rc': '182x'}]),
    )
    def test_other_details_are_a_plain_gateway_error(self, details):
        error = exceptions.from_error_body(body(0, details=details), 'POST',
                                           PATH, 500)
        self.assertIs(exceptions.GatewayError, type(error))
        self.assertEqual(details, error.details)

    @ddt.named_data(
        ('missing', {'errorCode': 79}),
        ('empty', {'errorCode': 79, 'message': ''}),
        ('none', {'errorCode': 79, 'message': None}),
    )
    def test_a_missing_message_falls_back_to_a_text(self, error_body):
        error = exceptions.from_error_body(error_body, 'GET', PATH, 500)
        self.assertIs(exceptions.NotFound, type(error))
        self.assertEqual('the gateway gave no message', error.message)

    def test_a_message_that_is_not_text_becomes_text(self):
        error = exceptions.from_error_body({'errorCode': 0, 'message': 42},
                                           'GET', PATH, 500)
        self.assertEqual('42', error.message)


@ddt.ddt
class TestDescription(base.TestCase):

    def test_str_names_method_path_status_and_code(self):
        error = exceptions.from_error_body(body(79, 'Could not find'),
                                           'GET', PATH, 500)
        self.assertEqual('Could not find (GET %s -> HTTP 500, errorCode 79)'
                         % PATH, str(error))

    def test_str_without_an_error_code(self):
        error = exceptions.TransportError('gateway unavailable', 'GET',
                                          '/version', 503)
        self.assertEqual('gateway unavailable (GET /version -> HTTP 503)',
                         str(error))

    def test_str_without_a_status(self):
        error = exceptions.TransportError('connection failed', 'POST',
                                          '/types/Volume/instances')
        self.assertEqual('connection failed (POST /types/Volume/instances)',
                         str(error))

    def test_error_code_0_is_shown(self):
        error = exceptions.GatewayError('Bad', 'POST', '/x', 400, 0)
        self.assertEqual('Bad (POST /x -> HTTP 400, errorCode 0)', str(error))

    def test_str_without_a_request_is_the_message(self):
        self.assertEqual('no SDC has the GUID x',
                         str(exceptions.NotFound('no SDC has the GUID x')))

    @ddt.named_data(
        ('transport', exceptions.TransportError, exceptions.ScaleIOError),
        ('timeout', exceptions.GatewayTimeout, exceptions.TransportError),
        ('auth', exceptions.AuthenticationError, exceptions.ScaleIOError),
        ('protocol', exceptions.ProtocolError, exceptions.ScaleIOError),
        ('gateway', exceptions.GatewayError, exceptions.ScaleIOError),
        ('not_found', exceptions.NotFound, exceptions.GatewayError),
        ('too_many_snapshots', exceptions.TooManySnapshots,
         exceptions.GatewayError),
    )
    def test_the_tree(self, cls, parent):
        self.assertTrue(issubclass(cls, parent))

    @ddt.named_data(
        ('auth', exceptions.AuthenticationError, exceptions.GatewayError),
        ('protocol', exceptions.ProtocolError, exceptions.GatewayError),
        ('gateway', exceptions.GatewayError, exceptions.TransportError),
        ('transport', exceptions.TransportError, exceptions.GatewayError),
    )
    def test_branches_do_not_overlap(self, cls, other):
        self.assertFalse(issubclass(cls, other))
