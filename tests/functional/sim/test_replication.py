"""Two simulated systems replicating: peers, RCGs, pairs, data, failover.

The primary is the default system; the peer has its own system id, the
same pools and the same hosts (its device links land in the same host
directories, named by its system id, as on a real host).
"""

import os
import urllib.parse

import ddt

from scaleio_sim import topology
from tests import base
from tests.support import common

RCG = '/types/ReplicationConsistencyGroup/instances'
PAIRS = '/types/ReplicationPair/instances'
MiB = common.BYTES_PER_MIB


class ReplicationTestCase(base.TestCase):

    api_version = '3.5'

    def setUp(self):
        super().setUp()
        self.primary = self.useFixture(common.SimulatorFixture(
            api_version=self.api_version)).sim
        self.secondary = self.useFixture(common.SimulatorFixture(
            api_version=self.api_version,
            topology=topology.peer_default(
                hosts_dir=self.primary.hosts_dir))).sim
        self.primary.peer_with(self.secondary)
        self.a = common.Gateway(self.primary)
        self.b = common.Gateway(self.secondary)

    def new_rcg(self, name='rcg-1'):
        return self.a.ok_post(RCG, {
            'name': name, 'protectionDomainId': self.a.pd_id(),
            'remoteProtectionDomainId': self.b.pd_id(),
            'destinationSystemId': self.secondary.mdm.system_id,
            'rpoInSeconds': 30})['id']

    def pair(self, rcg_id, name='db'):
        """A volume on each side, paired; returns (source, destination)."""
        source = self.a.create_volume(name)
        destination = self.b.create_volume(name)
        pair_id = self.a.ok_post(PAIRS, {
            'name': source, 'replicationConsistencyGroupId': rcg_id,
            'copyType': 'OnlineCopy', 'sourceVolumeId': source,
            'destinationVolumeId': destination})['id']
        return source, destination, pair_id

    def device(self, sim, volume_id, sdc='sdc1'):
        return os.path.join(self.primary.host_dir(sdc), 'by-id',
                            'emc-vol-%s-%s' % (sim.mdm.system_id, volume_id))

    def write(self, gw, sim, volume_id, data, offset=MiB):
        gw.map(volume_id, 'sdc1')
        with open(self.device(sim, volume_id), 'r+b') as f:
            f.seek(offset)
            f.write(data)
        gw.ok(gw.action(volume_id, 'removeMappedSdc',
                        {'sdcId': gw.sdc('sdc1')['id']}))

    def read(self, gw, sim, volume_id, size, offset=MiB, mode='ReadOnly'):
        gw.ok(gw.action(volume_id, 'addMappedSdc', {
            'sdcId': gw.sdc('sdc1')['id'], 'accessMode': mode}))
        with open(self.device(sim, volume_id), 'rb') as f:
            f.seek(offset)
            data = f.read(size)
        gw.ok(gw.action(volume_id, 'removeMappedSdc',
                        {'sdcId': gw.sdc('sdc1')['id']}))
        return data


class TestObjects(ReplicationTestCase):

    def test_each_system_lists_the_other_as_peer(self):
        [peer] = self.a.ok_get('/types/PeerMdm/instances')
        self.assertEqual(self.secondary.mdm.system_id, peer['peerSystemId'])
        self.assertEqual('Connected', peer['peerMdmState'])
        [peer] = self.b.ok_get('/types/PeerMdm/instances')
        self.assertEqual(self.primary.mdm.system_id, peer['peerSystemId'])

    def test_an_rcg_has_a_twin_on_the_peer_found_by_name(self):
        rcg_id = self.new_rcg('cinder/rcg:1')
        quoted = urllib.parse.quote('cinder/rcg:1', '')
        key = RCG + '/action/queryIdByKey'
        self.assertEqual(rcg_id, self.a.ok_post(key, {'name': quoted}))
        twin_id = self.b.ok_post(key, {'name': 'cinder/rcg:1'})
        rcg = self.a.ok_get('/instances/ReplicationConsistencyGroup::%s'
                            % rcg_id)
        twin = self.b.ok_get('/instances/ReplicationConsistencyGroup::%s'
                             % twin_id)
        self.assertEqual(twin_id, rcg['remoteId'])
        self.assertEqual(rcg_id, twin['remoteId'])
        self.assertEqual('LocalToRemote', rcg['replicationDirection'])
        self.assertEqual('RemoteToLocal', twin['replicationDirection'])
        self.assertEqual(30, rcg['rpoInSeconds'])

    def test_a_pair_and_its_twin_name_both_volumes(self):
        source, destination, pair_id = self.pair(self.new_rcg())
        pair = self.a.ok_get('/instances/ReplicationPair::%s' % pair_id)
        self.assertEqual((source, destination),
                         (pair['localVolumeId'], pair['remoteVolumeId']))
        [twin] = self.b.ok_get(PAIRS)
        self.assertEqual(pair['remoteId'], twin['id'])
        self.assertEqual((destination, source),
                         (twin['localVolumeId'], twin['remoteVolumeId']))
        self.assertEqual('Replicated', self.a.volume(source)
                         ['volumeReplicationState'])

    def test_a_paired_volume_cannot_be_removed_until_unpaired(self):
        rcg_id = self.new_rcg()
        source, destination, pair_id = self.pair(rcg_id)
        remove = {'removeMode': 'ONLY_ME'}
        self.assertEqual(500, self.a.action(source, 'removeVolume',
                                            remove).status_code)
        # The RCG keeps its pairs too.
        self.assertEqual(500, self.a.post(
            '/instances/ReplicationConsistencyGroup::%s/action/'
            'removeReplicationConsistencyGroup' % rcg_id).status_code)
        self.a.ok_post('/instances/ReplicationPair::%s/action/'
                       'removeReplicationPair' % pair_id)
        self.assertEqual([], self.b.ok_get(PAIRS))
        self.a.ok(self.a.action(source, 'removeVolume', remove))
        self.b.ok(self.b.action(destination, 'removeVolume', remove))
        self.a.ok_post('/instances/ReplicationConsistencyGroup::%s/action/'
                       'removeReplicationConsistencyGroup' % rcg_id)
        self.assertEqual([], self.b.ok_get(RCG))

    def test_sizes_must_match(self):
        rcg_id = self.new_rcg()
        source = self.a.create_volume('small', size_gib=8)
        destination = self.b.create_volume('large', size_gib=16)
        r = self.a.post(PAIRS, {
            'replicationConsistencyGroupId': rcg_id,
            'sourceVolumeId': source, 'destinationVolumeId': destination})
        self.assertEqual(500, r.status_code, r.text)
        self.assertIn('differ in size', r.json()['message'])

    def test_the_objects_survive_a_restart(self):
        rcg_id = self.new_rcg()
        self.pair(rcg_id)
        before = self.a.ok_get(PAIRS), self.b.ok_get(PAIRS)
        self.primary.restart()
        self.secondary.restart()
        self.a.token = self.b.token = None
        self.assertEqual(before, (self.a.ok_get(PAIRS), self.b.ok_get(PAIRS)))


class TestData(ReplicationTestCase):

    def test_pairing_copies_the_source_and_sync_sends_later_writes(self):
        rcg_id = self.new_rcg()
        source = self.a.create_volume('db')
        self.write(self.a, self.primary, source, b'before the pair')
        destination = self.b.create_volume('db')
        self.a.ok_post(PAIRS, {
            'replicationConsistencyGroupId': rcg_id,
            'sourceVolumeId': source, 'destinationVolumeId': destination})
        self.assertEqual(b'before the pair', self.read(
            self.b, self.secondary, destination, 15))
        self.write(self.a, self.primary, source, b'after the pair!')
        self.assertEqual(b'before the pair', self.read(
            self.b, self.secondary, destination, 15))
        self.assertEqual(1, self.primary.sync_replication())
        self.assertEqual(b'after the pair!', self.read(
            self.b, self.secondary, destination, 15))

    def test_a_destination_takes_no_writes_before_failover(self):
        source, destination, _ = self.pair(self.new_rcg())
        r = self.b.action(destination, 'addMappedSdc',
                          {'sdcId': self.b.sdc('sdc1')['id']})
        self.assertEqual(500, r.status_code, r.text)

    def test_failover_then_restore(self):
        rcg_id = self.new_rcg()
        source, destination, _ = self.pair(rcg_id)
        self.write(self.a, self.primary, source, b'primary data')
        self.primary.sync_replication()
        # Disaster: sent to the secondary, as Cinder's driver does.
        twin_id = self.b.ok_post(RCG + '/action/queryIdByKey',
                                 {'name': 'rcg-1'})
        self.b.ok_post('/instances/ReplicationConsistencyGroup::%s/action/'
                       'failoverReplicationConsistencyGroup' % twin_id)
        twin = self.b.ok_get('/instances/ReplicationConsistencyGroup::%s'
                             % twin_id)
        self.assertEqual('Failover', twin['failoverType'])
        self.assertEqual('Active', twin['localActivityState'])
        # The secondary's copy is writable now; the primary's is not.
        self.write(self.b, self.secondary, destination, b'written there')
        r = self.a.action(source, 'addMappedSdc',
                          {'sdcId': self.a.sdc('sdc1')['id']})
        self.assertEqual(500, r.status_code, r.text)
        # Failback: the secondary's data comes home.
        self.b.ok_post('/instances/ReplicationConsistencyGroup::%s/action/'
                       'restoreReplicationConsistencyGroup' % twin_id)
        self.assertEqual(b'written there', self.read(
            self.a, self.primary, source, 13, mode='ReadWrite'))
        rcg = self.a.ok_get('/instances/ReplicationConsistencyGroup::%s'
                            % rcg_id)
        self.assertEqual('None', rcg['failoverType'])
        self.assertEqual('LocalToRemote', rcg['replicationDirection'])

    def test_nothing_moves_while_the_link_is_down_or_paused(self):
        rcg_id = self.new_rcg()
        source, destination, _ = self.pair(rcg_id)
        self.write(self.a, self.primary, source, b'not sent')
        self.primary.mdm.link_state.up = False
        self.assertEqual(0, self.primary.sync_replication())
        self.primary.mdm.link_state.up = True
        self.a.ok_post('/instances/ReplicationConsistencyGroup::%s/action/'
                       'pauseReplicationConsistencyGroup' % rcg_id)
        self.assertEqual(0, self.primary.sync_replication())
        self.assertEqual(bytes(8), self.read(
            self.b, self.secondary, destination, 8))


@ddt.ddt
class TestBefore35(ReplicationTestCase):

    api_version = '3.0'

    @ddt.data(('GET', RCG), ('GET', PAIRS),
              ('GET', '/types/PeerMdm/instances'), ('POST', RCG),
              ('POST', PAIRS))
    @ddt.unpack
    def test_a_gateway_before_3_5_has_no_replication(self, method, path):
        r = self.a.request(method, path, {} if method == 'POST' else None)
        self.assertEqual(404, r.status_code, r.text)


class TestControlApi(ReplicationTestCase):

    def control(self, method, path, body=None):
        r = self.a.session.request(method, self.primary.url + path,
                                   json=body, timeout=30)
        return r.status_code, r.json()

    def test_sync_and_the_link_through_the_control_api(self):
        source, destination, _ = self.pair(self.new_rcg())
        self.write(self.a, self.primary, source, b'by control')
        self.assertEqual((200, {'peer': self.secondary.mdm.system_id,
                                'link': 'up'}),
                         self.control('GET', '/sim/replication'))
        self.assertEqual(200, self.control('POST', '/sim/replication/link',
                                           {'up': False})[0])
        [peer] = self.a.ok_get('/types/PeerMdm/instances')
        self.assertEqual('Disconnected', peer['peerMdmState'])
        self.assertEqual((200, {'copied': 0}),
                         self.control('POST', '/sim/replication/sync'))
        self.control('POST', '/sim/replication/link', {'up': True})
        self.assertEqual((200, {'copied': 1}),
                         self.control('POST', '/sim/replication/sync'))
        self.assertEqual(b'by control', self.read(
            self.b, self.secondary, destination, 10))
        self.assertEqual(400, self.control('POST', '/sim/replication/link',
                                           {'up': 'no'})[0])
