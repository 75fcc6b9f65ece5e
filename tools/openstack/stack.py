"""The stack of one state dir: the service table brought up and down.

``Stack.up`` starts each service once the services it comes after are
ready and waits until all are; ``down`` stops them in reverse. ``Stack``
is also what the table's functions read (paths, ports, the gateway).
"""

import os
import threading
import time

import cloud
import configs
import layout
import procs
import rest
import services


def say(msg):
    print('harness: %s' % msg, flush=True)


class Stack:
    """The services of one state dir and the settings up was given."""

    def __init__(self, lay, settings):
        self.layout = lay
        self.settings = settings
        self.paths = configs.paths(lay)
        self.pids = procs.PidFiles(lay.run)
        self.services = [s for s in services.SERVICES if s.when(settings)]
        # Nova, Glance, Neutron... around Cinder, unless up --cinder-only
        self.cloud = not settings.get('cinder_only')
        self._cloud_paths = None
        self.cloud_objects = None   # flavors and image (cloud_setup.py)
        self.sim = None         # the simulator's ready file, once ready
        self.pf5 = None         # the 5.0 simulator's ready file
        self._cinder = None
        self.errors = {}        # name: why its last readiness check failed
        self.spawned = {}       # name: its log's size when up started it

    def cloud_paths(self):
        if self._cloud_paths is None:
            self._cloud_paths = configs.cloud_paths(self)
        return self._cloud_paths

    def port(self, name):
        """Where name listens: the table's port, moved by up --port-offset."""
        return self.settings.get('port_offset', 0) + next(
            s.port for s in services.SERVICES if s.name == name)

    def url(self, name):
        return 'http://%s:%d' % (configs.HOST, self.port(name))

    def gateway(self):
        """The gateway of the backends: the settings', or the simulator."""
        if 'gateway' in self.settings:
            return self.settings['gateway']
        return {'host': configs.HOST, 'port': self.sim['port'],
                'url': self.sim['url'], 'user': configs.SIM_USER,
                'password': configs.SIM_PASSWORD, 'verify': True,
                'ca_file': self.sim['ca_file'], 'pools': configs.SIM_POOLS}

    def pf5_gateway(self):
        """The PowerFlex 5.0 simulator's gateway, once it is ready."""
        if not self.pf5:
            return None
        return {'host': configs.HOST, 'port': self.pf5['port'],
                'url': self.pf5['url'], 'user': configs.SIM_USER,
                'password': configs.SIM_PASSWORD, 'verify': True,
                'ca_file': self.pf5['ca_file'],
                'pools': [configs.PF5_NVME_POOL, configs.PF5_EC_POOL]}

    def cinder(self):
        """Cinder's API as the admin, for the readiness checks."""
        if self._cinder is None:
            self._cinder = rest.Cinder(self.url('keystone') + '/v3',
                                       configs.ADMIN,
                                       self.url('cinder-api') + '/v3')
        return self._cinder

    def once(self, name, func, *args, key=''):
        """func(*args) unless it ran before with this key (data stays)."""
        marker = os.path.join(self.paths.markers, name)
        try:
            with open(marker) as f:
                if f.read() == key:
                    return
        except OSError:
            pass
        func(*args)
        layout.write_file(marker, key, mode=0o600)

    def running(self):
        return all(self.pids.running(s.name) for s in self.services)

    def up(self):
        """Start each service once those it comes after are ready."""
        t0 = time.monotonic()
        names = {s.name for s in self.services}
        waiting, ready = {}, set()      # waiting: name -> (record, began)
        while len(ready) < len(self.services):
            for s in self.services:
                if s.name not in waiting and s.name not in ready and all(
                        d in ready or d not in names for d in s.after):
                    began = time.monotonic()
                    waiting[s.name] = (self.start(s), began)
            for s in self.services:
                if s.name in waiting and self.is_ready(s, *waiting[s.name]):
                    del waiting[s.name]
                    ready.add(s.name)
            time.sleep(0.25)
        self.env().write(self.layout)
        say('up in %.1f s; source %s' % (time.monotonic() - t0,
                                         self.layout.openrc))

    def is_ready(self, s, record, began):
        """Poll s once; fail if its process died or its time is up."""
        try:
            ok = (s.ready(self) if s.ready
                  else rest.port_open(self.port(s.name)))
        except Exception as e:      # noqa: not yet; said on timeout
            ok, self.errors[s.name] = False, e
        if ok:
            if s.on_ready:
                s.on_ready(self)
            say('%-17s ready %6.1f s' % (s.name, time.monotonic() - began))
            return True
        log = self.layout.log(s.log or s.name + '.stdout.log')
        if not procs.alive(record['pid'], record['start']):
            raise procs.HarnessError('%s: process %d exited; log %s:\n%s' % (
                s.name, record['pid'], log, procs.tail(log)))
        if time.monotonic() - began > s.timeout:
            raise procs.HarnessError(
                '%s: not ready after %.0f s (last error: %s); log %s:\n%s'
                % (s.name, s.timeout, self.errors.get(s.name), log,
                   procs.tail(log)))
        return False

    def start(self, s):
        """Its config, setup and process unless it runs; its pid record."""
        record = self.pids.running(s.name)
        if record:
            return record
        if s.config:
            s.config(self)
        if s.setup:
            s.setup(self)
        log = self.layout.log(s.log or s.name + '.stdout.log')
        self.spawned[s.name] = (os.path.getsize(log)
                                if os.path.exists(log) else 0)
        return procs.spawn(self.pids, s.name, s.command(self),
                           self.layout.log(s.name + '.stdout.log'),
                           env=s.env(self) if s.env else None)

    def env(self):
        gw = self.gateway()
        gateway = {'kind': 'simulator' if self.sim else 'real',
                   'url': gw['url'], 'host': gw['host'], 'port': gw['port'],
                   'username': gw['user'], 'password': gw['password'],
                   'ca_file': gw.get('ca_file')}
        systems = {}
        if self.sim:
            gateway.update(self._simulated(self.sim, self.paths.sim_state))
            if self.sim.get('peer'):
                # the same process: its control API is the peer's URL's
                gateway['peer'] = dict(
                    self._simulated(self.sim['peer'],
                                    os.path.join(self.paths.sim_state,
                                                 'peer')),
                    backend_id=configs.PEER_BACKEND_ID,
                    api_version=self.sim['version'],
                    url=self.sim['peer']['url'],
                    port=self.sim['peer']['port'],
                    ca_file=self.sim['peer']['ca_file'])
        if self.pf5:
            systems['pf5'] = dict(
                self._simulated(self.pf5, self.paths.pf5_state),
                kind='simulator', url=self.pf5['url'], host=configs.HOST,
                port=self.pf5['port'], username=configs.SIM_USER,
                password=configs.SIM_PASSWORD, ca_file=self.pf5['ca_file'])
        backends = []
        for b in configs.backends(self):
            entry = {k: b[k] for k in ('name', 'pool', 'kind', 'system')}
            for k in ('volume_type', 'replication_device'):
                if b.get(k):
                    entry[k] = b[k]
            backends.append(entry)
        return layout.Env(
            log_dir=self.layout.logs,
            keystone_url=self.url('keystone') + '/v3', region='RegionOne',
            admin=configs.ADMIN, cinder_url=self.url('cinder-api') + '/v3',
            backends=backends, gateway=gateway,
            ports={s.name: self.port(s.name) for s in self.services
                   if s.port},
            volume_services=[s.name for s in self.services
                             if s.name.startswith('cinder-volume')],
            cluster=(configs.CLUSTER if self.settings.get('active_active')
                     else None),
            cloud=self.cloud_env(), systems=systems)

    @staticmethod
    def _simulated(sim, state_dir):
        """What tools need of a simulated system: control API, SDCs."""
        control = sim['url'] + '/sim'
        return dict(api_url=sim['api_url'], control_url=control,
                    state_dir=state_dir, system_id=sim['system_id'],
                    api_version=sim.get('version'),
                    sdcs=rest.call(control + '/sdcs', ca_file=sim['ca_file']))

    def cloud_env(self):
        """What tempest and the demo need of the cloud, or None."""
        if not self.cloud:
            return None
        return dict(self.cloud_objects or {},
                    compute_host=configs.COMPUTE_HOST,
                    image_file=self.layout.data('boot-sector.img'),
                    boot_marker=cloud.MARKER,
                    guest_image_file=os.path.join(
                        cloud.guest_dir(self.layout), 'guest.raw'),
                    provider_host_ip=configs.PROVIDER_HOST_IP)


def down(pids, lay=None):
    """Stop every service, then what else has a pid file (epmd).

    Together, each time: the services nothing still running needs.
    """
    t0 = time.monotonic()
    took = {}
    hooks = {s.name: s.before_stop for s in services.SERVICES
             if s.before_stop}

    def stop(name):
        if name in hooks and pids.running(name):
            hooks[name](lay)
        took[name] = procs.stop(pids, name)

    remaining = list(services.SERVICES)
    while remaining:
        batch = [s.name for s in remaining
                 if not any(s.name in o.after for o in remaining)]
        threads = [threading.Thread(target=stop, args=(n,)) for n in batch]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        remaining = [s for s in remaining if s.name not in batch]
    for name in pids.names():
        stop(name)
    for name, seconds in took.items():
        if seconds is not None:
            say('stopped %-17s %5.1f s' % (name, seconds))
    say('down in %.1f s' % (time.monotonic() - t0))
