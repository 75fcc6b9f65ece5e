"""Retype in place: new QoS limits on the mappings, no data copied.

``retype`` succeeds without Cinder migrating the volume when the new type
keeps it where it is (same backend and pool) and asks for the provisioning
it already has on the array: then only the QoS limits differ, and they
live on the volume's mappings, which get the new type's limits (or none).
Anything else (another pool or backend, thin/thick or compression
changes, encryption) returns False: Cinder migrates, and migrate_volume
moves the vTree on the array where it can.
"""

from oslo_log import log as logging

from cinder.volume import qos_specs as cinder_qos
from cinder.volume import volume_utils
from scaleio_cinder import backend as backend_mod
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_client import records

LOG = logging.getLogger(__name__)


class Retype:
    """retype."""

    def __init__(self, backend, gateway, replication):
        self.backend = backend
        self.gateway = gateway
        self.replication = replication

    def retype(self, ctxt, volume, new_type, diff, host):
        """(True, None) when the array volume already fits ``new_type``."""
        if (diff or {}).get('encryption'):
            return False, None
        if not self._stays(volume, host):
            LOG.info('Retyping volume %s moves it from %s to %s: Cinder '
                     'migrates it.', volume.id, volume.host, host.get('host'))
            return False, None
        extra_specs = dict(new_type.get('extra_specs') or {})
        qos = self._type_qos(ctxt, new_type)
        kind = self.backend.provisioning(extra_specs, volume)
        iops, bandwidth = self.backend.limits(
            specs.qos_specs(qos, extra_specs), volume.size, volume)
        place = self.backend.placement(kind, self.backend.pool_of(volume))
        with errors.gateway_errors('Retyping volume %s' % volume.id):
            record = self.gateway.volume(self.backend.array_id(volume))
            thin = record.volume_type == records.THIN
            if thin != place.thin or (
                    place.compression is not None
                    and (record.compression or 'None') != place.compression):
                LOG.info('Volume %s is %s (compression %s); type %s asks for '
                         '%s: Cinder migrates it.', volume.id,
                         record.volume_type, record.compression,
                         new_type.get('name'), kind)
                return False, None
            update = self._replication(volume, record.id, extra_specs,
                                       new_type)
            if update is False:
                return False, None
            self.backend.set_limits(record.id, record.mapped_sdc_ids, iops,
                                    bandwidth)
        LOG.info('Retyped volume %s to %s in place (limits: %s IOPS, %s '
                 'KB/s on %d mapping(s)).', volume.id, new_type.get('name'),
                 iops or 'no', bandwidth or 'no', len(record.mappings))
        return True, update

    @staticmethod
    def _stays(volume, host):
        """Whether the scheduler's ``host`` is where the volume is.

        Its service's pool, or the same pool of another service of its
        active-active cluster (the volume records the one that made it).
        """
        return (backend_mod.same_backend(volume, host)
                and volume_utils.extract_host(host['host'], 'pool')
                == volume_utils.extract_host(volume.host, 'pool'))

    def _replication(self, volume, volume_id, extra_specs, new_type):
        """Pair or unpair the volume for the new type, on the array.

        Returns a model update, None if nothing changes, or False when
        Cinder must migrate instead.
        """
        replication = self.replication
        had = replication.is_replicated(volume)
        wants = replication.wants_replication(extra_specs)
        if not had and not wants:
            return None
        if replication.failed_over:
            LOG.info('Volume %s: the backend is failed over; its '
                     'replication cannot change now.', volume.id)
            return False
        if had and wants and (replication.placement_of(volume)
                              == replication.placement_of(
                                  volume, extra_specs, new_type['id'])):
            return None
        if had:
            replication.teardown(volume, volume_id)
        if not wants:
            return {'replication_status': 'disabled'}
        return replication.setup(volume, volume_id, extra_specs,
                                 new_type['id'])

    @staticmethod
    def _type_qos(ctxt, volume_type):
        """The QoS specs of a volume type dict, as Backend.qos gives them."""
        qos_id = volume_type.get('qos_specs_id')
        if not qos_id:
            return None
        qos = cinder_qos.get_qos_specs(ctxt, qos_id)
        return {'consumer': qos['consumer'], 'specs': dict(qos['specs'])}
