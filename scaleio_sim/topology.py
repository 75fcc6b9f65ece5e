"""The simulated system's static layout: users, domains, pools and SDCs.

A topology is a YAML (or JSON) mapping. Without one the simulator starts the
documented default system, which tests and examples rely on::

    system: {id: 5c1a0de4a7e10001, name: scaleio-sim}
    users: [{name: admin, password: Scaleio123}]
    protection_domains:
      - name: pd1
        storage_pools:
          - {name: sp1, data_layout: MediumGranularity, zero_padding: true,
             capacity_gib: 1024}
          - {name: sp2, data_layout: FineGranularity, zero_padding: true,
             capacity_gib: 1024}
    sdcs:
      - {name: sdc1, guid: 5C1A0001-0000-4000-8000-000000000001,
         ip: 192.0.2.11}
      - {name: sdc2, guid: 5C1A0001-0000-4000-8000-000000000002,
         ip: 192.0.2.12}

From API 4.0 the system has NVMe/TCP targets: ``sdts`` (default one,
``sdt1`` on 127.0.0.1, ``nvme_port`` 4420), each with ``ips``.
A protection domain may say ``generation: EC`` (PowerFlex 5, API 5.x):
its pools allocate whole GiB and take snapshots and clones through
``createSnapshot`` and ``createThinClone``.
``capacity_gib`` is the usable (net, after mirroring) capacity that Cinder
reports as total; ``spare_percentage`` (default 10) is reserved on top of it.
An SDC may name a ``host_dir`` (device links, ``drv_cfg`` stand-in) or only a
``device_dir`` for the links, and ``auto_rescan: false`` to make new mappings
appear only after a rescan. A migrated vTree reads ``InMigration``
``migration_polls`` times (default 2), then it has moved.
"""

import copy
import re
import uuid

import yaml

DEFAULT = {
    'system': {'id': '5c1a0de4a7e10001', 'name': 'scaleio-sim'},
    'users': [{'name': 'admin', 'password': 'Scaleio123'}],
    'protection_domains': [{
        'name': 'pd1',
        'storage_pools': [
            {'name': 'sp1', 'data_layout': 'MediumGranularity',
             'zero_padding': True, 'capacity_gib': 1024},
            {'name': 'sp2', 'data_layout': 'FineGranularity',
             'zero_padding': True, 'capacity_gib': 1024},
        ],
    }],
    'sdcs': [
        {'name': 'sdc1', 'guid': '5C1A0001-0000-4000-8000-000000000001',
         'ip': '192.0.2.11'},
        {'name': 'sdc2', 'guid': '5C1A0001-0000-4000-8000-000000000002',
         'ip': '192.0.2.12'},
    ],
    'sdts': [{'name': 'sdt1', 'ips': ['127.0.0.1'], 'nvme_port': 4420}],
    'migration_polls': 2,
}

DATA_LAYOUTS = ('MediumGranularity', 'FineGranularity')
# PowerFlex 5 protection domains: mirrored or erasure-coded.
GENERATIONS = ('Mirroring', 'EC')
OBJECT_ID_RE = re.compile(r'^[0-9a-f]{16}$')


class TopologyError(ValueError):
    pass


def default(fine_granularity=True):
    """The default system.

    Before API 3.0 its pool sp2 is medium granularity too: fine granularity
    did not exist yet.
    """
    topo = copy.deepcopy(DEFAULT)
    if not fine_granularity:
        for pd in topo['protection_domains']:
            for pool in pd['storage_pools']:
                pool['data_layout'] = 'MediumGranularity'
    return topo


def peer_default(fine_granularity=True, hosts_dir=None):
    """The default system's replication peer.

    Its own system id and name, the same domains, pools and SDCs (the
    same hosts run an SDC of each system; with ``hosts_dir`` their device
    links share each host's directory with the first system's, as on a
    real host).
    """
    topo = default(fine_granularity)
    topo['system'] = {'id': '5c1a0de4a7e10002', 'name': 'scaleio-sim-peer'}
    if hosts_dir:
        for sdc in topo['sdcs']:
            sdc['host_dir'] = '%s/%s' % (hosts_dir, sdc['name'])
    return topo


def load(path):
    """Read and validate a topology file."""
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise TopologyError('cannot read topology file %s: %s'
                            % (path, e.strerror))
    except yaml.YAMLError as e:
        raise TopologyError('topology file %s is not valid YAML or JSON: %s'
                            % (path, e))
    return validate(data, source=path)


def validate(data, source='topology'):
    """Check a topology mapping and fill in defaults; return a new dict."""
    if not isinstance(data, dict):
        raise TopologyError('%s: expected a mapping at the top level, got %s'
                            % (source, type(data).__name__))
    unknown = set(data) - set(DEFAULT)
    if unknown:
        raise TopologyError('%s: unknown keys %s; expected some of %s'
                            % (source, ', '.join(sorted(unknown)),
                               ', '.join(sorted(DEFAULT))))
    topo = default()
    topo.update(copy.deepcopy(data))
    where = _Where(source)

    system = topo['system']
    where.mapping(system, 'system')
    system.setdefault('name', 'scaleio-sim')
    if 'id' not in system:
        system['id'] = DEFAULT['system']['id']
    where.object_id(system['id'], 'system.id')

    where.nonempty_list(topo['users'], 'users')
    for i, user in enumerate(topo['users']):
        where.mapping(user, 'users[%d]' % i)
        where.string(user.get('name'), 'users[%d].name' % i)
        where.string(user.get('password'), 'users[%d].password' % i)

    where.nonempty_list(topo['protection_domains'], 'protection_domains')
    for i, pd in enumerate(topo['protection_domains']):
        name = 'protection_domains[%d]' % i
        where.mapping(pd, name)
        where.object_name(pd.get('name'), name + '.name')
        if 'id' in pd:
            where.object_id(pd['id'], name + '.id')
        pd.setdefault('generation', 'Mirroring')
        if pd['generation'] not in GENERATIONS:
            raise TopologyError('%s: %s.generation %r is not one of %s'
                                % (source, name, pd['generation'],
                                   ', '.join(GENERATIONS)))
        pools = pd.setdefault('storage_pools', [])
        where.nonempty_list(pools, name + '.storage_pools')
        for j, pool in enumerate(pools):
            pname = '%s.storage_pools[%d]' % (name, j)
            where.mapping(pool, pname)
            where.object_name(pool.get('name'), pname + '.name')
            if 'id' in pool:
                where.object_id(pool['id'], pname + '.id')
            pool.setdefault('data_layout', 'MediumGranularity')
            if pool['data_layout'] not in DATA_LAYOUTS:
                raise TopologyError(
                    '%s: %s.data_layout %r is not one of %s'
                    % (source, pname, pool['data_layout'],
                       ', '.join(DATA_LAYOUTS)))
            pool.setdefault('zero_padding', True)
            if not isinstance(pool['zero_padding'], bool):
                raise TopologyError('%s: %s.zero_padding must be true or '
                                    'false, got %r'
                                    % (source, pname, pool['zero_padding']))
            pool.setdefault('capacity_gib', 1024)
            where.positive_int(pool['capacity_gib'], pname + '.capacity_gib')
            pool.setdefault('spare_percentage', 10)
            spare = pool['spare_percentage']
            if (not isinstance(spare, int) or isinstance(spare, bool)
                    or not 0 <= spare < 100):
                raise TopologyError('%s: %s.spare_percentage %r must be an '
                                    'integer from 0 to 99'
                                    % (source, pname, spare))
        where.unique([pool['name'] for pool in pools],
                     'storage pool names in %s' % pd['name'])
    where.unique([pd['name'] for pd in topo['protection_domains']],
                 'protection domain names')

    sdts = topo['sdts']
    if not isinstance(sdts, list):
        raise TopologyError('%s: sdts must be a list, got %r'
                            % (source, sdts))
    for i, sdt in enumerate(sdts):
        name = 'sdts[%d]' % i
        where.mapping(sdt, name)
        sdt.setdefault('name', 'sdt%d' % (i + 1))
        where.object_name(sdt['name'], name + '.name')
        sdt.setdefault('ips', ['127.0.0.1'])
        if (not isinstance(sdt['ips'], list) or not sdt['ips']
                or not all(isinstance(ip, str) for ip in sdt['ips'])):
            raise TopologyError('%s: %s.ips must be a non-empty list of '
                                'addresses' % (source, name))
        sdt.setdefault('nvme_port', 4420)
        where.positive_int(sdt['nvme_port'], name + '.nvme_port')

    sdcs = topo['sdcs']
    if not isinstance(sdcs, list):
        raise TopologyError('%s: sdcs must be a list, got %r'
                            % (source, sdcs))
    for i, sdc in enumerate(sdcs):
        name = 'sdcs[%d]' % i
        where.mapping(sdc, name)
        sdc.setdefault('name', 'sdc%d' % (i + 1))
        where.object_name(sdc['name'], name + '.name')
        if 'guid' not in sdc:
            raise TopologyError('%s: %s.guid is missing; expected a UUID'
                                % (source, name))
        try:
            sdc['guid'] = str(uuid.UUID(str(sdc['guid']))).upper()
        except ValueError:
            raise TopologyError('%s: %s.guid %r is not a UUID'
                                % (source, name, sdc['guid']))
        sdc.setdefault('ip', '192.0.2.%d' % (11 + i))
        sdc.setdefault('auto_rescan', True)
        for key in ('host_dir', 'device_dir'):
            if sdc.get(key) is not None:
                where.string(sdc[key], '%s.%s' % (name, key))
    where.unique([s['guid'] for s in sdcs], 'SDC GUIDs')
    where.unique([s['name'] for s in sdcs], 'SDC names')

    polls = topo['migration_polls']
    if not isinstance(polls, int) or isinstance(polls, bool) or polls < 0:
        raise TopologyError('%s: migration_polls %r must be a non-negative '
                            'integer' % (source, polls))
    return topo


class _Where:
    """Small checks that name the offending key and value."""

    def __init__(self, source):
        self.source = source

    def fail(self, text):
        raise TopologyError('%s: %s' % (self.source, text))

    def mapping(self, value, name):
        if not isinstance(value, dict):
            self.fail('%s must be a mapping, got %r' % (name, value))

    def nonempty_list(self, value, name):
        if not isinstance(value, list) or not value:
            self.fail('%s must be a non-empty list, got %r' % (name, value))

    def string(self, value, name):
        if not isinstance(value, str) or not value:
            self.fail('%s must be a non-empty string, got %r' % (name, value))

    def object_name(self, value, name):
        self.string(value, name)
        if len(value) > 31:
            self.fail('%s %r is longer than 31 characters' % (name, value))

    def object_id(self, value, name):
        if not isinstance(value, str) or not OBJECT_ID_RE.match(value):
            self.fail('%s %r is not 16 lower-case hex digits' % (name, value))

    def positive_int(self, value, name):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail('%s %r must be a positive integer' % (name, value))

    def unique(self, values, what):
        seen = set()
        for v in values:
            if v in seen:
                self.fail('duplicate %s: %r' % (what, v))
            seen.add(v)
