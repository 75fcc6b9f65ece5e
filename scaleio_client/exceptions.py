"""Every error the client raises, one tree to catch at the level you need::

    ScaleIOError                   anything from this package
    +-- TransportError             no usable answer: connect error, reset,
    |   |                          5xx without a gateway error code
    |   +-- GatewayTimeout         the gateway did not answer in time
    +-- AuthenticationError        login refused, or a token refused twice
    +-- ProtocolError              an answer that is not the expected JSON
    +-- GatewayError               the gateway refused the request (errorCode)
        +-- NotFound               3, 78, 79, 142
        +-- AlreadyMapped          81 (4.x: 4037)
        +-- NotMapped              84 (4.x: 4039)
        +-- NameInUse              99
        +-- CannotExtend           133
        +-- NameTooLong            226
        +-- TooManySnapshots       details[].rc 182 (vTree full)
        +-- MigrationInProgress    717
        +-- AlreadyInPool          718

Each carries the gateway's ``error_code``, the HTTP ``status``, the
gateway's ``message`` and the request (``method`` and ``path``); none ever
holds a password or token: the path and the gateway's message are all
that is kept, and request bodies never carry credentials.
"""


class ScaleIOError(Exception):

    def __init__(self, message, method=None, path=None, status=None,
                 error_code=None, details=None):
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.details = details
        super().__init__(self._describe())

    def _describe(self):
        parts = [self.message]
        if self.method and self.path:
            parts.append('(%s %s' % (self.method, self.path)
                         + ('' if self.status is None
                            else ' -> HTTP %s' % self.status)
                         + ('' if self.error_code is None
                            else ', errorCode %s' % self.error_code)
                         + ')')
        return ' '.join(parts)


class TransportError(ScaleIOError):
    """The request got no usable answer; it may be worth trying again."""


class GatewayTimeout(TransportError):
    """Connecting or reading took longer than the configured timeout."""


class AuthenticationError(ScaleIOError):
    """The gateway refused the credentials or kept refusing the token."""


class ProtocolError(ScaleIOError):
    """The answer was not what the gateway API promises (bad JSON...)."""


class GatewayError(ScaleIOError):
    """The gateway refused the request with an error body."""


class NotFound(GatewayError):
    pass


class AlreadyMapped(GatewayError):
    pass


class NotMapped(GatewayError):
    pass


class NameInUse(GatewayError):
    pass


class CannotExtend(GatewayError):
    pass


class NameTooLong(GatewayError):
    pass


class TooManySnapshots(GatewayError):
    pass


class MigrationInProgress(GatewayError):
    pass


class AlreadyInPool(GatewayError):
    pass


# errorCode -> class. 78 is the not-found code of older ScaleIO, 3 the
# generic one; 4037/4039 are 4.x's mapping codes.
BY_CODE = {
    3: NotFound, 78: NotFound, 79: NotFound, 142: NotFound,
    81: AlreadyMapped, 4037: AlreadyMapped,
    84: NotMapped, 4039: NotMapped,
    99: NameInUse,
    133: CannotExtend,
    226: NameTooLong,
    717: MigrationInProgress,
    718: AlreadyInPool,
}
RC_TOO_MANY_SNAPSHOTS = 182


def from_error_body(body, method, path, status):
    """The exception for a gateway error body (a dict with errorCode)."""
    code = body.get('errorCode')
    details = body.get('details')
    message = body.get('message') or 'the gateway gave no message'
    cls = BY_CODE.get(code, GatewayError)
    if isinstance(details, list) and any(
            isinstance(d, dict) and d.get('rc') == RC_TOO_MANY_SNAPSHOTS
            for d in details):
        cls = TooManySnapshots
        message = '%s: too many snapshots in the vTree' % message
    return cls(str(message), method, path, status, code, details)
