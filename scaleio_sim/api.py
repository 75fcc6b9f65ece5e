"""The REST Gateway's ``/api`` routes: parse, call the MDM, shape the answer.

Handlers return the decoded JSON answer (``EMPTY`` for an action's empty
200 body) or raise :class:`errors.GatewayError`. Authentication, faults and
accounting happen around them, in :mod:`scaleio_sim.app`.
"""

import json
import urllib.parse

from werkzeug import exceptions
from werkzeug import routing

from scaleio_sim import bodies
from scaleio_sim import errors
from scaleio_sim import replication
from scaleio_sim import views

EMPTY = object()

REPLICATION_TYPES = ('PeerMdm', 'ReplicationConsistencyGroup',
                     'ReplicationPair')
NVME_TYPES = ('Host', 'Sdt')        # API 4.0 and later
OBJECT_TYPES = ('System, ProtectionDomain, StoragePool, Volume, Sdc, VTree, '
                + ', '.join(REPLICATION_TYPES + NVME_TYPES))
SELECTABLE = 'ProtectionDomain, StoragePool, Volume, Sdc, VTree'
STATISTICS = 'StoragePool, Volume, VTree'
KEYED = 'Volume, ProtectionDomain, StoragePool, ReplicationConsistencyGroup'
# They change two systems, under both their locks (see replication.py).
REPLICATION_CHANGES = ('create_rcg', 'rcg_action', 'create_pair',
                       'pair_action')

RELATIONSHIPS = {
    'System': ('ProtectionDomain', 'Sdc', 'StoragePool', 'Volume'),
    'ProtectionDomain': ('StoragePool', 'Statistics'),
    'StoragePool': ('Volume', 'VTree', 'Statistics'),
    'Volume': ('Statistics',),
    'VTree': ('Volume', 'Statistics'),
    'Sdc': ('Volume',),
    'Host': ('Volume',),
    'Sdt': (),
    'PeerMdm': (),
    'ReplicationConsistencyGroup': ('ReplicationPair',),
    'ReplicationPair': (),
}

ROUTES = routing.Map([
    routing.Rule('/api/login', endpoint='login', methods=['GET']),
    routing.Rule('/api/logout', endpoint='logout', methods=['GET']),
    routing.Rule('/api/version', endpoint='version', methods=['GET']),
    routing.Rule('/api/types/Domain/instances/getByName::<path:name>',
                 endpoint='domain_by_name', methods=['GET']),
    routing.Rule('/api/types/Pool/instances/getByName::<pd_id>,<path:name>',
                 endpoint='pool_by_name', methods=['GET']),
    routing.Rule('/api/types/Volume/instances/getByName::<path:name>',
                 endpoint='volume_by_name', methods=['GET']),
    routing.Rule('/api/types/<any(%s):object_type>/instances' % OBJECT_TYPES,
                 endpoint='list', methods=['GET']),
    routing.Rule('/api/types/Volume/instances', endpoint='create_volume',
                 methods=['POST']),
    routing.Rule('/api/types/<any(%s):object_type>/instances/action/'
                 'queryIdByKey' % KEYED, endpoint='query_id_by_key',
                 methods=['POST']),
    routing.Rule('/api/types/<any(%s):object_type>/instances/action/'
                 'queryBySelectedIds' % SELECTABLE,
                 endpoint='query_by_selected_ids', methods=['POST']),
    routing.Rule('/api/types/<any(%s):object_type>/instances/action/'
                 'querySelectedStatistics' % STATISTICS,
                 endpoint='query_selected_statistics', methods=['POST']),
    routing.Rule('/api/instances/<any(%s):object_type>::<object_id>'
                 % OBJECT_TYPES, endpoint='get', methods=['GET']),
    routing.Rule('/api/instances/<any(%s):object_type>::<object_id>/'
                 'relationships/<child>' % OBJECT_TYPES,
                 endpoint='relationship', methods=['GET']),
    routing.Rule('/api/instances/System/action/<any(snapshotVolumes, '
                 'createSnapshot, createThinClone):call>',
                 endpoint='snapshot_volumes', methods=['POST']),
    routing.Rule('/api/instances/System::<system_id>/action/<any('
                 'snapshotVolumes, createSnapshot, createThinClone):call>',
                 endpoint='snapshot_volumes', methods=['POST']),
    # PowerFlex 5: capacity metrics of erasure-coded pools.
    routing.Rule('/dtapi/rest/v1/metrics/query', endpoint='metrics',
                 methods=['POST']),
    # PowerFlex 4.x/5.x management (PFMP) login: a Bearer token.
    routing.Rule('/rest/auth/login', endpoint='pfmp_login',
                 methods=['POST']),
    routing.Rule('/api/instances/Volume::<object_id>/action/<verb>',
                 endpoint='volume_action', methods=['POST']),
    routing.Rule('/api/types/Host/instances', endpoint='create_host',
                 methods=['POST']),
    routing.Rule('/api/instances/Host::<object_id>/action/<verb>',
                 endpoint='host_action', methods=['POST']),
    routing.Rule('/api/types/ReplicationConsistencyGroup/instances',
                 endpoint='create_rcg', methods=['POST']),
    routing.Rule('/api/instances/ReplicationConsistencyGroup::<object_id>/'
                 'action/<verb>', endpoint='rcg_action', methods=['POST']),
    routing.Rule('/api/types/ReplicationPair/instances',
                 endpoint='create_pair', methods=['POST']),
    routing.Rule('/api/instances/ReplicationPair::<object_id>/action/<verb>',
                 endpoint='pair_action', methods=['POST']),
], strict_slashes=False, merge_slashes=False)


def not_found_route(path):
    return errors.GatewayError('Request path %s is not an API resource'
                               % path, errors.ILLEGAL_SYNTAX, 404)


def decode_name(raw):
    """getByName arguments arrive percent-encoded once or twice."""
    return urllib.parse.unquote(raw)


def parse_body(request):
    data = request.get_data()
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except ValueError as e:
        raise errors.bad_request('Illegal syntax: request body is not JSON '
                                 '(%s)' % e)
    if not isinstance(body, dict):
        raise errors.bad_request('Illegal syntax: request body must be a '
                                 'JSON object')
    return body


class GatewayApi:
    """Routes ``/api`` requests to the MDM. Login is handled by the app."""

    def __init__(self, mdm):
        self.mdm = mdm
        # Bound once: matching takes the path and method of each request.
        self.routes = ROUTES.bind('gateway', '/')

    def match(self, method, path):
        """(endpoint, arguments) for a request, or a GatewayError."""
        try:
            found = self.routes.match(path, method)
        except exceptions.MethodNotAllowed as e:
            raise errors.GatewayError(
                'Method %s is not allowed here; allowed: %s'
                % (method, ', '.join(e.valid_methods)),
                errors.ILLEGAL_SYNTAX, 405)
        except (exceptions.NotFound, routing.RequestRedirect):
            raise not_found_route(path)
        endpoint, args = found
        newer = {'metrics': (5,), 'pfmp_login': (4,), 'create_host': (4,),
                 'host_action': (4,)}
        if args.get('object_type') in NVME_TYPES:
            newer[endpoint] = (4,)
        if args.get('call', 'snapshotVolumes') != 'snapshotVolumes':
            newer['snapshot_volumes'] = (5,)
        if (endpoint in newer
                and not self.mdm.profile.at_least(*newer[endpoint])):
            raise not_found_route(path)
        # Before 3.5 a gateway has no replication objects at all.
        if ((endpoint in REPLICATION_CHANGES
             or args.get('object_type') in REPLICATION_TYPES)
                and not self.mdm.profile.at_least(3, 5)):
            raise not_found_route(path)
        return found

    def call(self, endpoint, args, request):
        handler = getattr(self, 'do_' + endpoint)
        if request.method == 'POST':
            args['body'] = parse_body(request)
        if endpoint in REPLICATION_CHANGES:
            return handler(**args)
        with self.mdm.lock:
            return handler(**args)

    def render(self, object_type, obj):
        return views.render(self.mdm, object_type, obj)

    # ---------------------------------------------------------- queries
    def do_version(self):
        return self.mdm.profile.version

    def do_domain_by_name(self, name):
        return self.mdm.protection_domain_id_by_name(decode_name(name))

    def do_pool_by_name(self, pd_id, name):
        return self.mdm.storage_pool_id_by_name(pd_id, decode_name(name))

    def do_volume_by_name(self, name):
        return self.mdm.volume_id_by_name(decode_name(name))

    def do_list(self, object_type):
        if object_type == 'System':
            return [views.system(self.mdm)]
        found = self.mdm.list(object_type)
        if object_type == 'Sdc':
            found = [o for o in found if not o.nvme]   # SDCs only
        return [self.render(object_type, o) for o in found]

    def _system(self, object_id):
        if object_id != self.mdm.system_id:
            raise errors.not_found('System', object_id)

    def do_get(self, object_type, object_id):
        if object_type == 'System':
            self._system(object_id)
            return views.system(self.mdm)
        if object_type == 'VTree':
            return self.render('VTree', self.mdm.poll_vtree(object_id))
        return self.render(object_type, self.mdm.get(object_type, object_id))

    def do_relationship(self, object_type, object_id, child):
        if child not in RELATIONSHIPS[object_type]:
            raise errors.GatewayError(
                '%s has no relationship %s' % (object_type, child),
                errors.ILLEGAL_SYNTAX, 404)
        mdm = self.mdm
        if object_type == 'System':
            self._system(object_id)
            return [self.render(child, o) for o in mdm.list(child)]
        if child == 'Statistics':
            return {'StoragePool': mdm.pool_statistics,
                    'VTree': mdm.vtree_statistics,
                    'Volume': mdm.volume_statistics,
                    'ProtectionDomain': self._domain_statistics,
                    }[object_type](object_id)
        if child == 'Volume':
            found = mdm.volumes_in(object_type, object_id)
        elif child == 'StoragePool':
            found = mdm.pools_of(object_id)
        elif child == 'ReplicationPair':
            rcg = mdm.get('ReplicationConsistencyGroup', object_id)
            found = [p for p in mdm.pairs.values() if p.rcg_id == rcg.id]
        else:
            found = mdm.vtrees_of(object_id)
        return [self.render(child, o) for o in found]

    def _domain_statistics(self, pd_id):
        totals = {}
        for pool in self.mdm.pools_of(pd_id):
            for key, value in self.mdm.pool_statistics(pool.id).items():
                totals[key] = totals.get(key, 0) + value
        return totals

    def do_query_id_by_key(self, object_type, body):
        name = body.get('name')
        if not isinstance(name, str):
            raise errors.bad_request('name is required')
        if object_type == 'Volume':
            return self.mdm.volume_id_by_name(name)
        if object_type == 'ReplicationConsistencyGroup':
            # Cinder's driver URL-quotes the name inside the JSON.
            return self.mdm.rcg_id_by_name(decode_name(name))
        if object_type == 'ProtectionDomain':
            return self.mdm.protection_domain_id_by_name(name)
        pd_id = body.get('protectionDomainId')
        if pd_id is None and isinstance(body.get('protectionDomainName'),
                                        str):
            pd_id = self.mdm.protection_domain_id_by_name(
                body['protectionDomainName'])
        if not isinstance(pd_id, str):
            raise errors.bad_request('protectionDomainId or '
                                     'protectionDomainName is required')
        return self.mdm.storage_pool_id_by_name(pd_id, name)

    def do_query_by_selected_ids(self, object_type, body):
        return [self.render(object_type, o)
                for o in self.mdm.select(object_type,
                                         bodies.object_ids(body))]

    def do_query_selected_statistics(self, object_type, body):
        properties = body.get('properties')
        if (not isinstance(properties, list) or not properties
                or not all(isinstance(p, str) for p in properties)):
            raise errors.bad_request('properties must be a non-empty list '
                                     'of statistic names')
        if 'allIds' in body:
            ids = [o.id for o in self.mdm.list(object_type)]
        else:
            ids = [o.id for o in self.mdm.select(object_type,
                                                 bodies.object_ids(body))]
        collect = {'StoragePool': self.mdm.pool_statistics,
                   'VTree': self.mdm.vtree_statistics,
                   'Volume': self.mdm.volume_statistics}[object_type]
        result = {}
        for object_id in ids:
            counters = collect(object_id)
            unknown = [p for p in properties if p not in counters]
            if unknown:
                raise errors.bad_request(
                    'Illegal syntax: unknown %s statistics: %s'
                    % (object_type, ', '.join(unknown)))
            result[object_id] = {p: counters[p] for p in properties}
        return result

    # ----------------------------------------------------------- changes
    def do_create_volume(self, body):
        args = bodies.create_volume(body, self.mdm.profile)
        return {'id': self.mdm.create_volume(**args)}

    def do_snapshot_volumes(self, body, call, system_id=None):
        if system_id is not None:
            self._system(system_id)
        args = bodies.snapshot_volumes(body, self.mdm.profile)
        return self.mdm.snapshot_volumes(call=call, **args)

    def do_metrics(self, body):
        """The dtapi metrics of storage pools, in bytes."""
        args = bodies.metrics_query(body)
        resources = []
        for pool in self.mdm.select('StoragePool', args['ids']):
            metrics = self.mdm.pool_metrics(pool.id)
            resources.append({'id': pool.id, 'metrics': [
                {'name': name, 'values': [metrics[name]]}
                for name in args['metrics']]})
        return {'resources': resources}

    def do_volume_action(self, object_id, verb, body):
        read, method, since = bodies.VOLUME_ACTIONS.get(verb,
                                                        (None, None, None))
        if method is None or not self.mdm.profile.at_least(*since):
            raise errors.GatewayError(
                'Volume has no action %s in API version %s'
                % (verb, self.mdm.profile.version),
                errors.ILLEGAL_SYNTAX, 404)
        if verb.endswith('MappedHost') and 'hostId' not in body:
            raise errors.bad_request('hostId is required')
        # An unknown volume is the answer, whatever else its body says.
        self.mdm.get('Volume', object_id)
        args = read(body, self.mdm.profile)
        getattr(self.mdm, method)(object_id, **args)
        return EMPTY

    # -------------------------------------------------------- NVMe hosts
    def do_create_host(self, body):
        return {'id': self.mdm.create_host(**bodies.create_host(body))}

    def do_host_action(self, object_id, verb, body):
        if verb != 'removeHost':
            raise errors.GatewayError('Host has no action %s' % verb,
                                      errors.ILLEGAL_SYNTAX, 404)
        self.mdm.remove_host(object_id)
        return EMPTY

    # ------------------------------------------------------- replication
    def do_create_rcg(self, body):
        return {'id': replication.create_rcg(
            self.mdm, **bodies.create_rcg(body))}

    def do_rcg_action(self, object_id, verb, body):
        actions = {
            'failoverReplicationConsistencyGroup': replication.failover,
            'restoreReplicationConsistencyGroup': replication.restore,
            'removeReplicationConsistencyGroup': replication.remove_rcg,
            'pauseReplicationConsistencyGroup':
                lambda mdm, rcg_id: replication.set_paused(mdm, rcg_id, True),
            'resumeReplicationConsistencyGroup':
                lambda mdm, rcg_id: replication.set_paused(mdm, rcg_id,
                                                           False),
        }
        if verb not in actions:
            raise errors.GatewayError(
                'ReplicationConsistencyGroup has no action %s' % verb,
                errors.ILLEGAL_SYNTAX, 404)
        actions[verb](self.mdm, object_id)
        return EMPTY

    def do_create_pair(self, body):
        return {'id': replication.create_pair(
            self.mdm, **bodies.create_pair(body))}

    def do_pair_action(self, object_id, verb, body):
        if verb != 'removeReplicationPair':
            raise errors.GatewayError(
                'ReplicationPair has no action %s' % verb,
                errors.ILLEGAL_SYNTAX, 404)
        replication.remove_pair(self.mdm, object_id)
        return EMPTY
