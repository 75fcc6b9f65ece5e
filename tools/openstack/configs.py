"""Layout, ports and configuration files of the harness.

Standard library only. Every file the services read is rendered here from
a template with absolute paths written out (oslo.config would take
``$name`` for an option reference).
"""

import os
import string

HOST = '127.0.0.1'

# Private ports, away from the services' defaults so that a system MariaDB,
# RabbitMQ or OpenStack on the same machine does not collide with ours.
PORTS = {
    'keystone': 15000,
    'cinder-api': 18776,
    'mariadb': 13306,
    'amqp': 15673,
    'erlang-dist': 15674,
    'epmd': 14369,
    'simulator': 18443,
}

ADMIN_PASSWORD = 'secretadmin'
CINDER_PASSWORD = 'secretcinder'
DB_USER = 'os'
DB_PASSWORD = 'ospass'
RABBIT_NODE = 'harness@localhost'
CINDER_HOST = 'harness'
SIM_USER = 'admin'
SIM_PASSWORD = 'Scaleio123'
SIM_POOLS = ['pd1:sp1', 'pd1:sp2']


class Layout:
    """Where everything lives under one state dir."""

    def __init__(self, state):
        self.state = os.path.abspath(state)
        j = os.path.join
        self.venv = j(self.state, 'venv')
        self.run = j(self.state, 'run')
        self.logs = j(self.state, 'logs')
        self.etc = j(self.state, 'etc')
        self.data = j(self.state, 'data')
        self.mysql_data = j(self.data, 'mysql')
        self.mysql_socket = j(self.run, 'mysqld.sock')
        self.rabbit_home = j(self.data, 'rabbitmq', 'home')
        self.rabbit_mnesia = j(self.data, 'rabbitmq', 'mnesia')
        self.rabbit_pid = j(self.run, 'rabbitmq-beam.pidfile')
        self.fernet_keys = j(self.data, 'keystone', 'fernet-keys')
        self.credential_keys = j(self.data, 'keystone', 'credential-keys')
        self.cinder_state = j(self.data, 'cinder', 'state')
        self.cinder_lock = j(self.data, 'cinder', 'lock')
        self.sim_state = j(self.data, 'simulator')
        self.sim_ready = j(self.run, 'simulator-ready.json')
        self.settings = j(self.state, 'settings.json')
        self.env_json = j(self.state, 'env.json')
        self.openrc = j(self.state, 'admin-openrc')
        self.markers = j(self.data, 'markers')

    def etc_file(self, name):
        return os.path.join(self.etc, name)

    def log(self, name):
        return os.path.join(self.logs, name)

    def bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def dirs(self):
        return [self.run, self.logs, self.etc, self.mysql_data,
                self.rabbit_home, self.rabbit_mnesia, self.fernet_keys,
                self.credential_keys, self.cinder_state, self.cinder_lock,
                self.sim_state, self.markers]


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

ADMIN_OPENRC = """\
# Source me: admin of the harness cloud (tools/openstack/harness.py)
export OS_AUTH_URL=${keystone_url}/v3
export OS_USERNAME=admin
export OS_PASSWORD=${admin_password}
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
export OS_VOLUME_API_VERSION=3
"""


def values(layout, settings):
    v = {k: getattr(layout, k) for k in vars(layout)}
    v.update({
        'mariadb_port': PORTS['mariadb'], 'amqp_port': PORTS['amqp'],
        'cinder_port': PORTS['cinder-api'],
        'keystone_url': keystone_url(),
        'db_user': DB_USER, 'db_password': DB_PASSWORD,
        'admin_password': ADMIN_PASSWORD,
        'cinder_password': CINDER_PASSWORD,
        'cinder_host': CINDER_HOST,
        'debug': 'True' if settings.get('debug') else 'False',
        'db_url': 'mysql+pymysql://%s:%s@127.0.0.1:%d' % (
            DB_USER, DB_PASSWORD, PORTS['mariadb']),
    })
    return v


def keystone_url():
    return 'http://%s:%d' % (HOST, PORTS['keystone'])


def cinder_url():
    return 'http://%s:%d/v3' % (HOST, PORTS['cinder-api'])


def backends(gateway):
    """[(backend name, pool)] : one backend per pool, scaleio-1, -2..."""
    return [('scaleio-%d' % (i + 1), pool)
            for i, pool in enumerate(gateway['pools'])]


def render(template, **kw):
    return string.Template(template).substitute(**kw)


def write(path, text, mode=0o644):
    tmp = path + '.new'
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode),
              'w') as f:
        f.write(text)
    os.replace(tmp, path)


def write_all(layout, settings, gateway):
    """Render every config file; gateway: san_ip, port, user, password..."""
    v = values(layout, settings)
    sections = []
    for name, pool in backends(gateway):
        if gateway.get('ca_file'):
            tls = 'scaleio_ca_bundle = %s' % gateway['ca_file']
        elif gateway.get('verify', True):
            tls = '# TLS verified with the system trust store'
        else:
            tls = 'scaleio_verify_certificate = False'
        sections.append(render(
            BACKEND_SECTION, name=name, san_ip=gateway['host'],
            san_port=gateway['port'], san_login=gateway['user'],
            san_password=gateway['password'], pools=pool, tls_lines=tls))
    v['enabled_backends'] = ','.join(n for n, _ in backends(gateway))
    v['backend_sections'] = ''.join(sections)
    write(layout.etc_file('my.cnf'), render(MY_CNF, **v))
    write(layout.etc_file('rabbitmq.conf'), render(RABBITMQ_CONF, **v))
    write(layout.etc_file('enabled_plugins'), '[].\n')
    write(layout.etc_file('keystone.conf'), render(KEYSTONE_CONF, **v),
          mode=0o600)
    write(layout.etc_file('cinder.conf'), render(CINDER_CONF, **v),
          mode=0o600)
    write(layout.openrc, render(ADMIN_OPENRC, **v), mode=0o600)


def rabbit_env(layout):
    """Environment of rabbitmq-server and rabbitmqctl: a private node."""
    env = dict(os.environ)
    env.update({
        'HOME': layout.rabbit_home,
        'RABBITMQ_HOME': '/usr/lib/rabbitmq',
        'RABBITMQ_NODENAME': RABBIT_NODE,
        'RABBITMQ_NODE_IP_ADDRESS': HOST,
        'RABBITMQ_NODE_PORT': str(PORTS['amqp']),
        'RABBITMQ_DIST_PORT': str(PORTS['erlang-dist']),
        'ERL_EPMD_ADDRESS': HOST,
        'ERL_EPMD_PORT': str(PORTS['epmd']),
        'RABBITMQ_MNESIA_BASE': layout.rabbit_mnesia,
        'RABBITMQ_LOG_BASE': layout.logs,
        'RABBITMQ_PID_FILE': layout.rabbit_pid,
        'RABBITMQ_CONFIG_FILE': layout.etc_file('rabbitmq'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': layout.etc_file('enabled_plugins'),
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
            '-kernel inet_dist_use_interface {127,0,0,1}',
    })
    return env
