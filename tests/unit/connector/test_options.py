"""The connector's [scaleio] options."""

from oslo_config import cfg

from scaleio_nova import connector
from scaleio_nova import options
from tests import base


class TestOptions(base.TestCase):

    def test_names_and_defaults_others_code_against(self):
        conf = cfg.ConfigOpts()
        options.register_opts(conf)
        conf([], default_config_files=[])
        group = conf.scaleio
        self.assertEqual('/dev/disk/by-id', group.search_path)
        self.assertEqual('/opt/emc/scaleio/sdc/bin/drv_cfg',
                         group.drv_cfg_path)
        self.assertEqual('/opt/emc/scaleio/openstack/connector.conf',
                         group.connector_config_file)
        self.assertEqual(30.0, group.device_timeout)

    def test_from_config_builds_a_connector_from_the_options(self):
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])
        options.register_opts(conf)
        conf.set_override('search_path', '/srv/by-id', 'scaleio')
        conf.set_override('device_timeout', 2.5, 'scaleio')
        conn = connector.from_config(conf)
        self.assertEqual('/srv/by-id', conn.get_search_path())
        self.assertEqual(2.5, conn.device_timeout)
        self.assertEqual(2.0, conn.device_rescan_delay)
        self.assertEqual('/opt/emc/scaleio/sdc/bin/drv_cfg',
                         conn.drv_cfg_path)

    def test_accepts_what_os_brick_factory_passes(self):
        conn = connector.ScaleIOConnector(
            root_helper=None, driver=None, use_multipath=False,
            device_scan_attempts=7)
        # Ignored: the device wait is bounded by device_timeout.
        self.assertEqual(30.0, conn.device_timeout)

    def test_list_opts_names_the_scaleio_group(self):
        [(group, opts)] = options.list_opts()
        self.assertEqual('scaleio', group)
        self.assertEqual(options.connector_opts, opts)
