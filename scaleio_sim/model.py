"""The MDM: the simulated system's objects and every rule the gateway enforces.

Plain Python, no HTTP: methods take Python values (request bodies are read
in :mod:`scaleio_sim.bodies`). Every public method either succeeds
completely or raises :class:`errors.GatewayError` having changed nothing:
checks come first, then the data plane, then the records. A single lock
orders all calls, and each successful change is handed to ``store`` (if
any) before the lock is released, so concurrent clients never lose an
update.
"""

import functools
import threading
import time

from scaleio_sim import capacity
from scaleio_sim import errors
from scaleio_sim import objects

STATE_FORMAT = 1


class NullDataPlane:
    """Keeps no data: every volume reads as zeros and uses no capacity."""

    def allocated_kib(self, volume_id):
        return 0

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def mutation(method):
    """Run a model change under the lock and persist it if it succeeds."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            result = method(self, *args, **kwargs)
            self._commit()
            return result
    return wrapper


def locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    return wrapper


class Mdm:
    """One simulated ScaleIO system."""

    def __init__(self, profile, topology, dataplane=None, store=None,
                 state=None, clock=time.time):
        self.profile = profile
        self.lock = threading.RLock()
        self.dataplane = dataplane or NullDataPlane()
        self.store = None
        self.clock = clock
        self.migration_polls = topology['migration_polls']
        # The replication peer (another Mdm in this process) and the link
        # to it; see scaleio_sim.replication.
        self.peer = None
        self.link_state = None
        if state is not None:
            self._load_state(state)
        else:
            self._build(topology)
        self._check_layouts()
        self.store = store

    # ------------------------------------------------------------ building
    def _build(self, topology):
        system = topology['system']
        self.system_id = system['id']
        self.system_name = system['name']
        self.users = {u['name']: u['password'] for u in topology['users']}
        self.ids = objects.IdGenerator(self.system_id)
        self.protection_domains = {}
        self.storage_pools = {}
        self.sdcs = {}
        self.sdts = {}
        self.volumes = {}
        self.vtrees = {}
        self.peer_mdms = {}
        self.rcgs = {}
        self.pairs = {}
        for pd in topology['protection_domains']:
            pd_id = pd.get('id') or self.ids.next('ProtectionDomain')
            self.protection_domains[pd_id] = objects.ProtectionDomain(
                pd_id, pd['name'], pd.get('generation', 'Mirroring'))
            for pool in pd['storage_pools']:
                pool_id = pool.get('id') or self.ids.next('StoragePool')
                self.storage_pools[pool_id] = objects.StoragePool(
                    pool_id, pool['name'], pd_id, pool['data_layout'],
                    pool['zero_padding'],
                    pool['capacity_gib'] * objects.KIB_PER_GIB,
                    pool['spare_percentage'])
        for sdc in topology['sdcs']:
            self._add_sdc(sdc)
        if self.profile.at_least(4):
            first_pd = next(iter(self.protection_domains), None)
            for sdt in topology['sdts']:
                sdt_id = self.ids.next('Sdt')
                self.sdts[sdt_id] = objects.Sdt(
                    sdt_id, sdt['name'], list(sdt['ips']),
                    sdt['nvme_port'], first_pd)

    def _add_sdc(self, spec):
        sdc = objects.Sdc(self.ids.next('Sdc'), spec['guid'].upper(),
                          spec['name'], spec['ip'], spec.get('host_dir'),
                          spec.get('device_dir'),
                          spec.get('auto_rescan', True))
        self.sdcs[sdc.id] = sdc
        return sdc

    def _check_layouts(self):
        if not self.profile.erasure_coding:
            for pd in self.protection_domains.values():
                if pd.generation == objects.EC:
                    raise ValueError(
                        'protection domain %s is erasure-coded, which API '
                        'version %s does not have (it starts at 5.0)'
                        % (pd.name, self.profile.version))
        if self.profile.fine_granularity:
            return
        for pool in self.storage_pools.values():
            if pool.data_layout == objects.FINE:
                raise ValueError(
                    'storage pool %s is FineGranularity, which API version %s '
                    'does not have (fine granularity starts at 3.0)'
                    % (pool.name, self.profile.version))

    def _commit(self):
        if self.store is not None:
            self.store.save(self.to_state())

    def to_state(self):
        def records(table):
            return [objects.to_state(r) for r in table.values()]
        return {
            'format': STATE_FORMAT,
            'system': {'id': self.system_id, 'name': self.system_name},
            'users': dict(self.users),
            'id_counters': dict(self.ids.counters),
            'ProtectionDomain': records(self.protection_domains),
            'StoragePool': records(self.storage_pools),
            'Sdc': records(self.sdcs),
            'Sdt': records(self.sdts),
            'Volume': records(self.volumes),
            'VTree': records(self.vtrees),
            'PeerMdm': records(self.peer_mdms),
            'ReplicationConsistencyGroup': records(self.rcgs),
            'ReplicationPair': records(self.pairs),
        }

    def reload(self, state):
        """Replace the records with a saved state (a restarted gateway)."""
        with self.lock:
            if state is not None:
                self._load_state(state)

    def _load_state(self, state):
        if not isinstance(state, dict) or state.get('format') != STATE_FORMAT:
            raise ValueError('it is not a format %d simulator state'
                             % STATE_FORMAT)
        self.system_id = state['system']['id']
        self.system_name = state['system']['name']
        self.users = dict(state['users'])
        self.ids = objects.IdGenerator(self.system_id, state['id_counters'])

        def table(object_type):
            return {r['id']: objects.from_state(object_type, r)
                    for r in state.get(object_type, ())}
        self.protection_domains = table('ProtectionDomain')
        self.storage_pools = table('StoragePool')
        self.sdcs = table('Sdc')
        self.sdts = table('Sdt')
        self.volumes = table('Volume')
        self.vtrees = table('VTree')
        self.peer_mdms = table('PeerMdm')
        self.rcgs = table('ReplicationConsistencyGroup')
        self.pairs = table('ReplicationPair')

    # ------------------------------------------------------------- lookups
    TABLES = {
        'ProtectionDomain': 'protection_domains',
        'StoragePool': 'storage_pools',
        'Sdc': 'sdcs',
        'Host': 'sdcs',         # SDCs and NVMe hosts alike (4.x)
        'Sdt': 'sdts',
        'Volume': 'volumes',
        'VTree': 'vtrees',
        'PeerMdm': 'peer_mdms',
        'ReplicationConsistencyGroup': 'rcgs',
        'ReplicationPair': 'pairs',
    }

    def get(self, object_type, object_id):
        obj = None
        if isinstance(object_id, str):
            obj = getattr(self, self.TABLES[object_type]).get(object_id)
        if obj is None:
            raise errors.not_found(object_type, object_id)
        return obj

    @locked
    def list(self, object_type):
        return list(getattr(self, self.TABLES[object_type]).values())

    @locked
    def select(self, object_type, ids):
        return [self.get(object_type, i) for i in ids]

    @locked
    def volume_id_by_name(self, name):
        for v in self.volumes.values():
            if v.name == name:
                return v.id
        raise errors.not_found('Volume', name)

    @locked
    def rcg_id_by_name(self, name):
        for rcg in self.rcgs.values():
            if rcg.name == name:
                return rcg.id
        raise errors.not_found('ReplicationConsistencyGroup', name)

    @locked
    def protection_domain_id_by_name(self, name):
        for pd in self.protection_domains.values():
            if pd.name == name:
                return pd.id
        raise errors.not_found('ProtectionDomain', name)

    @locked
    def storage_pool_id_by_name(self, protection_domain_id, name):
        self.get('ProtectionDomain', protection_domain_id)
        for pool in self.storage_pools.values():
            if (pool.protection_domain_id == protection_domain_id
                    and pool.name == name):
                return pool.id
        raise errors.not_found('StoragePool', name)

    @locked
    def sdc_by_guid(self, guid):
        for sdc in self.sdcs.values():
            if sdc.guid and sdc.guid.lower() == guid.lower():
                return sdc
        raise errors.not_found('Sdc', guid)

    @locked
    def volumes_in(self, object_type, object_id):
        """Volumes related to a pool, an SDC (mapped) or a vTree."""
        self.get(object_type, object_id)
        if object_type == 'StoragePool':
            return [v for v in self.volumes.values()
                    if v.storage_pool_id == object_id]
        if object_type == 'Sdc':
            return [v for v in self.volumes.values() if v.mapping(object_id)]
        return [v for v in self.volumes.values() if v.vtree_id == object_id]

    @locked
    def pools_of(self, protection_domain_id):
        self.get('ProtectionDomain', protection_domain_id)
        return [p for p in self.storage_pools.values()
                if p.protection_domain_id == protection_domain_id]

    @locked
    def vtrees_of(self, pool_id):
        self.get('StoragePool', pool_id)
        return [t for t in self.vtrees.values()
                if t.storage_pool_id == pool_id]

    @locked
    def check_login(self, username, password):
        return username in self.users and self.users[username] == password

    # ------------------------------------------------------- statistics
    @locked
    def pool_statistics(self, pool_id):
        pool = self.get('StoragePool', pool_id)
        counters = capacity.pool_counters(
            pool, self.volumes_in('StoragePool', pool_id),
            len(self.vtrees_of(pool_id)), self.dataplane.allocated_kib)
        return capacity.pool_counters_for_version(counters, self.profile)

    @locked
    def pool_metrics(self, pool_id):
        """A pool's PowerFlex 5 capacity metrics, in bytes."""
        pool = self.get('StoragePool', pool_id)
        counters = capacity.pool_counters(
            pool, self.volumes_in('StoragePool', pool_id),
            len(self.vtrees_of(pool_id)), self.dataplane.allocated_kib)
        kib = 1024
        used = counters['netCapacityInUseInKb']
        free = counters['netUnusedCapacityInKb']
        provisioned = sum(v.size_kib for v in self.volumes_in(
            'StoragePool', pool_id) if not v.is_snapshot)
        return {'physical_total': (used + free) * kib,
                'physical_free': free * kib,
                'physical_used': used * kib,
                'logical_provisioned': provisioned * kib,
                'logical_used': used * kib}

    @locked
    def vtree_statistics(self, vtree_id):
        return capacity.vtree_counters(self.volumes_in('VTree', vtree_id),
                                       self.dataplane.allocated_kib)

    @locked
    def volume_statistics(self, volume_id):
        v = self.get('Volume', volume_id)
        used = capacity.volume_net_use_kib(v,
                                           self.dataplane.allocated_kib(v.id))
        return {'netProvisionedAddressesInKb': v.size_kib,
                'netCapacityInUseInKb': used,
                'capacityInUseInKb': 2 * used,
                'numOfMappedSdcs': len(v.mappings)}

    def _reserve_thick(self, pool, size_kib):
        free = capacity.pool_counters(
            pool, [v for v in self.volumes.values()
                   if v.storage_pool_id == pool.id],
            0, self.dataplane.allocated_kib)['netUnusedCapacityInKb']
        if size_kib > free:
            raise errors.GatewayError(
                'Insufficient capacity in storage pool %s: %d KiB requested, '
                '%d KiB free' % (pool.name, size_kib, free),
                errors.INSUFFICIENT_CAPACITY)

    # ----------------------------------------------------------- volumes
    def _check_new_name(self, name, exclude_id=None, taken=()):
        """A valid name that no volume (but exclude_id) nor taken has."""
        objects.check_name(name)
        if name in taken or any(v.name == name and v.id != exclude_id
                                for v in self.volumes.values()):
            raise errors.GatewayError(
                'A volume with the name %s already exists' % name,
                errors.NAME_IN_USE)

    @mutation
    def create_volume(self, storage_pool_id, size_kib, *,
                      volume_type=objects.THICK, compression=None,
                      name=None, protection_domain_id=None):
        pool = self.get('StoragePool', storage_pool_id)
        pd_id = protection_domain_id
        if pd_id is not None and pd_id != pool.protection_domain_id:
            self.get('ProtectionDomain', pd_id)
            raise errors.bad_request(
                'storage pool %s is not in protection domain %s'
                % (storage_pool_id, pd_id))
        if size_kib <= 0:
            raise errors.GatewayError('Volume size must be positive, got '
                                      '%d KiB' % size_kib, errors.INVALID_SIZE)
        size_kib = self.round_up_kib(pool, size_kib)
        if self.erasure_coded(pool):
            if compression is not None:
                raise errors.bad_request(
                    'compressionMethod does not apply to erasure-coded '
                    'storage pool %s' % pool.name)
        elif pool.data_layout == objects.FINE:
            if volume_type == objects.THICK:
                raise errors.GatewayError(
                    'Thick volumes cannot be created in fine-granularity '
                    'storage pool %s' % pool.name, errors.INVALID_OPERATION)
        elif compression == 'Normal':
            raise errors.GatewayError(
                'Compression requires a fine-granularity storage pool; %s '
                'is medium granularity' % pool.name, errors.INVALID_OPERATION)
        if name is not None:
            self._check_new_name(name)
        if volume_type == objects.THICK:
            self._reserve_thick(pool, size_kib)

        volume_id = self.ids.next('Volume')
        vtree = objects.VTree(self.ids.next('VTree'), pool.id, volume_id)
        self.vtrees[vtree.id] = vtree
        self.volumes[volume_id] = objects.Volume(
            volume_id, name, size_kib, volume_type, pool.id, vtree.id,
            int(self.clock()),
            compression if pool.data_layout == objects.FINE
            and compression else 'None')
        return volume_id

    def erasure_coded(self, pool):
        pd = self.protection_domains[pool.protection_domain_id]
        return pd.generation == objects.EC

    def round_up_kib(self, pool, size_kib):
        """The size a pool allocates: 8 GiB units, whole GiB if EC."""
        if self.erasure_coded(pool):
            return objects.round_up_kib(size_kib, objects.KIB_PER_GIB)
        return objects.round_up_kib(size_kib)

    @mutation
    def snapshot_volumes(self, snapshots, access_mode='ReadWrite',
                         call='snapshotVolumes'):
        """Snapshot ``(volume id, name or None)`` pairs as one group.

        ``call`` is the gateway call: ``snapshotVolumes`` for mirrored
        pools, ``createSnapshot`` or ``createThinClone`` (a writable thin
        volume) for erasure-coded ones (PowerFlex 5).
        """
        sources, names = [], []
        for volume_id, name in snapshots:
            source = self.get('Volume', volume_id)
            ec = self.erasure_coded(self.storage_pools[source.storage_pool_id])
            if ec != (call != 'snapshotVolumes'):
                raise errors.GatewayError(
                    'Volume %s is in %s storage pool: use %s' % (
                        source.id, 'an erasure-coded' if ec else 'a mirrored',
                        'createSnapshot or createThinClone' if ec
                        else 'snapshotVolumes'), errors.INVALID_OPERATION)
            sources.append(source)
            if name is not None:
                self._check_new_name(name, taken=names)
            names.append(name)
        limit = self.profile.max_snapshots_per_vtree
        new_per_tree = {}
        details = []
        for i, src in enumerate(sources):
            new_per_tree[src.vtree_id] = new_per_tree.get(src.vtree_id, 0) + 1
            existing = sum(1 for v in self.volumes.values()
                           if v.vtree_id == src.vtree_id and v.is_snapshot)
            if existing + new_per_tree[src.vtree_id] > limit:
                details.append({
                    'rc': errors.RC_TOO_MANY_SNAPS_IN_VTREE,
                    'error': 'TOO_MANY_SNAPS_IN_VTREE',
                    'errorMessage': 'vTree %s already holds %d snapshots; the '
                                    'limit is %d' % (src.vtree_id, existing,
                                                     limit)})
        if details:
            raise errors.GatewayError('Error with details', details=details)

        group_id = self.ids.next('SnapshotGroup')
        new_ids = [self.ids.next('Volume') for _ in sources]
        for src, new_id in zip(sources, new_ids):
            self.dataplane.copy(src.id, new_id)
        now = int(self.clock())
        kind = objects.THIN if call == 'createThinClone' else objects.SNAPSHOT
        for src, new_id, name in zip(sources, new_ids, names):
            self.volumes[new_id] = objects.Volume(
                new_id, name, src.size_kib, kind,
                src.storage_pool_id, src.vtree_id, now, src.compression,
                ancestor_id=src.id, access_mode_limit=access_mode,
                consistency_group_id=group_id)
        return {'volumeIdList': new_ids, 'snapshotGroupId': group_id}

    def _descendants(self, volume):
        children = {}
        for v in self.volumes.values():
            if v.ancestor_id:
                children.setdefault(v.ancestor_id, []).append(v)
        found, todo = [], list(children.get(volume.id, []))
        while todo:
            v = todo.pop()
            found.append(v)
            todo.extend(children.get(v.id, []))
        return found

    @mutation
    def remove_volume(self, volume_id, mode):
        volume = self.get('Volume', volume_id)
        if mode == 'ONLY_ME':
            targets = [volume]
        elif mode == 'INCLUDING_DESCENDANTS':
            targets = [volume] + self._descendants(volume)
        elif mode == 'DESCENDANTS_ONLY':
            targets = self._descendants(volume)
        else:
            targets = [v for v in self.volumes.values()
                       if v.vtree_id == volume.vtree_id]
        for v in targets:
            if v.mappings:
                raise errors.GatewayError(
                    'Volume %s is mapped to %d SDC(s); unmap it before '
                    'removing it' % (v.id, len(v.mappings)),
                    errors.VOLUME_IS_MAPPED)
            pair = self.pair_of(v.id)
            if pair is not None:
                raise errors.GatewayError(
                    'Volume %s is in replication pair %s; remove the pair '
                    'first' % (v.id, pair.id), errors.INVALID_OPERATION)
        vtree = self.vtrees[volume.vtree_id]
        if vtree.migration is not None:
            raise errors.GatewayError(
                'vTree %s is being migrated' % vtree.id,
                errors.INVALID_OPERATION)

        doomed = {v.id for v in targets}
        for v in targets:
            self.dataplane.remove(v.id)
        for v in self.volumes.values():
            # A survivor whose ancestor goes hangs under the nearest survivor.
            while v.ancestor_id in doomed:
                v.ancestor_id = self.volumes[v.ancestor_id].ancestor_id
        for v in targets:
            del self.volumes[v.id]
        if vtree.base_volume_id in doomed:
            vtree.base_volume_id = None
        if not any(v.vtree_id == vtree.id for v in self.volumes.values()):
            del self.vtrees[vtree.id]

    @mutation
    def set_volume_size(self, volume_id, size_gib):
        volume = self.get('Volume', volume_id)
        new_kib = self.round_up_kib(self.storage_pools[volume.storage_pool_id],
                                    size_gib * objects.KIB_PER_GIB)
        if size_gib <= 0 or new_kib <= volume.size_kib:
            raise errors.GatewayError(
                'Volume %s cannot be extended to %s GB: the new size must be '
                'larger than the current %d GB'
                % (volume.id, size_gib,
                   volume.size_kib // objects.KIB_PER_GIB),
                errors.CANNOT_EXTEND)
        if volume.volume_type == objects.THICK:
            self._reserve_thick(self.storage_pools[volume.storage_pool_id],
                                new_kib - volume.size_kib)
        self.dataplane.resize(volume.id, new_kib)
        volume.size_kib = new_kib

    @mutation
    def set_volume_name(self, volume_id, name):
        volume = self.get('Volume', volume_id)
        self._check_new_name(name, exclude_id=volume.id)
        volume.name = name

    def pair_of(self, volume_id):
        """The replication pair a volume of this system is in, or None."""
        for pair in self.pairs.values():
            if pair.local_volume_id == volume_id:
                return pair
        return None

    def replica_is_passive(self, volume_id):
        """True for a destination volume whose RCG has not failed over.

        Its content is the copy the source side sends: it takes no
        writes, so it can only be mapped read-only.
        """
        pair = self.pair_of(volume_id)
        if pair is None:
            return False
        rcg = self.rcgs[pair.rcg_id]
        return rcg.source == rcg.failed_over

    # ----------------------------------------------------------- mapping
    def _mapping(self, volume, sdc):
        """The volume's mapping to the SDC; none is the gateway's error."""
        mapping = volume.mapping(sdc.id)
        if mapping is None:
            raise errors.GatewayError(
                'The volume is not mapped to SDC %s' % sdc.id,
                self.profile.not_mapped_code)
        return mapping

    def _target_sdcs(self, sdc_id, guid):
        """[the SDC sdc_id or guid names], or None for every SDC."""
        if sdc_id is not None:
            return [self.get('Sdc', sdc_id)]
        if guid is not None:
            return [self.sdc_by_guid(guid)]
        return None

    @mutation
    def add_mapped_sdc(self, volume_id, sdc_id=None, *, guid=None,
                       allow_multiple=False, access_mode='ReadWrite'):
        """Map to the SDC ``sdc_id`` or ``guid``; with neither, to all."""
        volume = self.get('Volume', volume_id)
        sdcs = self._target_sdcs(sdc_id, guid)
        if access_mode == 'ReadWrite' and (
                volume.access_mode_limit == 'ReadOnly'
                or self.replica_is_passive(volume.id)):
            raise errors.GatewayError(
                'Volume %s is read-only and cannot be mapped for writing'
                % volume.id, errors.INVALID_OPERATION)
        if sdcs is None:
            sdcs = [s for s in self.sdcs.values() if not volume.mapping(s.id)]
            allow_multiple = True
        for sdc in sdcs:
            if volume.mapping(sdc.id):
                raise errors.GatewayError(
                    'The volume is already mapped to SDC %s' % sdc.id,
                    self.profile.already_mapped_code)
        if (volume.mappings or len(sdcs) > 1) and not allow_multiple:
            raise errors.GatewayError(
                'Volume %s is already mapped to another SDC and '
                'allowMultipleMappings is not set' % volume.id,
                errors.SINGLE_MAPPING_ONLY)
        for sdc in sdcs:
            self.dataplane.link(volume, sdc, self.system_id)
            volume.mappings.append(objects.Mapping(sdc.id, access_mode))

    @mutation
    def remove_mapped_sdc(self, volume_id, sdc_id=None, *, guid=None):
        """Unmap from the SDC ``sdc_id`` or ``guid``; with neither, all."""
        volume = self.get('Volume', volume_id)
        sdcs = self._target_sdcs(sdc_id, guid)
        if sdcs is None:
            if not volume.mappings:
                raise errors.GatewayError(
                    'Volume %s is not mapped' % volume.id,
                    self.profile.not_mapped_code)
            sdcs = [self.sdcs[m.sdc_id] for m in volume.mappings]
        mappings = [self._mapping(volume, sdc) for sdc in sdcs]
        for sdc, mapping in zip(sdcs, mappings):
            self.dataplane.unlink(volume, sdc, self.system_id)
            volume.mappings.remove(mapping)

    @mutation
    def set_mapped_sdc_limits(self, volume_id, sdc_id=None, *, guid=None,
                              iops_limit=None, bandwidth_limit_kbps=None):
        """Set the limits given (None: unchanged) on one SDC's mapping."""
        volume = self.get('Volume', volume_id)
        sdc, = self._target_sdcs(sdc_id, guid)
        mapping = self._mapping(volume, sdc)
        if iops_limit is not None and iops_limit < 0:
            raise errors.GatewayError(
                'iopsLimit %d is negative' % iops_limit, errors.INVALID_LIMIT)
        # Cinder rounds bandwidth up to a multiple of 1024 KB/s before
        # sending it: the gateway takes whole MB/s only.
        if bandwidth_limit_kbps is not None and (
                bandwidth_limit_kbps < 0 or bandwidth_limit_kbps % 1024):
            raise errors.GatewayError(
                'bandwidthLimitInKbps %d must be a non-negative multiple '
                'of 1024' % bandwidth_limit_kbps, errors.INVALID_LIMIT)
        if iops_limit is not None:
            mapping.limit_iops = iops_limit
        if bandwidth_limit_kbps is not None:
            mapping.limit_bw_kbps = bandwidth_limit_kbps

    # ------------------------------------------------- revert, migration
    @mutation
    def overwrite_volume_content(self, volume_id, source_id):
        volume = self.get('Volume', volume_id)
        src = self.get('Volume', source_id)
        if src.vtree_id != volume.vtree_id:
            raise errors.GatewayError(
                'Volume %s is not in the vTree of volume %s'
                % (src.id, volume.id), errors.INVALID_OPERATION)
        if src.size_kib != volume.size_kib:
            raise errors.GatewayError(
                'Volume %s (%d KiB) and volume %s (%d KiB) differ in size'
                % (src.id, src.size_kib, volume.id, volume.size_kib),
                errors.INVALID_OPERATION)
        if src.id != volume.id:
            self.dataplane.overwrite(volume.id, src.id)

    @mutation
    def migrate_vtree(self, volume_id, destination_pool_id, *,
                      conversion='NoConversion', compression=None):
        volume = self.get('Volume', volume_id)
        vtree = self.vtrees[volume.vtree_id]
        dest = self.get('StoragePool', destination_pool_id)
        if vtree.migration is not None:
            raise errors.GatewayError(
                'vTree %s is already being migrated' % vtree.id,
                errors.MIGRATION_IN_PROGRESS)
        if vtree.storage_pool_id == dest.id:
            raise errors.GatewayError(
                'vTree %s is already in storage pool %s'
                % (vtree.id, dest.id), errors.ALREADY_IN_DESTINATION)
        members = [v for v in self.volumes.values()
                   if v.vtree_id == vtree.id]
        thick_after = [
            v for v in members
            if conversion == 'ThinToThick' and v.volume_type == objects.THIN
            or conversion == 'NoConversion' and v.volume_type == objects.THICK]
        if dest.data_layout == objects.FINE and thick_after:
            raise errors.GatewayError(
                'Fine-granularity storage pool %s cannot hold thick volumes'
                % dest.name, errors.INVALID_OPERATION)
        if compression == 'Normal' and dest.data_layout != objects.FINE:
            raise errors.GatewayError(
                'Compression requires a fine-granularity storage pool; %s '
                'is medium granularity' % dest.name, errors.INVALID_OPERATION)
        self._reserve_thick(dest, sum(v.size_kib for v in thick_after))
        vtree.migration = objects.Migration(
            vtree.storage_pool_id, dest.id, conversion,
            compression or 'None', self.migration_polls)
        if self.migration_polls == 0:
            self._finish_migration(vtree)

    def _finish_migration(self, vtree):
        m = vtree.migration
        for v in self.volumes.values():
            if v.vtree_id != vtree.id:
                continue
            v.storage_pool_id = m.destination_pool_id
            conversion = (m.conversion, v.volume_type)
            if conversion == ('ThickToThin', objects.THICK):
                v.volume_type = objects.THIN
            elif conversion == ('ThinToThick', objects.THIN):
                v.volume_type = objects.THICK
            dest = self.storage_pools[m.destination_pool_id]
            v.compression = (m.compression if dest.data_layout == objects.FINE
                             else 'None')
        vtree.storage_pool_id = m.destination_pool_id
        vtree.migration = None

    @locked
    def poll_vtree(self, vtree_id):
        """A client reads the vTree, which advances its migration.

        A migration reads ``InMigration`` ``migration_polls`` times and has
        finished at the next read.
        """
        vtree = self.get('VTree', vtree_id)
        m = vtree.migration
        if m is not None and m.pause_reason is None:
            if m.polls_left > 0:
                m.polls_left -= 1
            else:
                self._finish_migration(vtree)
            self._commit()
        return vtree

    @mutation
    def pause_migration(self, vtree_id, reason):
        vtree = self.get('VTree', vtree_id)
        if vtree.migration is None:
            raise errors.GatewayError('vTree %s is not being migrated'
                                      % vtree_id, errors.INVALID_OPERATION)
        vtree.migration.pause_reason = reason

    # -------------------------------------------------------------- SDCs
    @mutation
    @mutation
    def create_host(self, nqn, name, max_paths=None, max_ports=None):
        """An NVMe/TCP host (4.x): unique NQN (any case) and name."""
        objects.check_name(name)
        for host in self.sdcs.values():
            if host.nqn is not None and host.nqn.lower() == nqn.lower():
                raise errors.GatewayError(
                    'A host with NQN %s already exists (%s)' % (nqn,
                                                                host.id),
                    errors.NQN_IN_USE)
            if host.name == name:
                raise errors.GatewayError(
                    'A host named %s already exists' % name,
                    errors.NAME_IN_USE)
        host = objects.Sdc(self.ids.next('Sdc'), None, name, None, nqn=nqn)
        self.sdcs[host.id] = host
        return host.id

    @mutation
    def remove_host(self, host_id):
        host = self.get('Host', host_id)
        if not host.nvme:
            raise errors.GatewayError(
                'Host %s is an SDC; only NVMe hosts are removed this way'
                % host.id, errors.INVALID_OPERATION)
        mapped = [v.id for v in self.volumes.values() if v.mapping(host.id)]
        if mapped:
            raise errors.GatewayError(
                'Host %s still has %d mapped volume(s); unmap them first'
                % (host.id, len(mapped)), errors.INVALID_OPERATION)
        del self.sdcs[host.id]

    def add_sdc(self, spec):
        for sdc in self.sdcs.values():
            if sdc.guid == spec['guid'].upper() or sdc.name == spec['name']:
                raise errors.GatewayError(
                    'An SDC with GUID %s or name %s already exists'
                    % (spec['guid'], spec['name']), errors.NAME_IN_USE)
        return self._add_sdc(spec)
