"""The simulator's WSGI application: ``/api`` for clients, ``/sim`` for tests.

Around every gateway request it applies fault rules (before and after the
request runs), checks the login token, and records the request in the
counters and log. Nothing here knows about volumes; that is the MDM's job.
"""

import collections
import http
import json
import logging
import time

from werkzeug import wrappers

from scaleio_sim import api
from scaleio_sim import control
from scaleio_sim import errors

LOG = logging.getLogger(__name__)
JSON = 'application/json;charset=UTF-8'


class ResetConnection(Exception):
    """Raised to make the server drop the connection with a TCP reset."""


class Reply(collections.namedtuple('Reply', 'status_code body content_type')):
    """A gateway answer; cheaper than a werkzeug Response on the hot path."""

    def __call__(self, environ, start_response):
        headers = [('Content-Length', str(len(self.body)))]
        if self.content_type:
            headers.append(('Content-Type', self.content_type))
        start_response('%d %s' % (self.status_code,
                                  http.HTTPStatus(self.status_code).phrase),
                       headers)
        return [self.body]


def json_response(status, body):
    if body is api.EMPTY:
        return Reply(status, b'', None)
    return Reply(status, json.dumps(body, separators=(',', ':')).encode(),
                 JSON)


def error_response(error):
    return json_response(error.http_status, error.body())


class SimulatorApp:

    def __init__(self, sim):
        self.sim = sim
        self.api = api.GatewayApi(sim.mdm)
        self.control = control.ControlApi(sim)

    def __call__(self, environ, start_response):
        request = wrappers.Request(environ)
        if request.path.startswith('/sim/'):
            response = self.control.handle(request)
        else:
            response = self.gateway(request)
        return response(environ, start_response)

    # ------------------------------------------------------------ gateway
    def gateway(self, request):
        started = time.perf_counter()
        method, path = request.method, request.path
        status, fault = None, None
        try:
            if self.sim.unavailable():
                fault = 'restarting'
                raise ResetConnection()
            rule = self.sim.faults.take(method, path, 'before')
            fault = rule and rule.action
            response = rule and self.apply(rule)
            if response is None:
                response = self.answer(request)
                rule = self.sim.faults.take(method, path, 'after')
                if rule:
                    fault = rule.action
                    response = self.apply(rule) or response
            status = response.status_code
            return response
        finally:
            self.sim.log.record(method, path, status,
                                time.perf_counter() - started, fault)

    def answer(self, request):
        try:
            endpoint, args = self.api.match(request.method, request.path)
            if endpoint == 'login':
                return json_response(200, self.login(request))
            if endpoint == 'pfmp_login':
                return json_response(200, self.pfmp_login(request))
            token = self.authenticate(request)
            if endpoint == 'logout':
                self.sim.tokens.revoke(token)
                return json_response(200, api.EMPTY)
            return json_response(200, self.api.call(endpoint, args, request))
        except errors.GatewayError as e:
            return error_response(e)
        except Exception:
            LOG.exception('Simulator failure on %s %s', request.method,
                          request.path)
            return error_response(errors.GatewayError(
                'Internal error in the simulator; see its log'))

    def login(self, request):
        auth = request.authorization
        if (auth is None or auth.type != 'basic'
                or not self.sim.mdm.check_login(auth.username,
                                                auth.password)):
            raise errors.unauthorized()
        return self.sim.tokens.issue(auth.username)

    def pfmp_login(self, request):
        """PFMP's login: JSON credentials in, a Bearer token out."""
        body = api.parse_body(request)
        if not self.sim.mdm.check_login(body.get('username'),
                                        body.get('password')):
            raise errors.unauthorized()
        token = self.sim.tokens.issue(body['username'])
        return {'access_token': token, 'token_type': 'Bearer',
                'expires_in': int(self.sim.tokens.idle_timeout)}

    def authenticate(self, request):
        auth = request.authorization
        token = None
        if auth is not None and auth.type == 'basic':
            token = auth.password
        elif (auth is not None and auth.type == 'bearer'
              and self.sim.mdm.profile.bearer_tokens):
            token = auth.token
        if not token or self.sim.tokens.check(token) is None:
            raise errors.unauthorized()
        return token

    def apply(self, rule):
        """Carry out a fault; a response replaces the gateway's answer."""
        if rule.action == 'error':
            if rule.body is None:
                body = {'message': 'Injected fault: HTTP %d' % rule.status,
                        'httpStatusCode': rule.status}
            else:
                body = rule.body
            if isinstance(body, str):
                return Reply(rule.status, body.encode(), 'text/html')
            return json_response(rule.status, body)
        if rule.action == 'delay':
            self.sim.stopping.wait(rule.seconds)
            return None
        if rule.action == 'revoke':
            self.sim.tokens.revoke()
            return None
        if rule.action == 'hang':
            self.sim.stopping.wait(rule.seconds)
        elif rule.action == 'restart':
            self.sim.restart(rule.seconds)
        raise ResetConnection()
