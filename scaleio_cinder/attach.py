"""Mapping volumes and snapshots to hosts' SDCs, with their QoS limits.

The driver maps and unmaps itself (the connector's ``sdc_guid`` names
the SDC), so compute hosts need no gateway credentials; the
``connection_info`` it returns only names the device.
"""

import contextlib

from oslo_log import log as logging
from oslo_utils import excutils

from cinder import exception
from scaleio_cinder import connection
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_client import exceptions as sio
from scaleio_client import names

LOG = logging.getLogger(__name__)


def sdc_guid(connector):
    """The connector's SDC GUID; refuses a connector without one."""
    if not connector or not connector.get('sdc_guid'):
        raise exception.InvalidConnectorException(
            missing='sdc_guid (the connector of host %s has none: the '
                    'ScaleIO SDC is not installed or not running there)'
            % (connector or {}).get('host'))
    return connector['sdc_guid']


def attachments_on_host(volume, connector):
    """How many attachments on the connector's host use the volume's mapping.

    Attachments still being made count: their mapping is this one. The
    attachment an attach is making is not among them yet (Cinder records
    its host only once the attach succeeded).
    """
    host = connector.get('host')
    return len([a for a in (volume.volume_attachment or ())
                if a.attach_status in ('attached', 'attaching')
                and a.attached_host == host])


class Attachments:
    """Map and unmap one backend's volumes and snapshots."""

    def __init__(self, backend, gateway, replication, intents):
        self.backend = backend
        self.gateway = gateway
        self.replication = replication
        self.intents = intents      # attaches in progress (intents.py)

    def _sdc_id(self, guid, connector):
        try:
            return self.gateway.sdc_id(guid)
        except sio.NotFound:
            raise exception.InvalidHost(
                reason='no SDC with GUID %s is registered with the ScaleIO '
                       'system (host %s)' % (guid, connector.get('host')))

    def initialize_connection(self, volume, connector):
        extra_specs = self.backend.extra_specs(volume)
        qos = specs.qos_specs(self.backend.qos(volume), extra_specs)
        thin = self.backend.provisioning(extra_specs, volume) != 'thick'
        # Unmapping blocks of a volume whose snapshots share them is not
        # worth it; thick volumes keep their allocation anyway.
        discard = thin and not volume.snapshots
        return self.attach(volume, connector, volume.size, qos, discard,
                           shared=attachments_on_host(volume, connector) > 0)

    def initialize_connection_snapshot(self, snapshot, connector):
        # Only the cinder-volume host attaches snapshots, one backup at a
        # time: a mapping there is this attach's.
        return self.attach(snapshot, connector, snapshot.volume_size, {},
                           False, shared=False)

    def attach(self, obj, connector, size_gib, qos, discard, shared):
        """Map to the connector's SDC with its QoS limits.

        Everything is checked before the mapping is made. If the attach
        fails once the map request went out, the mapping is undone
        whatever the gateway answered (a lost answer, "already mapped"
        after a retry), unless ``shared``: another attachment on that
        host uses it. Cinder keeps no connector for a failed attach, so
        nothing else would unmap it; a crash meanwhile leaves the intent
        for ``settle`` at the next start.
        """
        guid = sdc_guid(connector)
        iops, bandwidth = self.backend.limits(qos, size_gib, obj)
        volume_id = self.backend.array_id(obj)
        with errors.gateway_errors('Mapping %s to host %s'
                                   % (obj.id, connector.get('host'))):
            sdc_id = self._sdc_id(guid, connector)
            with self.undone_on_failure(obj, volume_id, connector, shared):
                self.gateway.map_volume(volume_id, sdc_id)
                if iops or bandwidth:
                    self.backend.set_limits(volume_id, [sdc_id], iops,
                                            bandwidth)
        return connection.connection_info(
            names.id_to_name(obj.id), volume_id, guid,
            self.backend.config_group, iops, bandwidth, discard, size_gib,
            failed_over=self.replication.on_target(obj))

    @contextlib.contextmanager
    def undone_on_failure(self, obj, volume_id, connector, shared):
        """Around a map: undo it if the block fails, recorded meanwhile.

        A mapping the host had already (``shared``) is neither recorded
        nor undone. The record stays if the undo fails too.
        """
        if shared:
            yield
            return
        intent = self.intents.record(obj.id, volume_id, connector)
        try:
            yield
        except Exception:
            with excutils.save_and_reraise_exception():
                try:
                    self.unmap(volume_id, connector)
                except sio.ScaleIOError as e:
                    LOG.warning('Could not undo the mapping of array volume '
                                '%s to host %s (retried at the next start): '
                                '%s', volume_id, connector.get('host'), e)
                    return
                self.intents.done(intent)
        else:
            self.intents.done(intent)

    def settle(self, intent, connectors):
        """An attach a crash interrupted, at the next start.

        ``connectors``: those of the volume's attachments in Cinder now.
        Unless one of them is on the intent's host (Cinder has the
        connection; its mapping stays), the mapping is undone: Cinder
        never heard of it and will never ask for it to go.
        """
        if any(self.same_host(c, intent.connector) for c in connectors):
            LOG.info('%s: Cinder completed the attach to host %s that a '
                     'restart interrupted; its mapping stays.',
                     intent.cinder_id, intent.connector.get('host'))
        else:
            try:
                self.unmap(intent.array_id, intent.connector)
            except sio.NotFound:
                pass            # the volume went meanwhile
            LOG.warning('%s: undid the mapping to host %s of an attach '
                        'that a restart of this service interrupted.',
                        intent.cinder_id, intent.connector.get('host'))
        self.intents.done(intent)

    @staticmethod
    def same_host(connector, other):
        return (connector or {}).get('sdc_guid') == other.get('sdc_guid')

    def unmap(self, volume_id, connector):
        """Unmap an array volume from the connector's SDC, if mapped."""
        sdc_id = self._sdc_id(sdc_guid(connector), connector)
        return self.gateway.unmap_volume(volume_id, sdc_id)

    def terminate_connection(self, volume, connector):
        """Unmap the volume from the connector's SDC (from all without one).

        Returns True, "connection shared", when another attachment on the
        same host keeps the mapping.
        """
        # The attachment being ended is still among them.
        if connector is not None and attachments_on_host(volume,
                                                         connector) > 1:
            LOG.info('Volume %s stays mapped to host %s: another '
                     'attachment there uses it.', volume.id,
                     connector.get('host'))
            return True
        self.detach(volume, connector)
        return False

    def detach(self, obj, connector):
        volume_id = self.backend.provider_id(obj)
        if not volume_id:
            return
        with errors.gateway_errors('Unmapping %s' % obj.id):
            if connector is None:
                self.gateway.unmap_volume_from_all(volume_id)
            elif not self.unmap(volume_id, connector):
                LOG.info('%s was not mapped to host %s.', obj.id,
                         connector.get('host'))
