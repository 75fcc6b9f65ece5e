"""Storage-assisted migration and the renames after a migration.

``migrate_volume`` moves a volume to another pool of this backend with the
array's ``migrateVTree``: no data passes through a Cinder host. It declines
(so Cinder copies the data itself) whenever the array cannot do it or
Cinder's records could go wrong:

* the destination is another backend (or not one of our pools);
* the gateway speaks an API before 3.0;
* the pools are incompatible: medium to fine granularity needs zero
  padding on the source, medium to medium the same zero-padding setting
  on both sides (and a pool without zero padding needs
  ``scaleio_allow_non_padded_volumes``, as for a new volume);
* the vTree holds other volumes (Cinder snapshots or clones): the array
  would move them all while Cinder records them in the old pool;
* the volume is attached.

While the array moves the data this worker waits, reading the vTree every
``scaleio_migration_poll_interval`` seconds for at most
``scaleio_migration_timeout`` seconds (backend options). A
timeout leaves Cinder's records as they were and says so; the array goes
on moving, and migrating the volume again to the same pool resumes the
wait (the gateway answers "in progress" or "already there").

``update_migrated_volume`` runs after a host-assisted migration: the new
array volume takes the name of the original Cinder id.
"""

from cinder import exception
from cinder.objects import fields
from cinder.volume import volume_utils
from oslo_log import log as logging

from scaleio_cinder import backend as backend_mod
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_cinder import stats
from scaleio_client import exceptions as sio
from scaleio_client import names
from scaleio_client import records

LOG = logging.getLogger(__name__)

TEMPORARY_PREFIX = 'ff'           # the original's name while it is renamed

FALL_BACK = (False, None)


def temporary_name(volume_id):
    """The name an original volume takes to free its own (24 characters)."""
    return names.id_to_name(TEMPORARY_PREFIX + volume_id.replace('-', ''))


class Migration:
    """migrate_volume, update_migrated_volume."""

    def __init__(self, backend, gateway):
        self.backend = backend
        self.gateway = gateway

    # --------------------------------------------------- storage-assisted
    def migrate_volume(self, ctxt, volume, host):
        """Move a volume to another pool of this backend on the array.

        Returns (True, {'host': ...}) once the array has moved it, or
        (False, None) to let Cinder copy the data itself.
        """
        destination = host.get('host')
        found = self._migration_destination(volume, host)
        if found is None:
            return FALL_BACK
        pool_name, pool_id = found
        if self._attached(volume):
            LOG.info('Volume %s is attached: Cinder migrates it by copying '
                     'the data.', volume.id)
            return FALL_BACK
        with errors.gateway_errors('Migrating volume %s' % volume.id):
            if not self.gateway.version.migration:
                LOG.info('The gateway speaks API %s; moving volume %s '
                         'between pools needs 3.0: Cinder copies the data.',
                         self.gateway.version, volume.id)
                return FALL_BACK
            volume_id = self.backend.provider_id(volume)
            if not volume_id:
                raise exception.VolumeBackendAPIException(
                    data='volume %s is not on the array' % volume.id)
            record = self.gateway.volume(volume_id)
            members = self.gateway.vtree_volumes(record.vtree_id)
            others = sorted(v.id for v in members if v.id != record.id)
            if others:
                LOG.info('Volume %s shares its vTree %s with %s (snapshots '
                         'or clones), which the array would move too: '
                         'Cinder copies the data instead.', volume.id,
                         record.vtree_id, ', '.join(others))
                return FALL_BACK
            source = self.gateway.storage_pool(record.storage_pool_id)
            dest = self.gateway.storage_pool(pool_id)
            if not self._pools_compatible(volume, source, dest, pool_name):
                return FALL_BACK
            conversion, compression = self._migration_params(volume, record,
                                                             dest)
            LOG.info('Moving volume %s (vTree %s) from pool %s to %s '
                     '(%s, compression %s).', volume.id, record.vtree_id,
                     source.name, pool_name, conversion, compression)
            started = self.gateway.migrate_vtree(
                volume_id, dest.id, conversion=conversion,
                compression=compression,
                allow_during_rebuild=bool(self.backend.option(
                    'scaleio_allow_migration_during_rebuild')))
            LOG.debug('Migration of vTree %s: %s.', record.vtree_id, started)
            self._wait_for_migration(volume, record.vtree_id, dest,
                                     pool_name)
        LOG.info('Volume %s is now in pool %s.', volume.id, pool_name)
        return True, {'host': destination}

    def _migration_destination(self, volume, host):
        """(pool label, pool id) on this array for ``host``, or None.

        A pool of this backend (this service or another member of its
        active-active cluster), or a pool of another backend whose
        ``location_info`` says it is on the same ScaleIO system.
        """
        destination = host.get('host')
        if not destination:
            return None
        pool_name = volume_utils.extract_host(destination, 'pool')
        capabilities = host.get('capabilities') or {}
        backend_name = capabilities.get('volume_backend_name')
        if backend_mod.same_backend(volume, host) and backend_name in (
                None, self.backend.name):
            if pool_name not in self.backend.pools:
                LOG.info('Destination %s of volume %s is not one of this '
                         'backend\'s pools (%s): Cinder copies the data.',
                         destination, volume.id,
                         ', '.join(sorted(self.backend.pools)))
                return None
            return pool_name, self.backend.pool(pool_name, refresh=True).id
        location = stats.parse_location(capabilities.get('location_info'))
        if location and pool_name and (
                location.system_id == self.backend.system_id):
            return pool_name, location.pool_id
        LOG.info('Volume %s goes to another backend (%s) that is not on '
                 'this ScaleIO system: Cinder copies the data.', volume.id,
                 destination)
        return None

    @staticmethod
    def _attached(volume):
        return bool(volume.volume_attachment) or (
            volume.attach_status not in (
                None, fields.VolumeAttachStatus.DETACHED))

    def _pools_compatible(self, volume, source, dest, pool_name):
        """Whether the array may move a vTree from ``source`` to ``dest``."""
        why = None
        if not dest.zero_padding and not self.backend.allow_non_padded:
            why = ('pool %s has zero padding off and '
                   'scaleio_allow_non_padded_volumes is not set'
                   % pool_name)
        elif source.fine_granularity:
            pass
        elif dest.fine_granularity:
            if not source.zero_padding:
                why = ('the medium-granularity source pool %s has zero '
                       'padding off, which a move to fine granularity needs'
                       % source.name)
        elif source.zero_padding != dest.zero_padding:
            why = ('pools %s and %s differ in zero padding'
                   % (source.name, pool_name))
        if why:
            LOG.info('Volume %s cannot move on the array: %s. Cinder '
                     'copies the data.', volume.id, why)
            return False
        return True

    def _migration_params(self, volume, record, dest):
        """(volTypeConversion, compressionMethod) for the destination."""
        kind = self.backend.provisioning(self.backend.extra_specs(volume),
                                         volume)
        place = specs.placement(kind, dest.fine_granularity)
        if place.note:
            LOG.warning('Volume %s asks for %s provisioning, moved thin '
                        'to %s: %s.', volume.id, kind, dest.name,
                        place.note)
        conversion = 'NoConversion'
        if record.volume_type == records.THICK and place.thin:
            conversion = 'ThickToThin'
        elif record.volume_type == records.THIN and not place.thin:
            conversion = 'ThinToThick'
        return conversion, place.compression or 'None'

    def _wait_for_migration(self, volume, vtree_id, dest, pool_name):
        tree = self.backend.moved(vtree_id)
        if tree is None:
            raise exception.VolumeBackendAPIException(
                data='volume %s (vTree %s) is still moving to pool %s '
                     'after %s s; Cinder still records it in its old '
                     'pool. Migrate it to %s again to resume waiting.'
                % (volume.id, vtree_id, pool_name,
                   self.backend.option('scaleio_migration_timeout'),
                   pool_name))
        if tree.migration_failed:
            raise exception.VolumeBackendAPIException(
                data='the array paused the migration of volume %s '
                     '(vTree %s) to pool %s: %s' % (
                         volume.id, vtree_id, pool_name,
                         tree.migration_pause_reason))
        if tree.storage_pool_id and tree.storage_pool_id != dest.id:
            raise exception.VolumeBackendAPIException(
                data='the migration of volume %s (vTree %s) ended in pool '
                     '%s, not in %s (%s)' % (volume.id, vtree_id,
                                             tree.storage_pool_id,
                                             pool_name, dest.id))

    # ----------------------------------------------------- host-assisted
    def update_migrated_volume(self, ctxt, volume, new_volume,
                               original_volume_status):
        """Give the new array volume the name of the original Cinder id.

        Names are unique, so the original array volume (if it still holds
        the name) is renamed to the temporary "ff" name first; Cinder
        deletes it later under the new volume's id. If a rename fails, the
        original gets its name back and Cinder keeps the new volume's id
        as the name id.

        The update holds no provider_id on purpose: the manager writes
        the keys returned here into the original record, then swaps every
        field but _name_id and provider_location between the two records
        (Volume.finish_volume_migration). A provider_id returned here would
        be swapped back: the original record would point at the old array
        volume and Cinder would delete the migrated one. The plain swap
        already gives the original record the new array volume's id.
        """
        new_id = new_volume.provider_id
        name = names.id_to_name(volume.id)
        moved_aside = None
        try:
            new_id = self.backend.provider_id(new_volume)
            if not new_id:
                raise sio.NotFound('volume %s is not on the array'
                                   % new_volume.id)
            holder = self.gateway.volume_id_by_name(name)
            if holder is not None and holder != new_id:
                if volume.provider_id and holder != volume.provider_id:
                    raise sio.NameInUse(
                        'array volume %s, which is not volume %s, has its '
                        'name %s' % (holder, volume.id, name))
                self.gateway.rename_volume(holder, temporary_name(volume.id))
                moved_aside = holder
            self.gateway.rename_volume(new_id, name)
        except (sio.ScaleIOError,
                exception.VolumeBackendAPIException) as e:
            LOG.warning('Could not give array volume %s the name of volume '
                        '%s (%s); Cinder keeps using the id %s for it.',
                        new_id, volume.id, e,
                        new_volume._name_id or new_volume.id)
            if moved_aside is not None:
                self._rename_back(moved_aside, name)
            return {'_name_id': new_volume._name_id or new_volume.id}
        LOG.info('Array volume %s of migrated volume %s is named %s.',
                 new_id, volume.id, name)
        return {'_name_id': None}

    def _rename_back(self, array_id, name):
        """Best effort: the original keeps its name if the swap failed."""
        try:
            self.gateway.rename_volume(array_id, name)
        except sio.ScaleIOError as e:
            LOG.warning('Array volume %s keeps a temporary name instead of '
                        '%s (%s).', array_id, name, e)
