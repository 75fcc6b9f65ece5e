"""Generic volume groups and consistent group snapshots.

Only groups whose type sets ``consistent_group_snapshot_enabled`` are ours;
for any other group every method raises NotImplementedError and Cinder runs
its generic, volume-by-volume implementation. A consistent group has no
object on the array: Cinder keeps the membership, and a group snapshot is a
single ``snapshotVolumes`` call, which the array takes at one point in time
for all members (or not at all).
"""

from oslo_log import log as logging

from cinder import exception
from cinder.objects import fields
from cinder.volume import volume_utils
from scaleio_cinder import errors
from scaleio_client import names

LOG = logging.getLogger(__name__)


def _consistent_only(group_or_snapshot):
    """Leave groups without consistent snapshots to Cinder's generic code."""
    if not volume_utils.is_group_a_cg_snapshot_type(group_or_snapshot):
        raise NotImplementedError()


def _ours(group):
    """Consistent-snapshot groups and replicated groups are ours."""
    if not (volume_utils.is_group_a_cg_snapshot_type(group)
            or volume_utils.is_group_a_type(
                group, 'consistent_group_replication_enabled')):
        raise NotImplementedError()


class Groups:
    """create/delete/update_group, group snapshots, group from source.

    Members are deleted, and new members grown, through ``volumes``.
    """

    def __init__(self, backend, gateway, volumes):
        self.backend = backend
        self.gateway = gateway
        self.volumes = volumes

    # ------------------------------------------------------------- groups
    def create_group(self, context, group):
        _ours(group)
        LOG.info('Created consistent group %s (Cinder keeps its members).',
                 group.id)
        return {'status': fields.GroupStatus.AVAILABLE}

    def update_group(self, context, group, add_volumes=None,
                     remove_volumes=None):
        _ours(group)
        return {'status': fields.GroupStatus.AVAILABLE}, None, None

    def delete_group(self, context, group, volumes):
        """Delete every member; one failure does not stop the others."""
        _ours(group)
        group_update = {'status': fields.GroupStatus.DELETED}
        volume_updates = []
        for volume in volumes:
            try:
                self.volumes.delete_volume(volume)
                status = 'deleted'      # VolumeStatus has no DELETED
            except exception.CinderException as e:
                LOG.error('Deleting volume %s of group %s failed: %s',
                          volume.id, group.id, e)
                status = fields.VolumeStatus.ERROR_DELETING
                group_update['status'] = fields.GroupStatus.ERROR_DELETING
            volume_updates.append({'id': volume.id, 'status': status})
        return group_update, volume_updates

    # ---------------------------------------------------- group snapshots
    def create_group_snapshot(self, context, group_snapshot, snapshots):
        """Snapshot all members in one call: one point in time, or none.

        A full vTree on any member fails the call before anything is
        created, so there is nothing to clean up.
        """
        _consistent_only(group_snapshot)
        snapshots = list(snapshots)
        if not snapshots:
            return {'status': fields.GroupSnapshotStatus.AVAILABLE}, []
        what = 'group snapshot %s' % group_snapshot.id
        definitions = [(self.backend.array_id(s.volume),
                        names.id_to_name(s.id)) for s in snapshots]
        call = self._one_call([s.volume for s in snapshots], False, what)
        with errors.gateway_errors('Creating %s of %d volumes'
                                   % (what, len(snapshots))):
            created = self.gateway.snapshot_volumes(definitions, call)
        LOG.info('Created group snapshot %s: %d snapshots at one point in '
                 'time (array snapshot group %s).', group_snapshot.id,
                 len(snapshots), created.group_id)
        return ({'status': fields.GroupSnapshotStatus.AVAILABLE},
                [{'id': s.id, 'status': fields.SnapshotStatus.AVAILABLE,
                  'provider_id': new_id}
                 for s, new_id in zip(snapshots, created.volume_ids)])

    def delete_group_snapshot(self, context, group_snapshot, snapshots):
        """Delete each snapshot; one failure does not stop the others."""
        _consistent_only(group_snapshot)
        group_update = {'status': fields.GroupSnapshotStatus.DELETED}
        snapshot_updates = []
        for snapshot in snapshots:
            try:
                self.volumes.delete_snapshot(snapshot)
                status = fields.SnapshotStatus.DELETED
            except exception.CinderException as e:
                LOG.error('Deleting snapshot %s of group snapshot %s '
                          'failed: %s', snapshot.id, group_snapshot.id, e)
                status = fields.SnapshotStatus.ERROR_DELETING
                group_update['status'] = (
                    fields.GroupSnapshotStatus.ERROR_DELETING)
            snapshot_updates.append({'id': snapshot.id, 'status': status})
        return group_update, snapshot_updates

    # -------------------------------------------------- group from source
    def create_group_from_src(self, context, group, volumes,
                              group_snapshot=None, snapshots=None,
                              source_group=None, source_vols=None):
        """New members from a group snapshot or from a source group.

        Either way the new volumes come from one ``snapshotVolumes`` call,
        so clones of a source group share one point in time and a full
        vTree leaves nothing behind. A clone that failed later (resize) is
        left on the array under its Cinder name, where deleting the volume
        finds it.
        """
        _consistent_only(group)
        volumes = list(volumes)
        if group_snapshot is not None and snapshots:
            sources = self._sources(volumes, snapshots, 'snapshot_id')
            source_sizes = [s.volume_size for s in sources]
            what = 'group snapshot %s' % group_snapshot.id
        elif source_group is not None and source_vols:
            sources = self._sources(volumes, source_vols, 'source_volid')
            source_sizes = [s.size for s in sources]
            what = 'group %s' % source_group.id
        else:
            raise exception.InvalidInput(
                reason='group %s: neither a group snapshot nor a source '
                       'group to create it from' % group.id)
        grow = [(self.backend.array_size(v.size, v),
                 self.backend.array_size(source_size, v))
                for v, source_size in zip(volumes, source_sizes)]
        definitions = [(self.backend.array_id(source), names.id_to_name(v.id))
                       for v, source in zip(volumes, sources)]
        call = self._one_call(volumes, True, 'group %s' % group.id)
        with errors.gateway_errors('Creating group %s from %s'
                                   % (group.id, what)):
            new_ids = self.gateway.snapshot_volumes(definitions,
                                                    call).volume_ids
            for new_id, (size, holds) in zip(new_ids, grow):
                self.volumes.grow_to(new_id, size, holds)
        LOG.info('Created %d volumes of group %s from %s at one point in '
                 'time.', len(volumes), group.id, what)
        return ({'status': fields.GroupStatus.AVAILABLE},
                [{'id': v.id, 'status': fields.VolumeStatus.AVAILABLE,
                  'provider_id': new_id}
                 for v, new_id in zip(volumes, new_ids)])

    def _one_call(self, volumes, clone, what):
        """The one snapshot call for all of them.

        Mirrored and erasure-coded pools take different calls, which one
        point in time cannot mix.
        """
        calls = {self.backend.snapshot_call(self.backend.pool_of(v), clone)
                 for v in volumes}
        if len(calls) > 1:
            raise exception.InvalidGroup(
                reason='%s mixes volumes of mirrored and erasure-coded '
                       'pools, which the array cannot snapshot at one '
                       'point in time' % what)
        return calls.pop()

    @staticmethod
    def _sources(volumes, sources, key):
        """The source of each new volume, in the order of ``volumes``."""
        by_id = {s.id: s for s in sources}
        found = []
        for volume in volumes:
            source_id = getattr(volume, key)
            if source_id not in by_id:
                raise exception.InvalidInput(
                    reason='volume %s: its %s %s is not among the sources'
                    % (volume.id, key, source_id))
            found.append(by_id[source_id])
        return found
