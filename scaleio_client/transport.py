"""The wire: one pooled HTTP session per gateway, the login token, retries,
timeouts, TLS, error mapping, request logging and counters.

Every gateway call goes through :meth:`Transport.request`, which

* logs in lazily and reuses the token; logs in again, without a background
  thread, before the token has been idle ``token_idle_timeout`` seconds or
  has lived ``token_max_age``; on 401 (or a 403 that is an authentication
  error) logs in once more and repeats the request with its method and
  body - concurrent 401s share one login;
* retries idempotent calls on transport errors and on 5xx answers without a
  gateway error code, with exponential backoff and jitter (tenacity); a
  non-idempotent call is retried only when it never left this host;
* turns error bodies into the exceptions of :mod:`scaleio_client.exceptions`
  and any malformed answer into a ProtocolError, never a traceback;
* logs one debug line per request (method, path, status, milliseconds) and
  counts requests per endpoint in :class:`RequestStats`.
"""

import collections
import json
import logging
import re
import threading
import time
import warnings

from oslo_utils import strutils
import requests
from requests import adapters
import tenacity
import urllib3

from scaleio_client import exceptions

LOG = logging.getLogger(__name__)
JSON_HEADERS = {'Content-Type': 'application/json',
                'Accept': 'application/json'}

_ID_RE = re.compile(r'::[0-9a-fA-F]{16}')
_NAME_RE = re.compile(r'(getBy(?:Name|Ip)::).*$')
_insecure_warned = set()
ROOT_PATHS = ('/dtapi/',)


def endpoint_key(method, path):
    """``METHOD path`` with object ids and getByName arguments elided."""
    path = _NAME_RE.sub(r'\1{name}', path.split('?')[0])
    return '%s %s' % (method, _ID_RE.sub('::{id}', path))


class RequestStats:
    """Counters a benchmark or test can read; listeners see every request.

    A listener is called with ``(method, path, status, milliseconds)``;
    status is None when no answer came.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.by_endpoint = collections.Counter()
        self.logins = 0
        self.retries = 0
        self.listeners = []

    @property
    def total(self):
        with self.lock:
            return sum(self.by_endpoint.values())

    def record(self, method, path, status, ms):
        with self.lock:
            self.by_endpoint[endpoint_key(method, path)] += 1
        for listener in list(self.listeners):
            listener(method, path, status, ms)

    def snapshot(self):
        with self.lock:
            return {'total': sum(self.by_endpoint.values()),
                    'logins': self.logins, 'retries': self.retries,
                    'endpoints': dict(self.by_endpoint)}

    def reset(self):
        with self.lock:
            self.by_endpoint.clear()
            self.logins = self.retries = 0


def make_session(config):
    session = requests.Session()
    # Credentials, proxies and CA bundles come from the configuration only.
    session.trust_env = False
    adapter = adapters.HTTPAdapter(pool_connections=1,
                                   pool_maxsize=config.pool_size)
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    session.verify = config.verify
    return session


class Transport:
    """Authenticated, retried JSON requests to one gateway."""

    def __init__(self, config, session=None, clock=time.monotonic,
                 sleep=time.sleep):
        self.config = config
        self.session = session or make_session(config)
        self.clock = clock
        self.sleep = sleep
        self.stats = RequestStats()
        self._lock = threading.Lock()
        self._token = None
        self._token_url = None        # the gateway that issued the token
        self._token_issued = 0.0
        self._token_used = 0.0
        self._urls = config.base_urls
        self._current = 0             # index of the gateway in use
        self._switch_lock = threading.Lock()
        if not config.verify_tls and config.base_url not in _insecure_warned:
            _insecure_warned.add(config.base_url)
            LOG.warning('TLS certificate verification is off for the '
                        'ScaleIO gateway %s: anyone on the path can read '
                        'and change its traffic, credentials included.',
                        config.base_url)

    # ------------------------------------------------------------- tokens
    @property
    def url(self):
        """The API URL of the gateway in use."""
        return self._urls[self._current]

    def _switch(self, failed, reason):
        """Move to the next gateway if ``failed`` is still the one in use.

        Only for a gateway that does not answer (no connection, a reset,
        a timeout); a gateway that answers, even with an error, is kept.
        """
        if len(self._urls) < 2:
            return
        with self._switch_lock:
            if self.url != failed:
                return              # another request already moved on
            self._current = (self._current + 1) % len(self._urls)
            LOG.warning('ScaleIO gateway %s does not answer (%s); using %s '
                        'from now on.', failed, reason, self.url)

    def _login_locked(self):
        path = '/login'
        url = self.url
        response = self._send('GET', path, None,
                              (self.config.username, self.config.password))
        if response.status_code in (401, 403):
            raise exceptions.AuthenticationError(
                'the gateway refused the credentials of user %r'
                % self.config.username, 'GET', path, response.status_code)
        token = self._decode('GET', path, response)
        if not isinstance(token, str) or not token:
            raise exceptions.ProtocolError(
                'the login answer is not a token string', 'GET', path,
                response.status_code)
        now = self.clock()
        self._token, self._token_issued, self._token_used = token, now, now
        self._token_url = url
        with self.stats.lock:
            self.stats.logins += 1

    def _token_for_request(self):
        with self._lock:
            now = self.clock()
            if (self._token is None or self._token_url != self.url
                    or now - self._token_used >= self.config.token_idle_timeout
                    or now - self._token_issued >= self.config.token_max_age):
                self._login_locked()
            self._token_used = now
            return self._token

    def _renew(self, stale):
        """A new token unless another thread already replaced ``stale``."""
        with self._lock:
            if self._token == stale:
                self._login_locked()
            self._token_used = self.clock()
            return self._token

    def logout(self):
        """Give the token back to the gateway (best effort)."""
        with self._lock:
            token, self._token = self._token, None
        # A token is only good at the gateway that issued it.
        if token and self._token_url == self.url:
            try:
                self._send('GET', '/logout', None,
                           (self.config.username, token))
            except exceptions.ScaleIOError as e:
                LOG.debug('Logout from %s failed: %s', self.url, e)

    # ----------------------------------------------------------- requests
    def request(self, method, path, body=None, idempotent=None):
        """Send a request; return the decoded JSON answer (None if empty).

        ``idempotent`` defaults to True for GET and False for POST; set it
        for POSTs that are safe to repeat (queries, and actions whose
        second run is harmless or recognisable).
        """
        if idempotent is None:
            idempotent = method == 'GET'
        if method == 'POST' and body is None:
            body = {}

        def retryable(error):
            if not isinstance(error, exceptions.TransportError):
                return False
            return idempotent or not getattr(error, 'request_sent', True)

        def before_sleep(state):
            with self.stats.lock:
                self.stats.retries += 1
            LOG.warning('Retrying %s %s (attempt %d failed: %s)', method,
                        path, state.attempt_number,
                        state.outcome.exception())

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(retryable),
            stop=tenacity.stop_after_attempt(self.config.retries + 1),
            wait=tenacity.wait_random_exponential(
                multiplier=self.config.retry_backoff,
                max=self.config.retry_backoff_max),
            sleep=self.sleep, before_sleep=before_sleep, reraise=True)
        return retrying(self._request_once, method, path, body)

    def _request_once(self, method, path, body):
        token = self._before_sending(self._token_for_request)
        response = self._send(method, path, body,
                              (self.config.username, token))
        if self._is_auth_failure(response):
            token = self._before_sending(self._renew, token)
            response = self._send(method, path, body,
                                  (self.config.username, token))
            if self._is_auth_failure(response):
                raise exceptions.AuthenticationError(
                    'the gateway refused a fresh token', method, path,
                    response.status_code)
        return self._decode(method, path, response)

    @staticmethod
    def _before_sending(login, *args):
        """Run a login step; if it fails the request was never sent."""
        try:
            return login(*args)
        except exceptions.TransportError as e:
            e.request_sent = False
            raise

    @staticmethod
    def _is_auth_failure(response):
        if response.status_code == 401:
            return True
        if response.status_code != 403:
            return False
        # A 403 with a business error code is a refusal, not a bad token.
        body = _json_or_none(response)
        return not (isinstance(body, dict) and body.get('errorCode')
                    not in (None, 0, 401, 403))

    def _send(self, method, path, body, auth):
        base = self.url
        # The few paths outside /api (PowerFlex 5's /dtapi) are absolute.
        url = (base[:-len('/api')] if path.startswith(ROOT_PATHS)
               else base) + path
        data = None if body is None else json.dumps(body)
        started = time.perf_counter()
        status = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter(
                    'ignore', urllib3.exceptions.InsecureRequestWarning)
                response = self.session.request(
                    method, url, data=data, auth=auth, headers=JSON_HEADERS,
                    timeout=(self.config.connect_timeout,
                             self.config.read_timeout))
            status = response.status_code
        except requests.exceptions.SSLError as e:
            raise exceptions.ScaleIOError(
                'TLS failure talking to the gateway: %s' % _brief(e),
                method, path)
        except requests.exceptions.ConnectTimeout as e:
            self._switch(base, 'connecting timed out')
            raise _transport(exceptions.GatewayTimeout, 'connecting timed '
                             'out: %s' % _brief(e), method, path, sent=False)
        except requests.exceptions.Timeout as e:
            self._switch(base, 'no answer in time')
            raise _transport(exceptions.GatewayTimeout, 'no answer within '
                             '%s s: %s' % (self.config.read_timeout,
                                           _brief(e)), method, path)
        except requests.exceptions.ConnectionError as e:
            self._switch(base, 'connection failed')
            raise _transport(exceptions.TransportError, 'connection failed: '
                             '%s' % _brief(e), method, path,
                             sent=not _never_connected(e))
        except requests.exceptions.RequestException as e:
            raise _transport(exceptions.TransportError, 'request failed: %s'
                             % _brief(e), method, path)
        finally:
            ms = (time.perf_counter() - started) * 1000
            LOG.debug('%s %s -> %s in %.1f ms', method,
                      strutils.mask_password(path), status, ms)
            self.stats.record(method, path, status, ms)
        if status >= 500:
            body = _json_or_none(response)
            if not (isinstance(body, dict) and 'errorCode' in body):
                message = (body.get('message') if isinstance(body, dict)
                           else None) or 'no gateway error in the answer'
                raise _transport(exceptions.TransportError,
                                 'gateway unavailable: %s' % message,
                                 method, path, status=status)
        return response

    def _decode(self, method, path, response):
        status = response.status_code
        text = response.content.strip()
        if status == 200:
            if not text:
                return None
            try:
                return json.loads(text)
            except ValueError:
                raise exceptions.ProtocolError(
                    'the answer is not JSON (%d bytes, starting %r)'
                    % (len(text), text[:60]), method, path, status)
        body = _json_or_none(response)
        if isinstance(body, dict) and 'errorCode' in body:
            raise exceptions.from_error_body(body, method, path, status)
        message = body.get('message') if isinstance(body, dict) else None
        raise exceptions.GatewayError(
            message or 'unexpected HTTP status without a gateway error body',
            method, path, status)


def _json_or_none(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _brief(error):
    """An exception's text, short and with anything secret-looking masked."""
    return strutils.mask_password(str(error))[:300]


def _never_connected(error):
    """True if the request surely never reached the gateway."""
    reason = error.args[0] if error.args else None
    reason = getattr(reason, 'reason', reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _transport(cls, message, method, path, sent=True, status=None):
    error = cls(message, method, path, status)
    error.request_sent = sent
    return error
