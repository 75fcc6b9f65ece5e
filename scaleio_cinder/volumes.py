"""Volumes and snapshots on the array: create, clone, extend, revert, delete.

Sizes: Cinder keeps the size the user asked for (quota counts it); the
array allocates the next multiple of 8 GiB behind it. Which size the array
holds follows from Cinder's own sizes, so no operation reads a volume to
decide whether to grow it; a read happens only when the gateway refuses a
grow (a volume resized behind Cinder's back).
"""

from oslo_log import log as logging
from oslo_utils import excutils

from cinder import exception
from cinder.volume import volume_utils
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_client import exceptions as sio
from scaleio_client import names

LOG = logging.getLogger(__name__)


class Volumes:
    """Array volumes and snapshots of one backend.

    Volumes of replicated types are paired through ``replication`` as
    they are made, and unpaired before they go.
    """

    def __init__(self, backend, gateway, replication):
        self.backend = backend
        self.gateway = gateway
        self.replication = replication

    # ----------------------------------------------------------- volumes
    def create_volume(self, volume):
        label = self.backend.pool_of(volume)
        extra_specs = self.backend.extra_specs(volume)
        kind = self.backend.provisioning(extra_specs, volume)
        try:
            specs.check_qos(specs.qos_specs(self.backend.qos(volume),
                                            extra_specs))
        except specs.SpecError as e:
            raise errors.spec_error(e, volume)
        size = self.backend.array_size(volume.size, volume)
        record = self.backend.pool(label)
        if not record.zero_padding and not self.backend.allow_non_padded:
            raise exception.VolumeBackendAPIException(
                data='storage pool %s has zero padding off, so a new volume '
                     'could show other tenants\' old data; set '
                     'scaleio_allow_non_padded_volumes to allow it' % label)
        place = self.backend.placement(kind, label)
        if place.note:
            LOG.warning('Volume %s asks for %s provisioning, created thin '
                        'in %s: %s.', volume.id, kind, label, place.note)
        with errors.gateway_errors('Creating volume %s' % volume.id):
            volume_id = self.gateway.create_volume(
                names.id_to_name(volume.id), record.id, size.kib,
                thin=place.thin, compression=place.compression,
                protection_domain_id=record.protection_domain_id)
        LOG.info('Created volume %s (%s GiB, %d GiB on the array) as %s in '
                 '%s.', volume.id, volume.size, size.gib, volume_id, label)
        return self._replicated(volume, volume_id)

    def _replicated(self, volume, volume_id):
        """The model update of a new volume, paired if its type says so.

        If the pairing fails the new volume goes too: nothing half-made.
        """
        update = {'provider_id': volume_id}
        if not self.replication.is_replicated(volume):
            return update
        try:
            update.update(self.replication.setup(volume, volume_id))
        except Exception:
            with excutils.save_and_reraise_exception():
                try:
                    self.gateway.delete_volume(volume_id)
                except sio.ScaleIOError as e:
                    LOG.warning('Could not remove volume %s (%s) whose '
                                'replication failed: %s', volume.id,
                                volume_id, e)
        return update

    def delete_volume(self, volume):
        volume_id = self.backend.provider_id(volume)
        if not volume_id:
            LOG.info('Volume %s is not on the array; nothing to delete.',
                     volume.id)
            return
        if self.replication.is_replicated(volume):
            self.replication.teardown(volume, volume_id)
        with errors.gateway_errors('Deleting volume %s' % volume.id):
            try:
                removed = self.gateway.delete_volume(volume_id)
            except sio.GatewayError:
                # The array refuses to remove a vTree it is moving (a
                # migration whose service died): it goes once moved.
                if not self._wait_out_migration(volume, volume_id):
                    raise
                removed = self.gateway.delete_volume(volume_id)
            if not removed:
                LOG.info('Volume %s (%s) was already gone.', volume.id,
                         volume_id)

    def _wait_out_migration(self, volume, volume_id):
        """Wait while the volume's vTree moves; False if it does not."""
        tree = self.gateway.vtree(self.gateway.volume(volume_id).vtree_id)
        if not tree.migrating or tree.migration_failed:
            return False
        LOG.info('Volume %s (vTree %s) is being moved by the array; its '
                 'delete waits for the move to end.', volume.id, tree.id)
        tree = self.backend.moved(tree.id, tree)
        return tree is not None and not tree.migrating

    def extend_volume(self, volume, new_size):
        """Grow the array volume when the new size leaves its 8 GiB bucket.

        Inside the bucket the array already holds the new size: nothing
        is asked of the gateway, unless per-GB QoS limits must follow the
        size on the volume's mappings (then the volume is read for them).
        """
        volume_id = self.backend.array_id(volume)
        old = self.backend.array_size(volume.size, volume)
        new = self.backend.array_size(new_size, volume)
        qos = specs.qos_specs(self.backend.qos(volume),
                              self.backend.extra_specs(volume))
        per_gb = any(key.endswith('perGB') for key in qos)
        iops, bandwidth = self.backend.limits(qos, new_size, volume)
        if new.gib > old.gib and self.replication.is_replicated(volume):
            # The twin first: a pair's volumes keep one size.
            self.replication.grow_twin(volume, volume_id, new)
        with errors.gateway_errors('Extending volume %s' % volume.id):
            self.grow_to(volume_id, new, old)
            if per_gb:
                record = self.gateway.volume(volume_id)
                self.backend.set_limits(volume_id, record.mapped_sdc_ids,
                                        iops, bandwidth)

    def grow_to(self, volume_id, size, holds):
        """Grow an array volume from ArraySize ``holds`` to ``size``.

        ``holds`` is what Cinder's sizes say the volume (or the source a
        clone was taken from) has; nothing is sent when that is enough.
        """
        if size.gib > holds.gib:
            self.gateway.grow_volume(volume_id, size.gib)

    def _clone(self, volume, source_id, source_size, what):
        """A new volume from an array volume or snapshot (same vTree)."""
        size = self.backend.array_size(volume.size, volume)
        holds = self.backend.array_size(source_size, volume)
        call = self.backend.snapshot_call(self.backend.pool_of(volume),
                                          clone=True)
        with errors.gateway_errors('Creating volume %s from %s'
                                   % (volume.id, what)):
            group = self.gateway.snapshot_volumes(
                [(source_id, names.id_to_name(volume.id))], call)
            new_id = group.volume_ids[0]
            self.grow_to(new_id, size, holds)
        return self._replicated(volume, new_id)

    def create_volume_from_snapshot(self, volume, snapshot):
        return self._clone(volume, self.backend.array_id(snapshot),
                           snapshot.volume_size,
                           'snapshot %s' % snapshot.id)

    def create_cloned_volume(self, volume, src_vref):
        source_id = self.backend.array_id(src_vref)
        limit = self.backend.option('scaleio_max_image_cache_vtree_size')
        if limit and volume_utils.is_image_cache_entry(src_vref):
            with errors.gateway_errors('Checking image cache entry %s'
                                       % src_vref.id):
                count = self.gateway.vtree_volume_count(
                    self.gateway.volume(source_id).vtree_id)
            if count >= limit:
                LOG.info('Image cache entry %s has %d volumes in its vTree '
                         '(limit %d); it will be rebuilt.', src_vref.id,
                         count, limit)
                raise exception.SnapshotLimitReached(set_limit=limit)
        return self._clone(volume, source_id, src_vref.size,
                           'volume %s' % src_vref.id)

    def revert_to_snapshot(self, volume, snapshot):
        if not self.gateway.version.revert:
            # Cinder's manager then copies the snapshot itself.
            raise NotImplementedError(
                'reverting on the array needs gateway API 3.0; this one is '
                '%s' % self.gateway.version)
        with errors.gateway_errors('Reverting volume %s to snapshot %s'
                                   % (volume.id, snapshot.id)):
            self.gateway.revert_volume(self.backend.array_id(volume),
                                       self.backend.array_id(snapshot))

    # --------------------------------------------------------- snapshots
    def create_snapshot(self, snapshot):
        call = self.backend.snapshot_call(
            self.backend.pool_of(snapshot.volume), clone=False)
        with errors.gateway_errors('Creating snapshot %s' % snapshot.id):
            group = self.gateway.snapshot_volumes(
                [(self.backend.array_id(snapshot.volume),
                  names.id_to_name(snapshot.id))], call)
        return {'provider_id': group.volume_ids[0]}

    def delete_snapshot(self, snapshot):
        snapshot_id = self.backend.provider_id(snapshot)
        if not snapshot_id:
            return
        with errors.gateway_errors('Deleting snapshot %s' % snapshot.id):
            self.gateway.delete_volume(snapshot_id)
