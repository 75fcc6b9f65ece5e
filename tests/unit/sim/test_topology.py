"""The simulated system's layout: the documented default, the defaults
filled into a partial topology, and errors that point at the bad entry."""

import copy
import os

import ddt
import fixtures
import yaml

from scaleio_sim import topology
from tests import base

GUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'


def one_pool(**pool):
    return {'protection_domains': [{'name': 'pd', 'storage_pools': [
        dict({'name': 'sp'}, **pool)]}]}


def one_sdc(**sdc):
    return {'sdcs': [dict({'name': 'h1', 'guid': GUID}, **sdc)]}


class TestDefaults(base.TestCase):

    def test_default_system(self):
        topo = topology.default()
        self.assertEqual({'id': '5c1a0de4a7e10001', 'name': 'scaleio-sim'},
                         topo['system'])
        self.assertEqual([{'name': 'admin', 'password': 'Scaleio123'}],
                         topo['users'])
        pd, = topo['protection_domains']
        self.assertEqual('pd1', pd['name'])
        self.assertEqual([('sp1', 'MediumGranularity', 1024),
                          ('sp2', 'FineGranularity', 1024)],
                         [(p['name'], p['data_layout'], p['capacity_gib'])
                          for p in pd['storage_pools']])
        self.assertEqual(['sdc1', 'sdc2'], [s['name'] for s in topo['sdcs']])

    def test_default_is_a_copy(self):
        topology.default()['users'].clear()
        self.assertEqual(1, len(topology.default()['users']))

    def test_empty_topology_is_the_default_with_defaults_filled_in(self):
        topo = topology.validate({})
        self.assertEqual(topology.default()['system'], topo['system'])
        pool = topo['protection_domains'][0]['storage_pools'][0]
        self.assertEqual(10, pool['spare_percentage'])
        self.assertTrue(pool['zero_padding'])
        sdc = topo['sdcs'][0]
        self.assertTrue(sdc['auto_rescan'])
        self.assertEqual(2, topo['migration_polls'])

    def test_a_pool_gets_layout_padding_capacity_and_spare(self):
        pool = topology.validate(one_pool())[
            'protection_domains'][0]['storage_pools'][0]
        self.assertEqual({'name': 'sp', 'data_layout': 'MediumGranularity',
                          'zero_padding': True, 'capacity_gib': 1024,
                          'spare_percentage': 10}, pool)

    def test_an_sdc_gets_a_name_an_ip_and_an_upper_case_guid(self):
        sdcs = topology.validate({'sdcs': [{'guid': GUID},
                                           {'guid': GUID.replace('0a', 'ff')}]
                                  })['sdcs']
        self.assertEqual(['sdc1', 'sdc2'], [s['name'] for s in sdcs])
        self.assertEqual(['192.0.2.11', '192.0.2.12'], [s['ip'] for s in sdcs])
        self.assertEqual(GUID.upper(), sdcs[0]['guid'])

    def test_system_name_without_an_id_keeps_the_default_id(self):
        system = topology.validate({'system': {'name': 'lab'}})['system']
        self.assertEqual({'id': '5c1a0de4a7e10001', 'name': 'lab'}, system)

    def test_no_sdcs_is_allowed(self):
        self.assertEqual([], topology.validate({'sdcs': []})['sdcs'])

    def test_validation_does_not_change_its_input(self):
        given = one_pool()
        before = copy.deepcopy(given)
        topology.validate(given)
        self.assertEqual(before, given)


@ddt.ddt
class TestValidationErrors(base.TestCase):

    def assertRefused(self, data, *words):
        e = self.assertRaises(topology.TopologyError, topology.validate,
                              data, 'lab.yaml')
        message = str(e)
        self.assertTrue(message.startswith('lab.yaml: '), message)
        for word in words:
            self.assertIn(word, message)
        return message

    @ddt.unpack
    @ddt.data(
        ({'system': 'sim'}, 'system', "'sim'"),
        ({'system': {'id': 'XYZ'}}, 'system.id', "'XYZ'"),
        ({'system': {'id': '5C1A0DE4A7E10001'}}, 'system.id',
         "'5C1A0DE4A7E10001'"),
        ({'users': []}, 'users', '[]'),
        ({'users': ['admin']}, 'users[0]', "'admin'"),
        ({'users': [{'name': 'admin'}]}, 'users[0].password', 'None'),
        ({'users': [{'name': '', 'password': 'x'}]}, 'users[0].name', "''"),
        ({'protection_domains': []}, 'protection_domains', '[]'),
        ({'protection_domains': [{'name': 'x' * 32, 'storage_pools': [
            {'name': 'sp'}]}]}, 'protection_domains[0].name', 'x' * 32),
        ({'protection_domains': [{'name': 'pd', 'id': 'pd-1',
                                  'storage_pools': [{'name': 'sp'}]}]},
         'protection_domains[0].id', "'pd-1'"),
        ({'protection_domains': [{'name': 'pd'}]},
         'protection_domains[0].storage_pools', '[]'),
        (one_pool(name=None), 'storage_pools[0].name', 'None'),
        (one_pool(id=17), 'storage_pools[0].id', '17'),
        (one_pool(data_layout='Coarse'), 'storage_pools[0].data_layout',
         "'Coarse'"),
        (one_pool(zero_padding='yes'), 'storage_pools[0].zero_padding',
         "'yes'"),
        (one_pool(capacity_gib=0), 'storage_pools[0].capacity_gib', '0'),
        (one_pool(capacity_gib='1T'), 'storage_pools[0].capacity_gib',
         "'1T'"),
        (one_pool(capacity_gib=True), 'storage_pools[0].capacity_gib',
         'True'),
        (one_pool(spare_percentage=100), 'storage_pools[0].spare_percentage',
         '100'),
        (one_pool(spare_percentage=-1), 'storage_pools[0].spare_percentage',
         '-1'),
        ({'sdcs': 'host1'}, 'sdcs', "'host1'"),
        ({'sdcs': ['host1']}, 'sdcs[0]', "'host1'"),
        ({'sdcs': [{'name': 'h1'}]}, 'sdcs[0].guid'),
        (one_sdc(guid='not-a-guid'), 'sdcs[0].guid', "'not-a-guid'"),
        (one_sdc(name='h' * 32), 'sdcs[0].name', 'h' * 32),
        (one_sdc(host_dir=''), 'sdcs[0].host_dir', "''"),
        (one_sdc(device_dir=5), 'sdcs[0].device_dir', '5'),
        ({'migration_polls': -1}, 'migration_polls', '-1'),
        ({'migration_polls': 'two'}, 'migration_polls', "'two'"),
    )
    def test_error_names_the_key_and_value(self, data, key, value=None):
        words = (key,) if value is None else (key, value)
        self.assertRefused(data, *words)

    def test_top_level_must_be_a_mapping(self):
        self.assertRefused(['pd1'], 'mapping', 'list')

    def test_unknown_keys_are_named(self):
        self.assertRefused({'colour': 'blue', 'system': {}}, 'colour')

    def test_duplicate_protection_domain_names(self):
        pd = {'name': 'pd', 'storage_pools': [{'name': 'sp'}]}
        self.assertRefused({'protection_domains': [pd, pd]},
                           'protection domain', "'pd'")

    def test_duplicate_pool_names_in_one_domain(self):
        self.assertRefused({'protection_domains': [{
            'name': 'pd', 'storage_pools': [{'name': 'sp'},
                                            {'name': 'sp'}]}]}, "'sp'")

    def test_same_pool_name_in_two_domains_is_fine(self):
        domains = [{'name': name, 'storage_pools': [{'name': 'sp'}]}
                   for name in ('pd1', 'pd2')]
        topology.validate({'protection_domains': domains})

    def test_duplicate_sdc_guids_in_any_letter_case(self):
        self.assertRefused({'sdcs': [{'name': 'a', 'guid': GUID},
                                     {'name': 'b', 'guid': GUID.upper()}]},
                           'GUID', GUID.upper())

    def test_duplicate_sdc_names(self):
        self.assertRefused({'sdcs': [
            {'name': 'a', 'guid': GUID},
            {'name': 'a', 'guid': GUID.replace('0a', 'ff')}]},
            'SDC names', "'a'")


class TestLoad(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, text):
        path = os.path.join(self.dir, 'topology.yaml')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_yaml_file(self):
        path = self.write(yaml.safe_dump(one_pool(capacity_gib=64)))
        pool, = topology.load(path)['protection_domains'][0]['storage_pools']
        self.assertEqual(64, pool['capacity_gib'])

    def test_json_file(self):
        path = self.write('{"system": {"id": "0123456789abcdef"}}')
        self.assertEqual('0123456789abcdef',
                         topology.load(path)['system']['id'])

    def test_errors_name_the_file(self):
        path = self.write(yaml.safe_dump({'migration_polls': -1}))
        e = self.assertRaises(topology.TopologyError, topology.load, path)
        self.assertIn(path, str(e))
        self.assertIn('migration_polls', str(e))

    def test_missing_file(self):
        path = os.path.join(self.dir, 'missing.yaml')
        e = self.assertRaises(topology.TopologyError, topology.load, path)
        self.assertIn(path, str(e))

    def test_file_that_is_not_yaml(self):
        path = self.write('system: [unclosed\n')
        e = self.assertRaises(topology.TopologyError, topology.load, path)
        self.assertIn(path, str(e))
