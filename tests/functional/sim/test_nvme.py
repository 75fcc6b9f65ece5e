"""NVMe/TCP on 4.x: Host objects, SDTs, mappings to hosts, device links.

An NVMe host is made with its NQN and a name (31 characters at most,
unique, and one host per NQN whatever its letter case); volumes map to it
with ``addMappedSdc`` (its id as ``sdcId``, as Cinder 29's NVMe driver
does) or ``addMappedHost``; a host with mappings cannot be removed. The
simulated host sees a mapped volume as ``by-id/nvme-eui.<NGUID>``.
"""

import os

import ddt

from scaleio_sim import datapath
from tests import base
from tests.support import common

HOSTS = '/types/Host/instances'
NQN = 'nqn.2014-08.org.nvmexpress:uuid:5c1a0001-aaaa-4bbb-8ccc-000000000001'


@ddt.ddt
class TestNvmeHosts(base.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(common.SimulatorFixture(
            api_version='4.5')).sim
        self.gw = common.Gateway(self.sim)

    def new_host(self, nqn=NQN, name='compute1'):
        return self.gw.ok_post(HOSTS, {'nqn': nqn, 'name': name})['id']

    def test_hosts_list_sdcs_and_nvme_hosts_sdcs_only_sdcs(self):
        host_id = self.new_host()
        hosts = {h['id']: h for h in self.gw.ok_get(HOSTS)}
        self.assertEqual('NVMeHost', hosts[host_id]['hostType'])
        self.assertEqual(NQN, hosts[host_id]['nqn'])
        self.assertEqual({'SdcHost'}, {h['hostType'] for i, h in hosts.items()
                                       if i != host_id})
        self.assertNotIn(host_id, [s['id'] for s in
                                   self.gw.ok_get('/types/Sdc/instances')])

    @ddt.data(NQN, NQN.upper().replace('NQN.', 'nqn.'))
    def test_one_host_per_nqn_whatever_the_case(self, nqn):
        self.new_host()
        r = self.gw.post(HOSTS, {'nqn': nqn, 'name': 'other'})
        self.assertEqual(500, r.status_code, r.text)
        self.assertEqual(9007, r.json()['errorCode'])

    def test_names_are_31_characters_at_most(self):
        r = self.gw.post(HOSTS, {'nqn': NQN, 'name': 'h' * 32})
        self.assertEqual(226, r.json()['errorCode'])

    def test_a_mapped_volume_shows_as_an_nvme_namespace(self):
        host_id = self.new_host()
        volume_id = self.gw.create_volume('v1')
        self.gw.ok(self.gw.action(volume_id, 'addMappedSdc', {
            'sdcId': host_id, 'allowMultipleMappings': 'TRUE'}))
        nguid = datapath.volume_nguid(self.sim.mdm.system_id, volume_id)
        self.assertEqual(32, len(nguid))
        link = os.path.join(self.sim.hosts_dir, 'compute1', 'by-id',
                            'nvme-eui.' + nguid)
        self.assertTrue(os.path.exists(link))
        self.assertEqual([volume_id], [v['id'] for v in self.gw.ok_get(
            '/instances/Sdc::%s/relationships/Volume' % host_id)])
        # Mapped: it stays.
        r = self.gw.post('/instances/Host::%s/action/removeHost' % host_id)
        self.assertEqual(500, r.status_code, r.text)
        self.gw.ok(self.gw.action(volume_id, 'removeMappedHost',
                                  {'hostId': host_id}))
        self.assertFalse(os.path.lexists(link))
        self.gw.ok_post('/instances/Host::%s/action/removeHost' % host_id)
        self.assertNotIn(host_id, [h['id'] for h in self.gw.ok_get(HOSTS)])

    def test_sdts_give_the_portals_and_the_system_its_nqn(self):
        [sdt] = self.gw.ok_get('/types/Sdt/instances')
        self.assertEqual(4420, sdt['nvmePort'])
        self.assertEqual([{'ip': '127.0.0.1', 'role': 'StorageAndHost'}],
                         sdt['ipList'])
        [system] = self.gw.ok_get('/types/System/instances')
        self.assertTrue(system['systemNqn'].startswith('nqn.'))


class TestBefore4(base.TestCase):

    def test_no_hosts_or_sdts_before_4_0(self):
        sim = self.useFixture(common.SimulatorFixture(api_version='3.5')).sim
        gw = common.Gateway(sim)
        self.assertEqual(404, gw.get(HOSTS).status_code)
        self.assertEqual(404, gw.get('/types/Sdt/instances').status_code)
        self.assertEqual(404, gw.post(HOSTS, {'nqn': NQN,
                                              'name': 'x'}).status_code)
