"""kill -9 cinder-volume in the middle of an operation; nothing is left.

Each test holds the gateway's answer to one call of an operation (a
``hang`` fault in phase ``after``: the array has made the change, Cinder
has not heard of it), kills cinder-volume (and its backend processes)
while the answer is held, starts it again, lets Cinder's own clean-up
run, deletes what ended in error, and then compares the array with
Cinder: every volume and snapshot of the backends' pools is one Cinder
knows, and every mapping belongs to an attachment Cinder has a connector
for.
"""

import concurrent.futures
import uuid

from scaleio_client import names
from tests.integration.openstack import base

# long enough for the kill; the simulator drops the connection then
HOLD_SECONDS = 60


class TestCrashRecovery(base.HarnessTestCase):

    def setUp(self):
        super().setUp()
        self.backend, self.other = self.sdc_backends()[:2]
        self.type_id = self._volume_type(self.backend['name'])
        self.sdc = self.env['gateway']['sdcs'][0]
        self.addCleanup(self.sim, 'DELETE', '/faults')

    def _volume_type(self, backend):
        """A type of the backend (None: of any backend), made once."""
        name = 'crash-%s' % (backend or 'any')
        found = self.api('GET', '/types?is_public=None')['volume_types']
        for t in found:
            if t['name'] == name:
                return t['id']
        specs = {'volume_backend_name': backend} if backend else {}
        t = self.api('POST', '/types', {'volume_type': {
            'name': name, 'extra_specs': specs}})['volume_type']
        return t['id']

    # -- the crash
    def crash_during(self, path, operation):
        """operation() while the answer to POST path is held; the crash.

        Returns what operation returned (None if it was still waiting
        for Cinder; its thread is left to end on its own).
        """
        rule = self.sim('POST', '/faults', {
            'action': 'hang', 'phase': 'after', 'method': 'POST',
            'path': path, 'count': 1, 'seconds': HOLD_SECONDS})
        pool = concurrent.futures.ThreadPoolExecutor(1)
        self.addCleanup(pool.shutdown, wait=False)
        future = pool.submit(operation)
        held = lambda: rule['id'] not in [      # noqa: E731
            r['id'] for r in self.sim('GET', '/faults')]
        base.wait_for('the gateway holding its answer to %s' % path, held,
                      timeout=120)
        # every volume service: in an active-active stack any may hold it
        self.harness('kill', *self.env['volume_services'])
        self.sim('DELETE', '/faults')
        self.harness('up')      # starts them again, waits for their pools
        try:
            return future.result(timeout=0) if future.done() else None
        except Exception:       # the API answered an error: that is fine
            return None

    # -- Cinder
    def create_volume(self, size=1, **extra):
        body = {'volume': dict({'size': size, 'volume_type': self.type_id,
                                'name': 'crash-%s' % uuid.uuid4().hex[:8]},
                               **extra)}
        return self.api('POST', '/volumes', body)['volume']

    def available_volume(self):
        v = self.create_volume()
        self.wait_volume(v['id'], 'available')
        return v

    def delete_volume(self, volume_id):
        self.api('DELETE', '/volumes/%s' % volume_id, ok=(202, 404))
        self.wait_volume(volume_id, None, timeout=180)

    def snapshot(self, snapshot_id):
        resp = self.cinder.get('/snapshots/%s' % snapshot_id)
        if resp.status_code == 404:
            return None
        return resp.json()['snapshot']

    def wait_snapshot(self, snapshot_id, *statuses, timeout=180):
        def check():
            s = self.snapshot(snapshot_id)
            return (s or {}).get('status') in statuses or (
                s is None and None in statuses)
        base.wait_for('snapshot %s in %s' % (snapshot_id, statuses), check,
                      timeout)
        return self.snapshot(snapshot_id)

    def connector(self):
        return {'sdc_guid': self.sdc['guid'], 'host': 'crash-host',
                'ip': '127.0.0.1', 'platform': 'x86_64', 'os_type': 'linux',
                'multipath': False}

    def assert_not_on_array(self, cinder_id):
        self.assertIsNone(
            self.gateway.volume_id_by_name(names.id_to_name(cinder_id)),
            '%s is still on the array' % cinder_id)

    # -- the tests
    def test_create(self):
        """The create's answer never reached Cinder: no provider_id."""
        created = []
        self.crash_during('*/types/Volume/instances',
                          lambda: created.append(self.create_volume()))
        volume_id = created[0]['id']
        # on the array, unknown to Cinder until its clean-up errs it
        self.assertIsNotNone(self.gateway.volume_id_by_name(
            names.id_to_name(volume_id)))
        v = self.wait_volume(volume_id, 'error')
        self.assertIsNone(v.get('provider_id'))
        self.delete_volume(volume_id)
        self.assert_not_on_array(volume_id)
        self.assert_array_matches_cinder()

    def test_delete(self):
        v = self.available_volume()
        self.crash_during(
            '*/action/removeVolume',
            lambda: self.api('DELETE', '/volumes/%s' % v['id']))
        # the clean-up deletes it again: gone from both
        self.wait_volume(v['id'], None, 'error', timeout=240)
        if self.volume(v['id']):
            self.delete_volume(v['id'])
        self.assert_not_on_array(v['id'])
        self.assert_array_matches_cinder()

    def test_snapshot(self):
        v = self.available_volume()
        self.addCleanup(self.delete_volume, v['id'])
        made = []
        self.crash_during('*/action/snapshotVolumes', lambda: made.append(
            self.api('POST', '/snapshots', {'snapshot': {
                'volume_id': v['id'], 'name': 'crash-snap'}})['snapshot']))
        snapshot_id = made[0]['id']
        self.assertIsNotNone(self.gateway.volume_id_by_name(
            names.id_to_name(snapshot_id)))
        self.wait_snapshot(snapshot_id, 'error')
        self.api('DELETE', '/snapshots/%s' % snapshot_id)
        self.wait_snapshot(snapshot_id, None)
        self.assert_not_on_array(snapshot_id)
        self.assert_array_matches_cinder()

    def test_attach(self):
        """Mapped on the array; Cinder never saved the connector."""
        v = self.available_volume()
        self.addCleanup(self.delete_volume, v['id'])
        attachment = self.api('POST', '/attachments', {'attachment': {
            'volume_uuid': v['id']}})['attachment']
        self.crash_during('*/action/addMappedSdc', lambda: self.api(
            'PUT', '/attachments/%s' % attachment['id'],
            {'attachment': {'connector': self.connector()}}))
        # the restarted service undid the mapping Cinder never heard of
        record = self.gateway.volume(self.gateway.volume_id_by_name(
            names.id_to_name(v['id'])))
        self.assertEqual([], record.mapped_sdc_ids)
        self.api('DELETE', '/attachments/%s' % attachment['id'])
        self.wait_volume(v['id'], 'available')
        self.assert_array_matches_cinder()

    def test_migrate(self):
        # a type the scheduler may place on either backend
        any_type = self._volume_type(None)
        v = self.create_volume(volume_type=any_type)
        v = self.wait_volume(v['id'], 'available')
        here = v['os-vol-host-attr:host'].split('#')[0].split('@')[1]
        there = next(b for b in self.sdc_backends() if b['name'] != here)
        # a clustered backend is a migration's cluster, not its host
        where = ({'cluster': '%s@%s#%s' % (self.env['cluster'], there['name'],
                                           there['pool'])}
                 if self.env['cluster'] else
                 {'host': 'harness@%s#%s' % (there['name'], there['pool'])})
        self.crash_during('*/action/migrateVTree', lambda: self.api(
            'POST', '/volumes/%s/action' % v['id'],
            {'os-migrate_volume': where}))
        # what an operator does with a migration its service dropped
        self.api('POST', '/volumes/%s/action' % v['id'],
                 {'os-reset_status': {'status': 'available',
                                      'migration_status': 'error'}})
        self.delete_volume(v['id'])
        self.assert_not_on_array(v['id'])
        self.assert_array_matches_cinder()
