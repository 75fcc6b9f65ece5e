"""Gateway error bodies and the error codes the simulator answers with.

Codes that real clients branch on come from the gateway reference
(section 3.2).
Codes marked "simulator-chosen" have no confirmed real value; no known client
branches on them, they only need to be non-zero and stable.
"""

# Codes confirmed by the listed clients.
ILLEGAL_SYNTAX = 0
OBJECT_NOT_FOUND = 3
VOLUME_NOT_FOUND = 79
ALREADY_MAPPED = 81
NOT_MAPPED = 84
ALREADY_MAPPED_4X = 4037
NOT_MAPPED_4X = 4039
NAME_IN_USE = 99
VOLUME_IS_MAPPED = 104          # inferred from a siolib constant
CANNOT_EXTEND = 133
PROTECTION_DOMAIN_NOT_FOUND = 142
NAME_TOO_LONG = 226
MIGRATION_IN_PROGRESS = 717
ALREADY_IN_DESTINATION = 718

# details[].rc of snapshotVolumes when a vTree is full.
RC_TOO_MANY_SNAPS_IN_VTREE = 182

# Simulator-chosen codes (see the module docstring).
INSUFFICIENT_CAPACITY = 9001
INVALID_NAME = 9002
SINGLE_MAPPING_ONLY = 9003
INVALID_OPERATION = 9004
INVALID_SIZE = 9005
INVALID_LIMIT = 9006
NQN_IN_USE = 9007


class GatewayError(Exception):
    """An error the gateway reports with a JSON body."""

    def __init__(self, message, error_code=ILLEGAL_SYNTAX, http_status=500,
                 details=None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.http_status = http_status
        self.details = details

    def body(self):
        body = {'message': self.message,
                'httpStatusCode': self.http_status,
                'errorCode': self.error_code}
        if self.details is not None:
            body['details'] = self.details
        return body


def bad_request(message):
    """A request the gateway cannot parse or whose parameters are invalid."""
    return GatewayError(message, ILLEGAL_SYNTAX, 400)


def unauthorized(message='Unauthorized'):
    return GatewayError(message, ILLEGAL_SYNTAX, 401)


def not_found(object_type, object_id):
    if object_type == 'Volume':
        return GatewayError('Could not find the volume', VOLUME_NOT_FOUND)
    if object_type == 'ProtectionDomain':
        return GatewayError('Could not find the protection domain',
                            PROTECTION_DOMAIN_NOT_FOUND)
    return GatewayError('Could not find the %s %s' % (object_type, object_id),
                        OBJECT_NOT_FOUND)
