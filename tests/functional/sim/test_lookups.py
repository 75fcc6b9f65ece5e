"""Finding objects: the version, names, keys, ids, listings and relationships
that clients read, and the shapes of the objects they get back."""

import urllib.parse

import ddt

from scaleio_client import sizes
from tests.functional.sim import base
from tests.support import common

# A 2.x gateway has no fine-granularity pools, so 2.0 runs on this system.
MEDIUM_ONLY = {'protection_domains': [{
    'name': 'pd1', 'storage_pools': [{'name': 'sp1'}, {'name': 'sp3'}]}]}

# The volume name Cinder derives from 1e5f37e5-7e5e-4a0f-b170-e45f4b469f6a.
BASE64_NAME = 'Hl835X5eSg+xcORfS0afag=='
TWO_X_ONLY_VOLUME_FIELDS = ('mappingToAllSdcsEnabled', 'isObfuscated',
                            'mappedScsiInitiatorInfo', 'useRmcache')


def quote(name, times=1):
    for _ in range(times):
        name = urllib.parse.quote(name, safe='')
    return name


class LookupTestCase(base.SimulatorTestCase):

    def gateway(self, **options):
        """A gateway to a second simulator started with these options."""
        sim = self.useFixture(common.SimulatorFixture(**options)).sim
        return common.Gateway(sim)

    def ids_of(self, objects):
        return [o['id'] for o in objects]


@ddt.ddt
class TestVersion(LookupTestCase):

    @ddt.data('2.0', '3.0', '3.5', '4.0')
    def test_version_is_a_quoted_string_of_the_default_system(self, version):
        gw = self.gateway(api_version=version)
        r = gw.get('/version')
        self.assertEqual(200, r.status_code, r.text)
        self.assertEqual('"%s"' % version, r.text)
        # What Cinder does with it: strip the quotes, require N[.N...].
        self.assertRegex(r.text.replace('"', ''), r'^\d+(\.\d+)*$')

    def test_version_on_a_2_0_system_without_fine_granularity(self):
        gw = self.gateway(api_version='2.0', topology=MEDIUM_ONLY)
        self.assertEqual('"2.0"', gw.get('/version').text)


@ddt.ddt
class TestGetByName(LookupTestCase):

    def test_domain_by_name_gives_the_quoted_domain_id(self):
        r = self.gw.get('/types/Domain/instances/getByName::pd1')
        self.assertEqual(200, r.status_code, r.text)
        pd, = self.gw.ok_get('/types/ProtectionDomain/instances')
        self.assertEqual('"%s"' % pd['id'], r.text)

    def test_pool_by_domain_id_and_name(self):
        pd_id = self.gw.pd_id()
        pools = {p['name']: p['id']
                 for p in self.gw.ok_get('/types/StoragePool/instances')}
        for name in ('sp1', 'sp2'):
            found = self.gw.ok_get('/types/Pool/instances/getByName::%s,%s'
                                   % (pd_id, name))
            self.assertEqual(pools[name], found)

    @ddt.data(BASE64_NAME, '/////////////////////w==')
    def test_volume_by_base64_name_quoted_once_or_twice(self, name):
        volume_id = self.gw.create_volume(name)
        for times in (1, 2):
            found = self.gw.ok_get('/types/Volume/instances/getByName::%s'
                                   % quote(name, times))
            self.assertEqual(volume_id, found)

    @ddt.data('Hl835X5eSg%2BxcORfS0afag%3D%3D',
              'Hl835X5eSg%252BxcORfS0afag%253D%253D')
    def test_volume_by_the_reference_encodings_of_a_name(self, encoded):
        volume_id = self.gw.create_volume(BASE64_NAME)
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::%s' % encoded))

    def test_volume_by_plain_name_finds_only_that_volume(self):
        self.gw.create_volume('other')
        wanted = self.gw.create_volume('wanted')
        self.assertEqual(wanted, self.gw.ok_get(
            '/types/Volume/instances/getByName::wanted'))

    def test_unknown_volume_name_is_error_79(self):
        r = self.gw.get('/types/Volume/instances/getByName::%s'
                        % quote(BASE64_NAME, 2))
        self.assertGatewayError(r, 500, 79)

    def test_unknown_domain_name_is_error_142(self):
        r = self.gw.get('/types/Domain/instances/getByName::nowhere')
        self.assertGatewayError(r, 500, 142)

    def test_unknown_pool_name_is_error_3(self):
        r = self.gw.get('/types/Pool/instances/getByName::%s,nowhere'
                        % self.gw.pd_id())
        self.assertGatewayError(r, 500, 3)

    def test_pool_in_an_unknown_domain_is_error_142(self):
        r = self.gw.get('/types/Pool/instances/getByName::'
                        '0123456789abcdef,sp1')
        self.assertGatewayError(r, 500, 142)


@ddt.ddt
class TestQueryIdByKey(LookupTestCase):

    def query(self, object_type, body):
        return self.gw.post('/types/%s/instances/action/queryIdByKey'
                            % object_type, body)

    def test_volume_id_by_name(self):
        volume_id = self.gw.create_volume(BASE64_NAME)
        r = self.query('Volume', {'name': BASE64_NAME})
        self.assertEqual(200, r.status_code, r.text)
        self.assertEqual('"%s"' % volume_id, r.text)

    def test_protection_domain_id_by_name(self):
        self.assertEqual(self.gw.pd_id(), self.gw.ok(
            self.query('ProtectionDomain', {'name': 'pd1'})))

    @ddt.data('protectionDomainId', 'protectionDomainName')
    def test_storage_pool_id_by_name_and_domain(self, domain_key):
        domain = {'protectionDomainId': self.gw.pd_id(),
                  'protectionDomainName': 'pd1'}[domain_key]
        found = self.gw.ok(self.query('StoragePool',
                                      {'name': 'sp2', domain_key: domain}))
        self.assertEqual(self.gw.pool_id('sp2'), found)

    def test_storage_pool_needs_its_domain(self):
        r = self.query('StoragePool', {'name': 'sp1'})
        self.assertGatewayError(r, 400, 0)

    def test_name_is_required(self):
        self.assertGatewayError(self.query('Volume', {}), 400, 0)

    @ddt.unpack
    @ddt.data(('Volume', {'name': 'missing'}, 79),
              ('ProtectionDomain', {'name': 'missing'}, 142),
              ('StoragePool', {'name': 'missing',
                               'protectionDomainName': 'pd1'}, 3),
              ('StoragePool', {'name': 'sp1',
                               'protectionDomainName': 'missing'}, 142))
    def test_unknown_names_are_not_found(self, object_type, body, code):
        self.assertGatewayError(self.query(object_type, body), 500, code)


@ddt.ddt
class TestQueryBySelectedIds(LookupTestCase):

    def select(self, object_type, ids):
        return self.gw.post('/types/%s/instances/action/queryBySelectedIds'
                            % object_type, {'ids': ids})

    def test_protection_domain_answer_is_a_list(self):
        pd_id = self.gw.pd_id()
        found = self.gw.ok(self.select('ProtectionDomain', [pd_id]))
        self.assertIsInstance(found, list)
        self.assertEqual([pd_id], self.ids_of(found))
        self.assertEqual('pd1', found[0]['name'])

    def test_storage_pools_in_the_order_asked(self):
        ids = [self.gw.pool_id('sp2'), self.gw.pool_id('sp1')]
        found = self.gw.ok(self.select('StoragePool', ids))
        self.assertEqual(ids, self.ids_of(found))
        self.assertEqual(['sp2', 'sp1'], [p['name'] for p in found])

    def test_volumes(self):
        ids = [self.gw.create_volume('a'), self.gw.create_volume('b')]
        found = self.gw.ok(self.select('Volume', ids))
        self.assertEqual(ids, self.ids_of(found))
        self.assertEqual(['a', 'b'], [v['name'] for v in found])

    @ddt.unpack
    @ddt.data(('ProtectionDomain', 142), ('StoragePool', 3), ('Volume', 79))
    def test_an_unknown_id_fails_the_query(self, object_type, code):
        self.assertGatewayError(self.select(object_type,
                                            ['0123456789abcdef']), 500, code)

    def test_ids_must_be_a_list(self):
        self.assertGatewayError(self.select('Volume', 'abc'), 400, 0)


@ddt.ddt
class TestListingsAndObjects(LookupTestCase):

    def test_one_system(self):
        system, = self.gw.ok_get('/types/System/instances')
        self.assertEqual('5c1a0de4a7e10001', system['id'])
        self.assertEqual(system, self.gw.ok_get(
            '/instances/System::5c1a0de4a7e10001'))

    def test_default_system_listings(self):
        self.assertEqual(['pd1'], [pd['name'] for pd in self.gw.ok_get(
            '/types/ProtectionDomain/instances')])
        self.assertEqual(['sp1', 'sp2'], sorted(
            p['name'] for p in self.gw.ok_get('/types/StoragePool/instances')))
        self.assertEqual(['sdc1', 'sdc2'], sorted(
            s['name'] for s in self.gw.ok_get('/types/Sdc/instances')))
        self.assertEqual([], self.gw.ok_get('/types/Volume/instances'))
        self.assertEqual([], self.gw.ok_get('/types/VTree/instances'))

    def test_new_volume_and_its_vtree_are_listed(self):
        volume_id = self.gw.create_volume('vol')
        volume, = self.gw.ok_get('/types/Volume/instances')
        self.assertEqual(volume_id, volume['id'])
        vtree, = self.gw.ok_get('/types/VTree/instances')
        self.assertEqual(volume['vtreeId'], vtree['id'])
        self.assertEqual(volume_id, vtree['baseVolumeId'])

    @ddt.data('ProtectionDomain', 'StoragePool', 'Sdc', 'Volume', 'VTree')
    def test_each_listed_object_can_be_read_alone(self, object_type):
        self.gw.create_volume('vol')
        listed = self.gw.ok_get('/types/%s/instances' % object_type)
        self.assertNotEqual([], listed)
        for obj in listed:
            self.assertEqual(obj, self.gw.ok_get(
                '/instances/%s::%s' % (object_type, obj['id'])))

    @ddt.unpack
    @ddt.data(('ProtectionDomain', 142), ('StoragePool', 3), ('Sdc', 3),
              ('Volume', 79), ('VTree', 3), ('System', 3))
    def test_unknown_ids_are_not_found(self, object_type, code):
        r = self.gw.get('/instances/%s::0123456789abcdef' % object_type)
        self.assertGatewayError(r, 500, code)


@ddt.ddt
class TestRelationships(LookupTestCase):

    def related(self, object_type, object_id, child):
        return self.gw.ok_get('/instances/%s::%s/relationships/%s'
                              % (object_type, object_id, child))

    def test_system_protection_domains_and_sdcs(self):
        system = '5c1a0de4a7e10001'
        self.assertEqual([self.gw.pd_id()], self.ids_of(
            self.related('System', system, 'ProtectionDomain')))
        self.assertEqual(
            sorted(self.ids_of(self.gw.ok_get('/types/Sdc/instances'))),
            sorted(self.ids_of(self.related('System', system, 'Sdc'))))

    def test_protection_domain_storage_pools(self):
        pools = self.related('ProtectionDomain', self.gw.pd_id(),
                             'StoragePool')
        self.assertEqual(sorted([self.gw.pool_id('sp1'),
                                 self.gw.pool_id('sp2')]),
                         sorted(self.ids_of(pools)))

    def test_storage_pool_volumes_are_only_its_own(self):
        mine = self.gw.create_volume('mine', pool='sp1')
        self.gw.create_volume('other', pool='sp2')
        volumes = self.related('StoragePool', self.gw.pool_id('sp1'),
                               'Volume')
        self.assertEqual([mine], self.ids_of(volumes))
        self.assertEqual('mine', volumes[0]['name'])

    def test_storage_pool_vtrees(self):
        volume = self.gw.volume(self.gw.create_volume('vol', pool='sp2'))
        vtrees = self.related('StoragePool', self.gw.pool_id('sp2'), 'VTree')
        self.assertEqual([volume['vtreeId']], self.ids_of(vtrees))
        self.assertEqual([], self.related('StoragePool',
                                          self.gw.pool_id('sp1'), 'VTree'))

    def test_storage_pool_statistics_is_a_flat_dict_of_integers(self):
        stats = self.related('StoragePool', self.gw.pool_id(), 'Statistics')
        self.assertIsInstance(stats, dict)
        self.assertIn('netUnusedCapacityInKb', stats)
        for name, value in stats.items():
            self.assertIsInstance(value, int, name)

    def test_vtree_volumes_include_snapshots(self):
        volume_id = self.gw.create_volume('base')
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.create_volume('elsewhere')
        vtree_id = self.gw.volume(volume_id)['vtreeId']
        self.assertEqual(sorted([volume_id, snapshot_id]), sorted(
            self.ids_of(self.related('VTree', vtree_id, 'Volume'))))

    def test_vtree_statistics_count_volumes(self):
        volume_id = self.gw.create_volume('base')
        self.gw.snapshot(volume_id, 'snap')
        stats = self.related('VTree', self.gw.volume(volume_id)['vtreeId'],
                             'Statistics')
        self.assertEqual(2, int(stats['numOfVolumes']))

    def test_sdc_volumes_are_the_mapped_ones(self):
        mapped = self.gw.create_volume('mapped')
        self.gw.create_volume('unmapped')
        self.gw.map(mapped, 'sdc1')
        self.assertEqual([mapped], self.ids_of(
            self.related('Sdc', self.gw.sdc('sdc1')['id'], 'Volume')))
        self.assertEqual([], self.related('Sdc', self.gw.sdc('sdc2')['id'],
                                          'Volume'))

    def test_unknown_relationship_is_404(self):
        r = self.gw.get('/instances/Sdc::%s/relationships/StoragePool'
                        % self.gw.sdc()['id'])
        self.assertGatewayError(r, 404, 0)

    def test_relationship_of_an_unknown_object_is_not_found(self):
        r = self.gw.get('/instances/StoragePool::0123456789abcdef/'
                        'relationships/Volume')
        self.assertGatewayError(r, 500, 3)


@ddt.ddt
class TestShapes(LookupTestCase):

    def test_storage_pool_padding_and_layout(self):
        pools = {p['name']: p
                 for p in self.gw.ok_get('/types/StoragePool/instances')}
        self.assertIs(True, pools['sp1']['zeroPaddingEnabled'])
        self.assertEqual('MediumGranularity', pools['sp1']['dataLayout'])
        self.assertEqual('FineGranularity', pools['sp2']['dataLayout'])
        self.assertEqual(self.gw.pd_id(), pools['sp1']['protectionDomainId'])

    def test_sdc_shape(self):
        sdc = self.gw.sdc('sdc1')
        self.assertEqual('5C1A0001-0000-4000-8000-000000000001',
                         sdc['sdcGuid'])
        self.assertEqual('192.0.2.11', sdc['sdcIp'])
        self.assertEqual('5c1a0de4a7e10001', sdc['systemId'])

    def test_protection_domain_shape(self):
        pd = self.gw.ok_get('/instances/ProtectionDomain::%s'
                            % self.gw.pd_id())
        self.assertEqual('pd1', pd['name'])
        self.assertEqual('5c1a0de4a7e10001', pd['systemId'])

    def test_new_volume_shape(self):
        volume_id = self.gw.create_volume(BASE64_NAME, size_gib=14)
        volume = self.gw.volume(volume_id)
        self.assertEqual(volume_id, volume['id'])
        self.assertEqual(BASE64_NAME, volume['name'])
        self.assertEqual(16 * sizes.KIB_PER_GIB, volume['sizeInKb'])
        self.assertEqual('ThinProvisioned', volume['volumeType'])
        self.assertEqual(self.gw.pool_id(), volume['storagePoolId'])
        self.assertIsNone(volume['ancestorVolumeId'])
        self.assertIn('mappedSdcInfo', volume)
        self.assertIsNone(volume['mappedSdcInfo'])
        self.assertIn({'rel': 'self',
                       'href': '/api/instances/Volume::%s' % volume_id},
                      volume['links'])

    @ddt.data('2.0', '3.0', '3.5')
    def test_system_has_no_nqn_before_4_0(self, version):
        gw = self.gateway(api_version=version, topology=MEDIUM_ONLY)
        system, = gw.ok_get('/types/System/instances')
        self.assertNotIn('systemNqn', system)

    def test_system_nqn_from_4_0(self):
        gw = self.gateway(api_version='4.0')
        system, = gw.ok_get('/types/System/instances')
        self.assertEqual('nqn.1988-11.com.dell:powerflex:00:5c1a0de4a7e10001',
                         system['systemNqn'])

    def test_volume_on_2_0_has_the_2_x_fields_and_no_layout(self):
        gw = self.gateway(api_version='2.0', topology=MEDIUM_ONLY)
        volume = gw.volume(gw.create_volume('vol'))
        for field in TWO_X_ONLY_VOLUME_FIELDS:
            self.assertIn(field, volume)
        self.assertIs(False, volume['mappingToAllSdcsEnabled'])
        self.assertNotIn('dataLayout', volume)
        self.assertNotIn('compressionMethod', volume)

    @ddt.data('3.0', '3.5', '4.0')
    def test_volume_layout_and_compression_from_3_0(self, version):
        gw = self.gateway(api_version=version)
        medium = gw.volume(gw.create_volume('medium', pool='sp1'))
        fine = gw.volume(gw.create_volume('fine', pool='sp2'))
        compressed = gw.volume(gw.create_volume(
            'compressed', pool='sp2', compressionMethod='Normal'))
        self.assertEqual(('MediumGranularity', 'NotApplicable'),
                         (medium['dataLayout'], medium['compressionMethod']))
        self.assertEqual(('FineGranularity', 'None'),
                         (fine['dataLayout'], fine['compressionMethod']))
        self.assertEqual('Normal', compressed['compressionMethod'])

    @ddt.data('3.0', '3.5', '4.0')
    def test_volume_has_no_2_x_only_fields_from_3_0(self, version):
        gw = self.gateway(api_version=version)
        volume = gw.volume(gw.create_volume('vol'))
        present = [f for f in TWO_X_ONLY_VOLUME_FIELDS if f in volume]
        self.assertEqual([], present)


class TestGivenTopology(LookupTestCase):
    """A system described by a dict, as ``--topology`` would give it."""

    simulator_options = {'topology': {
        'system': {'id': '0123456789abcdef', 'name': 'lab'},
        'users': [{'name': 'cinder', 'password': 'secret'}],
        'protection_domains': [{
            'name': 'Domain+1',
            'storage_pools': [
                {'name': 'fast', 'id': 'aaaabbbbccccdddd',
                 'data_layout': 'FineGranularity', 'zero_padding': False,
                 'capacity_gib': 200},
                {'name': 'slow'},
            ]}],
        'sdcs': [{'name': 'compute-1',
                  'guid': '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
                  'ip': '198.51.100.7'}],
    }}

    def setUp(self):
        super().setUp()
        self.gw = common.Gateway(self.sim, user=('cinder', 'secret'))

    def test_only_the_given_users_log_in(self):
        self.gw.login()
        r = self.gw.session.get(self.sim.api_url + '/login', auth=common.ADMIN)
        self.assertGatewayError(r, 401, 0)

    def test_system_id_is_the_given_one(self):
        system, = self.gw.ok_get('/types/System/instances')
        self.assertEqual('0123456789abcdef', system['id'])
        self.assertEqual('lab', system['name'])
        pd, = self.gw.ok_get('/types/ProtectionDomain/instances')
        self.assertEqual('0123456789abcdef', pd['systemId'])

    def test_domain_name_with_a_plus_is_found_when_quoted(self):
        pd_id = self.gw.ok_get('/types/Domain/instances/getByName::%s'
                               % quote('Domain+1'))
        pd, = self.gw.ok_get('/types/ProtectionDomain/instances')
        self.assertEqual(pd['id'], pd_id)

    def test_pools_have_the_given_ids_layouts_and_padding(self):
        pd_id = self.gw.pd_id(quote('Domain+1'))
        self.assertEqual('aaaabbbbccccdddd', self.gw.ok_get(
            '/types/Pool/instances/getByName::%s,fast' % pd_id))
        fast = self.gw.ok_get('/instances/StoragePool::aaaabbbbccccdddd')
        self.assertIs(False, fast['zeroPaddingEnabled'])
        self.assertEqual('FineGranularity', fast['dataLayout'])
        slow_id = self.gw.ok_get('/types/Pool/instances/getByName::%s,slow'
                                 % pd_id)
        slow = self.gw.ok_get('/instances/StoragePool::%s' % slow_id)
        self.assertIs(True, slow['zeroPaddingEnabled'])
        self.assertEqual('MediumGranularity', slow['dataLayout'])

    def test_pool_capacity_is_the_given_one(self):
        stats = self.gw.ok_get('/instances/StoragePool::aaaabbbbccccdddd/'
                               'relationships/Statistics')
        self.assertEqual(200 * sizes.KIB_PER_GIB, stats['netCapacityInUseInKb']
                         + stats['netUnusedCapacityInKb'])

    def test_sdc_guid_is_upper_case_and_ip_given(self):
        sdc, = self.gw.ok_get('/types/Sdc/instances')
        self.assertEqual('compute-1', sdc['name'])
        self.assertEqual('0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D',
                         sdc['sdcGuid'])
        self.assertEqual('198.51.100.7', sdc['sdcIp'])

    def test_object_ids_are_16_hex_digits(self):
        volume_id = self.gw.ok_post('/types/Volume/instances', {
            'storagePoolId': 'aaaabbbbccccdddd', 'name': 'vol',
            'volumeType': 'ThinProvisioned',
            'volumeSizeInKb': '8388608'})['id']
        volume = self.gw.volume(volume_id)
        sdc, = self.gw.ok_get('/types/Sdc/instances')
        for object_id in (volume_id, volume['vtreeId'], sdc['id']):
            self.assertRegex(object_id, r'^[0-9a-f]{16}$')
