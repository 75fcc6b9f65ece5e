"""The base of the tests that drive the running harness cloud.

``tools/openstack/tempest_run.py`` runs them after tempest, one at a time
(they kill services and fail backends over), in the harness venv, with
``SCALEIO_HARNESS_STATE`` naming the stack's state dir. They talk to
Cinder through its API as the cloud's admin (keystoneauth), to the
simulator through its gateway API (our client) and its control API, and
to the harness through ``harness.py``.
"""

import json
import os
import subprocess
import sys
import time

from keystoneauth1 import adapter
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests

from scaleio_client import client as sio_client
from scaleio_client import config as sio_config
from tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
HARNESS = os.path.join(REPO, 'tools', 'openstack', 'harness.py')
# the newest the tests need: attachments with a connector, backend_id
MICROVERSION = '3.54'


def state_dir():
    return os.environ.get('SCALEIO_HARNESS_STATE',
                          os.path.join(REPO, '.harness'))


def load_env():
    """env.json of the running stack (written by ``harness.py up``)."""
    path = os.path.join(state_dir(), 'env.json')
    with open(path) as f:
        return json.load(f)


class Timeout(AssertionError):
    pass


def wait_for(what, predicate, timeout=120, interval=0.5):
    """predicate()'s first true value, polled; fails naming what."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout('%s: not after %d s' % (what, timeout))
        time.sleep(interval)


class HarnessTestCase(base.TestCase):
    """Cinder's API, the simulator and the harness of the running stack."""

    timeout = 0     # each wait says how long it waits

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = load_env()
        admin = cls.env['admin']
        auth = v3.Password(auth_url=cls.env['keystone_url'], **admin)
        cls.session = ks_session.Session(auth=auth)
        cls.cinder = adapter.Adapter(
            cls.session, service_type='block-storage', interface='public',
            region_name=cls.env['region'],
            default_microversion=MICROVERSION, raise_exc=False)
        gw = cls.env['gateway']
        if gw['kind'] != 'simulator':
            raise AssertionError('these tests need the simulator (%s is a '
                                 'real gateway)' % gw['url'])
        cls.control = requests.Session()
        cls.control.trust_env = False
        cls.control.verify = gw['ca_file']
        cls.gateway = sio_client.ScaleIOClient(sio_config.GatewayConfig(
            host=gw['host'], port=gw['port'], username=gw['username'],
            password=gw['password'], ca_bundle=gw['ca_file']))

    # -- Cinder
    def api(self, method, path, body=None, ok=(200, 202), **kw):
        """One Cinder call; its JSON answer (or None)."""
        resp = self.cinder.request(path, method, json=body, **kw)
        if resp.status_code not in ok:
            raise AssertionError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text[:500]))
        return resp.json() if resp.content else None

    def volume(self, volume_id):
        """The volume, or None once Cinder has deleted it."""
        resp = self.cinder.get('/volumes/%s' % volume_id)
        if resp.status_code == 404:
            return None
        return resp.json()['volume']

    def wait_volume(self, volume_id, *statuses, timeout=180):
        """The volume once in one of statuses (None: deleted; then {})."""
        def check():
            v = self.volume(volume_id)
            if v is None:
                return {} if None in statuses else None
            return v if v['status'] in statuses else None
        found = []
        wait_for('volume %s in %s' % (volume_id, statuses),
                 lambda: found.append(check()) or found[-1] is not None,
                 timeout)
        return found[-1]

    # -- simulator
    def sim(self, method, path, body=None):
        url = self.env['gateway']['control_url'] + path
        resp = self.control.request(method, url, json=body, timeout=30)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    # -- harness
    def harness(self, *args):
        subprocess.run([sys.executable, HARNESS, '--state', state_dir()]
                       + list(args), check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
