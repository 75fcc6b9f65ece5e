"""Gateway settings: validation, the base URL, TLS verification, from_url."""

import ddt

from scaleio_client import config
from tests import base


def settings(**kwargs):
    kwargs.setdefault('host', 'gw.example.com')
    kwargs.setdefault('username', 'admin')
    kwargs.setdefault('password', 'S3cret-Pa55')
    return config.GatewayConfig(**kwargs)


@ddt.ddt
class TestValidation(base.TestCase):

    # (label, the words the message must hold, the bad setting)
    @ddt.named_data(
        ('scheme_ftp', "scheme 'ftp' is not http or https",
         {'scheme': 'ftp'}),
        ('scheme_empty', "scheme '' is not http or https", {'scheme': ''}),
        ('host_empty', 'the gateway host is empty', {'host': ''}),
        ('port_zero', 'port 0 is not a TCP port', {'port': 0}),
        ('port_too_high', 'port 65536 is not a TCP port', {'port': 65536}),
        ('port_negative', 'port -1 is not a TCP port', {'port': -1}),
        ('connect_timeout_zero', 'connect_timeout must be positive, got 0',
         {'connect_timeout': 0}),
        ('read_timeout_negative',
         'read_timeout must be positive, got -1.0', {'read_timeout': -1.0}),
        ('retries_negative', 'retries must not be negative, got -1',
         {'retries': -1}),
    )
    def test_bad_setting_is_refused_with_a_message(self, message, bad):
        error = self.assertRaises(ValueError, settings, **bad)
        self.assertEqual(message, str(error))

    def test_defaults(self):
        gateway = settings()
        self.assertEqual(443, gateway.port)
        self.assertEqual('https', gateway.scheme)
        self.assertTrue(gateway.verify_tls)
        self.assertEqual(4, gateway.retries)

    def test_zero_retries_is_allowed(self):
        self.assertEqual(0, settings(retries=0).retries)

    def test_the_password_is_not_in_the_repr(self):
        gateway = settings()
        self.assertNotIn('S3cret-Pa55', repr(gateway))
        self.assertNotIn('S3cret-Pa55', str(gateway))
        self.assertIn('gw.example.com', repr(gateway))
        self.assertEqual('S3cret-Pa55', gateway.password)


@ddt.ddt
class TestBaseUrl(base.TestCase):

    @ddt.named_data(
        ('name', {'host': 'gw.example.com'}, 'https://gw.example.com:443/api'),
        ('port', {'host': '10.0.0.5', 'port': 8443},
         'https://10.0.0.5:8443/api'),
        ('port_as_text', {'host': '10.0.0.5', 'port': '8443'},
         'https://10.0.0.5:8443/api'),
        ('http', {'host': '10.0.0.5', 'port': 80, 'scheme': 'http'},
         'http://10.0.0.5:80/api'),
        ('ipv6', {'host': 'fd00::5'}, 'https://[fd00::5]:443/api'),
    )
    def test_base_url(self, kwargs, url):
        self.assertEqual(url, settings(**kwargs).base_url)


@ddt.ddt
class TestMoreGateways(base.TestCase):

    @ddt.named_data(
        ('name', 'gw2.example.com', ('gw2.example.com', 8443)),
        ('name_and_port', 'gw2.example.com:9443', ('gw2.example.com', 9443)),
        ('ipv4_and_port', '10.0.0.6:443', ('10.0.0.6', 443)),
        ('ipv6', 'fd00::6', ('fd00::6', 8443)),
        ('ipv6_bracketed', '[fd00::6]', ('fd00::6', 8443)),
        ('ipv6_and_port', '[fd00::6]:9443', ('fd00::6', 9443)),
        ('spaces', ' gw2:9443 ', ('gw2', 9443)),
    )
    def test_an_address_gives_host_and_port(self, text, expected):
        self.assertEqual(expected, config.parse_address(text, 8443))

    @ddt.data('', 'gw2:', 'gw2:https', 'gw2:0', 'gw2:70000', '[fd00::6]x',
              ':443')
    def test_a_bad_address_is_refused_naming_it(self, text):
        error = self.assertRaises(ValueError, settings,
                                  more_hosts=('gw1b', text))
        self.assertIn(repr(text.strip()), str(error))

    def test_every_gateway_has_a_base_url_first_one_first(self):
        gateway = settings(port=8443, more_hosts=['gw2', '[fd00::6]:9443'])
        self.assertEqual(['https://gw.example.com:8443/api',
                          'https://gw2:8443/api',
                          'https://[fd00::6]:9443/api'], gateway.base_urls)

    def test_one_gateway_by_default(self):
        self.assertEqual([settings().base_url], settings().base_urls)


@ddt.ddt
class TestVerify(base.TestCase):

    @ddt.named_data(
        ('system_trust_store', {}, True),
        ('ca_bundle', {'ca_bundle': '/etc/ssl/gw.pem'}, '/etc/ssl/gw.pem'),
        ('opt_out', {'verify_tls': False}, False),
        ('opt_out_wins_over_ca_bundle',
         {'verify_tls': False, 'ca_bundle': '/etc/ssl/gw.pem'}, False),
    )
    def test_verify(self, kwargs, verify):
        self.assertEqual(verify, settings(**kwargs).verify)


@ddt.ddt
class TestFromUrl(base.TestCase):

    @ddt.named_data(
        ('https_with_port', 'https://gw.example.com:8443',
         ('https', 'gw.example.com', 8443)),
        ('https_default_port', 'https://gw.example.com',
         ('https', 'gw.example.com', 443)),
        ('http_default_port', 'http://127.0.0.1',
         ('http', '127.0.0.1', 80)),
        ('with_api_path', 'https://gw.example.com:8443/api',
         ('https', 'gw.example.com', 8443)),
        ('ipv6', 'https://[::1]:8443', ('https', '::1', 8443)),
    )
    def test_from_url(self, url, expected):
        gateway = config.GatewayConfig.from_url(url, 'admin', 'pw')
        self.assertEqual(expected,
                         (gateway.scheme, gateway.host, gateway.port))
        self.assertEqual(('admin', 'pw'),
                         (gateway.username, gateway.password))

    def test_from_url_base_url_ends_in_api_once(self):
        gateway = config.GatewayConfig.from_url(
            'https://gw.example.com:8443/api', 'admin', 'pw')
        self.assertEqual('https://gw.example.com:8443/api', gateway.base_url)

    def test_from_url_passes_other_settings_on(self):
        gateway = config.GatewayConfig.from_url(
            'https://gw.example.com', 'admin', 'pw', retries=1,
            read_timeout=2.5, verify_tls=False)
        self.assertEqual((1, 2.5, False), (gateway.retries,
                                           gateway.read_timeout,
                                           gateway.verify_tls))

    @ddt.data('gw.example.com:443', 'ftp://gw.example.com', 'https://',
              '', 'https:///api')
    def test_from_url_refuses_what_is_not_an_http_url(self, url):
        error = self.assertRaises(ValueError, config.GatewayConfig.from_url,
                                  url, 'admin', 'pw')
        self.assertIn('is not an http(s)://host[:port] URL', str(error))

    def test_from_url_refuses_a_bad_port(self):
        self.assertRaises(ValueError, config.GatewayConfig.from_url,
                          'https://gw.example.com:99999', 'admin', 'pw')
