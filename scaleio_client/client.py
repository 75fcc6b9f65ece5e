"""Typed gateway operations: what the Cinder driver and the connector call.

Each method is one gateway request in the steady state (lookups of domain,
pool, system and SDC ids are cached and dropped on a not-found answer), is
safe to repeat where the gateway allows it, and returns records rather
than raw dicts. Creates whose answer is lost are checked by name before
they are sent again, so a retry never makes a duplicate.
"""

import contextlib
import logging
import threading
import time

from scaleio_client import capacity
from scaleio_client import config as config_mod
from scaleio_client import exceptions
from scaleio_client import names
from scaleio_client import records
from scaleio_client import sizes
from scaleio_client import transport as transport_mod
from scaleio_client import versions

LOG = logging.getLogger(__name__)

# What an answer must look like, checked before anything reads it.
SHAPES = {
    'object': ('a JSON object with an id',
               lambda a: isinstance(a, dict) and isinstance(a.get('id'),
                                                            str)),
    'objects': ('a list of JSON objects with ids',
                lambda a: isinstance(a, list) and all(
                    isinstance(i, dict) and isinstance(i.get('id'), str)
                    for i in a)),
    'mapping': ('a JSON object', lambda a: isinstance(a, dict)),
    'id': ('an object id string or nothing',
           lambda a: a is None or isinstance(a, str)),
    'any': ('anything', lambda a: True),
}

# Not-found codes that are about the volume, not the SDC or pool named.
VOLUME_NOT_FOUND_CODES = (78, 79)

REMOVE_MODES = ('ONLY_ME', 'INCLUDING_DESCENDANTS', 'DESCENDANTS_ONLY',
                'WHOLE_VTREE')
CONVERSIONS = ('NoConversion', 'ThickToThin', 'ThinToThick')
SNAPSHOT_CALLS = ('snapshotVolumes', 'createSnapshot', 'createThinClone')
# PowerFlex 5's capacity metrics, outside /api.
METRICS_PATH = '/dtapi/rest/v1/metrics/query'
METRICS = ('physical_total', 'physical_free', 'logical_provisioned')


class TtlCache:
    """A small thread-safe cache whose entries expire."""

    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self.lock = threading.Lock()
        self.entries = {}

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            value, expires = entry
            if self.clock() >= expires:
                del self.entries[key]
                return None
            return value

    def put(self, key, value):
        with self.lock:
            self.entries[key] = (value, self.clock() + self.ttl)

    def drop(self, key):
        with self.lock:
            self.entries.pop(key, None)

    def drop_value(self, value):
        """Forget every entry that resolves to ``value`` (a stale id)."""
        with self.lock:
            for key in [k for k, (v, _) in self.entries.items()
                        if v == value]:
                del self.entries[key]


class ScaleIOClient:
    """One gateway's operations. Thread-safe; share one per gateway."""

    def __init__(self, config, transport=None, cache_ttl=300.0,
                 clock=time.monotonic):
        if not isinstance(config, config_mod.GatewayConfig):
            raise TypeError('config must be a GatewayConfig')
        self.config = config
        self.transport = transport or transport_mod.Transport(config)
        self.cache = TtlCache(cache_ttl, clock)
        self._version = None
        self._thin_allocated = None

    @property
    def stats(self):
        return self.transport.stats

    def close(self):
        self.transport.logout()
        self.transport.session.close()

    def _get(self, path, shape):
        return self._checked(self.transport.request('GET', path), shape,
                             'GET', path)

    def _post(self, path, body=None, idempotent=False, shape='any'):
        return self._checked(
            self.transport.request('POST', path, body or {}, idempotent),
            shape, 'POST', path)

    def _act(self, path, body):
        """A POST action whose answer carries nothing but its success.

        The 200 status is the whole answer: a garbled body after it (a
        proxy cutting the answer short) does not make the change undone,
        so it is not reported as a failure.
        """
        try:
            self._post(path, body, idempotent=True)
        except exceptions.ProtocolError as e:
            if e.status != 200:
                raise
            LOG.warning('%s succeeded but its answer was unreadable (%s).',
                        path, e.message)

    def _query(self, path, body, shape):
        """A POST that only reads: safe to repeat."""
        return self._post(path, body, idempotent=True, shape=shape)

    @staticmethod
    def _checked(answer, shape, method, path):
        description, valid = SHAPES[shape]
        if not valid(answer):
            raise exceptions.ProtocolError(
                'the answer is not %s but %.80r' % (description, answer),
                method, path, 200)
        return answer

    @contextlib.contextmanager
    def _invalidating(self, *ids):
        """On a not-found answer about these (cached) ids, forget them."""
        try:
            yield
        except exceptions.NotFound as e:
            if e.error_code not in VOLUME_NOT_FOUND_CODES:
                for object_id in ids:
                    self.cache.drop_value(object_id)
            raise

    def _cached(self, key, load):
        value = self.cache.get(key)
        if value is None:
            value = load()
            self.cache.put(key, value)
        return value

    # -------------------------------------------------------------- system
    @property
    def version(self):
        """The gateway API version, read once."""
        if self._version is None:
            self._version = versions.ApiVersion(
                self._get('/version', 'any'))
        return self._version

    def system(self):
        systems = self._get('/types/System/instances', 'objects')
        if not systems:
            raise exceptions.ProtocolError('the gateway lists no system',
                                           'GET', '/types/System/instances')
        return systems[0]

    def system_id(self):
        return self._cached(('system',), lambda: self.system()['id'])

    # ------------------------------------------------------ domains, pools
    def protection_domain_id(self, name):
        """The id of the protection domain with this name (cached)."""
        def load():
            pd_id = self._get('/types/Domain/instances/getByName::%s'
                              % names.quote(name), 'id')
            if not pd_id:
                raise exceptions.NotFound(
                    'protection domain %r not found' % name)
            return pd_id
        return self._cached(('pd', name), load)

    def protection_domain(self, pd_id):
        with self._invalidating(pd_id):
            return records.ProtectionDomain.from_api(self._get(
                '/instances/ProtectionDomain::%s' % pd_id, 'object'))

    def protection_domains(self, pd_ids):
        found = self._query(
            '/types/ProtectionDomain/instances/action/queryBySelectedIds',
            {'ids': list(pd_ids)}, 'objects')
        return [records.ProtectionDomain.from_api(d) for d in found]

    def storage_pool_id(self, domain_name, pool_name):
        """The id of pool ``pool_name`` in domain ``domain_name`` (cached)."""
        def load():
            pd_id = self.protection_domain_id(domain_name)
            try:
                pool_id = self._get(
                    '/types/Pool/instances/getByName::%s,%s'
                    % (pd_id, names.quote(pool_name)), 'id')
            except exceptions.NotFound:
                # The domain may have gone and come back with a new id.
                self.cache.drop(('pd', domain_name))
                raise
            if not pool_id:
                raise exceptions.NotFound(
                    'storage pool %r not found in protection domain %r'
                    % (pool_name, domain_name))
            return pool_id
        return self._cached(('pool', domain_name, pool_name), load)

    def storage_pool(self, pool_id):
        with self._invalidating(pool_id):
            return records.StoragePool.from_api(
                self._get('/instances/StoragePool::%s' % pool_id, 'object'))

    def pool_volumes(self, pool_id):
        """Every volume and snapshot in a pool (for manageable listings)."""
        with self._invalidating(pool_id):
            return [records.Volume.from_api(v) for v in self._get(
                '/instances/StoragePool::%s/relationships/Volume' % pool_id,
                'objects')]

    # ------------------------------------------------------------ volumes
    def volume(self, volume_id):
        return records.Volume.from_api(
            self._get('/instances/Volume::%s' % volume_id, 'object'))

    def volumes(self, volume_ids):
        found = self._query(
            '/types/Volume/instances/action/queryBySelectedIds',
            {'ids': list(volume_ids)}, 'objects')
        return [records.Volume.from_api(v) for v in found]

    def volume_id_by_name(self, name):
        """The id of the volume with this name, or None."""
        try:
            volume_id = self._get('/types/Volume/instances/getByName::%s'
                                  % names.quote(name, times=2), 'id')
        except exceptions.NotFound:
            return None
        return volume_id or None

    def find_volume(self, name):
        volume_id = self.volume_id_by_name(name)
        if volume_id is None:
            return None
        try:
            return self.volume(volume_id)
        except exceptions.NotFound:
            return None

    def create_volume(self, name, pool_id, size_kib, thin=True,
                      compression=None, protection_domain_id=None):
        """Create a volume; return its id. The gateway rounds the size up."""
        body = {'storagePoolId': pool_id, 'name': name,
                'volumeType': records.THIN if thin else records.THICK,
                'volumeSizeInKb': str(int(size_kib))}
        if protection_domain_id:
            body['protectionDomainId'] = protection_domain_id
        if compression is not None:
            body['compressionMethod'] = compression

        def send():
            with self._invalidating(pool_id, protection_domain_id):
                return self._post('/types/Volume/instances', body,
                                  shape='object')['id']

        def find():
            found = self.find_volume(name)
            return found.id if found else None
        return self._create_once(send, find, 'volume %s' % name)

    def _create_once(self, send, find, what):
        """Send a create; if its answer is lost, look before sending again."""
        attempts = self.config.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return send()
            except exceptions.NameInUse:
                if attempt == 1:
                    raise
                # An earlier attempt did arrive after all.
                found = find()
                if found is None:
                    raise
                return found
            except exceptions.ProtocolError as e:
                # An unreadable answer after the change: like a lost one,
                # except that asking again is no cure.
                found = find()
                if found is None:
                    raise
                LOG.info('The answer to creating %s was unreadable (%s); '
                         'it was created.', what, e.message)
                return found
            except exceptions.TransportError as e:
                if attempt == attempts:
                    raise
                found = find()
                if found is not None:
                    LOG.info('The answer to creating %s was lost (%s); it '
                             'was created.', what, e)
                    return found
                LOG.warning('Creating %s failed (%s); it does not exist, '
                            'trying again.', what, e)
                self.transport.sleep(min(self.config.retry_backoff
                                         * 2 ** (attempt - 1),
                                         self.config.retry_backoff_max))

    def delete_volume(self, volume_id, mode='ONLY_ME'):
        """Unmap a volume from every SDC and remove it.

        What the mode removes along with it is unmapped too. Returns False
        if the volume was already gone (deleting twice is fine).
        """
        if mode not in REMOVE_MODES:
            raise ValueError('remove mode %r is not one of %s'
                             % (mode, ', '.join(REMOVE_MODES)))
        try:
            volume = self.volume(volume_id)
        except exceptions.NotFound:
            return False
        doomed = [volume]
        if mode != 'ONLY_ME':
            doomed = self._removed_with(volume, mode)
        for v in doomed:
            if v.is_mapped:
                self.unmap_volume_from_all(v.id)
        try:
            self._act('/instances/Volume::%s/action/removeVolume'
                      % volume_id, {'removeMode': mode})
        except exceptions.NotFound:
            return False
        return True

    def _removed_with(self, volume, mode):
        """The volumes a remove mode takes away, from the vTree listing."""
        members = self.vtree_volumes(volume.vtree_id)
        if mode == 'WHOLE_VTREE':
            return members
        children = {}
        for v in members:
            children.setdefault(v.ancestor_id, []).append(v)
        found, todo = [], list(children.get(volume.id, ()))
        while todo:
            v = todo.pop()
            found.append(v)
            todo.extend(children.get(v.id, ()))
        return found if mode == 'DESCENDANTS_ONLY' else [volume] + found

    def extend_volume(self, volume_id, size_gib):
        """Grow a volume to ``size_gib`` (the gateway rounds up to 8 GiB).

        A repeated call finds the work done: the volume already has the
        rounded size. A shrink or anything else is refused (CannotExtend).
        """
        self._set_size(volume_id, size_gib, lambda now, want: now == want)

    def grow_volume(self, volume_id, size_gib):
        """Make a volume hold at least ``size_gib``: one request.

        A volume that already holds as much or more (grown behind its
        owner's back, or cloned from a larger source) is left as it is;
        only then, on the gateway's refusal, is the volume read.
        """
        self._set_size(volume_id, size_gib, lambda now, want: now >= want)

    def _set_size(self, volume_id, size_gib, done):
        try:
            self._act('/instances/Volume::%s/action/setVolumeSize'
                      % volume_id, {'sizeInGB': str(int(size_gib))})
        except exceptions.CannotExtend:
            if not done(self.volume(volume_id).size_gib,
                        sizes.round_up_gib(size_gib)):
                raise

    def rename_volume(self, volume_id, new_name):
        try:
            self._act('/instances/Volume::%s/action/setVolumeName'
                      % volume_id, {'newName': new_name})
        except exceptions.NameInUse:
            if self.volume(volume_id).name != new_name:
                raise

    def revert_volume(self, volume_id, snapshot_id):
        """Give a volume the content of one of its snapshots (3.0+)."""
        if not self.version.revert:
            raise exceptions.GatewayError(
                'reverting to a snapshot needs gateway API 3.0 or later; '
                'this gateway is %s' % self.version)
        self._act('/instances/Volume::%s/action/overwriteVolumeContent'
                  % volume_id, {'srcVolumeId': snapshot_id})

    # ---------------------------------------------------------- snapshots
    def snapshot_volumes(self, definitions, call='snapshotVolumes'):
        """Snapshot several volumes at one point in time.

        ``definitions`` is a list of ``(volume_id, snapshot_name)``; the
        answer lists the new ids in the same order. ``call`` is
        ``snapshotVolumes``, or on PowerFlex 5 erasure-coded pools
        ``createSnapshot`` (snapshots) or ``createThinClone`` (volumes).
        """
        if call not in SNAPSHOT_CALLS:
            raise ValueError('call %r is not one of %s'
                             % (call, ', '.join(SNAPSHOT_CALLS)))
        definitions = list(definitions)
        if not definitions:
            raise ValueError('nothing to snapshot')
        body = {'snapshotDefs': [{'volumeId': v, 'snapshotName': n}
                                 for v, n in definitions]}
        path = '/instances/System/action/' + call

        def send():
            answer = self._post(path, body, shape='mapping')
            ids = answer.get('volumeIdList')
            if (not isinstance(ids, list) or len(ids) != len(definitions)
                    or not all(isinstance(i, str) for i in ids)):
                raise exceptions.ProtocolError(
                    'the answer lists %r, not %d new volume ids'
                    % (ids, len(definitions)), 'POST', path, 200)
            return records.SnapshotGroup(tuple(answer['volumeIdList']),
                                         answer.get('snapshotGroupId'))

        def find():
            found = [self.find_volume(n) for _, n in definitions]
            if not all(found):
                return None     # the call is atomic: all or nothing
            return records.SnapshotGroup(tuple(v.id for v in found),
                                         found[0].consistency_group_id)
        return self._create_once(send, find, 'snapshots %s' % ', '.join(
            n for _, n in definitions))

    # ------------------------------------------------------------ mapping
    def sdcs(self):
        return [records.Sdc.from_api(s)
                for s in self._get('/types/Sdc/instances', 'objects')]

    def sdc(self, sdc_id):
        with self._invalidating(sdc_id):
            return records.Sdc.from_api(
                self._get('/instances/Sdc::%s' % sdc_id, 'object'))

    def sdc_id(self, guid):
        """The id of the SDC with this GUID.

        Cached: one listing fills the cache for every SDC, so attaches on a
        system with thousands of SDCs do not list them each time.
        """
        key = ('sdc', guid.lower())
        sdc_id = self.cache.get(key)
        if sdc_id is None:
            for sdc in self.sdcs():
                if sdc.guid:
                    self.cache.put(('sdc', sdc.guid.lower()), sdc.id)
            sdc_id = self.cache.get(key)
        if sdc_id is None:
            raise exceptions.NotFound('no SDC has the GUID %s' % guid)
        return sdc_id

    @staticmethod
    def _sdc_key(sdc_id, guid):
        """The body naming an SDC by id or, on legacy paths, by GUID."""
        if (sdc_id is None) == (guid is None):
            raise ValueError('give exactly one of sdc_id and guid')
        return {'sdcId': sdc_id} if sdc_id is not None else {'guid': guid}

    def map_volume(self, volume_id, sdc_id=None, allow_multiple=True,
                   access_mode=None, guid=None):
        """Map a volume to an SDC; False if it already was."""
        body = self._sdc_key(sdc_id, guid)
        body['allowMultipleMappings'] = 'True' if allow_multiple else 'False'
        if access_mode:
            body['accessMode'] = access_mode
        try:
            with self._invalidating(sdc_id):
                self._act('/instances/Volume::%s/action/addMappedSdc'
                          % volume_id, body)
        except exceptions.AlreadyMapped:
            return False
        return True

    def unmap_volume(self, volume_id, sdc_id=None, guid=None):
        """Unmap a volume from an SDC; False if it was not mapped."""
        try:
            with self._invalidating(sdc_id):
                self._act('/instances/Volume::%s/action/removeMappedSdc'
                          % volume_id, self._sdc_key(sdc_id, guid))
        except exceptions.NotMapped:
            return False
        return True

    def unmap_volume_from_all(self, volume_id):
        """Unmap a volume from every SDC; False if it was not mapped."""
        try:
            self._act('/instances/Volume::%s/action/removeMappedSdc'
                      % volume_id, {'allSdcs': ''})
        except exceptions.NotMapped:
            return False
        return True

    def set_mapping_limits(self, volume_id, sdc_id=None, iops=None,
                           bandwidth_kbps=None, guid=None):
        """Per-mapping QoS; 0 means unlimited, None leaves a limit as is."""
        body = self._sdc_key(sdc_id, guid)
        if iops is not None:
            body['iopsLimit'] = str(int(iops))
        if bandwidth_kbps is not None:
            body['bandwidthLimitInKbps'] = str(int(bandwidth_kbps))
        if len(body) == 1:
            raise ValueError('give iops or bandwidth_kbps')
        with self._invalidating(sdc_id):
            self._act('/instances/Volume::%s/action/setMappedSdcLimits'
                      % volume_id, body)

    # ----------------------------------------------- statistics, migration
    def pool_capacities(self, pool_ids):
        """Capacity of several pools in one request: {pool id: capacity}."""
        pool_ids = list(pool_ids)
        if not pool_ids:
            return {}
        version = self.version
        thin = self._thin_allocated_property(pool_ids[0])
        answer = self._query(
            '/types/StoragePool/instances/action/querySelectedStatistics',
            {'ids': pool_ids,
             'properties': capacity.properties(version, thin)}, 'mapping')
        result = {}
        for pool_id in pool_ids:
            counters = answer.get(pool_id)
            if counters is None and len(answer) == 1:
                counters = next(iter(answer.values()))
            if counters is None:
                raise exceptions.ProtocolError(
                    'no statistics for pool %s in the answer' % pool_id)
            result[pool_id] = capacity.pool_capacity(pool_id, counters,
                                                     version)
        return result

    def pool_metrics_capacities(self, pool_ids):
        """Capacity of PowerFlex 5 erasure-coded pools: {pool id: capacity}.

        One dtapi metrics query for all of them.
        """
        pool_ids = list(pool_ids)
        if not pool_ids:
            return {}
        answer = self._query(METRICS_PATH, {
            'resource_type': 'storage_pool', 'ids': pool_ids,
            'metrics': list(METRICS)}, 'mapping')
        found = {}
        for resource in answer.get('resources') or ():
            values = {m.get('name'): (m.get('values') or [0])[0]
                      for m in resource.get('metrics') or ()}
            found[resource.get('id')] = values
        if len(found) == 1 and len(pool_ids) == 1:
            found = {pool_ids[0]: next(iter(found.values()))}
        result = {}
        for pool_id in pool_ids:
            if pool_id not in found:
                raise exceptions.ProtocolError(
                    'no metrics for pool %s in the answer' % pool_id,
                    'POST', METRICS_PATH, 200)
            result[pool_id] = capacity.metrics_capacity(pool_id,
                                                        found[pool_id])
        return result

    def _thin_allocated_property(self, pool_id):
        """Which name this gateway gives thin allocation (2.x typo probe)."""
        if self._thin_allocated is None:
            name = capacity.THIN_ALLOCATED
            if self.version.may_misspell_thin_allocated:
                try:
                    self._query('/types/StoragePool/instances/action/'
                                'querySelectedStatistics',
                                {'ids': [pool_id], 'properties': [name]},
                                'mapping')
                except exceptions.NotFound:
                    raise       # about the pool, not the counter's name
                except exceptions.GatewayError:
                    name = capacity.THIN_ALLOCATED_TYPO
            self._thin_allocated = name
        return self._thin_allocated

    def pool_counters(self, pool_id):
        """Every statistics counter of a pool, as the gateway names them."""
        return self._get('/instances/StoragePool::%s/relationships/Statistics'
                         % pool_id, 'mapping')

    def vtree(self, vtree_id):
        return records.VTree.from_api(
            self._get('/instances/VTree::%s' % vtree_id, 'object'))

    def vtree_volumes(self, vtree_id):
        return [records.Volume.from_api(v) for v in self._get(
            '/instances/VTree::%s/relationships/Volume' % vtree_id,
            'objects')]

    def vtree_volume_count(self, vtree_id):
        stats = self._get('/instances/VTree::%s/relationships/Statistics'
                          % vtree_id, 'mapping')
        return int(stats.get('numOfVolumes') or 0)

    def migrate_vtree(self, volume_id, pool_id, conversion='NoConversion',
                      compression=None, allow_during_rebuild=False):
        """Start moving a volume's vTree to another pool (3.0+).

        Returns 'started', 'in progress' (717) or 'done' (718: already
        there). Poll :meth:`vtree` for the outcome.
        """
        if not self.version.migration:
            raise exceptions.GatewayError(
                'vTree migration needs gateway API 3.0 or later; this '
                'gateway is %s' % self.version)
        if conversion not in CONVERSIONS:
            raise ValueError('conversion %r is not one of %s'
                             % (conversion, ', '.join(CONVERSIONS)))
        body = {'destSPId': pool_id, 'volTypeConversion': conversion,
                'allowDuringRebuild': str(bool(allow_during_rebuild))}
        if compression is not None:
            body['compressionMethod'] = compression
        try:
            self._act('/instances/Volume::%s/action/migrateVTree'
                      % volume_id, body)
        except exceptions.MigrationInProgress:
            return 'in progress'
        except exceptions.AlreadyInPool:
            return 'done'
        return 'started'

    # ------------------------------------------------------- replication
    def replication_group_id(self, name):
        """The id of the RCG with this name, or None (cached)."""
        key = ('rcg', name)
        rcg_id = self.cache.get(key)
        if rcg_id is None:
            try:
                rcg_id = self._query(
                    '/types/ReplicationConsistencyGroup/instances/action/'
                    'queryIdByKey', {'name': names.quote(name)}, 'id')
            except exceptions.NotFound:
                return None
            if rcg_id:
                self.cache.put(key, rcg_id)
        return rcg_id or None

    def replication_group(self, rcg_id):
        with self._invalidating(rcg_id):
            return records.ReplicationGroup.from_api(self._get(
                '/instances/ReplicationConsistencyGroup::%s' % rcg_id,
                'object'))

    def create_replication_group(self, name, protection_domain_id,
                                 remote_protection_domain_id,
                                 destination_system_id, rpo_seconds=60):
        """Create an RCG (and its twin on the peer); return its id."""
        body = {'name': name, 'protectionDomainId': protection_domain_id,
                'remoteProtectionDomainId': remote_protection_domain_id,
                'destinationSystemId': destination_system_id,
                'rpoInSeconds': str(int(rpo_seconds))}

        def send():
            return self._post('/types/ReplicationConsistencyGroup/instances',
                              body, shape='object')['id']
        return self._create_once(send, lambda: self.replication_group_id(
            name), 'replication consistency group %s' % name)

    def replication_pairs(self):
        return [records.ReplicationPair.from_api(p) for p in self._get(
            '/types/ReplicationPair/instances', 'objects')]

    def replication_pair_of(self, volume_id):
        """The pair whose local volume is ``volume_id``, or None."""
        for pair in self.replication_pairs():
            if pair.local_volume_id == volume_id:
                return pair
        return None

    def create_replication_pair(self, rcg_id, source_volume_id,
                                destination_volume_id, name=None,
                                copy_type='OnlineCopy'):
        """Pair a volume with one on the peer system; return the pair id."""
        body = {'replicationConsistencyGroupId': rcg_id,
                'sourceVolumeId': source_volume_id,
                'destinationVolumeId': destination_volume_id,
                'copyType': copy_type}
        if name is not None:
            body['name'] = name

        def send():
            with self._invalidating(rcg_id):
                return self._post('/types/ReplicationPair/instances', body,
                                  shape='object')['id']

        def find():
            pair = self.replication_pair_of(source_volume_id)
            return pair.id if pair else None
        return self._create_once(send, find, 'replication pair of volume %s'
                                 % source_volume_id)

    def remove_replication_pair(self, pair_id):
        """Remove a pair; False if it was already gone."""
        try:
            self._act('/instances/ReplicationPair::%s/action/'
                      'removeReplicationPair' % pair_id, {})
        except exceptions.NotFound:
            return False
        return True

    def failover_replication_group(self, rcg_id):
        """Make this (the destination) side of an RCG writable."""
        with self._invalidating(rcg_id):
            self._act('/instances/ReplicationConsistencyGroup::%s/action/'
                      'failoverReplicationConsistencyGroup' % rcg_id, {})

    def restore_replication_group(self, rcg_id):
        """Bring a failed-over RCG's data home; the source is active again."""
        with self._invalidating(rcg_id):
            self._act('/instances/ReplicationConsistencyGroup::%s/action/'
                      'restoreReplicationConsistencyGroup' % rcg_id, {})

    def remove_replication_group(self, rcg_id):
        with self._invalidating(rcg_id):
            self._act('/instances/ReplicationConsistencyGroup::%s/action/'
                      'removeReplicationConsistencyGroup' % rcg_id, {})

    def pause_replication_group(self, rcg_id):
        with self._invalidating(rcg_id):
            self._act('/instances/ReplicationConsistencyGroup::%s/action/'
                      'pauseReplicationConsistencyGroup' % rcg_id, {})

    def resume_replication_group(self, rcg_id):
        with self._invalidating(rcg_id):
            self._act('/instances/ReplicationConsistencyGroup::%s/action/'
                      'resumeReplicationConsistencyGroup' % rcg_id, {})

    # ---------------------------------------------------- NVMe/TCP (4.0+)
    def hosts(self):
        return [records.Host.from_api(h)
                for h in self._get('/types/Host/instances', 'objects')]

    def host_id_by_nqn(self, nqn):
        """The id of the NVMe host with this NQN (any case), or None."""
        key = ('host', nqn.lower())
        host_id = self.cache.get(key)
        if host_id is None:
            for host in self.hosts():
                if host.nqn:
                    self.cache.put(('host', host.nqn.lower()), host.id)
            host_id = self.cache.get(key)
        return host_id

    def create_host(self, nqn, name):
        """Make an NVMe/TCP host; return its id (found if it exists)."""
        def send():
            return self._post('/types/Host/instances',
                              {'nqn': nqn, 'name': name},
                              shape='object')['id']

        def find():
            self.cache.drop(('host', nqn.lower()))
            return self.host_id_by_nqn(nqn)
        host_id = self._create_once(send, find, 'NVMe host %s' % name)
        self.cache.put(('host', nqn.lower()), host_id)
        return host_id

    def remove_host(self, host_id):
        """Remove an NVMe host; False if it was already gone."""
        self.cache.drop_value(host_id)
        try:
            self._act('/instances/Host::%s/action/removeHost' % host_id, {})
        except exceptions.NotFound:
            return False
        return True

    def host_volume_ids(self, host_id):
        """The ids of the volumes mapped to a host."""
        with self._invalidating(host_id):
            return [v['id'] for v in self._get(
                '/instances/Sdc::%s/relationships/Volume' % host_id,
                'objects')]

    def nvme_targets(self):
        """(portals [(ip, port, 'tcp')], system id, system NQN)."""
        def load():
            portals = []
            for sdt in self._get('/types/Sdt/instances', 'objects'):
                port = int(sdt.get('nvmePort') or 4420)
                for entry in sdt.get('ipList') or ():
                    portal = (entry.get('ip'), port, 'tcp')
                    if entry.get('ip') and portal not in portals:
                        portals.append(portal)
            system = self.system()
            return portals, system['id'], system.get('systemNqn')
        return self._cached(('nvme-targets',), load)
