"""NVMe/TCP attachments (PowerFlex 4.x): volumes mapped to NVMe host
objects, ``connection_info`` of type ``nvmeof``.

The host object of a connector is found by its NQN (any letter case) or
made on its first attach, named after the connector's host (31
characters at most: the first 22, ``-`` and 8 hex digits of its MD5, as
the in-tree driver names them, so both find the same hosts). It is removed
when its last mapping goes (the in-tree driver leaks them). Making,
mapping to and removing one host happen under one lock per NQN, so two
first attaches of one host make one host object, and a detach never
removes a host an attach is mapping to. The array applies no QoS limits
to NVMe hosts: a type's limits are logged once and not applied.
"""

import hashlib

from oslo_log import log as logging

from cinder.common import constants
from cinder import coordination
from cinder import exception
from scaleio_cinder import attach
from scaleio_cinder import errors
from scaleio_cinder import specs

LOG = logging.getLogger(__name__)
MAX_NAME = 31
NGUID_VENDOR = '64b94e'


def host_nqn(connector):
    """The connector's NVMe host NQN; refuses a connector without one."""
    if not connector or not connector.get('nqn'):
        raise exception.InvalidConnectorException(
            missing='nqn (the connector of host %s has none: nvme-cli is '
                    'not installed or /etc/nvme/hostnqn is missing there)'
            % (connector or {}).get('host'))
    return connector['nqn']


def host_name(connector):
    """An array name for the connector's host, 31 characters at most."""
    name = connector.get('host') or connector['nqn']
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.md5(name.encode('utf-8'),
                         usedforsecurity=False).hexdigest()[:8]
    return '%s-%s' % (name[:MAX_NAME - len(digest) - 1], digest)


def volume_nguid(volume_id, system_id):
    """The NGUID of a volume's namespace, as PowerFlex forms it."""
    return '%s%s%s' % (volume_id, NGUID_VENDOR, system_id[-10:])


class NvmeAttachments(attach.Attachments):
    """Map and unmap one backend's volumes to NVMe/TCP hosts.

    ``terminate_connection`` (a mapping another attachment on the host
    uses stays) is the SDC attachments'; attach and detach are NVMe's.
    """

    def __init__(self, backend, gateway, replication, intents):
        super().__init__(backend, gateway, replication, intents)
        self._qos_warned = False

    def initialize_connection(self, volume, connector):
        self._no_qos(volume)
        shared = attach.attachments_on_host(volume, connector) > 0
        return self.attach(volume, connector, shared)

    def initialize_connection_snapshot(self, snapshot, connector):
        return self.attach(snapshot, connector, shared=False)

    def _no_qos(self, volume):
        qos = specs.qos_specs(self.backend.qos(volume),
                              self.backend.extra_specs(volume))
        if self._qos_warned or not any(qos.values()):
            return
        self._qos_warned = True
        LOG.warning('Volume type of %s asks for QoS limits, which PowerFlex '
                    'does not apply to NVMe/TCP hosts; they are ignored '
                    '(said once).', volume.id)

    def attach(self, obj, connector, shared):
        nqn = host_nqn(connector)
        volume_id = self.backend.array_id(obj)
        with errors.gateway_errors('Mapping %s to NVMe host %s'
                                   % (obj.id, connector.get('host'))):
            portals, system_id, system_nqn = self.gateway.nvme_targets()
            if not portals:
                raise exception.VolumeBackendAPIException(
                    data='the ScaleIO system has no NVMe/TCP target (SDT) '
                         'with an address')
            with self.undone_on_failure(obj, volume_id, connector, shared):
                self._map(nqn, connector, volume_id)
        return {'driver_volume_type': constants.NVMEOF_VARIANT_2,
                'data': {'portals': [list(p) for p in portals],
                         'target_nqn': system_nqn,
                         'volume_nguid': volume_nguid(volume_id, system_id),
                         'discard': True,
                         'config_group': self.backend.config_group,
                         'failed_over': self.replication.on_target(obj)}}

    def _map(self, nqn, connector, volume_id):
        @coordination.synchronized('scaleio-nvme-host-{nqn}')
        def locked(nqn):
            host_id = self.gateway.host_id_by_nqn(nqn)
            if host_id is None:
                host_id = self.gateway.create_host(nqn,
                                                   host_name(connector))
                LOG.info('Made NVMe host %s (%s) for %s.', host_id,
                         host_name(connector), nqn)
            self.gateway.map_volume(volume_id, host_id)
        locked(nqn.lower())

    def _remove_if_unused(self, host_id):
        if not self.gateway.host_volume_ids(host_id):
            self.gateway.remove_host(host_id)
            LOG.info('Removed NVMe host %s: its last mapping went.',
                     host_id)

    @staticmethod
    def same_host(connector, other):
        nqn = (connector or {}).get('nqn')
        return bool(nqn) and nqn.lower() == (other.get('nqn') or '').lower()

    def unmap(self, volume_id, connector):
        """Unmap from the connector's NVMe host, if mapped.

        The host object goes with its last mapping (also one that a
        failed first attach made).
        """
        @coordination.synchronized('scaleio-nvme-host-{nqn}')
        def locked(nqn):
            host_id = self.gateway.host_id_by_nqn(nqn)
            if host_id is None:
                return False
            unmapped = self.gateway.unmap_volume(volume_id, host_id)
            self._remove_if_unused(host_id)
            return unmapped
        return locked(host_nqn(connector).lower())
