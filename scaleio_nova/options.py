"""The host connector's options: group ``[scaleio]`` of nova.conf."""

from oslo_config import cfg

GROUP = 'scaleio'
# Where a real SDC host has them; the connector's defaults too.
DEFAULT_SEARCH_PATH = '/dev/disk/by-id'
DEFAULT_DRV_CFG = '/opt/emc/scaleio/sdc/bin/drv_cfg'
DEFAULT_CONNECTOR_CONFIG = '/opt/emc/scaleio/openstack/connector.conf'

connector_opts = [
    cfg.StrOpt('search_path',
               default=DEFAULT_SEARCH_PATH,
               help='Directory where the SDC (through udev) puts the '
                    'emc-vol-<system id>-<volume id> links of mapped '
                    'volumes.'),
    cfg.StrOpt('drv_cfg_path',
               default=DEFAULT_DRV_CFG,
               help='The SDC drv_cfg tool, used for the SDC GUID and for '
                    'rescans when /dev/scini is not there.'),
    cfg.StrOpt('connector_config_file',
               default=DEFAULT_CONNECTOR_CONFIG,
               help='Gateway passwords for legacy connection info (volumes '
                    'attached before the Cinder driver mapped them itself): '
                    'san_password in a section named after the Cinder '
                    'backend, or in [DEFAULT]. Must be readable by its '
                    'owner only (mode 0600).'),
    cfg.FloatOpt('device_timeout',
                 default=30.0,
                 min=0.0,
                 help='Seconds to wait for the device link of a mapped '
                      'volume, including one SDC rescan, before the attach '
                      'fails.'),
    cfg.FloatOpt('device_rescan_delay',
                 default=2.0,
                 min=0.0,
                 help='Seconds to wait for the device link before asking '
                      'the SDC to rescan once (at most half of '
                      'device_timeout).'),
]


def register_opts(conf):
    conf.register_opts(connector_opts, group=GROUP)


def list_opts():
    """The options for oslo-config-generator."""
    return [(GROUP, connector_opts)]
