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
from scaleio_client import names
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
        # the tests run as the cloud's admin, whose project's default
        # quota (10 volumes) a few tests together would reach
        project_id = cls.session.get_project_id()
        resp = cls.cinder.put('/os-quota-sets/%s' % project_id, json={
            'quota_set': {'volumes': -1, 'snapshots': -1, 'gigabytes': -1,
                          'per_volume_gigabytes': -1}})
        if resp.status_code != 200:
            raise AssertionError('quotas of %s: %s %s' % (
                project_id, resp.status_code, resp.text[:300]))
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

    def sdc_backends(self):
        """scaleio-1, scaleio-2: the backends on the first system's SDCs."""
        return [b for b in self.env['backends']
                if b.get('kind', 'sdc') == 'sdc']

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

    # -- the array
    def array_objects(self):
        """{array name: record} of every volume and snapshot in the pools.

        The pools of the backends on the first system (the gateway).
        """
        pool_ids = {self.gateway.storage_pool_id(*b['pool'].split(':', 1))
                    for b in self.env['backends']
                    if b.get('system', 'gateway') == 'gateway'}
        return {v.name: v for pool_id in pool_ids
                for v in self.gateway.pool_volumes(pool_id) if v.name}

    def assert_array_matches_cinder(self):
        volumes = self.api('GET', '/volumes/detail?all_tenants=1')['volumes']
        snapshots = self.api('GET',
                             '/snapshots/detail?all_tenants=1')['snapshots']
        known = {names.id_to_name(o['id']) for o in volumes + snapshots}
        connected = {}      # volume id: SDC guids with a connector
        attachments = self.api('GET', '/attachments/detail?all_tenants=1')
        for a in attachments['attachments']:
            connector = a.get('connector') or {}
            if connector.get('sdc_guid'):
                connected.setdefault(a['volume_id'], set()).add(
                    connector['sdc_guid'])
        sdc_guids = {s['id']: s['guid'] for s in self.sdcs()}
        leaked, stale = [], []
        for name, record in self.array_objects().items():
            if name not in known:
                leaked.append((name, record.id))
                continue
            cinder_id = names.name_to_id(name)
            for sdc_id in record.mapped_sdc_ids:
                if sdc_guids.get(sdc_id) not in connected.get(cinder_id, ()):
                    stale.append((cinder_id, sdc_id))
        self.assertEqual([], leaked, 'array objects Cinder does not know')
        self.assertEqual([], stale, 'mappings without a Cinder attachment')

    def sdcs(self):
        return [{'id': s.id, 'guid': s.guid} for s in self.gateway.sdcs()]

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
