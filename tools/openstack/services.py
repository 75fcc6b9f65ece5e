"""The service table: every process ``up`` starts, and how.

One entry per service: its command line, port, what must be ready before
it starts, config writer, one-time setup, readiness check, log, and what
it needs from MariaDB and Keystone. Adding a service is adding an entry
(and its config template in configs.py).
"""

import dataclasses
import json
import os
import typing

import cloud
import configs
import procs
import rest

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclasses.dataclass
class Service:
    """One row of the table. Its functions take the Stack (stack.py).

    command    argv, started detached; output in logs/<name>.stdout.log
    env        its environment (default: ours)
    port       where it listens; ready by default once this port accepts
    after      the services that must be ready before it starts
    config     writes its files under etc/, before each start
    setup      work before each start (db sync, keys), idempotent
    ready      true once it serves; an exception means not yet
    on_ready   runs at every up once it is ready, idempotent
    log        whose tail a failure shows (default its stdout log)
    timeout    seconds from its start to ready
    when       settings -> whether the stack runs it
    databases  MariaDB databases made for it
    user       (name, password) of its Keystone user (admin and service)
    catalog    its Keystone endpoints: ((name, type, path under its URL),)
    """

    name: str
    command: typing.Callable
    env: typing.Callable = None
    port: int = None
    after: tuple = ()
    config: typing.Callable = None
    setup: typing.Callable = None
    ready: typing.Callable = None
    on_ready: typing.Callable = None
    log: str = None
    timeout: float = 90
    when: typing.Callable = lambda settings: True
    databases: tuple = ()
    user: tuple = None
    catalog: tuple = ()
    before_stop: typing.Callable = None     # (layout) before down stops it


# -- scaleio-sim
# A real gateway takes tens of milliseconds for a change; the simulator
# answers in about one. Without that latency cinder-volume finishes a
# group delete before cinder-api has built the volume list tempest asks
# for right after it, and Cinder 29's volume view then fails with
# GroupNotFound (a race in Cinder's API, seen 1 run in 3): as fast as
# that, no array ever is.
GATEWAY_LATENCY = {'action': 'delay', 'method': 'POST', 'path': '*',
                   'seconds': 0.05}


def _forget_sim_ready(stack):
    if os.path.exists(stack.paths.sim_ready):
        os.unlink(stack.paths.sim_ready)


def _add_latency(sim):
    """The latency rule on a simulated system, unless it has one."""
    faults = sim['url'] + '/sim/faults'
    ca = sim['ca_file']
    if not any(r['action'] == 'delay'
               for r in rest.call(faults, ca_file=ca)):
        rest.call(faults, 'POST', GATEWAY_LATENCY, ok=(200, 201),
                  ca_file=ca)


def _sim_ready(stack):
    """Read its ready file; the latency rule on both its systems."""
    with open(stack.paths.sim_ready) as f:
        stack.sim = json.load(f)
    _add_latency(stack.sim)
    if stack.sim.get('peer'):
        _add_latency(stack.sim['peer'])


def _forget_pf5_ready(stack):
    configs.write_pf5_topology(stack)
    if os.path.exists(stack.paths.pf5_ready):
        os.unlink(stack.paths.pf5_ready)


def _pf5_ready(stack):
    with open(stack.paths.pf5_ready) as f:
        stack.pf5 = json.load(f)
    _add_latency(stack.pf5)


# -- MariaDB
def _mariadb_install_db(stack):
    if not os.path.isdir(os.path.join(stack.paths.mysql_data, 'mysql')):
        procs.run(['mariadb-install-db',
                   '--defaults-file=' + stack.layout.etc('my.cnf'),
                   '--auth-root-authentication-method=normal',
                   '--skip-test-db'],
                  log=stack.layout.log('mariadb-install.log'))


def _create_databases(stack):
    user = "'%s'@'127.0.0.1'" % configs.DB_USER
    sql = "CREATE USER IF NOT EXISTS %s IDENTIFIED BY '%s';" % (
        user, configs.DB_PASSWORD)
    for s in stack.services:
        for db in s.databases:
            sql += (' CREATE DATABASE IF NOT EXISTS %s;'
                    ' GRANT ALL ON %s.* TO %s;' % (db, db, user))
    procs.run(['mariadb', '--defaults-file=' + stack.layout.etc('my.cnf'),
               '-uroot', '-e', sql], log=stack.layout.log('mariadb.log'),
              what='creating the databases')


# -- RabbitMQ
RABBIT_BIN = '/usr/lib/rabbitmq/bin'


def _record_epmd(stack):
    # erl starts epmd, which detaches: find it by our private port
    epmd = procs.find_by_name('epmd',
                              'ERL_EPMD_PORT=%d' % configs.epmd_port(stack))
    if epmd and not stack.pids.running('epmd'):
        stack.pids.write('epmd', min(epmd))


# -- Keystone
def _keystone_setup(stack):
    lay = stack.layout
    manage = [lay.bin('keystone-manage'), '--config-file',
              lay.etc('keystone.conf')]
    log = lay.log('keystone-manage.log')
    stack.once('keystone-db', procs.run, manage + ['db_sync'], log)
    for kind, path in (('fernet_setup', stack.paths.fernet_keys),
                       ('credential_setup', stack.paths.credential_keys)):
        if not os.listdir(path):
            procs.run(manage + [kind, '--keystone-user', 'root',
                                '--keystone-group', 'root'], log)
    url = stack.url('keystone') + '/v3/'
    stack.once('keystone-bootstrap', procs.run, manage + [
        'bootstrap', '--bootstrap-password', configs.ADMIN_PASSWORD,
        '--bootstrap-admin-url', url, '--bootstrap-public-url', url,
        '--bootstrap-internal-url', url,
        '--bootstrap-region-id', 'RegionOne'], log)


def _keystone_answers(stack):
    return rest.request(stack.url('keystone') + '/v3', timeout=5)[0] == 200


def _keystone_objects(stack):
    """Every service's user and catalog entries (keystone_setup.py)."""
    spec = json.dumps({
        'users': [s.user for s in stack.services if s.user],
        'endpoints': [(name, kind, stack.url(s.name) + path)
                      for s in stack.services
                      for name, kind, path in s.catalog]}, sort_keys=True)
    stack.once('keystone-objects', procs.run, [
        stack.layout.bin('python'), os.path.join(HERE, 'keystone_setup.py'),
        stack.url('keystone') + '/v3', configs.ADMIN_PASSWORD, spec],
        stack.layout.log('keystone-manage.log'), key=spec)


# -- Cinder
def _cinder_db_sync(stack):
    stack.once('cinder-db', procs.run, [
        stack.layout.bin('cinder-manage'), '--config-file',
        stack.layout.etc('cinder.conf'), 'db', 'sync'],
        stack.layout.log('cinder-manage.stdout.log'))


def _cinder_services(stack):
    return stack.cinder().call('GET', '/os-services')['services']


def _scheduler_up(stack):
    return any(s['binary'] == 'cinder-scheduler' and s['state'] == 'up'
               for s in _cinder_services(stack))


# what cinder-volume logs per backend once it takes requests (after
# init_host, where the driver settles what a crash left)
VOLUME_READY_LINE = 'Driver post RPC initialization completed successfully'


def _backends_up(name):
    """Ready: each backend of volume service name is up, its pool reported.

    By the process up started: its log since then says each backend
    takes requests (the service's last report before a kill still counts
    as up for a while).
    """
    host = configs.volume_host(name)

    def ready(stack):
        backends = configs.backends(stack)
        with open(stack.layout.log(name + '.log'), 'rb') as f:
            f.seek(stack.spawned.get(name, 0))
            started = f.read().count(VOLUME_READY_LINE.encode())
        if started < len(backends):
            return False
        expected = {'%s@%s' % (host, b['name']): b['pool'] for b in backends}
        up = {s['host'] for s in _cinder_services(stack)
              if s['binary'] == 'cinder-volume' and s['state'] == 'up'
              and s['status'] == 'enabled'}
        if not set(expected) <= up:
            return False
        # the scheduler names a clustered backend's pools by its cluster
        if stack.settings.get('active_active'):
            expected = {configs.CLUSTER + b[len(host):]: pool
                        for b, pool in expected.items()}
        pools = {p['name'] for p in stack.cinder().call(
            'GET', '/scheduler-stats/get_pools')['pools']}
        return all('%s#%s' % hp in pools for hp in expected.items())
    return ready


def _volume_types(stack):
    """The volume type of each backend that has one (scaleio-rep...).

    Made once, looked up by name first: tempest's suites on the NVMe and
    EC backends and the replication tests use them.
    """
    cinder = stack.cinder()
    have = {t['name']: t for t in cinder.call(
        'GET', '/types?is_public=None')['volume_types']}
    for b in configs.backends(stack):
        name = b.get('volume_type')
        if not name:
            continue
        specs = dict(b.get('type_specs', {}),
                     volume_backend_name=configs.backend_name(b))
        if name not in have:
            cinder.call('POST', '/types', {'volume_type': {
                'name': name, 'os-volume-type-access:is_public': True,
                'extra_specs': specs}})
        elif have[name].get('extra_specs') != specs:
            cinder.call('POST', '/types/%s/extra_specs' % have[name]['id'],
                        {'extra_specs': specs})


def _cinder_command(name, binary):
    def command(stack):
        conf = ['--config-file', stack.layout.etc('cinder.conf')]
        if name != binary:
            # a second volume service: its own host (configs.volume_host)
            conf += ['--config-file', stack.layout.etc(name + '.conf')]
        if stack.cloud and binary in SDC_HOST_SERVICES:
            # a simulated SDC host: stock os-brick through the stand-in
            # (oslo.log would name its log after the script)
            return [stack.layout.bin('python'),
                    os.path.join(HERE, 'harness_sdc_standin.py'),
                    binary] + conf + ['--log-file', name + '.log']
        return [stack.layout.bin(binary)] + conf + ['--log-file',
                                                    name + '.log']
    return command


def _cinder_env(stack):
    if not stack.cloud:
        return None
    return configs.service_env(stack, HARNESS_SDC_HOST_DIR=os.path.join(
        stack.cloud_paths().sim_hosts, configs.CINDER_SDC))


def _cinder_setup(stack):
    if stack.cloud:
        configs.privileges(stack)
    _cinder_db_sync(stack)


# The Cinder services that attach volumes on their host (image copy,
# backup, host-assisted migration)
SDC_HOST_SERVICES = ('cinder-volume', 'cinder-backup')


def _cinder(name, binary=None, **kw):
    """A Cinder service: its console script with cinder.conf."""
    # cinder.conf names the simulator's CA file; the volume services
    # of an active-active stack lock through etcd
    kw.setdefault('after', ('mariadb', 'rabbitmq', 'simulator',
                            'simulator-pf5', 'etcd'))
    return Service(name, command=_cinder_command(name, binary or name),
                   env=_cinder_env, config=configs.cinder,
                   setup=_cinder_setup, log=name + '.log', **kw)


def _active_active(settings):
    return bool(settings.get('active_active'))


def _etcd_command(stack):
    client, peer = stack.port('etcd'), stack.port('etcd') + 1
    return ['/usr/bin/etcd', '--name', 'harness',
            '--data-dir', stack.layout.data('etcd'),
            '--listen-client-urls', 'http://%s:%d' % (configs.HOST, client),
            '--advertise-client-urls', 'http://%s:%d' % (configs.HOST,
                                                         client),
            '--listen-peer-urls', 'http://%s:%d' % (configs.HOST, peer),
            '--initial-advertise-peer-urls', 'http://%s:%d' % (
                configs.HOST, peer),
            '--initial-cluster',
            'harness=http://%s:%d' % (configs.HOST, peer),
            '--log-outputs', 'stderr']


def _cloud(settings):
    return not settings.get('cinder_only')


def _simulator_command(stack):
    """The first system, and its replication peer in the same process."""
    cmd = [stack.layout.bin('scaleio-sim'), '--host', configs.HOST,
           '--port', str(stack.port('simulator')), '--tls',
           '--state-dir', stack.paths.sim_state,
           '--ready-file', stack.paths.sim_ready,
           '--peer-port', str(configs.sim_peer_port(stack))]
    if stack.cloud:
        # guests need block devices: links to loop devices
        cmd += ['--device-mode', 'loop']
    return cmd


def _pf5_command(stack):
    """The PowerFlex 5.0 system (NVMe/TCP targets, an EC domain)."""
    cmd = [stack.layout.bin('scaleio-sim'), '--host', configs.HOST,
           '--port', str(stack.port('simulator-pf5')), '--tls',
           '--api-version', configs.PF5_API_VERSION,
           '--topology', stack.layout.etc('simulator-pf5-topology.json'),
           '--state-dir', stack.paths.pf5_state,
           '--ready-file', stack.paths.pf5_ready]
    if stack.cloud:
        cmd += ['--device-mode', 'loop']
    return cmd


def _ovs(name, command, **kw):
    kw.setdefault('timeout', 30)
    return Service(name, command=command, env=cloud.ovs_env,
                   when=_cloud, log=name + '.log', **kw)


def _keystone_user(name):
    return (name, configs.SERVICE_PASSWORD)


def _nova(name, **kw):
    return Service(name, command=cloud.nova_daemon(name),
                   env=configs.service_env, config=configs.nova,
                   setup=cloud.nova_setup, when=_cloud, log=name + '.log',
                   **kw)


# In start order; down stops them in reverse, each once nothing that
# still runs needs it.
SERVICES = [
    Service('simulator', command=_simulator_command,
            port=18443, setup=_forget_sim_ready, timeout=30,
            ready=lambda stack: os.path.exists(stack.paths.sim_ready),
            on_ready=_sim_ready,
            when=lambda settings: 'gateway' not in settings),
    # its replication peer listens on the next port (--peer-port)
    Service('simulator-pf5', command=_pf5_command,
            port=18445, setup=_forget_pf5_ready, timeout=30,
            ready=lambda stack: os.path.exists(stack.paths.pf5_ready),
            on_ready=_pf5_ready,
            when=lambda settings: 'gateway' not in settings),
    Service('mariadb', command=lambda stack: [
        '/usr/sbin/mariadbd', '--defaults-file=' + stack.layout.etc('my.cnf')],
        port=13306, config=configs.mariadb, setup=_mariadb_install_db,
        on_ready=_create_databases, log='mariadb.log', timeout=60),
    # In the foreground: its script stays as the parent, turns our
    # SIGTERM into a clean stop and waits for the node.
    Service('rabbitmq',
            command=lambda stack: [RABBIT_BIN + '/rabbitmq-server'],
            env=configs.rabbitmq_env, port=15673, config=configs.rabbitmq,
            on_ready=_record_epmd, log=configs.RABBIT_NODE + '.log'),
    # gunicorn loads wsgi_apps.py from this directory (--chdir)
    Service('keystone', command=lambda stack: [
        stack.layout.bin('gunicorn'), '--chdir', HERE,
        '--bind', '%s:%d' % (configs.HOST, stack.port('keystone')),
        '--workers', '1', '--threads', '8', '--timeout', '120',
        '--no-control-socket',
        '--access-logfile', stack.layout.log('keystone-access.log'),
        'wsgi_apps:keystone()'],
        env=lambda stack: dict(os.environ, OS_KEYSTONE_CONFIG_FILES=(
            stack.layout.etc('keystone.conf'))),
        port=15000, after=('mariadb',), config=configs.keystone,
        setup=_keystone_setup, ready=_keystone_answers,
        on_ready=_keystone_objects, databases=('keystone',)),
    _cinder('cinder-api', port=18776, databases=('cinder',),
            user=('cinder', configs.CINDER_PASSWORD),
            catalog=(('cinderv3', 'block-storage', '/v3/%(project_id)s'),
                     ('cinderv3-legacy', 'volumev3', '/v3/%(project_id)s'))),
    _cinder('cinder-scheduler', ready=_scheduler_up, timeout=180),
    # the lock service of an active-active stack (up --active-active)
    Service('etcd', command=_etcd_command, port=12379, when=_active_active,
            timeout=30),
    _cinder('cinder-volume', ready=_backends_up('cinder-volume'),
            on_ready=_volume_types, timeout=300),
    # up --active-active: a second volume service in the same cluster
    _cinder('cinder-volume-2', binary='cinder-volume',
            ready=_backends_up('cinder-volume-2'), timeout=300,
            when=_active_active),
    _cinder('cinder-backup', ready=cloud.backup_ready, timeout=120,
            when=_cloud),
    # -- the cloud around Cinder (not with up --cinder-only)
    # Open vSwitch (userspace datapath) and OVN for Neutron's ML2/OVN
    _ovs('ovsdb-server', cloud.ovsdb_command('db'),
         setup=cloud.ovsdb_create('db'), ready=cloud.ovsdb_ready('db')),
    _ovs('ovsdb-nb', cloud.ovsdb_command('ovnnb_db'),
         setup=cloud.ovsdb_create('ovnnb_db'),
         ready=cloud.ovsdb_ready('ovnnb_db')),
    _ovs('ovsdb-sb', cloud.ovsdb_command('ovnsb_db'),
         setup=cloud.ovsdb_create('ovnsb_db'),
         ready=cloud.ovsdb_ready('ovnsb_db')),
    _ovs('ovn-northd', cloud.northd_command, after=('ovsdb-nb', 'ovsdb-sb'),
         ready=cloud.northd_ready),
    _ovs('ovs-vswitchd', cloud.vswitchd_command, after=('ovsdb-server',),
         setup=cloud.vswitchd_setup, ready=cloud.vswitchd_ready,
         on_ready=cloud.vswitchd_on_ready),
    _ovs('ovn-controller', cloud.controller_command,
         after=('ovs-vswitchd', 'ovsdb-sb'), ready=cloud.controller_ready),
    # libvirt for nova-compute (qemu TCG)
    Service('virtlogd', command=lambda stack: ['/usr/sbin/virtlogd'],
            when=_cloud, ready=lambda stack: os.path.exists(
                '/run/libvirt/virtlogd-sock'), timeout=30),
    Service('libvirtd', command=cloud.libvirtd_command, after=('virtlogd',),
            setup=cloud.libvirt_setup, ready=cloud.libvirtd_ready, when=_cloud,
            before_stop=cloud.before_libvirtd_stops, timeout=120),
    # the APIs under uwsgi
    Service('placement', command=cloud.uwsgi(
        'placement', 'placement.wsgi.api:application'),
        env=cloud.placement_env, ready=cloud.http_ready('placement'),
        port=18778, after=('mariadb', 'keystone'),
        config=configs.placement, setup=cloud.placement_setup,
        log='placement.log', when=_cloud, databases=('placement',),
        user=_keystone_user('placement'),
        catalog=(('placement', 'placement', ''),)),
    Service('glance-api', command=cloud.uwsgi(
        'glance-api', 'glance.wsgi.api:application', chunked=True),
        env=cloud.glance_env, ready=cloud.http_ready('glance-api'),
        port=9292, after=('mariadb', 'keystone'),
        config=configs.glance, setup=cloud.glance_setup,
        log='glance-api.log', when=_cloud, databases=('glance',),
        user=_keystone_user('glance'), catalog=(('glance', 'image', ''),)),
    Service('neutron-api', command=cloud.uwsgi(
        'neutron-api', 'neutron.wsgi.api:application'),
        env=cloud.neutron_env, ready=cloud.http_ready('neutron-api'),
        port=19696,
        after=('mariadb', 'keystone', 'rabbitmq', 'ovn-northd'),
        config=configs.neutron, setup=cloud.neutron_setup,
        log='neutron-api.log', when=_cloud, databases=('neutron',),
        user=_keystone_user('neutron'),
        catalog=(('neutron', 'network', ''),)),
    Service('nova-api', command=cloud.uwsgi(
        'nova-api', 'nova.wsgi.osapi_compute:application'),
        env=cloud.nova_api_env, ready=cloud.http_ready('nova-api'),
        port=18774,
        after=('mariadb', 'keystone', 'rabbitmq'), config=configs.nova,
        setup=cloud.nova_setup, log='nova-api.log', when=_cloud,
        databases=('nova_api', 'nova', 'nova_cell0'),
        user=_keystone_user('nova'),
        catalog=(('nova', 'compute', '/v2.1'),)),
    _nova('nova-conductor', after=('nova-api',),
          ready=cloud.nova_service_up('nova-conductor')),
    _nova('nova-scheduler', after=('nova-api', 'placement'),
          ready=cloud.nova_service_up('nova-scheduler')),
    _nova('nova-compute', after=(
        'nova-conductor', 'nova-scheduler', 'libvirtd', 'neutron-api',
        'glance-api', 'ovn-controller', 'simulator', 'cinder-api'),
        ready=cloud.compute_ready, on_ready=cloud.compute_on_ready,
        timeout=180),
]
