"""The Nova libvirt volume driver for ``driver_volume_type`` ``scaleio``.

It exposes a volume that the Cinder driver mapped to this host's SDC to
the guest as a raw block device, through our connector
(``scaleio_nova.connector``) instead of os-brick's. ``scaleio_nova.compute``
makes nova-compute use it.
"""

import threading

from oslo_log import log as logging

import nova.conf
from nova import utils
from nova.virt.libvirt.volume import volume as libvirt_volume

from scaleio_nova import connector as scaleio_connector
from scaleio_nova import options

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

options.register_opts(CONF)


def make_connector():
    """Our connector, configured from nova.conf as nova-compute would."""
    return scaleio_connector.from_config(
        CONF, root_helper=utils.get_root_helper())


class LibvirtScaleIOVolumeDriver(libvirt_volume.LibvirtBaseVolumeDriver):
    """A mapped ScaleIO volume as a ``<disk type='block'>`` of the guest."""

    def __init__(self, host):
        # Not a block device in nova's sense (is_block_dev is about
        # volumes nova itself may treat as a local block device), as
        # upstream's ScaleIO driver says.
        super().__init__(host, is_block_dev=False)
        self._connector = None
        self._connector_lock = threading.Lock()

    @property
    def connector(self):
        """The connector, made on first use.

        nova-compute builds this driver when the compute driver starts
        (see scaleio_nova.compute); a connector problem then shows on the
        first attach, with the volume it concerns, instead of stopping
        the service.
        """
        if self._connector is None:
            with self._connector_lock:
                if self._connector is None:
                    self._connector = make_connector()
        return self._connector

    @connector.setter
    def connector(self, value):
        self._connector = value

    def get_config(self, connection_info, disk_info):
        """The libvirt disk: the device link as a raw block device."""
        conf = super().get_config(connection_info, disk_info)
        conf.source_type = 'block'
        conf.source_path = connection_info['data']['device_path']
        # O_DIRECT and Linux native AIO: the SDC device has no page cache
        # worth keeping and qemu's threads would only add copies. Nova's
        # _set_cache_mode may still change both when an operator sets
        # [libvirt] disk_cachemodes = block=... (io falls back to threads
        # with a cache mode that is not O_DIRECT); that is their choice.
        conf.driver_cache = 'none'
        conf.driver_io = 'native'
        # The base class sets discard='unmap' when data['discard'] is
        # exactly True, which our Cinder driver sends for thin volumes.
        return conf

    def connect_volume(self, connection_info, instance):
        """Wait for the device link of the mapped volume; remember it."""
        data = connection_info['data']
        device_info = self.connector.connect_volume(data)
        LOG.debug('ScaleIO volume %(volume)s is %(path)s on this host.',
                  {'volume': data.get('scaleIO_volume_id'),
                   'path': device_info['path']}, instance=instance)
        data['device_path'] = device_info['path']

    def disconnect_volume(self, connection_info, instance, force=False):
        """Let the connector forget the device (Cinder unmaps it)."""
        self.connector.disconnect_volume(connection_info['data'], None,
                                         force=force)
        LOG.debug('Disconnected ScaleIO volume %s.',
                  connection_info['data'].get('scaleIO_volume_id'),
                  instance=instance)
        super().disconnect_volume(connection_info, instance, force=force)

    def extend_volume(self, connection_info, instance, requested_size):
        """The device's new size in bytes, after an SDC rescan.

        Nova resizes the guest's disk to this size (virDomainBlockResize).
        It is the size of the device, a multiple of 8 GiB, which may be
        more than ``requested_size`` (the Cinder size): the guest sees
        the whole device, as with nova's in-tree driver (see README,
        Nova).
        """
        new_size = self.connector.extend_volume(connection_info['data'])
        LOG.debug('ScaleIO volume %(volume)s is now %(size)s bytes '
                  '(Cinder asked %(requested)s).',
                  {'volume': connection_info['data'].get('scaleIO_volume_id'),
                   'size': new_size, 'requested': requested_size},
                  instance=instance)
        return new_size
