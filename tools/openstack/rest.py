"""The one HTTP helper: JSON requests, and Cinder's API as the cloud's admin.

Standard library only (``harness.py`` runs before the venv exists); the
harness's readiness checks, the tempest run and the demo all call it.
"""

import json
import socket
import ssl
import urllib.error
import urllib.request


class HTTPError(Exception):
    """An answer with a status the caller did not expect."""

    def __init__(self, method, url, status, body):
        super().__init__('%s %s: HTTP %s %s' % (method, url, status,
                                                str(body)[:1000]))
        self.status = status


def request(url, method='GET', body=None, headers=None, ca_file=None,
            timeout=10):
    """One request; returns (status, headers, parsed JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=dict(headers or {}))
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    ctx = ssl.create_default_context(cafile=ca_file) if ca_file else None
    try:
        with urllib.request.urlopen(req, timeout=timeout,
                                    context=ctx) as resp:
            status, hdrs, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors='replace')
    return status, hdrs, payload


def call(url, method='GET', body=None, ok=(200,), **kw):
    """request(), raising HTTPError unless the status is in ok."""
    status, _, payload = request(url, method, body, **kw)
    if status not in ok:
        raise HTTPError(method, url, status, payload)
    return payload


def port_open(port, host='127.0.0.1'):
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Cinder:
    """Cinder's API as the cloud's admin (one Keystone token)."""

    def __init__(self, keystone_url, admin, cinder_url):
        self.keystone_url, self.admin = keystone_url, admin
        self.cinder_url = cinder_url
        self.token = self.project_url = None

    def login(self):
        admin = self.admin
        auth = {'identity': {'methods': ['password'], 'password': {'user': {
            'name': admin['username'], 'password': admin['password'],
            'domain': {'name': admin['user_domain_name']}}}},
            'scope': {'project': {'name': admin['project_name'], 'domain': {
                'name': admin['project_domain_name']}}}}
        url = self.keystone_url + '/auth/tokens'
        status, headers, body = request(url, 'POST', {'auth': auth})
        if status != 201:
            raise HTTPError('POST', url, status, body)
        self.token = headers['X-Subject-Token']
        self.project_url = '%s/%s' % (self.cinder_url,
                                      body['token']['project']['id'])

    def call(self, method, path, body=None, microversion='3.0', ok=(200,)):
        """One call under /v3/<project>; the parsed answer."""
        if self.token is None:
            self.login()
        return call(self.project_url + path, method, body, ok=ok, headers={
            'X-Auth-Token': self.token,
            'OpenStack-API-Version': 'volume %s' % microversion})
