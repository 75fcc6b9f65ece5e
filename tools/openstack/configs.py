"""The config files the services read, and the harness's fixed values.

my.cnf, rabbitmq.conf, keystone.conf, cinder.conf with every path written
out (oslo.config would take ``$name`` for an option reference); names and
passwords are test-only, loopback only. Standard library only.
"""

import json
import os
import string
import types

from layout import write_file

HOST = '127.0.0.1'
ADMIN_PASSWORD = 'secretadmin'
CINDER_PASSWORD = 'secretcinder'
DB_USER = 'os'
DB_PASSWORD = 'ospass'
# PyMySQL 1.2 tries TLS on every new connection unless told not to, and
# builds an SSL context (the system's CA bundle read anew) each time:
# 15% of a busy cinder-volume's CPU here. MariaDB on loopback has no TLS.
DB_QUERY = 'charset=utf8mb4&ssl_disabled=1'
CINDER_HOST = 'harness'
RABBIT_NODE = 'harness@localhost'
SIM_USER = 'admin'
SIM_PASSWORD = 'Scaleio123'
SIM_POOLS = ['pd1:sp1', 'pd1:sp2']
ADMIN = {'username': 'admin', 'password': ADMIN_PASSWORD,
         'project_name': 'admin', 'user_domain_name': 'Default',
         'project_domain_name': 'Default'}


def paths(layout):
    """The services' own files in the state dir; the directories exist."""
    p = types.SimpleNamespace(
        mysql_data=layout.data('mysql'),
        mysql_socket=os.path.join(layout.run, 'mysqld.sock'),
        rabbit_home=layout.data('rabbitmq', 'home'),
        rabbit_mnesia=layout.data('rabbitmq', 'mnesia'),
        fernet_keys=layout.data('keystone', 'fernet-keys'),
        credential_keys=layout.data('keystone', 'credential-keys'),
        cinder_state=layout.data('cinder', 'state'),
        cinder_lock=layout.data('cinder', 'lock'),
        sim_state=layout.data('simulator'),
        sim_ready=os.path.join(layout.run, 'simulator-ready.json'),
        pf5_state=layout.data('simulator-pf5'),
        pf5_ready=os.path.join(layout.run, 'simulator-pf5-ready.json'),
        markers=layout.data('markers'))
    for d in (layout.run, layout.logs, layout.etc(),
              p.mysql_data, p.rabbit_home, p.rabbit_mnesia, p.fernet_keys,
              p.credential_keys, p.cinder_state, p.cinder_lock, p.sim_state,
              p.pf5_state, p.markers):
        os.makedirs(d, exist_ok=True)
    return p


MY_CNF = """\
[mysqld]
user = root
datadir = ${mysql_data}
socket = ${mysql_socket}
pid-file = ${run}/mysqld.pidfile
log-error = ${logs}/mariadb.log
bind-address = 127.0.0.1
port = ${mariadb_port}
skip-name-resolve
skip-log-bin
innodb_buffer_pool_size = 128M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
sync_binlog = 0
max_connections = 500
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci

[client]
socket = ${mysql_socket}
port = ${mariadb_port}
"""

RABBITMQ_CONF = """\
listeners.tcp.default = 127.0.0.1:${amqp_port}
loopback_users.guest = true
disk_free_limit.absolute = 50MB
"""

KEYSTONE_CONF = """\
[DEFAULT]
log_file = ${logs}/keystone.log
debug = False

[database]
connection = ${db_url}/keystone?${db_query}

[token]
provider = fernet

[fernet_tokens]
key_repository = ${fernet_keys}

[credential]
key_repository = ${credential_keys}

[cache]
enabled = True
backend = dogpile.cache.memory

[identity]
# tempest creates a user per test class: bcrypt's 12 rounds burn the CPU
password_hash_rounds = 4
"""

CINDER_CONF = """\
[DEFAULT]
debug = ${debug}
log_dir = ${logs}
state_path = ${cinder_state}
my_ip = 127.0.0.1
host = ${cinder_host}
transport_url = rabbit://guest:guest@127.0.0.1:${amqp_port}/
auth_strategy = keystone
api_paste_config = ${venv}/etc/cinder/api-paste.ini
resource_query_filters_file = ${venv}/etc/cinder/resource_filters.json
rootwrap_config = ${rootwrap_config}
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = ${cinder_port}
osapi_volume_workers = 2
enabled_backends = ${enabled_backends}
default_volume_type = __DEFAULT__
# a stop (down) should not wait 60 s for in-flight requests
graceful_shutdown_timeout = 5
glance_api_servers = http://127.0.0.1:9292
${cloud_default}${active_active}
[database]
connection = ${db_url}/cinder?${db_query}

[oslo_concurrency]
lock_path = ${cinder_lock}

[coordination]
backend_url = ${coordination_url}

[keystone_authtoken]
www_authenticate_uri = ${keystone_url}/v3
auth_url = ${keystone_url}/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = cinder
password = ${cinder_password}
service_token_roles_required = true

[service_user]
send_service_user_token = false
${cloud_sections}${backend_sections}"""

BACKEND_SECTION = """
[${name}]
volume_driver = ${driver}
volume_backend_name = ${backend_name}
san_ip = ${san_ip}
scaleio_rest_server_port = ${san_port}
san_login = ${san_login}
san_password = ${san_password}
scaleio_storage_pools = ${pools}
${tls_lines}${extra_lines}
"""

SDC_DRIVER = 'scaleio_cinder.driver.ScaleIODriver'
NVME_DRIVER = 'scaleio_cinder.driver.ScaleIONVMeDriver'

# up --in-tree: Cinder 29's own PowerFlex driver, unmodified, beside ours
# on the same gateway and first pool (benchmarks compare the two)
IN_TREE_DRIVER = ('cinder.volume.drivers.dell_emc.powerflex.driver.'
                  'PowerFlexDriver')
IN_TREE_SECTION = """
[${name}]
# Cinder's in-tree driver (up --in-tree), not ours
volume_driver = ${driver}
volume_backend_name = ${backend_name}
san_ip = ${san_ip}
powerflex_rest_server_port = ${san_port}
san_login = ${san_login}
san_password = ${san_password}
powerflex_storage_pools = ${pools}
${tls_lines}${extra_lines}
"""

# up --in-tree also: Cinder's own test driver that does nothing (no array,
# no wait), so the benchmark measures the stack's own ceiling: the most
# any driver could get through this Cinder on this machine. It names its
# backend and pool "fake" whatever the configuration says.
NULL_DRIVER = 'cinder.tests.fake_driver.FakeLoggingVolumeDriver'
NULL_SECTION = """
[${name}]
# Cinder's do-nothing test driver (up --in-tree): the stack's ceiling
volume_driver = ${driver}
volume_backend_name = ${backend_name}
"""

# up --active-active: the volume services form one cluster and lock
# through etcd; they report often so that a dead one is seen soon.
CLUSTER = 'harness-cluster'
ACTIVE_ACTIVE_DEFAULT = """\
cluster = %s
report_interval = 2
service_down_time = 12
""" % CLUSTER


def volume_host(service):
    """The ``host`` of a volume service: harness, harness-2..."""
    suffix = service[len('cinder-volume'):]
    return CINDER_HOST + suffix


# -- the simulated systems beside the first (up without --gateway)
# The first system's replication peer: the same simulator process
# (scaleio-sim --peer-port), the same pools and the same SDC hosts (one
# SDC GUID per host, known to both systems, as a real SDC connected to
# two systems is; device links of both in the host's by-id).
PEER_BACKEND_ID = 'peer'
# A PowerFlex 5.0 system (a second simulator process: the peer runs at
# the first system's API version, 3.5): a mirrored domain whose pool
# serves the NVMe/TCP backend, and an erasure-coded (EC) domain. Its
# pools are smaller than the first system's, so that Cinder's capacity
# weigher never puts a volume whose type names no backend there (on the
# NVMe backend nothing attaches: no nvme-tcp kernel module here).
PF5_API_VERSION = '5.0'
PF5_SYSTEM = {'id': '5c1a0de4a7e10005', 'name': 'scaleio-sim-pf5'}
PF5_NVME_POOL = 'pf5:nvme'
PF5_EC_POOL = 'pf5ec:ecp'
PF5_POOL_GIB = 256


def pf5_topology(stack):
    """The 5.0 system: the first system's SDC hosts (GUIDs, directories)."""
    hosts = os.path.join(stack.paths.sim_state, 'hosts')
    return {
        'system': dict(PF5_SYSTEM),
        'users': [{'name': SIM_USER, 'password': SIM_PASSWORD}],
        'protection_domains': [
            {'name': 'pf5', 'generation': 'Mirroring', 'storage_pools': [
                {'name': 'nvme', 'data_layout': 'MediumGranularity',
                 'capacity_gib': PF5_POOL_GIB}]},
            {'name': 'pf5ec', 'generation': 'EC', 'storage_pools': [
                {'name': 'ecp', 'capacity_gib': PF5_POOL_GIB}]}],
        'sdcs': [dict(sdc, host_dir=os.path.join(hosts, sdc['name']))
                 for sdc in SIM_SDCS],
        'sdts': [{'name': 'sdt1', 'ips': [HOST], 'nvme_port': 4420}],
    }


def write_pf5_topology(stack):
    write_file(stack.layout.etc('simulator-pf5-topology.json'),
               json.dumps(pf5_topology(stack), indent=1) + '\n')


def sim_peer_port(stack):
    """The first system's replication peer: the port after its own."""
    return stack.port('simulator') + 1


# The first system's SDCs (scaleio_sim.topology.DEFAULT)
SIM_SDCS = [
    {'name': 'sdc1', 'guid': '5C1A0001-0000-4000-8000-000000000001',
     'ip': '192.0.2.11'},
    {'name': 'sdc2', 'guid': '5C1A0001-0000-4000-8000-000000000002',
     'ip': '192.0.2.12'},
]


def backends(stack):
    """Every Cinder backend: a dict each (name, pool, kind, driver...).

    One SDC backend per pool of the gateway, ``scaleio-1``, ``-2``...
    (kind ``sdc``). With the simulator also: ``scaleio-rep`` (kind
    ``replicated``: the first system's first pool, replicated to its
    peer), ``scaleio-nvme`` (kind ``nvme``) and ``scaleio-ec`` (kind
    ``ec``) on the 5.0 system.
    """
    gateway = stack.gateway()
    found = [dict(name='scaleio-%d' % (i + 1), pool=pool, kind='sdc',
                  driver=SDC_DRIVER, system='gateway', gateway=gateway)
             for i, pool in enumerate(gateway['pools'])]
    if stack.settings.get('in_tree'):
        # a volume type each: the benchmark's way to either driver
        found[0]['volume_type'] = found[0]['name']
        found.append(dict(name='powerflex-1', pool=gateway['pools'][0],
                          kind='in-tree', driver=IN_TREE_DRIVER,
                          system='gateway', gateway=gateway,
                          volume_type='powerflex-1'))
        found.append(dict(name='null-1', pool='fake', backend_name='fake',
                          kind='null', driver=NULL_DRIVER, system='none',
                          volume_type='null-1'))
    if 'gateway' in stack.settings:
        return found
    peer = stack.sim.get('peer') if stack.sim else None
    if peer:
        found.append(dict(
            name='scaleio-rep', pool=gateway['pools'][0], kind='replicated',
            # cinder-tempest-plugin's replication tests take the part of
            # a replication pool's name after "#" as volume_backend_name
            # (right for LVM, which names its pool after its backend)
            backend_name=gateway['pools'][0],
            driver=SDC_DRIVER, system='gateway', gateway=gateway,
            replication_device=PEER_BACKEND_ID,
            volume_type='scaleio-replicated',
            type_specs={'replication_enabled': '<is> True'},
            # the first pool again: Cinder's capacity weigher would
            # share volumes whose type names no backend between it and
            # scaleio-1 (and a failover puts those in error); with this
            # ratio scaleio-1 always weighs more
            extra_lines='scaleio_max_over_subscription_ratio = 1.0\n'
            'replication_device = %s\n' % ','.join(
                '%s:%s' % kv for kv in (
                    ('backend_id', PEER_BACKEND_ID), ('san_ip', HOST),
                    ('scaleio_rest_server_port', peer['port']),
                    ('san_login', SIM_USER), ('san_password', SIM_PASSWORD),
                    ('scaleio_ca_bundle', peer['ca_file'])))))
    pf5 = stack.pf5_gateway()
    if pf5:
        found.append(dict(name='scaleio-nvme', pool=PF5_NVME_POOL,
                          kind='nvme', driver=NVME_DRIVER, system='pf5',
                          gateway=pf5, volume_type='scaleio-nvme'))
        found.append(dict(name='scaleio-ec', pool=PF5_EC_POOL, kind='ec',
                          driver=SDC_DRIVER, system='pf5', gateway=pf5,
                          volume_type='scaleio-ec'))
    return found


def backend_name(backend):
    """Its volume_backend_name: its name, unless it says otherwise."""
    return backend.get('backend_name', backend['name'])


def _tls_lines(gateway):
    if gateway.get('ca_file'):
        return 'scaleio_ca_bundle = %s\n' % gateway['ca_file']
    if gateway.get('verify', True):
        return '# TLS verified with the system trust store\n'
    return 'scaleio_verify_certificate = False\n'


def _in_tree_tls_lines(gateway):
    if gateway.get('ca_file'):
        return ('driver_ssl_cert_verify = True\n'
                'driver_ssl_cert_path = %s\n' % gateway['ca_file'])
    verify = gateway.get('verify', True)
    return 'driver_ssl_cert_verify = %s\n' % bool(verify)


def _backend_section(backend):
    if backend['kind'] == 'null':
        return string.Template(NULL_SECTION).substitute(
            name=backend['name'], driver=backend['driver'],
            backend_name=backend_name(backend))
    gateway = backend['gateway']
    if backend['kind'] == 'in-tree':
        template, tls = IN_TREE_SECTION, _in_tree_tls_lines(gateway)
    else:
        template, tls = BACKEND_SECTION, _tls_lines(gateway)
    return string.Template(template).substitute(
        name=backend['name'], driver=backend['driver'],
        backend_name=backend_name(backend),
        san_ip=gateway['host'], san_port=gateway['port'],
        san_login=gateway['user'], san_password=gateway['password'],
        pools=backend['pool'], tls_lines=tls,
        extra_lines=backend.get('extra_lines', ''))


def _database(stack):
    """${db_url}/<database>?${db_query}: every service's connection."""
    return dict(db_url='mysql+pymysql://%s:%s@%s:%d' % (
        DB_USER, DB_PASSWORD, HOST, stack.port('mariadb')),
        db_query=DB_QUERY)


def _render(stack, template, path, mode=0o644, **extra):
    values = dict(vars(stack.paths), venv=stack.layout.venv,
                  run=stack.layout.run, logs=stack.layout.logs,
                  keystone_url=stack.url('keystone'),
                  mariadb_port=stack.port('mariadb'),
                  amqp_port=stack.port('rabbitmq'),
                  **_database(stack))
    values.update(extra)
    write_file(stack.layout.etc(path),
               string.Template(template).substitute(values), mode)


def mariadb(stack):
    _render(stack, MY_CNF, 'my.cnf')


def rabbitmq(stack):
    _render(stack, RABBITMQ_CONF, 'rabbitmq.conf')
    write_file(stack.layout.etc('enabled_plugins'), '[].\n')


def rabbit_dist_port(stack):
    return stack.port('rabbitmq') + 1


def epmd_port(stack):
    """Erlang's port mapper: private, so a system RabbitMQ is no bother."""
    return stack.port('rabbitmq') - 1304


def rabbitmq_env(stack):
    """Environment of rabbitmq-server: a private node on private ports."""
    return dict(
        os.environ, HOME=stack.paths.rabbit_home,
        RABBITMQ_HOME='/usr/lib/rabbitmq',
        RABBITMQ_NODENAME=RABBIT_NODE,
        RABBITMQ_NODE_IP_ADDRESS=HOST,
        RABBITMQ_NODE_PORT=str(stack.port('rabbitmq')),
        RABBITMQ_DIST_PORT=str(rabbit_dist_port(stack)),
        ERL_EPMD_ADDRESS=HOST,
        ERL_EPMD_PORT=str(epmd_port(stack)),
        RABBITMQ_MNESIA_BASE=stack.paths.rabbit_mnesia,
        RABBITMQ_LOG_BASE=stack.layout.logs,
        RABBITMQ_CONFIG_FILE=stack.layout.etc('rabbitmq'),
        RABBITMQ_ENABLED_PLUGINS_FILE=stack.layout.etc('enabled_plugins'),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
            '-kernel inet_dist_use_interface {127,0,0,1}'))


def keystone(stack):
    _render(stack, KEYSTONE_CONF, 'keystone.conf', mode=0o600)


def cinder(stack):
    """cinder.conf: one backend section per backend (``backends``)."""
    all_backends = backends(stack)
    sections = ''.join(_backend_section(b) for b in all_backends)
    cloud_default = cloud_sections = ''
    rootwrap = os.path.join(stack.layout.venv, 'etc/cinder/rootwrap.conf')
    if stack.cloud:
        c = stack.cloud_paths()
        rootwrap = os.path.join(c.rootwrap, 'cinder', 'rootwrap.conf')
        cloud_default = CINDER_CLOUD_DEFAULT % c.backups
        # extend of an attached volume: cinder tells nova (as a service)
        cloud_sections = _auth_section(stack, 'nova', 'cinder',
                                       CINDER_PASSWORD)
    active_active = ''
    coordination = 'file://%s' % stack.paths.cinder_lock
    if stack.settings.get('active_active'):
        active_active = ACTIVE_ACTIVE_DEFAULT
        coordination = 'etcd3+http://%s:%d' % (HOST, stack.port('etcd'))
        for s in stack.services:
            if s.name.startswith('cinder-volume-'):
                write_file(stack.layout.etc(s.name + '.conf'),
                           '[DEFAULT]\nhost = %s\n' % volume_host(s.name))
    _render(stack, CINDER_CONF, 'cinder.conf', mode=0o600,
            rootwrap_config=rootwrap, cloud_default=cloud_default,
            active_active=active_active, coordination_url=coordination,
            cloud_sections=cloud_sections,
            debug=bool(stack.settings.get('debug')),
            cinder_host=CINDER_HOST, cinder_port=stack.port('cinder-api'),
            cinder_password=CINDER_PASSWORD,
            enabled_backends=','.join(b['name'] for b in all_backends),
            backend_sections=sections)


# ------------------------------------------------------------ the cloud
# Nova, Placement, Glance, Neutron (ML2/OVN) and cinder-backup around
# Cinder: ``up``'s default, ``up --cinder-only`` leaves them out.
SERVICE_PASSWORD = 'secretservice'
COMPUTE_HOST = 'compute1'
COMPUTE_SDC = 'sdc1'        # the simulated SDC of the compute host
CINDER_SDC = 'sdc2'         # of the cinder-volume and cinder-backup host
# The provider network the SSH scenarios' guests boot on: flat, physical
# network PHYSNET on the userspace bridge PROVIDER_BRIDGE, whose internal
# port (a tap in the host) has PROVIDER_HOST_IP: tempest reaches the
# guests on their fixed addresses.
PHYSNET = 'public'
PROVIDER_BRIDGE = 'br-ex'
PROVIDER_CIDR = '172.24.5.0/24'
PROVIDER_HOST_IP = '172.24.5.1'
PROVIDER_POOL = ('172.24.5.10', '172.24.5.250')


def cloud_paths(stack):
    """The cloud services' files under the state dir; the dirs exist."""
    lay = stack.layout
    p = types.SimpleNamespace(
        nova_state=lay.data('nova', 'state'),
        nova_instances=lay.data('nova', 'instances'),
        nova_lock=lay.data('nova', 'lock'),
        glance_images=lay.data('glance', 'images'),
        glance_staging=lay.data('glance', 'staging'),
        glance_tasks=lay.data('glance', 'tasks'),
        glance_lock=lay.data('glance', 'lock'),
        neutron_state=lay.data('neutron', 'state'),
        neutron_lock=lay.data('neutron', 'lock'),
        placement_lock=lay.data('placement', 'lock'),
        backups=lay.data('cinder', 'backups'),
        ovs=lay.data('ovs'),
        ovs_run=os.path.join(lay.run, 'ovs'),
        libvirt_run=os.path.join(lay.run, 'libvirt'),
        bin=os.path.join(lay.state, 'bin'),       # the sudo shim
        rootwrap=lay.etc('rootwrap'),
        sim_hosts=os.path.join(stack.paths.sim_state, 'hosts'))
    for d in vars(p).values():
        if d != p.sim_hosts:
            os.makedirs(d, exist_ok=True)
    return p


def _auth_section(stack, name, user, password):
    return """
[%s]
auth_url = %s/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = %s
password = %s
region_name = RegionOne
""" % (name, stack.url('keystone'), user, password)


def _authtoken(stack, user, password):
    return (_auth_section(stack, 'keystone_authtoken', user, password)
            + 'www_authenticate_uri = %s/v3\n'
              'service_token_roles_required = true\n'
            % stack.url('keystone'))


def _values(stack):
    c = stack.cloud_paths()
    return dict(vars(c), venv=stack.layout.venv, run=stack.layout.run,
                logs=stack.layout.logs,
                amqp_port=stack.port('rabbitmq'),
                **_database(stack),
                keystone_url=stack.url('keystone'),
                glance_url=stack.url('glance-api'),
                neutron_url=stack.url('neutron-api'),
                placement_url=stack.url('placement'),
                compute_host=COMPUTE_HOST, physnet=PHYSNET,
                sdc_dir=os.path.join(c.sim_hosts, COMPUTE_SDC))


PLACEMENT_CONF = """\
[DEFAULT]
log_file = ${logs}/placement.log
debug = False

[placement_database]
connection = ${db_url}/placement?${db_query}

[api]
auth_strategy = keystone

[oslo_concurrency]
lock_path = ${placement_lock}
"""


def placement(stack):
    d = stack.layout.etc('placement')
    os.makedirs(d, exist_ok=True)
    write_file(os.path.join(d, 'placement.conf'),
               string.Template(PLACEMENT_CONF).substitute(_values(stack))
               + _authtoken(stack, 'placement', SERVICE_PASSWORD),
               mode=0o600)


# One nova.conf for all nova services.
NOVA_CONF = """\
[DEFAULT]
log_dir = ${logs}
debug = False
state_path = ${nova_state}
instances_path = ${nova_instances}
host = ${compute_host}
my_ip = 127.0.0.1
compute_driver = scaleio_libvirt.LibvirtDriver
transport_url = rabbit://guest:guest@127.0.0.1:${amqp_port}/
rootwrap_config = ${rootwrap}/nova/rootwrap.conf
# guests here ignore ACPI power-off: a stop would wait 60 s each
shutdown_timeout = 2
# the boot-sector guests need no config drive; the SSH scenarios' Linux
# guest image asks for one (img_config_drive = mandatory): its keys
force_config_drive = False
# a stop (down) should not wait for in-flight requests
graceful_shutdown_timeout = 5
# tempest boots many small servers: do not refuse them for disk or RAM
ram_allocation_ratio = 4.0
disk_allocation_ratio = 10.0
cpu_allocation_ratio = 16.0
# volume-backed servers only, mostly; leave the host's disk alone
reserved_host_disk_mb = 0
reserved_host_memory_mb = 256
instance_usage_audit = False
heal_instance_info_cache_interval = -1
sync_power_state_interval = -1

[wsgi]
api_paste_config = ${venv}/etc/nova/api-paste.ini

[api]
auth_strategy = keystone

[api_database]
connection = ${db_url}/nova_api?${db_query}

[database]
connection = ${db_url}/nova?${db_query}

[oslo_concurrency]
lock_path = ${nova_lock}

[conductor]
workers = 1

[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1

[filter_scheduler]
# tempest's multiattach and many servers at once on one host
track_instance_changes = False

[libvirt]
virt_type = qemu
cpu_mode = none
connection_uri = qemu:///system
device_detach_timeout = 5
device_detach_attempts = 3
live_migration_uri = qemu+ssh://%s/system

[vnc]
enabled = False

[spice]
enabled = False

[serial_console]
enabled = False

[os_vif_ovs]
ovsdb_connection = unix:${ovs_run}/db.sock
ovsdb_interface = native

[scaleio]
# the compute host is the simulator's SDC host sdc1
search_path = ${sdc_dir}/by-id
drv_cfg_path = ${sdc_dir}/drv_cfg

[oslo_messaging_notifications]
driver = noop

[notifications]
notification_format = unversioned

[glance]
api_servers = ${glance_url}

[neutron]
url = ${neutron_url}
"""


def nova(stack):
    d = stack.layout.etc('nova')
    os.makedirs(d, exist_ok=True)
    text = string.Template(NOVA_CONF).substitute(_values(stack))
    text += _authtoken(stack, 'nova', SERVICE_PASSWORD)
    text += _auth_section(stack, 'placement', 'placement', SERVICE_PASSWORD)
    text += _auth_section(stack, 'neutron', 'neutron', SERVICE_PASSWORD)
    text += _auth_section(stack, 'cinder', 'nova', SERVICE_PASSWORD)
    text += 'catalog_info = block-storage::publicURL\n'
    text += _auth_section(stack, 'service_user', 'nova', SERVICE_PASSWORD)
    text += 'send_service_user_token = true\n'
    write_file(os.path.join(d, 'nova.conf'), text, mode=0o600)
    # nova-api under uwsgi reads these (OS_NOVA_CONFIG_FILES): the paste
    # ini must be among them
    write_file(os.path.join(d, 'nova-api.conf'),
               '[DEFAULT]\nlog_file = %s\n'
               % stack.layout.log('nova-api.log'))
    _copy(os.path.join(stack.layout.venv, 'etc', 'nova', 'api-paste.ini'),
          os.path.join(d, 'api-paste.ini'))


def _copy(src, dst):
    with open(src) as f:
        write_file(dst, f.read())


GLANCE_CONF = """\
[DEFAULT]
log_file = ${logs}/glance-api.log
debug = False
enabled_backends = fs:file
# show_image_direct_url lets cinder know the image's store
show_image_direct_url = True
show_multiple_locations = False
# a volume uploaded to an image is the whole device: the array's 8 GiB
# allocation unit behind a 1 GiB Cinder volume
image_size_cap = 17179869184

[database]
connection = ${db_url}/glance?${db_query}

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = ${glance_images}

[os_glance_staging_store]
filesystem_store_datadir = ${glance_staging}

[os_glance_tasks_store]
filesystem_store_datadir = ${glance_tasks}

[oslo_concurrency]
lock_path = ${glance_lock}

[paste_deploy]
flavor = keystone
config_file = ${venv}/etc/glance/glance-api-paste.ini

[image_format]
# the harness's image and tempest's are raw
require_image_format_match = False
"""


def glance(stack):
    d = stack.layout.etc('glance')
    os.makedirs(d, exist_ok=True)
    write_file(os.path.join(d, 'glance-api.conf'),
               string.Template(GLANCE_CONF).substitute(_values(stack))
               + _authtoken(stack, 'glance', SERVICE_PASSWORD),
               mode=0o600)


NEUTRON_CONF = """\
[DEFAULT]
log_file = ${logs}/neutron-api.log
debug = False
state_path = ${neutron_state}
core_plugin = ml2
service_plugins = ovn-router
allow_overlapping_ips = True
auth_strategy = keystone
transport_url = rabbit://guest:guest@127.0.0.1:${amqp_port}/
notify_nova_on_port_status_changes = True
notify_nova_on_port_data_changes = True
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
api_paste_config = ${venv}/etc/neutron/api-paste.ini

[database]
connection = ${db_url}/neutron?${db_query}

[oslo_concurrency]
lock_path = ${neutron_lock}

[ml2]
type_drivers = local,flat,vlan,geneve
tenant_network_types = geneve
mechanism_drivers = ovn
extension_drivers = port_security

[ml2_type_flat]
# the provider network of the SSH scenarios (cloud_setup.py)
flat_networks = ${physnet}

[ml2_type_geneve]
vni_ranges = 1:65536
max_header_size = 38

[ovn]
ovn_nb_connection = unix:${ovs_run}/ovnnb_db.sock
ovn_sb_connection = unix:${ovs_run}/ovnsb_db.sock
ovn_metadata_enabled = False
enable_distributed_floating_ip = False

[securitygroup]
enable_security_group = True

[experimental]
linuxbridge = False
"""


def neutron(stack):
    d = stack.layout.etc('neutron')
    os.makedirs(d, exist_ok=True)
    write_file(os.path.join(d, 'neutron.conf'),
               string.Template(NEUTRON_CONF).substitute(_values(stack))
               + _authtoken(stack, 'neutron', SERVICE_PASSWORD)
               + _auth_section(stack, 'nova', 'nova', SERVICE_PASSWORD)
               + _auth_section(stack, 'placement', 'placement',
                               SERVICE_PASSWORD),
               mode=0o600)


SUDO_SHIM = """\
#!/bin/sh
# tools/openstack (harness only): the services run as root and this
# machine has no sudo; privsep and rootwrap call "sudo CMD...".
exec "$@"
"""


def privileges(stack):
    """The sudo shim, and rootwrap.conf copies pointing at the venv."""
    c = stack.cloud_paths()
    write_file(os.path.join(c.bin, 'sudo'), SUDO_SHIM, mode=0o755)
    for project in ('nova', 'cinder'):
        etc = os.path.join(stack.layout.venv, 'etc', project)
        d = os.path.join(c.rootwrap, project)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(etc, 'rootwrap.conf')) as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            if line.startswith('filters_path'):
                line = 'filters_path = %s' % os.path.join(etc, 'rootwrap.d')
            elif line.startswith('exec_dirs'):
                line = ('exec_dirs = %s,/sbin,/usr/sbin,/bin,/usr/bin,'
                        '/usr/local/bin,/usr/local/sbin'
                        % os.path.join(stack.layout.venv, 'bin'))
            out.append(line)
        write_file(os.path.join(d, 'rootwrap.conf'), '\n'.join(out) + '\n')


def service_env(stack, **extra):
    """Environment of an OpenStack service: the sudo shim first on PATH."""
    c = stack.cloud_paths()
    env = dict(os.environ, PATH='%s:%s:/usr/local/sbin:/usr/local/bin:'
               '/usr/sbin:/usr/bin:/sbin:/bin' % (
                   c.bin, os.path.join(stack.layout.venv, 'bin')))
    env.update(extra)
    return env


CINDER_CLOUD_DEFAULT = """\
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = %s
backup_workers = 1
# A backup reads the whole device: the array's 8 GiB unit behind a 1 GiB
# volume, mostly zeros. zstd makes that a few MiB on disk (zlib or no
# compression: minutes a backup here); 64 MiB files, not 2 GB ones that
# cinder-backup holds in memory.
backup_file_size = 67108864
backup_compression_algorithm = zstd
# one SHA-256 a MiB, not a 32 KiB block: 8 GiB make 8192, not 262144
backup_sha_block_size_bytes = 1048576
"""
