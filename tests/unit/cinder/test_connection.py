"""connection_info for a mapped volume (scaleio_cinder.connection)."""

import json

import ddt

from scaleio_cinder import connection
from tests import base

# scaleio_cinder.connection: the keys Cinder 29's in-tree driver sends, the
# limits and the backend facts; never the gateway address, user or secrets.
KEYS = {'scaleIO_volname', 'scaleIO_volume_id', 'sdc_guid', 'iopsLimit',
        'bandwidthLimit', 'config_group', 'failed_over', 'discard'}
# With all of these, stock os-brick reads a password file on the host.
LEGACY_KEYS = {'hostIP', 'serverIP', 'serverPort', 'serverUsername'}
SECRET_KEYS = {'serverPassword', 'serverToken', 'san_password', 'password',
               'token'}
GUID = '5C1A0001-0000-4000-8000-000000000001'


def info(**kwargs):
    args = dict(volume_name='Hl835X5eSg+xcORfS0afag==',
                volume_id='5b94723900000001', sdc_guid=GUID,
                config_group='scaleio')
    args.update(kwargs)
    return connection.connection_info(**args)


@ddt.ddt
class TestConnectionInfo(base.TestCase):

    def test_driver_volume_type_is_scaleio(self):
        self.assertEqual('scaleio', info()['driver_volume_type'])

    def test_data_has_exactly_the_documented_keys(self):
        self.assertEqual(KEYS, set(info()['data']))

    def test_no_key_sends_stock_os_brick_to_its_password_file(self):
        self.assertEqual(set(), LEGACY_KEYS & set(info()['data']))

    def test_with_a_size_the_only_extra_key_is_the_cinder_size(self):
        data = info(size_gib=10)['data']
        self.assertEqual(KEYS | {'volume_size_gib'}, set(data))
        self.assertEqual(10, data['volume_size_gib'])

    def test_values_say_what_the_connector_needs(self):
        data = info()['data']
        self.assertEqual('Hl835X5eSg+xcORfS0afag==', data['scaleIO_volname'])
        self.assertEqual('5b94723900000001', data['scaleIO_volume_id'])
        # sdc_guid present: the driver mapped it, os-brick only waits.
        self.assertEqual(GUID, data['sdc_guid'])
        self.assertEqual('scaleio', data['config_group'])
        self.assertIs(False, data['failed_over'])
        self.assertIs(False, data['discard'])

    @ddt.data((None, None, None, None), (100, 2048, '100', '2048'),
              (0, 0, '0', '0'))
    @ddt.unpack
    def test_limits_travel_as_strings_or_null(self, iops, bandwidth,
                                              iops_text, bandwidth_text):
        data = info(iops=iops, bandwidth_kbps=bandwidth)['data']
        self.assertEqual(iops_text, data['iopsLimit'])
        self.assertEqual(bandwidth_text, data['bandwidthLimit'])

    @ddt.data(True, False)
    def test_discard_is_passed_through(self, discard):
        self.assertIs(discard, info(discard=discard)['data']['discard'])

    def test_no_secret_travels(self):
        result = info(iops=1, bandwidth_kbps=1024, discard=True, size_gib=8)
        self.assertEqual(set(), SECRET_KEYS & set(result['data']))
        self.assertEqual(set(), SECRET_KEYS & set(result))

    def test_it_is_plain_json_for_novas_block_device_mapping(self):
        result = info(iops=100, bandwidth_kbps=1024, size_gib=8)
        self.assertEqual(result, json.loads(json.dumps(result)))
