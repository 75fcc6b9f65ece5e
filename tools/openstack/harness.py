#!/usr/bin/env python3
"""Keystone + Cinder (our ScaleIO driver) + MariaDB + RabbitMQ on one host.

``python3 tools/openstack/harness.py install|up|down|status|wipe
[--state DIR]`` (default ``<repo>/.harness``). Standard library only: it
builds the virtualenv it then runs the services from. Everything listens
on 127.0.0.1 on private ports (``configs.PORTS``); every log lands in
``<state>/logs/``; ``up`` writes ``<state>/admin-openrc`` and
``<state>/env.json`` for tempest and the demo. See README.rst, "OpenStack
on one machine".
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import configs
import procs

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONSTRAINTS = os.path.join(REPO, 'tools', 'constraints.txt')
PACKAGES = ['cinder==29.0.0', 'keystone==30.0.0', 'tempest==47.0.0',
            'cinder-tempest-plugin==1.23.0', 'python-openstackclient',
            'gunicorn', 'PyMySQL']
RABBIT_BIN = '/usr/lib/rabbitmq/bin'
APT_NEEDS = {
    'mariadb-server': (['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db',
                        '/usr/bin/mariadb'], ['mariadbd', 'mysqld']),
    'rabbitmq-server': ([RABBIT_BIN + '/rabbitmq-server',
                         RABBIT_BIN + '/rabbitmqctl'], ['beam.smp']),
}
# Stop order: API first, RabbitMQ and the database last.
SERVICES = ['cinder-api', 'cinder-scheduler', 'cinder-volume', 'keystone',
            'rabbitmq', 'epmd', 'mariadb', 'simulator']


def say(msg):
    print('harness: %s' % msg, flush=True)


class Timer:
    """Named steps with their durations, printed as they end."""

    def __init__(self):
        self.began = time.monotonic()
        self.steps = []

    def step(self, name, func, *args, **kw):
        t0 = time.monotonic()
        result = func(*args, **kw)
        took = time.monotonic() - t0
        self.steps.append((name, took))
        say('%-28s %6.1f s' % (name, took))
        return result

    def total(self):
        return time.monotonic() - self.began


def run(cmd, log=None, env=None, what=None, check=True, timeout=600):
    """Run cmd to completion; output to log (appended) or captured."""
    if log:
        with open(log, 'ab') as f:
            f.write(('\n$ %s\n' % ' '.join(cmd)).encode())
            f.flush()
            rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env,
                                 timeout=timeout)
        out = None
    else:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        rc, out = p.returncode, p.stdout + p.stderr
    if check and rc != 0:
        raise procs.HarnessError(
            '%s failed (exit %d)%s' % (what or ' '.join(cmd[:3]), rc,
                                       '; log %s:\n%s' % (log, procs.tail(log))
                                       if log else ':\n' + out[-3000:]))
    return out


# ---------------------------------------------------------------- install

def _apt_install(timer):
    missing = []
    for package, (binaries, servers) in sorted(APT_NEEDS.items()):
        if all(os.path.exists(b) for b in binaries):
            continue
        if any(procs.find_by_name(s) for s in servers):
            say('%s: binaries missing but a server runs; not installing'
                % package)
            continue
        missing.append(package)
    if not missing:
        say('apt: mariadb-server and rabbitmq-server already installed')
        return
    if os.geteuid() != 0:
        raise procs.HarnessError('need root to apt-get install %s'
                                 % ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    # Packages must not start their services with /etc defaults (RabbitMQ
    # would listen on every interface): deny starts while installing.
    policy = '/usr/sbin/policy-rc.d'
    own_policy = not os.path.exists(policy)
    if own_policy:
        with open(policy, 'w') as f:
            f.write('#!/bin/sh\n# tools/openstack/harness.py install\n'
                    'exit 101\n')
        os.chmod(policy, 0o755)
    try:
        timer.step('apt-get update', run, ['apt-get', 'update', '-qq'],
                   env=env)
        timer.step('apt-get install ' + ' '.join(missing), run,
                   ['apt-get', 'install', '-y', '-qq',
                    '--no-install-recommends'] + missing, env=env)
    finally:
        if own_policy:
            os.unlink(policy)


def _install_fingerprint():
    h = hashlib.sha256()
    h.update(' '.join(PACKAGES).encode())
    for name in (CONSTRAINTS, os.path.join(REPO, 'setup.cfg'),
                 os.path.join(REPO, 'requirements.txt')):
        with open(name, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def _venv(layout, timer):
    marker = os.path.join(layout.venv, '.harness-installed')
    fingerprint = _install_fingerprint()
    try:
        with open(marker) as f:
            if f.read().strip() == fingerprint:
                say('venv %s: up to date' % layout.venv)
                return
    except OSError:
        pass
    if not os.path.exists(layout.bin('python')):
        timer.step('python3 -m venv', run,
                   [sys.executable, '-m', 'venv', layout.venv])
    pip = [layout.bin('python'), '-m', 'pip', '--disable-pip-version-check',
           'install', '-q']
    log = layout.log('install.log')
    timer.step('pip install (openstack)', run,
               pip + ['-c', CONSTRAINTS] + PACKAGES, log=log,
               what='pip install', timeout=1800)
    # Editable: cinder-volume runs the work tree's driver (restart to pick
    # up a change); its requirements go through the same constraints.
    timer.step('pip install -e <repo>', run,
               pip + ['-c', CONSTRAINTS, '-e', REPO], log=log,
               what='pip install -e %s' % REPO)
    with open(marker, 'w') as f:
        f.write(fingerprint + '\n')


def cmd_install(layout, args):
    timer = Timer()
    os.makedirs(layout.logs, exist_ok=True)
    _apt_install(timer)
    _venv(layout, timer)
    say('install done in %.1f s' % timer.total())


# ---------------------------------------------------------------- settings

def load_settings(layout):
    try:
        with open(layout.settings) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def update_settings(layout, args):
    """Merge up's options into <state>/settings.json (kept across ups)."""
    settings = load_settings(layout)
    if args.simulator:
        settings.pop('gateway', None)
    if args.gateway:
        url = urllib.parse.urlsplit(args.gateway if '://' in args.gateway
                                    else 'https://' + args.gateway)
        if not (args.gateway_user and args.gateway_password and args.pools):
            raise procs.HarnessError('--gateway needs --gateway-user, '
                                     '--gateway-password and --pools')
        settings['gateway'] = {
            'url': '%s://%s' % (url.scheme, url.netloc),
            'host': url.hostname, 'port': url.port or 443,
            'user': args.gateway_user, 'password': args.gateway_password,
            'ca_file': (os.path.abspath(args.gateway_ca)
                        if args.gateway_ca else None),
            'verify': not args.gateway_no_verify,
            'pools': args.pools.split(','),
        }
    if args.debug is not None:
        settings['debug'] = args.debug
    configs.write(layout.settings, json.dumps(settings, indent=1),
                  mode=0o600)
    return settings


# ---------------------------------------------------------------- up

class Stack:
    """Starts the services of one state dir, each only if not running."""

    def __init__(self, layout, settings):
        self.layout = layout
        self.settings = settings
        self.pids = procs.PidFiles(layout.run)
        self.gateway = settings.get('gateway')
        self.sim_info = None
        self.token = None

    def marker(self, name):
        return os.path.join(self.layout.markers, name)

    def once(self, name, func, *args):
        """Run func unless a previous up did (data persists)."""
        if not os.path.exists(self.marker(name)):
            func(*args)
            open(self.marker(name), 'w').close()

    def up(self):
        timer = Timer()
        lay = self.layout
        for d in lay.dirs():
            os.makedirs(d, exist_ok=True)
        if not self.gateway:
            timer.step('simulator', self.simulator)
        configs.write_all(lay, self.settings, self.gateway_conf())
        timer.step('mariadb', self.mariadb)
        timer.step('rabbitmq', self.rabbitmq)
        timer.step('keystone', self.keystone)
        timer.step('cinder services started', self.cinder)
        timer.step('cinder backends up', self.wait_backends)
        self.write_env()
        say('up in %.1f s; source %s' % (timer.total(), lay.openrc))
        return timer

    # -- simulator
    # A real gateway takes tens of milliseconds for a change; the simulator
    # answers in about one. Without that latency cinder-volume finishes a
    # group delete before cinder-api has built the volume list tempest
    # asks for right after it, and Cinder 29's volume view then fails
    # with GroupNotFound (a race in Cinder's API, seen 1 run in 3): as fast
    # as that, no array ever is.
    GATEWAY_LATENCY = {'action': 'delay', 'method': 'POST', 'path': '*',
                       'seconds': 0.05}

    def simulator(self):
        lay = self.layout
        running = self.pids.running('simulator')
        spawned = not running
        if not running:
            if os.path.exists(lay.sim_ready):
                os.unlink(lay.sim_ready)
            running = procs.spawn(
                self.pids, 'simulator',
                [lay.bin('scaleio-sim'), '--host', configs.HOST,
                 '--port', str(configs.PORTS['simulator']), '--tls',
                 '--state-dir', lay.sim_state, '--ready-file',
                 lay.sim_ready],
                lay.log('scaleio-sim.log'))
        procs.wait_for('scaleio-sim', lambda: os.path.exists(lay.sim_ready),
                       30, log=lay.log('scaleio-sim.log'), record=running)
        with open(lay.sim_ready) as f:
            self.sim_info = json.load(f)
        if spawned:
            status, _, body = procs.http(
                self.sim_info['url'] + '/sim/faults', method='POST',
                body=self.GATEWAY_LATENCY, ca_file=self.sim_info['ca_file'])
            if status not in (200, 201):
                raise procs.HarnessError(
                    'the simulator refused the latency rule: %s %s'
                    % (status, body))

    def gateway_conf(self):
        if self.gateway:
            return self.gateway
        return {'host': configs.HOST, 'port': self.sim_info['port'],
                'user': configs.SIM_USER, 'password': configs.SIM_PASSWORD,
                'ca_file': self.sim_info['ca_file'], 'verify': True,
                'pools': configs.SIM_POOLS,
                'url': self.sim_info['url']}

    def sim_sdcs(self):
        status, _, body = procs.http(self.sim_info['url'] + '/sim/sdcs',
                                     ca_file=self.sim_info['ca_file'])
        return body if status == 200 else None

    # -- mariadb
    def mariadb(self):
        lay = self.layout
        cnf = lay.etc_file('my.cnf')
        log = lay.log('mariadb.log')
        if not self.pids.running('mariadb'):
            if not os.path.isdir(os.path.join(lay.mysql_data, 'mysql')):
                run(['mariadb-install-db', '--defaults-file=' + cnf,
                     '--auth-root-authentication-method=normal',
                     '--skip-test-db'], log=lay.log('mariadb-install.log'),
                    what='mariadb-install-db')
            record = procs.spawn(self.pids, 'mariadb',
                                 ['/usr/sbin/mariadbd',
                                  '--defaults-file=' + cnf],
                                 lay.log('mariadb.stdout.log'))
            procs.wait_for('mariadb', lambda: procs.port_open(
                configs.PORTS['mariadb']), 60, log=log, record=record)
        sql = ("CREATE DATABASE IF NOT EXISTS keystone; "
               "CREATE DATABASE IF NOT EXISTS cinder; "
               "CREATE USER IF NOT EXISTS '{u}'@'127.0.0.1' "
               "IDENTIFIED BY '{p}'; "
               "GRANT ALL ON keystone.* TO '{u}'@'127.0.0.1'; "
               "GRANT ALL ON cinder.* TO '{u}'@'127.0.0.1';").format(
                   u=configs.DB_USER, p=configs.DB_PASSWORD)
        self.once('databases', run,
                  ['mariadb', '--defaults-file=' + cnf, '-uroot', '-e', sql],
                  log, None, 'creating the databases')

    # -- rabbitmq
    def rabbitmq(self):
        lay = self.layout
        log = lay.log('rabbitmq.stdout.log')
        if self.pids.running('rabbitmq'):
            return
        env = configs.rabbit_env(lay)
        if os.path.exists(lay.rabbit_pid):
            os.unlink(lay.rabbit_pid)
        run([RABBIT_BIN + '/rabbitmq-server', '-detached'], log=log, env=env,
            what='rabbitmq-server -detached')

        def beam_pid():
            with open(lay.rabbit_pid) as f:
                pid = int(f.read().strip())
            return pid if procs.port_open(configs.PORTS['amqp']) else None

        pid = procs.wait_for('rabbitmq (port %d)' % configs.PORTS['amqp'],
                             beam_pid, 90,
                             log=lay.log(configs.RABBIT_NODE + '.log'))
        self.pids.write('rabbitmq', pid, log=log)
        # epmd is started by erl on our private port: find it by that port
        epmd = procs.find_by_name(
            'epmd', 'ERL_EPMD_PORT=%d' % configs.PORTS['epmd'])
        if epmd:
            self.pids.write('epmd', min(epmd))

    # -- keystone
    def keystone(self):
        lay = self.layout
        conf = lay.etc_file('keystone.conf')
        manage = [lay.bin('keystone-manage'), '--config-file', conf]
        log = lay.log('keystone-manage.log')
        self.once('keystone-db', run, manage + ['db_sync'], log, None,
                  'keystone-manage db_sync')
        for kind, path in (('fernet_setup', lay.fernet_keys),
                           ('credential_setup', lay.credential_keys)):
            if not os.listdir(path):
                run(manage + [kind, '--keystone-user', 'root',
                              '--keystone-group', 'root'], log=log)
        url = configs.keystone_url()
        self.once('keystone-bootstrap', run, manage + [
            'bootstrap', '--bootstrap-password', configs.ADMIN_PASSWORD,
            '--bootstrap-admin-url', url + '/v3/',
            '--bootstrap-public-url', url + '/v3/',
            '--bootstrap-internal-url', url + '/v3/',
            '--bootstrap-region-id', 'RegionOne'], log, None,
            'keystone-manage bootstrap')
        record = self.pids.running('keystone')
        glog = lay.log('keystone-gunicorn.log')
        if not record:
            env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=conf)
            record = procs.spawn(
                self.pids, 'keystone',
                [lay.bin('gunicorn'), '--chdir', HERE,
                 '--bind', '%s:%d' % (configs.HOST,
                                      configs.PORTS['keystone']),
                 '--workers', '1', '--threads', '8', '--timeout', '120',
                 '--no-control-socket', '--error-logfile', glog,
                 '--access-logfile', lay.log('keystone-access.log'),
                 'wsgi_apps:keystone()'], glog, env=env)

        def answers():
            status, _, _ = procs.http(url + '/v3', timeout=5)
            return status == 200

        procs.wait_for('keystone %s/v3' % url, answers, 90, log=glog,
                       record=record)
        self.once('keystone-objects', run, [
            lay.bin('python'), os.path.join(HERE, 'keystone_setup.py'), url,
            configs.ADMIN_PASSWORD, configs.CINDER_PASSWORD,
            configs.cinder_url()], log, None, 'keystone_setup.py')

    # -- cinder
    def cinder(self):
        lay = self.layout
        conf = lay.etc_file('cinder.conf')
        self.once('cinder-db', run,
                  [lay.bin('cinder-manage'), '--config-file', conf, 'db',
                   'sync'], lay.log('cinder-manage.stdout.log'), None,
                  'cinder-manage db sync')
        for name in ('cinder-api', 'cinder-scheduler', 'cinder-volume'):
            if not self.pids.running(name):
                procs.spawn(self.pids, name,
                            [lay.bin(name), '--config-file', conf],
                            lay.log(name + '.stdout.log'))

    def keystone_token(self):
        user = {'name': 'admin', 'domain': {'id': 'default'},
                'password': configs.ADMIN_PASSWORD}
        auth = {'identity': {'methods': ['password'],
                             'password': {'user': user}},
                'scope': {'project': {'name': 'admin',
                                      'domain': {'id': 'default'}}}}
        status, headers, body = procs.http(
            configs.keystone_url() + '/v3/auth/tokens', 'POST',
            {'auth': auth})
        if status != 201:
            raise procs.HarnessError('keystone token: HTTP %s %s'
                                     % (status, body))
        return headers['X-Subject-Token'], body['token']['project']['id']

    def cinder_get(self, path):
        if self.token is None:
            self.token = self.keystone_token()
        token, project = self.token
        status, _, body = procs.http(
            '%s/%s%s' % (configs.cinder_url(), project, path),
            headers={'X-Auth-Token': token,
                     'OpenStack-API-Version': 'volume 3.0'})
        if status != 200:
            raise procs.HarnessError('GET %s: HTTP %s %s'
                                     % (path, status, body))
        return body

    def wait_backends(self):
        """cinder-api answers, each backend's service is up with its pool."""
        lay = self.layout
        api = self.pids.running('cinder-api')
        procs.wait_for('cinder-api', lambda: procs.port_open(
            configs.PORTS['cinder-api']), 90,
            log=lay.log('cinder-api.log'), record=api)
        expected = {'%s@%s' % (configs.CINDER_HOST, name): pool
                    for name, pool in configs.backends(self.gateway_conf())}
        volume = self.pids.running('cinder-volume')
        scheduler = self.pids.running('cinder-scheduler')

        def services_up():
            services = self.cinder_get('/os-services')['services']
            up = {s['host'] for s in services
                  if s['binary'] == 'cinder-volume' and s['state'] == 'up'
                  and s['status'] == 'enabled'}
            sched = any(s['binary'] == 'cinder-scheduler'
                        and s['state'] == 'up' for s in services)
            return sched and set(expected) <= up

        procs.wait_for('cinder-volume backends %s up' % sorted(expected),
                       services_up, 180, log=lay.log('cinder-volume.log'),
                       record=volume, interval=1)
        if not procs.alive(scheduler['pid'], scheduler['start']):
            raise procs.HarnessError('cinder-scheduler died; log %s'
                                     % lay.log('cinder-scheduler.log'))

        def pools_reported():
            pools = {p['name'] for p in self.cinder_get(
                '/scheduler-stats/get_pools')['pools']}
            return all('%s#%s' % (host, pool) in pools
                       for host, pool in expected.items())

        procs.wait_for('scheduler pools %s' % sorted(expected),
                       pools_reported, 120, log=lay.log('cinder-volume.log'),
                       record=volume, interval=1)

    def write_env(self):
        lay = self.layout
        gw = self.gateway_conf()
        env = {
            'state_dir': lay.state, 'venv': lay.venv,
            'bin_dir': os.path.join(lay.venv, 'bin'),
            'python': lay.bin('python'), 'log_dir': lay.logs,
            'admin_openrc': lay.openrc, 'repo': REPO,
            'keystone': {
                'url': configs.keystone_url(),
                'auth_url': configs.keystone_url() + '/v3',
                'region': 'RegionOne',
                'admin': {'username': 'admin',
                          'password': configs.ADMIN_PASSWORD,
                          'project_name': 'admin',
                          'user_domain_name': 'Default',
                          'project_domain_name': 'Default'},
            },
            'cinder': {
                'endpoint': configs.cinder_url(),
                'catalog_types': ['block-storage', 'volumev3'],
                'config_file': lay.etc_file('cinder.conf'),
                'host': configs.CINDER_HOST,
                'storage_protocol': 'scaleio',
                'vendor_name': 'Dell EMC',
                'backends': [
                    {'name': name, 'volume_backend_name': name,
                     'pool': pool,
                     'pool_host': '%s@%s#%s' % (configs.CINDER_HOST, name,
                                                pool)}
                    for name, pool in configs.backends(gw)],
            },
            'gateway': {
                'kind': 'real' if self.gateway else 'simulator',
                'url': gw['url'], 'host': gw['host'], 'port': gw['port'],
                'username': gw['user'], 'password': gw['password'],
                'ca_file': gw.get('ca_file'),
            },
            'ports': configs.PORTS,
        }
        if not self.gateway:
            env['gateway'].update({
                'api_url': self.sim_info['api_url'],
                'control_url': self.sim_info['url'] + '/sim',
                'state_dir': lay.sim_state,
                'system_id': self.sim_info.get('system_id'),
                'api_version': self.sim_info.get('version'),
                'sdcs': self.sim_sdcs(),
            })
        configs.write(lay.env_json, json.dumps(env, indent=1) + '\n',
                      mode=0o600)


def cmd_up(layout, args):
    if not os.path.exists(os.path.join(layout.venv, '.harness-installed')):
        raise procs.HarnessError('no venv at %s: run "%s install" first'
                                 % (layout.venv, sys.argv[0]))
    settings = update_settings(layout, args)
    stack = Stack(layout, settings)
    pids = stack.pids
    wanted = [s for s in SERVICES
              if not (s == 'simulator' and stack.gateway)]
    if all(pids.running(s) for s in wanted if s != 'epmd'):
        say('already up (%s); source %s' % (', '.join(wanted),
                                            layout.openrc))
        if args.gateway or args.simulator:
            say('gateway settings saved; "down" then "up" to apply them')
        return
    try:
        stack.up()
    except procs.HarnessError:
        say('up failed; what runs is left running for a look: "down" stops '
            'it; logs in %s' % layout.logs)
        raise


# ---------------------------------------------------------------- down

def cmd_down(layout, args):
    if not os.path.isdir(layout.run):
        say('nothing to stop')
        return
    pids = procs.PidFiles(layout.run)
    t0 = time.monotonic()
    # The cinder services each take seconds to stop: stop them together.
    first = ['cinder-api', 'cinder-scheduler', 'cinder-volume', 'keystone']
    took = {}

    def stop(name):
        took[name] = procs.stop(pids, name)

    threads = [threading.Thread(target=stop, args=(n,)) for n in first]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in SERVICES[len(first):] + [n for n in pids.names()
                                         if n not in SERVICES]:
        stop(name)
    for name in SERVICES:
        if took.get(name) is not None:
            say('stopped %-17s %5.1f s' % (name, took[name]))
    say('down in %.1f s' % (time.monotonic() - t0))


# ---------------------------------------------------------------- status

def _stack_rss(pids):
    """{service: RSS KiB of its process and descendants}."""
    out = {}
    for name in pids.names():
        record = pids.running(name)
        if record:
            family = [record['pid']] + procs.children(record['pid'])
            out[name] = sum(procs.rss_kib(p) for p in family)
    return out


def cmd_status(layout, args):
    pids = procs.PidFiles(layout.run)
    rc = 0
    names = SERVICES + [n for n in pids.names() if n not in SERVICES]
    rss = _stack_rss(pids)
    for name in names:
        record = pids.running(name)
        if record:
            print('%-17s running  pid %-7d %7.0f MiB' % (
                name, record['pid'], rss.get(name, 0) / 1024.0))
        elif pids.read(name):
            print('%-17s DEAD     (pid file %s)' % (name, pids.path(name)))
            rc = 1
        else:
            print('%-17s -' % name)
    if args.memory:
        print('stack RSS now: %.0f MiB' % (sum(rss.values()) / 1024.0))
    if args.sample:
        peak, peak_by, t_end = 0, {}, time.monotonic() + args.sample
        stop = []
        # SIGTERM ends the sampling early, still printing the peak (CI
        # samples for as long as tempest runs).
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        while time.monotonic() < t_end and not stop:
            rss = _stack_rss(pids)
            total = sum(rss.values())
            if total > peak:
                peak, peak_by = total, rss
            time.sleep(0.5)
        print('stack RSS peak over %.0f s: %.0f MiB (%s)' % (
            args.sample - max(0.0, t_end - time.monotonic()),
            peak / 1024.0, ', '.join(
                '%s %.0f' % (n, v / 1024.0)
                for n, v in sorted(peak_by.items()))))
    if os.path.exists(layout.env_json):
        print('env: %s' % layout.env_json)
    return rc


# ---------------------------------------------------------------- wipe

def cmd_wipe(layout, args):
    cmd_down(layout, args)
    if not os.path.isdir(layout.state):
        return
    for entry in os.listdir(layout.state):
        if entry in ('venv', '.lock'):
            continue
        path = os.path.join(layout.state, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    say('wiped %s (kept the venv)' % layout.state)


def parse_args(argv):
    p = argparse.ArgumentParser(prog='harness.py', description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--state', default=os.path.join(REPO, '.harness'),
                   help='state dir (default %(default)s)')
    sub = p.add_subparsers(dest='command', required=True)
    sub.add_parser('install', help='apt packages and the venv')
    up = sub.add_parser('up', help='start the stack')
    up.add_argument('--gateway', metavar='URL',
                    help='a real gateway (https://host[:port]) instead of '
                         'the simulator; kept in <state>/settings.json')
    up.add_argument('--gateway-user')
    up.add_argument('--gateway-password')
    up.add_argument('--gateway-ca', metavar='FILE',
                    help='CA bundle to verify the gateway (default: the '
                         'system trust store)')
    up.add_argument('--gateway-no-verify', action='store_true',
                    help='do not verify the gateway certificate')
    up.add_argument('--pools', metavar='PD:SP,...',
                    help='one backend per pool: scaleio-1, scaleio-2...')
    up.add_argument('--simulator', action='store_true',
                    help='back to the simulator after --gateway')
    up.add_argument('--debug', action='store_true', default=None,
                    help='cinder debug logging')
    sub.add_parser('down', help='stop what up started')
    st = sub.add_parser('status', help='what runs')
    st.add_argument('--memory', action='store_true',
                    help='print the stack\'s total RSS')
    st.add_argument('--sample', type=float, metavar='SECONDS',
                    help='sample the stack\'s RSS for SECONDS, print the '
                         'peak')
    sub.add_parser('wipe', help='down, then delete the state but the venv')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    layout = configs.Layout(args.state)
    command = {'install': cmd_install, 'up': cmd_up, 'down': cmd_down,
               'status': cmd_status, 'wipe': cmd_wipe}[args.command]
    t0 = time.monotonic()
    lock = None
    if args.command != 'status':
        # one install/up/down/wipe at a time per state dir (tempest and the
        # demo may call up while another up is on its way)
        os.makedirs(layout.state, exist_ok=True)
        lock = open(os.path.join(layout.state, '.lock'), 'w')
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        rc = command(layout, args) or 0
    except procs.HarnessError as e:
        print('harness: ERROR: %s' % e, file=sys.stderr)
        return 1
    if args.command != 'status':
        say('%s took %.1f s' % (args.command, time.monotonic() - t0))
    return rc


if __name__ == '__main__':
    sys.exit(main())
