"""The host connector: SDC GUID, device wait and rescan, legacy mapping.

``ScaleIOConnector`` has os-brick's connector interface, so the Nova
volume driver uses it as it would use os-brick's own. What it does
differently from os-brick 7.1.1:

* the device wait wakes up on the link's creation (inotify) instead of
  retrying once a second, runs one SDC rescan half-way, and is bounded by
  ``device_timeout``; the link must be exactly
  ``emc-vol-<system id>-<volume id>``;
* attaches lock per volume, not one lock per host;
* legacy connection info (no ``sdc_guid``) maps through ``scaleio_client``
  with the password from a connector file that must be mode 0600.

No GUID: ``get_connector_properties`` (called on every attach of any
volume type, by Nova for the whole host) must not fail on hosts without
an SDC, so it logs why and leaves ``sdc_guid`` out; Cinder then refuses to
map a ScaleIO volume to this host with its own message. Code that needs
the GUID calls ``sdc_guid()``, which raises ``SdcNotFound`` naming every
source it tried (the ``/dev/scini`` ioctl, ``drv_cfg --query_guid``).
"""

import logging
import threading
import time

from os_brick.initiator.connectors import base
from os_brick import utils as brick_utils
from oslo_concurrency import lockutils
from oslo_config import cfg

from scaleio_client import client as gateway_client
from scaleio_client import exceptions as gateway_exceptions
from scaleio_nova import devices
from scaleio_nova import exceptions
from scaleio_nova import legacy
from scaleio_nova import options
from scaleio_nova import sdc

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
LOCK_PREFIX = 'scaleio-nova-'


def from_config(conf, root_helper=None):
    """A connector built from the ``[scaleio]`` options of ``conf``."""
    options.register_opts(conf)
    group = conf[options.GROUP]
    return ScaleIOConnector(
        root_helper,
        search_path=group.search_path, drv_cfg_path=group.drv_cfg_path,
        connector_config_file=group.connector_config_file,
        device_timeout=group.device_timeout,
        device_rescan_delay=group.device_rescan_delay)


class ScaleIOConnector(base.BaseLinuxConnector):
    """Attach ScaleIO / PowerFlex volumes mapped to this host's SDC."""

    def __init__(self, root_helper=None, driver=None,
                 device_scan_attempts=None, *,
                 search_path=options.DEFAULT_SEARCH_PATH,
                 drv_cfg_path=options.DEFAULT_DRV_CFG,
                 connector_config_file=options.DEFAULT_CONNECTOR_CONFIG,
                 device_timeout=30.0, device_rescan_delay=2.0,
                 lock_path=None, **kwargs):
        # device_scan_attempts is accepted because os-brick's factory
        # passes it, and ignored: the device wait is bounded by time.
        super().__init__(root_helper, driver=driver, **kwargs)
        self.search_path = search_path
        self.drv_cfg_path = drv_cfg_path
        self.connector_config_file = connector_config_file
        self.device_timeout = float(device_timeout)
        self.device_rescan_delay = float(device_rescan_delay)
        self.lock_path = lock_path
        self._gateways = {}
        self._gateways_lock = threading.Lock()

    # ---------------------------------------------------------- properties
    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        """``{'sdc_guid': ...}``, or ``{}`` on a host without an SDC."""
        drv_cfg_path = kwargs.get('drv_cfg_path') or options.DEFAULT_DRV_CFG
        try:
            return {'sdc_guid': sdc.query_guid(drv_cfg_path)}
        except exceptions.SdcNotFound as e:
            LOG.info('Connector properties without sdc_guid: %s', e)
            return {}

    def sdc_guid(self):
        """This host's SDC GUID; raises SdcNotFound saying what was tried."""
        return sdc.query_guid(self.drv_cfg_path)

    def get_search_path(self):
        return self.search_path

    # -------------------------------------------------------------- helpers
    def _lock(self, volume_id):
        lock_path = self.lock_path
        if lock_path is None and 'os_brick' in CONF:
            lock_path = CONF.os_brick.lock_path
        # One lock per volume: attaches of different volumes run in
        # parallel; the lock only keeps connect and disconnect of the same
        # volume (two instances, multiattach) from interleaving.
        return lockutils.lock(volume_id, LOCK_PREFIX, external=True,
                              lock_path=lock_path)

    def _gateway(self, props):
        gateway_config = legacy.gateway_config(props,
                                               self.connector_config_file)
        key = (gateway_config.host, gateway_config.port,
               gateway_config.username, gateway_config.ca_bundle,
               gateway_config.verify_tls)
        with self._gateways_lock:
            known = self._gateways.get(key)
            if known is not None and known.config.password == (
                    gateway_config.password):
                return known
            if known is not None:
                known.close()
            gateway = gateway_client.ScaleIOClient(gateway_config)
            self._gateways[key] = gateway
            return gateway

    @staticmethod
    def _volume_name(props):
        return props.get('scaleIO_volname') or props.get('scaleIO_volume_id')

    def _volume_id(self, props, gateway=None):
        volume_id = props.get('scaleIO_volume_id')
        if volume_id:
            return volume_id
        name = props.get('scaleIO_volname')
        if gateway is None or not name:
            raise exceptions.ConnectorError(
                message='Connection info names no ScaleIO volume id (and '
                        'no gateway to look up volume name %s).' % name)
        # Connection info from before Newton has only the name.
        volume_id = gateway.volume_id_by_name(name)
        if not volume_id:
            raise exceptions.ConnectorError(
                message='The gateway has no volume named %s.' % name)
        return volume_id

    def _wait_for_device(self, volume_id, volume_name):
        """The link of a mapped volume; rescans once; bounded by time."""
        directory = self.search_path
        started = time.monotonic()
        first_wait = min(self.device_rescan_delay, self.device_timeout / 2)
        path = devices.wait_for(directory, volume_id, first_wait)
        if path is None:
            LOG.info('Volume %s has no device in %s after %.1f s: asking the '
                     'SDC to rescan.', volume_name, directory, first_wait)
            sdc.rescan(self.drv_cfg_path)
            remaining = self.device_timeout - (time.monotonic() - started)
            path = devices.wait_for(directory, volume_id, remaining)
        if path is None:
            raise exceptions.DeviceNotFound(
                message='ScaleIO volume %s (id %s) has no device '
                        'emc-vol-*-%s in %s after %.1f s and one SDC rescan; '
                        'is it mapped to this host?'
                        % (volume_name, volume_id, volume_id, directory,
                           self.device_timeout))
        LOG.debug('Volume %s is %s (%.1f ms)', volume_name, path,
                  (time.monotonic() - started) * 1000)
        return path

    # -------------------------------------------------------------- attach
    @brick_utils.connect_volume_prepare_result
    def connect_volume(self, connection_properties):
        """Wait for the volume's device, mapping it first if legacy."""
        props = connection_properties
        name = self._volume_name(props)
        if not legacy.is_legacy(props):
            # The Cinder driver mapped it to this host already.
            volume_id = self._volume_id(props)
            with self._lock(volume_id):
                path = self._wait_for_device(volume_id, name)
            return {'type': 'block', 'path': path}

        gateway = self._gateway(props)
        volume_id = self._volume_id(props, gateway)
        guid = self.sdc_guid()
        with self._lock(volume_id):
            if not gateway.map_volume(volume_id, guid=guid):
                LOG.info('Volume %s was already mapped to SDC %s.',
                         name, guid)
            iops = legacy.limit(props.get('iopsLimit'))
            bandwidth = legacy.limit(props.get('bandwidthLimit'))
            if iops is not None or bandwidth is not None:
                gateway.set_mapping_limits(volume_id, guid=guid, iops=iops,
                                           bandwidth_kbps=bandwidth)
            path = self._wait_for_device(volume_id, name)
        return {'type': 'block', 'path': path}

    @brick_utils.connect_volume_undo_prepare_result(unlink_after=True)
    def disconnect_volume(self, connection_properties, device_info,
                          force=False, ignore_errors=False):
        """Unmap a legacy volume; the Cinder driver unmaps the others."""
        props = connection_properties
        if not legacy.is_legacy(props):
            return
        name = self._volume_name(props)
        try:
            gateway = self._gateway(props)
            volume_id = self._volume_id(props, gateway)
            guid = self.sdc_guid()
            with self._lock(volume_id):
                if not gateway.unmap_volume(volume_id, guid=guid):
                    LOG.info('Volume %s was not mapped to SDC %s.',
                             name, guid)
        except (exceptions.ConnectorError,
                gateway_exceptions.ScaleIOError) as e:
            if force and ignore_errors:
                LOG.warning('Ignoring failure to unmap volume %s: %s',
                            name, e)
                return
            raise

    @brick_utils.connect_volume_undo_prepare_result
    def extend_volume(self, connection_properties):
        """Rescan, then the volume's device size in bytes."""
        props = connection_properties
        volume_id = self._volume_id(props)
        sdc.rescan(self.drv_cfg_path)
        path = devices.find(self.search_path, volume_id)
        if path is None:
            raise exceptions.DeviceNotFound(
                message='ScaleIO volume %s has no device in %s to extend.'
                        % (volume_id, self.search_path))
        try:
            size = devices.size_bytes(path)
        except PermissionError:
            size = brick_utils.get_device_size(self, path)
        if not size:
            raise exceptions.ConnectorError(
                message='Cannot read the size of %s.' % path)
        LOG.info('Volume %s (%s) is now %d bytes.', volume_id, path, size)
        return size

    # ------------------------------------------------------------- queries
    def get_volume_paths(self, connection_properties):
        volume_id = connection_properties.get('scaleIO_volume_id')
        if not volume_id:
            return []
        path = devices.find(self.search_path, volume_id)
        return [path] if path else []

    def get_all_available_volumes(self, connection_properties=None):
        return devices.all_links(self.search_path)

    def check_valid_device(self, path, run_as_root=True):
        """Whether the device can be opened and its first block read."""
        try:
            with open(path, 'rb', buffering=0) as f:
                f.read(4096)
            return True
        except PermissionError:
            if run_as_root:
                return brick_utils.check_valid_device(self, path)
            return False
        except OSError:
            return False
