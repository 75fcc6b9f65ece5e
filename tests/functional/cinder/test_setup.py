"""Starting the backend: the gateway, its version, the pools, the options.

An operator's mistakes must stop cinder-volume with a message that names
the bad value and what was expected; an operator coming from the in-tree
driver keeps the option names already in cinder.conf.
"""

import logging
import os
import socket

import ddt
import fixtures

from cinder import exception
from tests.support import cinder as support


def closed_port():
    """A local TCP port nothing listens on."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def padding_topology(unpadded_pool='sp3'):
    return {'protection_domains': [{
        'name': 'pd1',
        'storage_pools': [
            {'name': 'sp1', 'data_layout': 'MediumGranularity'},
            {'name': unpadded_pool, 'data_layout': 'MediumGranularity',
             'zero_padding': False},
        ]}]}


@ddt.ddt
class TestSetup(support.DriverTestCase):

    def setup_error(self, exc_class, pools='pd1:sp1,pd1:sp2', **options):
        """The exception do_setup + check_for_setup_error raise."""
        driver = self.make_driver('other', pools, setup=False, **options)

        def set_up():
            driver.do_setup(self.context)
            self.addCleanup(driver.gateway.close)
            driver.check_for_setup_error()
        return self.assertRaises(exc_class, set_up)

    def test_a_good_configuration_reports_its_pools(self):
        driver = self.make_driver('other', ' pd1:sp2 , pd1:sp1')
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(['pd1:sp1', 'pd1:sp2'],
                         sorted(p['pool_name'] for p in stats['pools']))

    @ddt.data('pd1:nosuchpool', 'nosuchdomain:sp1')
    def test_an_unknown_domain_or_pool_is_refused_by_name(self, pool):
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 pools='pd1:sp1,' + pool)
        self.assertIn(pool, str(error))
        self.assertIn('scaleio_storage_pools', str(error))

    @ddt.data('pd1', 'pd1:', ':sp1', 'pd1:sp1:sp2', 'pd1 sp1')
    def test_a_malformed_pool_entry_is_refused_by_name(self, entry):
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 pools='pd1:sp1,%s' % entry)
        self.assertIn(entry, str(error))
        self.assertIn('protection_domain:storage_pool', str(error))
        self.assertIn('scaleio_storage_pools', str(error))

    @ddt.data('', None)
    def test_a_missing_pool_list_is_refused(self, pools):
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 pools=pools)
        self.assertIn('scaleio_storage_pools', str(error))
        self.assertIn('at least one protection_domain:storage_pool',
                      str(error))

    @ddt.data('san_ip', 'san_login', 'san_password')
    def test_missing_gateway_settings_are_refused_by_name(self, option):
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 **{option: ''})
        self.assertIn(option, str(error))

    def test_an_unreachable_gateway_is_named_in_the_error(self):
        port = closed_port()
        error = self.setup_error(exception.VolumeBackendAPIException,
                                 scaleio_rest_server_port=port,
                                 scaleio_rest_retries=0)
        self.assertIn('127.0.0.1:%d' % port, str(error))
        self.assertNotIn('Scaleio123', str(error))

    def test_wrong_credentials_are_reported_without_the_password(self):
        error = self.setup_error(exception.VolumeBackendAPIException,
                                 san_password='not-the-Password-42')
        self.assertIn(self.sim.url, str(error))
        self.assertNotIn('not-the-Password-42', str(error))

    def test_an_untrusted_gateway_certificate_is_refused(self):
        # Verification is on by default; the simulator's own CA is not in
        # the system trust store.
        error = self.setup_error(exception.VolumeBackendAPIException,
                                 scaleio_ca_bundle=None,
                                 scaleio_rest_retries=0)
        self.assertIn(self.sim.url, str(error))

    @ddt.data('scaleio_ca_bundle', 'driver_ssl_cert_path')
    def test_a_missing_ca_file_is_refused_by_option_and_path(self, option):
        missing = os.path.join(self.useFixture(fixtures.TempDir()).path,
                               'no-such-ca.pem')
        options = {'scaleio_ca_bundle': None, option: missing}
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 **options)
        self.assertIn(option, str(error))
        self.assertIn(missing, str(error))

    @ddt.data(('"1.32"', '1.32'), ('"1.0"', '1.0'))
    @ddt.unpack
    def test_a_gateway_older_than_2_0_is_refused(self, answer, version):
        self.sim.faults.add({'action': 'error', 'method': 'GET',
                             'path': '/api/version', 'status': 200,
                             'body': answer})
        error = self.setup_error(exception.VolumeBackendAPIException)
        self.assertIn(version, str(error))
        self.assertIn('2.0', str(error))

    def test_a_gateway_version_that_is_not_a_version_is_refused(self):
        self.sim.faults.add({'action': 'error', 'method': 'GET',
                             'path': '/api/version', 'status': 200,
                             'body': '"banana"'})
        error = self.setup_error(exception.VolumeBackendAPIException)
        self.assertIn('banana', str(error))

    @ddt.data(0.5, 0.0, -2.0)
    def test_an_over_subscription_ratio_below_1_is_refused(self, ratio):
        error = self.setup_error(exception.InvalidConfigurationValue,
                                 scaleio_max_over_subscription_ratio=ratio)
        self.assertIn('scaleio_max_over_subscription_ratio', str(error))
        self.assertIn(str(ratio), str(error))
        self.assertIn('1.0 or more', str(error))

    def test_a_ratio_above_the_vendor_maximum_is_used_with_a_warning(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='scaleio_cinder.backend', level=logging.WARNING))
        driver = self.make_driver('other', 'pd1:sp1',
                                  scaleio_max_over_subscription_ratio=12.5)
        stats = driver.get_volume_stats(refresh=True)
        [pool] = stats['pools']
        self.assertEqual(12.5, pool['max_over_subscription_ratio'])
        self.assertIn('12.5', log.output)


class TestZeroPadding(support.DriverTestCase):
    """Pools whose new volumes could show other tenants' old data."""

    simulator_options = {'tls': True, 'topology': padding_topology()}
    pools = 'pd1:sp1'

    def test_setup_refuses_an_unpadded_pool_naming_it(self):
        driver = self.make_driver('other', 'pd1:sp1,pd1:sp3', setup=False)
        driver.do_setup(self.context)
        self.addCleanup(driver.gateway.close)
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  driver.check_for_setup_error)
        self.assertIn('pd1:sp3', str(error))
        self.assertIn('scaleio_allow_non_padded_volumes', str(error))

    def test_no_volume_is_created_in_an_unpadded_pool(self):
        # Whatever set-up said, creation itself never puts a volume there.
        self.driver = self.make_driver('other', 'pd1:sp1,pd1:sp3',
                                       setup=False)
        self.driver.do_setup(self.context)
        self.addCleanup(self.driver.gateway.close)
        volume = self.volume(8, pool='pd1:sp3', create=False)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.create_volume, volume)
        self.assertIn('pd1:sp3', str(error))
        self.assertIn('scaleio_allow_non_padded_volumes', str(error))
        self.assertEqual([], self.sim.mdm.list('Volume'))

    def test_an_allowed_unpadded_pool_gets_volumes(self):
        self.driver = self.make_driver(
            'other', 'pd1:sp1,pd1:sp3',
            scaleio_allow_non_padded_volumes=True)
        volume = self.volume(8, pool='pd1:sp3')
        [pool] = [p for p in self.sim.mdm.list('StoragePool')
                  if p.name == 'sp3']
        self.assertEqual(pool.id,
                         self.array_volume(volume).storage_pool_id)
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual({'pd1:sp1': True, 'pd1:sp3': False},
                         {p['pool_name']: p['zero_padding']
                          for p in stats['pools']})


@ddt.ddt
class TestUpstreamOptionNames(support.DriverTestCase):
    """cinder.conf sections written for the in-tree PowerFlex driver."""

    def driver_from_file(self, lines, group='upstream'):
        """A driver whose backend section is only ``lines`` in a file."""
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'cinder.conf')
        with open(path, 'w') as f:
            f.write('[%s]\n%s\n' % (group, '\n'.join(lines)))
        self.conf.set_config_files([path])
        return self.load_driver(group, setup=False)

    @ddt.data(
        ('powerflex_storage_pools', 'pd1:sp2', 'scaleio_storage_pools',
         ['pd1:sp2']),
        ('vxflexos_storage_pools', 'pd1:sp1,pd1:sp2',
         'scaleio_storage_pools', ['pd1:sp1', 'pd1:sp2']),
        ('sio_storage_pools', 'pd1:sp1', 'scaleio_storage_pools',
         ['pd1:sp1']),
        ('powerflex_rest_server_port', '8443', 'scaleio_rest_server_port',
         8443),
        ('vxflexos_rest_server_port', '4443', 'scaleio_rest_server_port',
         4443),
        ('powerflex_round_volume_capacity', 'false',
         'scaleio_round_volume_capacity', False),
        ('vxflexos_max_over_subscription_ratio', '5',
         'scaleio_max_over_subscription_ratio', 5.0),
        ('powerflex_allow_non_padded_volumes', 'true',
         'scaleio_allow_non_padded_volumes', True),
        ('powerflex_allow_migration_during_rebuild', 'true',
         'scaleio_allow_migration_during_rebuild', True),
        ('powerflex_max_image_cache_vtree_size', '40',
         'scaleio_max_image_cache_vtree_size', 40),
        ('sio_verify_server_certificate', 'false',
         'scaleio_verify_certificate', False),
        ('sio_server_certificate_path', '/etc/ssl/gateway.pem',
         'scaleio_ca_bundle', '/etc/ssl/gateway.pem'),
    )
    @ddt.unpack
    def test_an_upstream_name_sets_our_option(self, upstream, value, ours,
                                              expected):
        driver = self.driver_from_file(['%s = %s' % (upstream, value)])
        self.assertEqual(expected, driver.configuration.safe_get(ours))

    def test_a_section_with_upstream_names_runs_the_backend(self):
        driver = self.driver_from_file([
            'volume_backend_name = upstream',
            'san_ip = 127.0.0.1',
            'san_login = admin',
            'san_password = Scaleio123',
            'powerflex_rest_server_port = %d' % self.sim.port,
            'sio_server_certificate_path = %s' % self.sim.ca_file,
            'powerflex_storage_pools = pd1:sp2',
            'vxflexos_max_over_subscription_ratio = 4',
        ])
        driver.do_setup(self.context)
        self.addCleanup(driver.gateway.close)
        driver.check_for_setup_error()
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual([('pd1:sp2', 4.0)],
                         [(p['pool_name'], p['max_over_subscription_ratio'])
                          for p in stats['pools']])


class TestMoreGateways(support.DriverTestCase):
    """san_ip lists two gateways of the system; one of them goes down."""

    simulator_options = {'tls': True, 'extra_ports': [0]}

    def setUp(self):
        super().setUp()
        self.driver = self.make_driver(
            'two', 'pd1:sp1', san_ip='127.0.0.1:%d, 127.0.0.1'
            % self.sim.extra_ports[0])

    def test_both_gateways_are_configured(self):
        self.assertEqual(
            ['https://127.0.0.1:%d/api' % port
             for port in (self.sim.extra_ports[0], self.sim.port)],
            self.driver.gateway.config.base_urls)

    def test_volumes_are_made_and_attached_through_the_gateway_left(self):
        volume = self.volume(8, create=False)
        volume.host = 'cinder-volume@two#pd1:sp1'
        self.sim.stop_gateway(0)
        volume.update(self.driver.create_volume(volume))
        self.assertEqual(volume.provider_id, self.array_volume(volume).id)
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(1, len(self.array_volume(volume).mappings))
        self.assertEqual(self.sim.api_url, self.driver.gateway.transport.url)

    def test_a_malformed_gateway_address_is_refused_naming_it(self):
        error = self.assertRaises(
            exception.InvalidConfigurationValue, self.make_driver, 'bad',
            'pd1:sp1', san_ip='127.0.0.1, gw2:https')
        self.assertIn('san_ip', str(error))
        self.assertIn('gw2:https', str(error))
