"""Managing existing array volumes and snapshots.

A reference names an array object by id (``source-id``) or by name
(``source-name``): the array name itself, or a Cinder-style name
(``volume-<uuid>``, ``_snapshot-<uuid>``, ``snapshot-<uuid>`` or a bare
``<uuid>``) meaning the name Cinder gives the object of that id. A managed
object is renamed after its new Cinder id, so later lookups by name find
it; unmanaging leaves it as it is.
"""

import dataclasses
import re

from oslo_log import log as logging

from cinder import context
from cinder.db import api as db
from cinder import exception
from cinder import objects
from cinder.volume import volume_utils
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_client import exceptions as sio
from scaleio_client import names
from scaleio_client import records

LOG = logging.getLogger(__name__)

_UUID = (r'([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
         r'[0-9a-fA-F]{12})')
# Cinder-style names: Cinder's default templates, and tempest's for
# snapshots. None fits the array's 31 characters, so none can be a real
# array name.
CINDER_NAMES = {
    'volume': re.compile(r'^(?:volume-)?%s$' % _UUID),
    'snapshot': re.compile(r'^(?:_?snapshot-)?%s$' % _UUID),
}
# Array object ids are hexadecimal (16 digits); nothing else may reach a URL.
ARRAY_ID = re.compile(r'^[0-9a-fA-F]+$')
# Ids per database query (sqlite allows 999 parameters).
QUERY_CHUNK = 500


@dataclasses.dataclass(frozen=True)
class Owner:
    """The Cinder volume or snapshot that holds (or held) an array object."""

    kind: str           # 'volume' or 'snapshot'
    cinder_id: str
    status: str
    deleted: bool       # unmanaged (or deleted) in Cinder
    size_gib: int

    @classmethod
    def of(cls, obj):
        """Of a Cinder object, or of a volume's database row."""
        if isinstance(obj, objects.Snapshot):
            return cls('snapshot', obj.id, obj.status, bool(obj.deleted),
                       obj.volume_size)
        return cls('volume', obj.id, obj.status, bool(obj.deleted),
                   obj.size)

    def describe(self):
        return 'Cinder %s %s (%s)' % (self.kind, self.cinder_id, self.status)


def kind_of(record, owner):
    """'volume' or 'snapshot': what Cinder holds (held) it as, else the array.

    A Cinder volume cloned from another is a snapshot on the array.
    """
    if owner is not None:
        return owner.kind
    return 'snapshot' if record.is_snapshot else 'volume'


def _mapped_to(record):
    """The SDCs an array object is mapped to, for messages."""
    described = []
    for info in record.raw.get('mappedSdcInfo') or ():
        label = info.get('sdcName') or info.get('sdcId')
        details = [d for d in (info.get('sdcId'), info.get('sdcIp'))
                   if d and d != label]
        described.append('%s (%s)' % (label, ', '.join(details))
                         if details else str(label))
    return ', '.join(described)


class Manage:
    """manage_existing(_snapshot), unmanage, get_manageable_*."""

    def __init__(self, backend, gateway):
        self.backend = backend
        self.gateway = gateway

    # ----------------------------------------------------------- volumes
    def manage_existing(self, volume, existing_ref):
        record, owner = self._manageable(volume, existing_ref, 'volume')
        self._adopt(volume, record, 'volume')
        return {'provider_id': record.id}

    def manage_existing_get_size(self, volume, existing_ref):
        record, owner = self._manageable(volume, existing_ref, 'volume')
        return self._managed_size(record, owner, 'volume')

    def unmanage(self, volume):
        LOG.info('Volume %s is no longer managed by Cinder; array volume %s '
                 '(named %s) is left as it is.', volume.id,
                 volume.provider_id, names.id_to_name(volume.id))

    # --------------------------------------------------------- snapshots
    def manage_existing_snapshot(self, snapshot, existing_ref):
        record, owner = self._manageable(snapshot, existing_ref, 'snapshot')
        self._adopt(snapshot, record, 'snapshot')
        return {'provider_id': record.id}

    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        record, owner = self._manageable(snapshot, existing_ref, 'snapshot')
        return self._managed_size(record, owner, 'snapshot')

    def unmanage_snapshot(self, snapshot):
        LOG.info('Snapshot %s is no longer managed by Cinder; array snapshot '
                 '%s (named %s) is left as it is.', snapshot.id,
                 snapshot.provider_id, names.id_to_name(snapshot.id))

    # ---------------------------------------------------------- listings
    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        found = self._pool_contents()
        owners = self._owners([r for _, r in found], known=cinder_volumes,
                              snapshots=False)
        entries = [self._entry(pool, r, owners.get(r.id))
                   for pool, r in found
                   if kind_of(r, owners.get(r.id)) == 'volume']
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        found = [(pool, r) for pool, r in self._pool_contents()
                 if r.is_snapshot]
        owners = self._owners([r for _, r in found], known=cinder_snapshots)
        entries = []
        for pool, record in found:
            owner = owners.get(record.id)
            if kind_of(record, owner) != 'snapshot':
                continue        # a Cinder volume made by cloning
            entry = self._entry(pool, record, owner)
            entry['source_reference'] = {'source-id': record.ancestor_id}
            entries.append(entry)
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    def _pool_contents(self):
        """[(pool name, array object)] of every configured pool."""
        found = []
        for label in sorted(self.backend.pools):
            with errors.gateway_errors(
                    'Listing the volumes of storage pool %s' % label):
                try:
                    contents = self.gateway.pool_volumes(
                        self.backend.pool(label).id)
                except sio.NotFound:
                    # The pool was re-created with a new id: the client
                    # forgot the old one, so this looks it up again.
                    contents = self.gateway.pool_volumes(
                        self.backend.pool(label).id)
            found.extend((label, record) for record in contents)
        return found

    @staticmethod
    def _entry(pool_name, record, owner):
        reasons = []
        cinder_id = None
        if owner is not None and not owner.deleted:
            cinder_id = owner.cinder_id
            reasons.append('already managed as %s' % owner.describe())
        if record.is_mapped:
            reasons.append('mapped to SDC %s' % _mapped_to(record))
        return {
            'reference': {'source-id': record.id},
            'size': record.size_gib,
            'safe_to_manage': not reasons,
            'reason_not_safe': '; '.join(reasons) or None,
            'cinder_id': cinder_id,
            'extra_info': {'name': record.name,
                           'type': record.volume_type,
                           'pool': pool_name},
        }

    # ----------------------------------------------------------- helpers
    def _manageable(self, obj, ref, kind):
        """The array object ``ref`` names, if ``obj`` may manage it.

        Returns (record, Owner or None); refuses with
        ManageExistingInvalidReference (or a type mismatch) otherwise.
        Reads only: a refusal leaves the array as it was.
        """
        record = self._lookup(ref, kind)
        what = 'array %s %s' % ('snapshot' if record.is_snapshot
                                else 'volume', record.id)
        owner = self._owners([record], snapshots=True,
                             by_provider_id=True).get(record.id)
        if (owner is not None and not owner.deleted
                and owner.cinder_id != obj.id):
            self._refuse(ref, '%s is already managed as %s'
                         % (what, owner.describe()))
        if kind_of(record, owner) != kind:
            self._refuse(ref, self._wrong_kind(what, record, owner, kind))
        if record.is_mapped:
            self._refuse(ref, '%s is mapped to SDC %s; unmap it first'
                         % (what, _mapped_to(record)))
        if kind == 'volume':
            pool_name = self._check_pool(obj, record, ref, what)
            self._check_type(obj, record, pool_name, what)
        else:
            self._check_parent(obj, record, ref, what)
        return record, owner

    @staticmethod
    def _wrong_kind(what, record, owner, kind):
        if owner is not None:
            return ('%s was %s, so it can only be managed as a %s'
                    % (what, owner.describe(), owner.kind))
        if kind == 'volume':
            return ('%s is a snapshot of array volume %s; manage it as a '
                    'snapshot of the Cinder volume that holds %s'
                    % (what, record.ancestor_id, record.ancestor_id))
        return ('%s is a volume, not a snapshot; manage it as a volume'
                % what)

    @staticmethod
    def _refuse(ref, reason):
        raise exception.ManageExistingInvalidReference(existing_ref=ref,
                                                       reason=reason)

    def _lookup(self, ref, kind):
        """The array object a reference names (refused if there is none)."""
        if not isinstance(ref, dict):
            self._refuse(ref, 'the reference must be a mapping with '
                              'source-id or source-name')
        source_id = ref.get('source-id')
        source_name = ref.get('source-name')
        if source_id is None and source_name is None:
            self._refuse(ref, 'the reference has neither source-id (the '
                              'array volume id) nor source-name')
        for key, value in (('source-id', source_id),
                           ('source-name', source_name)):
            if value is not None and (not isinstance(value, str)
                                      or not value.strip()):
                self._refuse(ref, '%s must be a non-empty string' % key)
        if source_id is not None and not ARRAY_ID.match(source_id.strip()):
            self._refuse(ref, 'source-id %r is not an array object id (16 '
                              'hexadecimal digits)' % source_id)
        array_name, meaning = None, ''
        if source_name is not None:
            array_name, meaning = self._array_name(source_name.strip(),
                                                   kind)
        with errors.gateway_errors('Looking up the volume to manage (%s)'
                                   % ref):
            if source_id is not None:
                try:
                    record = self.gateway.volume(source_id.strip())
                except sio.NotFound:
                    record = None
                if record is None:
                    self._refuse(ref, 'no array volume or snapshot has the '
                                      'id %s' % source_id)
                if array_name is not None and record.name != array_name:
                    self._refuse(ref, 'array object %s is named %s, not %s%s'
                                 % (record.id, record.name, array_name,
                                    meaning))
                return record
            record = self.gateway.find_volume(array_name)
        if record is None:
            self._refuse(ref, 'no array volume or snapshot is named %s%s'
                         % (array_name, meaning))
        return record

    @staticmethod
    def _array_name(source_name, kind):
        """(array name, explanation) for a source-name."""
        match = CINDER_NAMES[kind].match(source_name)
        if match is None:
            return source_name, ''
        cinder_id = match.group(1).lower()
        return (names.id_to_name(cinder_id),
                ' (the array name of Cinder id %s)' % cinder_id)

    def _owners(self, found, known=(), snapshots=True, by_provider_id=False):
        """{array id: Owner} for array objects Cinder holds or held.

        ``known`` are Cinder objects at hand (the listings get this
        service's own). The database answers for the rest, through the
        UUID a Cinder-made name encodes, so objects of other services and
        unmanaged ones (deleted records) are recognised too. Snapshot
        records are looked up one by one, so only with ``snapshots``;
        ``by_provider_id`` also finds live objects that kept another name
        (the in-tree driver does not rename what it manages).
        """
        by_id, by_uuid = {}, {}

        def add(obj):
            # each attribute read once: a listing reads thousands of
            # versioned objects, whose reads are not free
            owner = Owner.of(obj)
            keys = [(by_uuid, owner.cinder_id)]
            if owner.kind == 'volume':
                name_id = obj.name_id
                if name_id != owner.cinder_id:
                    keys.append((by_uuid, name_id))
            provider_id = obj.provider_id
            if provider_id:
                keys.append((by_id, provider_id))
            for table, key in keys:
                if table.get(key) is None or table[key].deleted:
                    table[key] = owner      # a live holder wins

        for obj in known:
            add(obj)
        # A live holder of the array id settles it: no name to decode.
        uuids = {r.id: names.name_to_id(r.name) for r in found
                 if by_id.get(r.id) is None or by_id[r.id].deleted}
        pending = sorted({u for i, u in uuids.items()
                          if u and i not in by_id and u not in by_uuid})
        everything = context.get_admin_context(read_deleted='yes')
        live = context.get_admin_context()
        for start in range(0, len(pending), QUERY_CHUNK):
            chunk = pending[start:start + QUERY_CHUNK]
            # Database rows, not versioned objects: building thousands of
            # those was most of a large listing's time, and an Owner
            # needs five columns.
            for row in db.volume_get_all(everything, filters={'id': chunk}):
                add(row)
            for row in db.volume_get_all(live, filters={'_name_id': chunk}):
                add(row)
        if snapshots:
            for cinder_id in pending:
                if cinder_id not in by_uuid:
                    for obj in objects.SnapshotList.get_all(
                            everything, filters={'id': cinder_id}):
                        add(obj)
        if by_provider_id:
            for record in found:
                for obj in (list(objects.VolumeList.get_all(
                        live, filters={'provider_id': record.id}))
                        + list(objects.SnapshotList.get_all(
                            live, filters={'provider_id': record.id}))):
                    add(obj)
        owners = {}
        for record in found:
            candidates = [o for o in (by_id.get(record.id),
                                      by_uuid.get(uuids.get(record.id)))
                          if o is not None]
            candidates.sort(key=lambda o: o.deleted)
            if candidates:
                owners[record.id] = candidates[0]
        return owners

    def _check_pool(self, volume, record, ref, what):
        """The volume's pool, if the array object is in it."""
        pool_name = self.backend.pool_of(volume)
        if record.storage_pool_id == self.backend.pool(pool_name).id:
            return pool_name
        ours = {self.backend.pool(n).id: n for n in self.backend.pools}
        actual = ours.get(record.storage_pool_id)
        if actual is not None:
            host = volume_utils.append_host(
                volume_utils.extract_host(volume.host, 'backend'), actual)
            hint = 'manage it on host %s' % host
        else:
            actual = 'storage pool %s' % record.storage_pool_id
            hint = ('that is not one of this backend\'s pools (%s)'
                    % ', '.join(sorted(self.backend.pools)))
        self._refuse(ref, '%s is in %s, not in %s where Cinder placed '
                          'volume %s; %s' % (what, actual, pool_name,
                                             volume.id, hint))

    def _check_type(self, volume, record, pool_name, what):
        """A provisioning the volume type asks for must be the array's.

        Only when the type says so explicitly; clones (array snapshots)
        are thin whatever the type.
        """
        extra_specs = self.backend.extra_specs(volume)
        if record.is_snapshot or not any(
                key in extra_specs for key in specs.PROVISIONING_KEYS):
            return
        try:
            kind = specs.provisioning(extra_specs, True)
        except specs.SpecError as e:
            raise exception.ManageExistingVolumeTypeMismatch(
                reason='volume %s: %s' % (volume.id, e))
        place = self.backend.placement(kind, pool_name)
        thin = record.volume_type == records.THIN
        if place.thin != thin:
            raise exception.ManageExistingVolumeTypeMismatch(
                reason='%s is %s, and the type of volume %s asks for %s '
                       'provisioning' % (what, 'thin' if thin else 'thick',
                                         volume.id, kind))

    def _check_parent(self, snapshot, record, ref, what):
        parent_id = self.backend.provider_id(snapshot.volume)
        if record.ancestor_id != parent_id:
            self._refuse(ref, '%s is a snapshot of array volume %s, not of '
                              'array volume %s (Cinder volume %s)'
                         % (what, record.ancestor_id, parent_id,
                            snapshot.volume_id))

    def _managed_size(self, record, owner, kind):
        """The size Cinder records: the array size in whole GiB.

        An object Cinder held before (unmanaged, then managed again) gets
        its old size back when the array still holds exactly what that
        size allocates: Cinder sizes need not be multiples of 8 GiB.
        """
        if owner is not None and owner.deleted and owner.kind == kind:
            try:
                allocated = specs.array_size(
                    owner.size_gib,
                    self.backend.option('scaleio_round_volume_capacity')).gib
            except specs.SpecError:
                allocated = None
            if allocated == record.size_gib:
                return owner.size_gib
        return record.size_gib

    def _adopt(self, obj, record, kind):
        """Rename the array object after its new Cinder id."""
        new_name = names.id_to_name(obj.id)
        if record.name != new_name:
            with errors.gateway_errors('Renaming array %s %s for %s %s'
                                       % (kind, record.id, kind, obj.id)):
                self.gateway.rename_volume(record.id, new_name)
        LOG.info('Cinder %s %s now manages array %s %s (was named %s, now '
                 '%s).', kind, obj.id, kind, record.id, record.name,
                 new_name)
