"""Mapping volumes to SDCs and hosts, and the per-mapping QoS limits, the
way Cinder, os-brick's legacy path and LXD ask for them."""

import ddt

from tests.functional.sim import base

UNKNOWN_ID = '0123456789abcdef'
UNKNOWN_GUID = '00000000-0000-4000-8000-0000000000ff'


class MappingTestCase(base.SimulatorTestCase):

    def setUp(self):
        super().setUp()
        self.volume_id = self.gw.create_volume('vol')
        self.sdc1 = self.gw.sdc('sdc1')
        self.sdc2 = self.gw.sdc('sdc2')

    def act(self, verb, body):
        return self.gw.action(self.volume_id, verb, body)

    def mapped_sdc_info(self):
        return self.gw.volume(self.volume_id)['mappedSdcInfo']

    def mapped_sdc_ids(self):
        return sorted(m['sdcId'] for m in self.mapped_sdc_info() or [])

    def volumes_of(self, sdc):
        return [v['id'] for v in self.gw.ok_get(
            '/instances/Sdc::%s/relationships/Volume' % sdc['id'])]

    def assertEmptyOk(self, response):
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(b'', response.content)


@ddt.ddt
class TestAddMappedSdc(MappingTestCase):

    def test_map_by_sdc_id_as_cinder_does(self):
        self.assertEmptyOk(self.act('addMappedSdc', {
            'sdcId': self.sdc1['id'], 'allowMultipleMappings': 'True'}))
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())

    @ddt.data(str.upper, str.lower)
    def test_map_by_guid_in_any_letter_case(self, case):
        self.assertEmptyOk(self.act('addMappedSdc', {
            'guid': case(self.sdc2['sdcGuid']),
            'allowMultipleMappings': 'TRUE'}))
        self.assertEqual([self.sdc2['id']], self.mapped_sdc_ids())

    def test_mapping_entry_shows_sdc_ip_no_limits_and_access_mode(self):
        self.gw.map(self.volume_id, 'sdc1')
        entry, = self.mapped_sdc_info()
        self.assertEqual(self.sdc1['id'], entry['sdcId'])
        self.assertEqual('192.0.2.11', entry['sdcIp'])
        self.assertEqual(0, entry['limitIops'])
        self.assertEqual(0, entry['limitBwInMbps'])
        self.assertEqual('ReadWrite', entry['accessMode'])

    @ddt.data('True', 'TRUE', 'true', True)
    def test_second_sdc_with_multiple_mappings_allowed(self, allow):
        self.gw.map(self.volume_id, 'sdc1')
        self.assertEmptyOk(self.act('addMappedSdc', {
            'sdcId': self.sdc2['id'], 'allowMultipleMappings': allow}))
        self.assertEqual(sorted([self.sdc1['id'], self.sdc2['id']]),
                         self.mapped_sdc_ids())

    @ddt.data({}, {'allowMultipleMappings': 'False'},
              {'allowMultipleMappings': False})
    def test_second_sdc_without_multiple_mappings_is_refused(self, flag):
        self.gw.map(self.volume_id, 'sdc1', multiple=False)
        body = dict(flag, sdcId=self.sdc2['id'])
        r = self.act('addMappedSdc', body)
        self.assertEqual(500, r.status_code, r.text)
        self.assertNotIn(r.json()['errorCode'], (0, 81, 4037))
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())

    def test_first_mapping_needs_no_multiple_mappings_flag(self):
        self.assertEmptyOk(self.act('addMappedSdc',
                                    {'sdcId': self.sdc1['id']}))
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())

    def test_already_mapped_is_error_81(self):
        self.gw.map(self.volume_id, 'sdc1')
        r = self.act('addMappedSdc', {'sdcId': self.sdc1['id'],
                                      'allowMultipleMappings': 'TRUE'})
        self.assertGatewayError(r, 500, 81)
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())

    def test_already_mapped_by_guid_is_error_81(self):
        self.gw.map(self.volume_id, 'sdc1')
        r = self.act('addMappedSdc', {'guid': self.sdc1['sdcGuid'].lower(),
                                      'allowMultipleMappings': 'TRUE'})
        self.assertGatewayError(r, 500, 81)

    def test_unknown_sdc_id_is_not_found(self):
        r = self.act('addMappedSdc', {'sdcId': UNKNOWN_ID})
        self.assertGatewayError(r, 500, 3)
        self.assertIsNone(self.mapped_sdc_info())

    def test_unknown_guid_is_not_found(self):
        r = self.act('addMappedSdc', {'guid': UNKNOWN_GUID})
        self.assertGatewayError(r, 500, 3)
        self.assertIsNone(self.mapped_sdc_info())

    def test_unknown_volume_is_error_79(self):
        r = self.gw.action(UNKNOWN_ID, 'addMappedSdc',
                           {'sdcId': self.sdc1['id']})
        self.assertGatewayError(r, 500, 79)

    def test_no_sdc_named_is_a_bad_request(self):
        r = self.act('addMappedSdc', {'allowMultipleMappings': 'True'})
        self.assertGatewayError(r, 400, 0)


@ddt.ddt
class TestRemoveMappedSdc(MappingTestCase):

    def setUp(self):
        super().setUp()
        self.gw.map(self.volume_id, 'sdc1')
        self.gw.map(self.volume_id, 'sdc2')

    def test_unmap_by_sdc_id_leaves_the_other_mapping(self):
        self.assertEmptyOk(self.act('removeMappedSdc',
                                    {'sdcId': self.sdc1['id']}))
        self.assertEqual([self.sdc2['id']], self.mapped_sdc_ids())

    @ddt.data(str.upper, str.lower)
    def test_unmap_by_guid_in_any_letter_case(self, case):
        self.assertEmptyOk(self.act('removeMappedSdc',
                                    {'guid': case(self.sdc2['sdcGuid'])}))
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())

    def test_unmap_all_sdcs_leaves_mapped_sdc_info_null(self):
        self.assertEmptyOk(self.act('removeMappedSdc', {'allSdcs': ''}))
        volume = self.gw.volume(self.volume_id)
        self.assertIn('mappedSdcInfo', volume)
        self.assertIsNone(volume['mappedSdcInfo'])

    def test_last_unmap_leaves_mapped_sdc_info_null(self):
        self.act('removeMappedSdc', {'sdcId': self.sdc1['id']})
        self.act('removeMappedSdc', {'sdcId': self.sdc2['id']})
        self.assertIsNone(self.mapped_sdc_info())

    def test_not_mapped_is_error_84(self):
        self.gw.ok(self.act('removeMappedSdc', {'sdcId': self.sdc1['id']}))
        r = self.act('removeMappedSdc', {'sdcId': self.sdc1['id']})
        self.assertGatewayError(r, 500, 84)
        self.assertEqual([self.sdc2['id']], self.mapped_sdc_ids())

    def test_not_mapped_by_guid_is_error_84(self):
        self.gw.ok(self.act('removeMappedSdc', {'sdcId': self.sdc1['id']}))
        r = self.act('removeMappedSdc', {'guid': self.sdc1['sdcGuid']})
        self.assertGatewayError(r, 500, 84)

    def test_unknown_sdc_id_is_not_found(self):
        r = self.act('removeMappedSdc', {'sdcId': UNKNOWN_ID})
        self.assertGatewayError(r, 500, 3)
        self.assertEqual(2, len(self.mapped_sdc_ids()))

    def test_unknown_guid_is_not_found(self):
        r = self.act('removeMappedSdc', {'guid': UNKNOWN_GUID})
        self.assertGatewayError(r, 500, 3)
        self.assertEqual(2, len(self.mapped_sdc_ids()))


class TestSdcVolumesFollowMappings(MappingTestCase):

    def test_sdc_lists_the_volume_as_soon_as_it_is_mapped(self):
        self.assertEqual([], self.volumes_of(self.sdc1))
        self.gw.map(self.volume_id, 'sdc1')
        self.assertEqual([self.volume_id], self.volumes_of(self.sdc1))
        self.assertEqual([], self.volumes_of(self.sdc2))

    def test_sdc_forgets_the_volume_as_soon_as_it_is_unmapped(self):
        self.gw.map(self.volume_id, 'sdc1')
        self.gw.ok(self.act('removeMappedSdc', {'sdcId': self.sdc1['id']}))
        self.assertEqual([], self.volumes_of(self.sdc1))

    def test_sdc_lists_every_volume_mapped_to_it(self):
        other = self.gw.create_volume('other')
        self.gw.map(self.volume_id, 'sdc1')
        self.gw.map(other, 'sdc1')
        self.assertEqual(sorted([self.volume_id, other]),
                         sorted(self.volumes_of(self.sdc1)))

    def test_sdc_volumes_are_full_volume_objects(self):
        self.gw.map(self.volume_id, 'sdc1')
        listed, = self.gw.ok_get('/instances/Sdc::%s/relationships/Volume'
                                 % self.sdc1['id'])
        self.assertEqual(self.gw.volume(self.volume_id), listed)


@ddt.ddt
class TestSetMappedSdcLimits(MappingTestCase):

    def setUp(self):
        super().setUp()
        self.gw.map(self.volume_id, 'sdc1')

    def limits(self, **limits):
        return self.act('setMappedSdcLimits',
                        dict(limits, sdcId=self.sdc1['id']))

    def current(self):
        entry, = self.mapped_sdc_info()
        return entry['limitIops'], entry['limitBwInMbps']

    def test_iops_and_bandwidth_strings_as_cinder_sends_them(self):
        self.assertEmptyOk(self.limits(iopsLimit='80',
                                       bandwidthLimitInKbps='2048'))
        self.assertEqual((80, 2), self.current())

    def test_limits_by_guid_as_os_brick_sends_them(self):
        self.assertEmptyOk(self.act('setMappedSdcLimits', {
            'guid': self.sdc1['sdcGuid'].lower(), 'iopsLimit': '100'}))
        self.assertEqual((100, 0), self.current())

    def test_one_limit_leaves_the_other_alone(self):
        self.gw.ok(self.limits(iopsLimit='80', bandwidthLimitInKbps='2048'))
        self.gw.ok(self.limits(bandwidthLimitInKbps='1024'))
        self.assertEqual((80, 1), self.current())
        self.gw.ok(self.limits(iopsLimit='50'))
        self.assertEqual((50, 1), self.current())

    def test_zero_lifts_the_limits(self):
        self.gw.ok(self.limits(iopsLimit='80', bandwidthLimitInKbps='2048'))
        self.gw.ok(self.limits(iopsLimit='0', bandwidthLimitInKbps='0'))
        self.assertEqual((0, 0), self.current())

    def test_limits_belong_to_one_mapping(self):
        self.gw.map(self.volume_id, 'sdc2')
        self.gw.ok(self.limits(iopsLimit='80'))
        limits = {m['sdcId']: m['limitIops']
                  for m in self.mapped_sdc_info()}
        self.assertEqual({self.sdc1['id']: 80, self.sdc2['id']: 0}, limits)

    @ddt.data('1000', '1536', '-1024')
    def test_bandwidth_not_a_non_negative_multiple_of_1024_is_refused(
            self, bandwidth):
        r = self.limits(bandwidthLimitInKbps=bandwidth)
        self.assertEqual(500, r.status_code, r.text)
        self.assertEqual((0, 0), self.current())

    def test_negative_iops_is_refused(self):
        r = self.limits(iopsLimit='-1')
        self.assertEqual(500, r.status_code, r.text)
        self.assertEqual((0, 0), self.current())

    def test_neither_limit_is_a_bad_request(self):
        self.assertGatewayError(self.limits(), 400, 0)

    def test_limit_that_is_not_a_number_is_a_bad_request(self):
        self.assertGatewayError(self.limits(iopsLimit='fast'), 400, 0)

    def test_unmapped_sdc_is_refused_as_not_mapped(self):
        r = self.act('setMappedSdcLimits', {'sdcId': self.sdc2['id'],
                                            'iopsLimit': '80'})
        self.assertGatewayError(r, 500, 84)

    def test_unknown_sdc_is_not_found(self):
        r = self.act('setMappedSdcLimits', {'sdcId': UNKNOWN_ID,
                                            'iopsLimit': '80'})
        self.assertGatewayError(r, 500, 3)


class TestMappingOn4x(MappingTestCase):
    simulator_options = {'api_version': '4.0'}

    def test_already_mapped_is_error_4037(self):
        self.gw.map(self.volume_id, 'sdc1')
        r = self.act('addMappedSdc', {'sdcId': self.sdc1['id'],
                                      'allowMultipleMappings': 'True'})
        self.assertGatewayError(r, 500, 4037)

    def test_not_mapped_is_error_4039(self):
        r = self.act('removeMappedSdc', {'sdcId': self.sdc1['id']})
        self.assertGatewayError(r, 500, 4039)

    def test_limits_on_an_unmapped_sdc_are_error_4039(self):
        r = self.act('setMappedSdcLimits', {'sdcId': self.sdc1['id'],
                                            'iopsLimit': '80'})
        self.assertGatewayError(r, 500, 4039)

    def test_mapping_entry_names_the_host_type(self):
        self.gw.map(self.volume_id, 'sdc1')
        entry, = self.mapped_sdc_info()
        self.assertEqual('SdcHost', entry['hostType'])
        self.assertIsNone(entry['nqn'])

    def test_add_and_remove_mapped_host(self):
        self.assertEmptyOk(self.act('addMappedHost', {
            'hostId': self.sdc1['id'], 'allowMultipleMappings': 'true'}))
        self.assertEqual([self.sdc1['id']], self.mapped_sdc_ids())
        self.assertEqual([self.volume_id], self.volumes_of(self.sdc1))
        self.assertEmptyOk(self.act('removeMappedHost',
                                    {'hostId': self.sdc1['id']}))
        self.assertIsNone(self.mapped_sdc_info())

    def test_mapped_host_twice_is_error_4037(self):
        self.gw.ok(self.act('addMappedHost', {'hostId': self.sdc1['id']}))
        r = self.act('addMappedHost', {'hostId': self.sdc1['id']})
        self.assertGatewayError(r, 500, 4037)

    def test_remove_unmapped_host_is_error_4039(self):
        r = self.act('removeMappedHost', {'hostId': self.sdc1['id']})
        self.assertGatewayError(r, 500, 4039)

    def test_host_actions_need_a_host_id(self):
        r = self.act('addMappedHost', {'sdcId': self.sdc1['id']})
        self.assertGatewayError(r, 400, 0)
        self.assertIsNone(self.mapped_sdc_info())

    def test_unknown_host_is_not_found(self):
        r = self.act('addMappedHost', {'hostId': UNKNOWN_ID})
        self.assertGatewayError(r, 500, 3)


@ddt.ddt
class TestHostActionsBefore4x(MappingTestCase):

    @ddt.data('addMappedHost', 'removeMappedHost')
    def test_host_actions_do_not_exist_on_3_5(self, verb):
        r = self.act(verb, {'hostId': self.sdc1['id']})
        self.assertGatewayError(r, 404, 0)
        self.assertIsNone(self.mapped_sdc_info())
