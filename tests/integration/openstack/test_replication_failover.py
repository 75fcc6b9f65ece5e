"""Issue 12: fail the replicated backend over and back through Cinder's API.

Replicated volumes (the harness's type ``scaleio-replicated`` on the
backend ``scaleio-rep``, whose ``replication_device`` is the simulator's
peer system) are attached through the attachment API with the connector
of the simulated SDC host ``sdc1``; the test writes on their devices,
replicates (the simulator copies on demand), and then, as an operator
would: ``cinder failover-host`` to the peer, re-attach (the device is now
the peer system's), read, write more, detach, ``cinder failover-host
--backend_id default``, attach again and read everything back.

The host runs one SDC known to both systems by the same GUID, as a real
SDC connected to two systems is: its device links of both systems are in
the same by-id directory.

The mappings the first attach left on the primary (the detach after the
failover reached the system Cinder then worked with, the peer) are gone
after the failback: the driver unmaps them before it restores each
replication group (the array restores a group only when its source
volumes are not mapped).
"""

import os

from scaleio_client import names
from tests.integration.openstack import base

BACKEND = 'scaleio-rep'
CONNECTOR_HOST = 'harness-replication-test'
SDC = 'sdc1'
BLOCK = 4096


class TestReplicationFailover(base.HarnessTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = next((b for b in cls.env['backends']
                            if b['name'] == BACKEND), None)
        if cls.backend is None:
            raise AssertionError('no backend %s in env.json' % BACKEND)
        cls.peer = cls.env['gateway']['peer']
        cls.host = 'harness@%s' % BACKEND
        cls.sdc = next(s for s in cls.env['gateway']['sdcs']
                       if s['name'] == SDC)

    # -- helpers
    def connector(self):
        return {'sdc_guid': self.sdc['guid'], 'host': CONNECTOR_HOST,
                'ip': '127.0.0.1', 'platform': 'x86_64', 'os_type': 'linux',
                'multipath': False, 'initiator': None}

    def service(self):
        services = self.api('GET', '/os-services?binary=cinder-volume')
        return next(s for s in services['services']
                    if s['host'] == self.host)

    def wait_service(self, replication_status, active_backend_id):
        def check():
            s = self.service()
            if (s['replication_status'] == replication_status
                    and (s.get('active_backend_id') or None)
                    == active_backend_id):
                return s
            return None
        return base.wait_for('%s %s (active %s)' % (
            self.host, replication_status, active_backend_id), check, 180)

    def failover(self, backend_id, host=None):
        """cinder failover-host; a clustered backend fails over whole."""
        host = host or self.host
        cluster = next(s['cluster'] for s in self.api(
            'GET', '/os-services?binary=cinder-volume')['services']
            if s['host'] == host)
        if cluster:     # microversion 3.26 and later: a cluster
            self.api('PUT', '/os-services/failover_host',
                     {'cluster': cluster, 'backend_id': backend_id})
        else:
            self.api('PUT', '/os-services/failover_host',
                     {'host': host, 'backend_id': backend_id})

    def test_a_backend_without_replication_is_not_failed_over(self):
        plain = next(b for b in self.env['backends']
                     if b.get('kind') == 'sdc')
        self.assertRaises(AssertionError, self.failover,
                          self.peer['backend_id'],
                          'harness@%s' % plain['name'])
        services = self.api('GET', '/os-services?binary=cinder-volume')
        for s in services['services']:
            if s['host'].endswith('@' + plain['name']):
                self.assertEqual('enabled', s['status'])
                self.assertIn(s['replication_status'], ('disabled', None))

    def attach(self, volume_id):
        """Attach, complete; (attachment id, connection data, device)."""
        attachment = self.api('POST', '/attachments', {'attachment': {
            'volume_uuid': volume_id, 'connector': self.connector(),
            'mode': 'rw'}})['attachment']
        self.api('POST', '/attachments/%s/action' % attachment['id'],
                 {'os-complete': None}, ok=(200, 204))
        self.wait_volume(volume_id, 'in-use')
        # Cinder's attachment view gives the data's keys at the top
        info = attachment['connection_info']
        data = info.get('data') or info
        self.assertEqual(self.sdc['guid'], data['sdc_guid'])
        return attachment['id'], data

    def detach(self, volume_id, attachment_id):
        self.api('DELETE', '/attachments/%s' % attachment_id)
        self.wait_volume(volume_id, 'available')

    def device(self, system_id, data):
        """The device link of the mapped volume on the SDC host."""
        path = os.path.join(self.sdc['device_dir'], 'emc-vol-%s-%s' % (
            system_id, data['scaleIO_volume_id']))
        base.wait_for('device %s' % path, lambda: os.path.exists(path), 30)
        return path

    @staticmethod
    def write(path, offset, payload):
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, payload.ljust(BLOCK, b'\0'), offset)
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def read(path, offset, length):
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.pread(fd, length, offset)
        finally:
            os.close(fd)

    def gateway_volume(self, gateway, cinder_id):
        volume_id = gateway.volume_id_by_name(names.id_to_name(cinder_id))
        self.assertIsNotNone(volume_id)
        return gateway.volume(volume_id)

    def peer_gateway(self):
        from scaleio_client import client as sio_client
        from scaleio_client import config as sio_config
        gw = self.env['gateway']
        return sio_client.ScaleIOClient(sio_config.GatewayConfig(
            host=gw['host'], port=self.peer['port'],
            username=gw['username'], password=gw['password'],
            ca_bundle=self.peer['ca_file']))

    def sim_peer(self, method, path, body=None):
        resp = self.control.request(method, self.peer['control_url'] + path,
                                    json=body, timeout=30)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    # -- the story
    def test_failover_and_failback_with_attached_volumes(self):
        self.assertEqual('enabled', self.service()['replication_status'])
        vtype = self.backend['volume_type']
        volumes = []
        for i in range(2):
            v = self.api('POST', '/volumes', {'volume': {
                'size': 1, 'volume_type': vtype,
                'name': 'harness-replicated-%d' % i}})['volume']
            self.addCleanup(self._delete_volume, v['id'])
            volumes.append(self.wait_volume(v['id'], 'available'))
        for v in volumes:
            self.assertEqual('enabled', v['replication_status'])
            # harness@ or, active-active, either member of the cluster
            self.assertEqual('%s#%s' % (BACKEND, self.backend['pool']),
                             self.api('GET', '/volumes/%s' % v['id'])
                             ['volume']['os-vol-host-attr:host']
                             .split('@', 1)[1])

        primary_id = self.env['gateway']['system_id']
        peer_id = self.peer['system_id']
        first = {}
        for i, v in enumerate(volumes):
            attachment_id, data = self.attach(v['id'])
            self.assertFalse(data.get('failed_over'))
            path = self.device(primary_id, data)
            self.write(path, 0, b'site A %d' % i)
            first[v['id']] = attachment_id, data
        # the array's asynchronous copy catches up
        self.assertGreaterEqual(self.sim('POST', '/replication/sync')
                                ['copied'], 2)

        # -- failover, the volumes attached
        self.failover(self.peer['backend_id'])
        service = self.wait_service('failed-over', self.peer['backend_id'])
        self.assertEqual('disabled', service['status'])
        for v in volumes:
            got = self.wait_volume(v['id'], 'in-use')
            self.assertEqual('failed-over', got['replication_status'])
        peer_gateway = self.peer_gateway()

        # re-attach: now on the peer system's device
        for i, v in enumerate(volumes):
            self.detach(v['id'], first[v['id']][0])
            attachment_id, data = self.attach(v['id'])
            self.assertIs(True, data['failed_over'])
            twin = self.gateway_volume(peer_gateway, v['id'])
            self.assertEqual(twin.id, data['scaleIO_volume_id'])
            path = self.device(peer_id, data)
            self.assertEqual(b'site A %d' % i,
                             self.read(path, 0, len(b'site A %d' % i)))
            self.write(path, BLOCK, b'site B %d' % i)
            self.detach(v['id'], attachment_id)
            self.assertFalse(os.path.exists(path))

        # the primary still maps what the first attach mapped there
        for v in volumes:
            old = self.gateway_volume(self.gateway, v['id'])
            self.assertEqual(first[v['id']][1]['scaleIO_volume_id'], old.id)
            self.assertTrue(old.mappings)

        # -- failback: the driver unmaps those before the restore
        self.failover('default')
        service = self.wait_service('enabled', None)
        self.assertEqual('enabled', service['status'])
        for v in volumes:
            got = self.wait_volume(v['id'], 'available')
            self.assertEqual('enabled', got['replication_status'])
            self.assertEqual((), self.gateway_volume(self.gateway,
                                                     v['id']).mappings)

        for i, v in enumerate(volumes):
            attachment_id, data = self.attach(v['id'])
            self.assertFalse(data.get('failed_over'))
            self.assertEqual(first[v['id']][1]['scaleIO_volume_id'],
                             data['scaleIO_volume_id'])
            path = self.device(primary_id, data)
            self.assertEqual(b'site A %d' % i,
                             self.read(path, 0, len(b'site A %d' % i)))
            self.assertEqual(b'site B %d' % i,
                             self.read(path, BLOCK, len(b'site B %d' % i)))
            self.detach(v['id'], attachment_id)

    def _delete_volume(self, volume_id):
        volume = self.volume(volume_id)
        if volume is None:
            return
        for a in volume.get('attachments', ()):
            self.cinder.delete('/attachments/%s' % a['attachment_id'])
        if self.service()['replication_status'] != 'enabled':
            # a failed test left the backend failed over: back first
            self.failover('default')
            base.wait_for('failback', lambda: self.service()
                          ['replication_status'] == 'enabled', 180)
        self.wait_volume(volume_id, 'available', 'error', None)
        self.api('DELETE', '/volumes/%s' % volume_id, ok=(202, 404))
        self.wait_volume(volume_id, None)
