"""Legacy connection info: the host maps the volume itself.

Connection info from before the Cinder driver mapped volumes carries the
gateway address and user (``serverIP``, ``serverPort``,
``serverUsername``, ``config_group``...) but no password: that lives in a
root-only file on the host (by default
``/opt/emc/scaleio/openstack/connector.conf``)::

    [DEFAULT]
    san_password = ...            # for every backend without a section

    [<config_group>]              # the Cinder backend's section name
    san_username = ...            # optional, overrides serverUsername
    san_password = ...
    replicating_san_password = ...   # used when failed_over is true

A file that its group or others may access is refused. The password is
never logged.
"""

import configparser
import os
import stat

from os_brick.privileged import scaleio as priv_scaleio

from scaleio_client import config as client_config
from scaleio_nova import exceptions

LEGACY_KEYS = ('serverIP', 'serverPort', 'serverUsername')


def is_legacy(props):
    """Whether the host, not the Cinder driver, has to map the volume."""
    return 'sdc_guid' not in props


def _check_mode(path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise exceptions.ConnectorConfigError(
            message='The ScaleIO connector configuration file %s does not '
                    'exist; legacy connection info needs the gateway '
                    'password there.' % path)
    if not stat.S_ISREG(st.st_mode):
        raise exceptions.ConnectorConfigError(
            message='%s is not a regular file.' % path)
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise exceptions.ConnectorConfigError(
            message='The ScaleIO connector configuration file %s has mode '
                    '%04o: it holds gateway passwords and must be readable '
                    'by its owner only (chmod 0600 %s).'
                    % (path, mode, path))
    if st.st_uid not in (0, os.geteuid()):
        raise exceptions.ConnectorConfigError(
            message='The ScaleIO connector configuration file %s belongs '
                    'to uid %d, not root.' % (path, st.st_uid))


def _section(parser, config_group):
    if config_group and parser.has_section(config_group):
        return parser[config_group]
    return parser[configparser.DEFAULTSECT]


def read_credentials(path, config_group, failed_over=False):
    """(username or None, password) for a backend from the connector file."""
    _check_mode(path)
    password_key = ('replicating_san_password' if failed_over
                    else 'san_password')
    username_key = ('replicating_san_username' if failed_over
                    else 'san_username')
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as f:
            parser.read_file(f)
    except PermissionError:
        # nova-compute is not root: os-brick's privsep entrypoint reads
        # it for us and hides its answer from privsep's logs.
        group = config_group or configparser.DEFAULTSECT
        try:
            return priv_scaleio.get_connector_username_password(
                path, group, failed_over)
        except KeyError:
            return priv_scaleio.get_connector_username_password(
                path, configparser.DEFAULTSECT, failed_over)
    except configparser.Error as e:
        raise exceptions.ConnectorConfigError(
            message='Cannot parse %s: %s' % (path, type(e).__name__))
    section = _section(parser, config_group)
    password = section.get(password_key)
    if not password:
        raise exceptions.ConnectorConfigError(
            message='%s has no %s in section [%s] or [DEFAULT].'
                    % (path, password_key, config_group or 'DEFAULT'))
    return section.get(username_key), password


def gateway_config(props, config_file):
    """A GatewayConfig for the gateway named in legacy connection info."""
    missing = [k for k in LEGACY_KEYS if not props.get(k)]
    if missing:
        raise exceptions.ConnectorError(
            message='Connection info for volume %s has no sdc_guid (the '
                    'host must map it) but lacks %s.'
                    % (props.get('scaleIO_volname'), ', '.join(missing)))
    if 'serverPassword' in props:
        # Connection info from before Newton carried the password itself.
        username, password = None, props['serverPassword']
    else:
        username, password = read_credentials(
            config_file, props.get('config_group'),
            bool(props.get('failed_over')))
    verify = props.get('verify_certificate')
    return client_config.GatewayConfig(
        host=props['serverIP'], port=int(props['serverPort']),
        username=username or props['serverUsername'], password=password,
        verify_tls=verify is not False and str(verify).lower() != 'false',
        ca_bundle=props.get('certificate_path') or None)


def limit(value):
    """A QoS limit from connection info: int, or None when unset."""
    if value is None or value == '':
        return None
    return int(value)
