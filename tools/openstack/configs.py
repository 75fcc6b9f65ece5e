"""The config files the services read, and the harness's fixed values.

my.cnf, rabbitmq.conf, keystone.conf, cinder.conf with every path written
out (oslo.config would take ``$name`` for an option reference); names and
passwords are test-only, loopback only. Standard library only.
"""

import os
import string
import types

from layout import write_file

HOST = '127.0.0.1'
ADMIN_PASSWORD = 'secretadmin'
CINDER_PASSWORD = 'secretcinder'
DB_USER = 'os'
DB_PASSWORD = 'ospass'
CINDER_HOST = 'harness'
RABBIT_NODE = 'harness@localhost'
RABBIT_DIST_PORT = 15674
EPMD_PORT = 14369
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
        markers=layout.data('markers'))
    for d in (layout.run, layout.logs, layout.etc(),
              p.mysql_data, p.rabbit_home, p.rabbit_mnesia, p.fernet_keys,
              p.credential_keys, p.cinder_state, p.cinder_lock, p.sim_state,
              p.markers):
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
connection = ${db_url}/keystone?charset=utf8mb4

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
rootwrap_config = ${venv}/etc/cinder/rootwrap.conf
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = ${cinder_port}
osapi_volume_workers = 2
enabled_backends = ${enabled_backends}
default_volume_type = __DEFAULT__
# a stop (down) should not wait 60 s for in-flight requests
graceful_shutdown_timeout = 5
glance_api_servers = http://127.0.0.1:9292

[database]
connection = ${db_url}/cinder?charset=utf8mb4

[oslo_concurrency]
lock_path = ${cinder_lock}

[coordination]
backend_url = file://${cinder_lock}

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
${backend_sections}"""

BACKEND_SECTION = """
[${name}]
volume_driver = scaleio_cinder.driver.ScaleIODriver
volume_backend_name = ${name}
san_ip = ${san_ip}
scaleio_rest_server_port = ${san_port}
san_login = ${san_login}
san_password = ${san_password}
scaleio_storage_pools = ${pools}
${tls_lines}
"""


def backends(gateway):
    """[(backend name, pool)]: one backend per pool, scaleio-1, -2..."""
    return [('scaleio-%d' % (i + 1), pool)
            for i, pool in enumerate(gateway['pools'])]


def _render(stack, template, path, mode=0o644, **extra):
    values = dict(vars(stack.paths), venv=stack.layout.venv,
                  run=stack.layout.run, logs=stack.layout.logs,
                  keystone_url=stack.url('keystone'),
                  mariadb_port=stack.port('mariadb'),
                  amqp_port=stack.port('rabbitmq'),
                  db_url='mysql+pymysql://%s:%s@%s:%d' % (
                      DB_USER, DB_PASSWORD, HOST, stack.port('mariadb')))
    values.update(extra)
    write_file(stack.layout.etc(path),
               string.Template(template).substitute(values), mode)


def mariadb(stack):
    _render(stack, MY_CNF, 'my.cnf')


def rabbitmq(stack):
    _render(stack, RABBITMQ_CONF, 'rabbitmq.conf')
    write_file(stack.layout.etc('enabled_plugins'), '[].\n')


def rabbitmq_env(stack):
    """Environment of rabbitmq-server: a private node on private ports."""
    return dict(
        os.environ, HOME=stack.paths.rabbit_home,
        RABBITMQ_HOME='/usr/lib/rabbitmq',
        RABBITMQ_NODENAME=RABBIT_NODE,
        RABBITMQ_NODE_IP_ADDRESS=HOST,
        RABBITMQ_NODE_PORT=str(stack.port('rabbitmq')),
        RABBITMQ_DIST_PORT=str(RABBIT_DIST_PORT),
        ERL_EPMD_ADDRESS=HOST,
        ERL_EPMD_PORT=str(EPMD_PORT),
        RABBITMQ_MNESIA_BASE=stack.paths.rabbit_mnesia,
        RABBITMQ_LOG_BASE=stack.layout.logs,
        RABBITMQ_CONFIG_FILE=stack.layout.etc('rabbitmq'),
        RABBITMQ_ENABLED_PLUGINS_FILE=stack.layout.etc('enabled_plugins'),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
            '-kernel inet_dist_use_interface {127,0,0,1}'))


def keystone(stack):
    _render(stack, KEYSTONE_CONF, 'keystone.conf', mode=0o600)


def cinder(stack):
    """cinder.conf: one backend section per pool of the gateway."""
    gateway = stack.gateway()
    if gateway.get('ca_file'):
        tls = 'scaleio_ca_bundle = %s' % gateway['ca_file']
    elif gateway.get('verify', True):
        tls = '# TLS verified with the system trust store'
    else:
        tls = 'scaleio_verify_certificate = False'
    sections = ''.join(string.Template(BACKEND_SECTION).substitute(
        name=name, san_ip=gateway['host'], san_port=gateway['port'],
        san_login=gateway['user'], san_password=gateway['password'],
        pools=pool, tls_lines=tls) for name, pool in backends(gateway))
    _render(stack, CINDER_CONF, 'cinder.conf', mode=0o600,
            debug=bool(stack.settings.get('debug')),
            cinder_host=CINDER_HOST, cinder_port=stack.port('cinder-api'),
            cinder_password=CINDER_PASSWORD,
            enabled_backends=','.join(n for n, _ in backends(gateway)),
            backend_sections=sections)
