"""Run the simulator: an HTTP(S) server around the MDM, in a thread.

    with Simulator() as sim:            # default system, free port
        requests.get(sim.api_url + '/login', auth=('admin', 'Scaleio123'))

The server is cheroot (a production WSGI server with a thread pool, HTTP/1.1
keep-alive and TLS) with werkzeug routing; werkzeug's own development
server closes every connection, which no real gateway does.
"""

import errno
import logging
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
import weakref

from cheroot import server as cheroot_server
from cheroot.ssl import builtin
from cheroot import wsgi

from scaleio_sim import app as sim_app
from scaleio_sim import auth
from scaleio_sim import datapath
from scaleio_sim import drv_cfg
from scaleio_sim import faults
from scaleio_sim import model
from scaleio_sim import replication
from scaleio_sim import store
from scaleio_sim import tls as certificates
from scaleio_sim import topology as topology_mod
from scaleio_sim import versions

LOG = logging.getLogger(__name__)
DEFAULT_VERSION = '3.5'
CONNECTION_KEY = 'scaleio_sim.connection'


class _Connection(cheroot_server.HTTPConnection):
    """A connection that can be dropped with a TCP reset."""

    reset_requested = False

    def __init__(self, server, sock, makefile=None):
        super().__init__(server, sock, makefile or cheroot_server.MakeFile)
        server.connections.add(self)

    def reset(self):
        self.reset_requested = True
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self):
        if not self.reset_requested:
            return super().close()
        # SO_LINGER 0 makes close() send RST instead of FIN.
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.rfile.close()
        self.socket.close()


class _Gateway(wsgi.Gateway_10):
    """WSGI gateway that turns ResetConnection into a dropped connection."""

    def get_environ(self):
        environ = super().get_environ()
        environ[CONNECTION_KEY] = self.req.conn
        return environ

    def respond(self):
        try:
            super().respond()
        except sim_app.ResetConnection:
            self.req.conn.reset_requested = True
            self.req.close_connection = True
            raise OSError(errno.ECONNRESET, 'connection reset by simulator')


class _Server(wsgi.Server):
    ConnectionClass = _Connection

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gateway = _Gateway
        self.connections = weakref.WeakSet()

    def error_log(self, msg='', level=logging.INFO, traceback=False):
        LOG.log(logging.DEBUG if level < logging.ERROR else level,
                'cheroot: %s', msg, exc_info=traceback)


class Simulator:
    """One simulated gateway with its MDM, data plane and SDC hosts."""

    def __init__(self, host='127.0.0.1', port=0, api_version=DEFAULT_VERSION,
                 topology=None, state_dir=None, tls=False,
                 device_mode='file', token_idle_timeout=None,
                 token_max_lifetime=None, thin_allocated_typo=False,
                 threads=16, fault_seed=None, extra_ports=()):
        self.host = host
        self.requested_port = port
        # More gateways in front of the same MDM (0 picks a free port).
        self.extra_ports = list(extra_ports)
        self._extra = []          # [server, thread] per extra port
        self.profile = versions.profile(api_version, thin_allocated_typo)
        if topology is None:
            topology = topology_mod.default(self.profile.fine_granularity)
        self.topology = topology_mod.validate(topology)
        self.tls = tls
        self.threads = threads
        self.tokens = auth.TokenStore(
            auth.DEFAULT_IDLE_TIMEOUT if token_idle_timeout is None
            else token_idle_timeout,
            auth.DEFAULT_MAX_LIFETIME if token_max_lifetime is None
            else token_max_lifetime)
        self.faults = faults.FaultInjector(fault_seed)
        self.log = faults.RequestLog()
        self.stopping = threading.Event()
        self._down_until = 0.0
        self._server = None
        self._thread = None
        self.ca_file = None
        self._own_dir = None
        if state_dir is None:
            self._own_dir = tempfile.mkdtemp(prefix='scaleio-sim-')
        self.state_dir = os.path.abspath(state_dir or self._own_dir)
        try:
            self._load(device_mode)
        except BaseException:
            if self._own_dir:
                shutil.rmtree(self._own_dir, ignore_errors=True)
            raise
        self.app = sim_app.SimulatorApp(self)

    def _load(self, device_mode):
        """Set up the data plane and the MDM, from saved state if any."""
        os.makedirs(self.state_dir, exist_ok=True)
        self.store = None
        state = None
        if not self._own_dir:
            self.store = store.StateStore(
                os.path.join(self.state_dir, 'state.json'))
            state = self.store.load()
            if state is not None:
                LOG.info('Loaded the simulated system from %s',
                         self.store.path)
        self.hosts_dir = os.path.join(self.state_dir, 'hosts')
        self.dataplane = datapath.DataPlane(
            os.path.join(self.state_dir, 'volumes'), self.hosts_dir,
            device_mode)
        try:
            self.mdm = model.Mdm(self.profile, self.topology, self.dataplane,
                                 self.store, state)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            if state is None:
                raise
            raise ValueError('state file %s cannot be loaded: %s: %s'
                             % (self.store.path, type(e).__name__, e))

    # ------------------------------------------------------------ serving
    @property
    def port(self):
        return self._server.bind_addr[1]

    @property
    def url(self):
        return self._url(self.port)

    @property
    def api_url(self):
        return self.url + '/api'

    @property
    def urls(self):
        """The URL of every gateway of this system, the first one first."""
        return [self.url] + [self._url(port) for port in self.extra_ports]

    def _url(self, port):
        scheme = 'https' if self.tls else 'http'
        host = self.host if ':' not in self.host else '[%s]' % self.host
        return '%s://%s:%d' % (scheme, host, port)

    def _listen(self, port):
        server = _Server((self.host, port), self.app,
                         numthreads=self.threads, timeout=60,
                         shutdown_timeout=1, request_queue_size=128)
        # cheroot answers "Connection: close" past 10 idle keep-alive
        # connections by default; a gateway keeps them all.
        server.keep_alive_conn_limit = 1024
        # The serve loop notices stop() only between selector waits.
        server.expiration_interval = 0.1
        if self.tls:
            self.ca_file, cert, key = certificates.ensure_certificates(
                os.path.join(self.state_dir, 'tls'), self.host)
            server.ssl_adapter = builtin.BuiltinSSLAdapter(cert, key)
        server.prepare()
        thread = threading.Thread(target=server.serve, name='scaleio-sim',
                                  daemon=True)
        thread.start()
        return [server, thread]

    @staticmethod
    def _close(listener):
        server, thread = listener
        for conn in list(server.connections):
            conn.reset()
        server.stop()
        thread.join(10)

    def stop_gateway(self, index):
        """Take extra gateway ``index`` down (its port refuses connections)."""
        if self._extra[index] is not None:
            self._close(self._extra[index])
            self._extra[index] = None

    def start_gateway(self, index):
        """Bring extra gateway ``index`` back on its port."""
        if self._extra[index] is None:
            self._extra[index] = self._listen(self.extra_ports[index])

    def start(self):
        self._server, self._thread = self._listen(self.requested_port)
        self.stopping.clear()
        with self.mdm.lock:
            self.dataplane.prune(self.mdm.volumes)
            for sdc in self.mdm.sdcs.values():
                self._write_host_files(sdc)
            self.dataplane.sync(self.mdm.sdcs.values(),
                                self.mdm.volumes.values(),
                                self.mdm.system_id)
        for i, port in enumerate(self.extra_ports):
            self._extra.append(self._listen(port))
            self.extra_ports[i] = self._extra[i][0].bind_addr[1]
        LOG.info('Simulated gateway on %s (API %s)',
                 ', '.join(url + '/api' for url in self.urls),
                 self.profile.version)
        return self

    def stop(self):
        """Stop serving, detach loop devices, remove temporary files."""
        self.stopping.set()
        for listener in self._extra:
            if listener is not None:
                self._close(listener)
        self._extra = []
        if self._server is not None:
            self._close((self._server, self._thread))
            self._server = None
        self.dataplane.close()
        if self._own_dir:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ----------------------------------------------------- gateway events
    def restart(self, seconds=0, keep=None):
        """Act as a gateway restart.

        Tokens are forgotten, open connections dropped, the gateway is
        unreachable for ``seconds`` and the state is reloaded from disk.
        ``keep`` is a connection to spare (the control request asking).
        """
        self._down_until = time.monotonic() + seconds
        self.tokens.revoke()
        if self.store is not None:
            # Read under the lock: a change committed between reading and
            # reloading would be lost, and its ids handed out again.
            with self.mdm.lock:
                self.mdm.reload(self.store.load())
                self.dataplane.prune(self.mdm.volumes)
        for server in [self._server] + [e[0] for e in self._extra if e]:
            for conn in list(server.connections if server else ()):
                if conn is not keep:
                    conn.reset()

    def peer_with(self, other):
        """Make another simulator in this process a replication peer.

        Each becomes the other's peer; see scaleio_sim.replication.
        """
        link_state = self.mdm.link_state or replication.LinkState()
        replication.link(self.mdm, other.mdm, link_state)

    def sync_replication(self):
        """Copy replicated volumes to their other side now."""
        return replication.sync(self.mdm)

    def unavailable(self):
        return time.monotonic() < self._down_until

    # --------------------------------------------------------- SDC hosts
    def describe_sdc(self, sdc):
        return {'id': sdc.id, 'guid': sdc.guid, 'name': sdc.name,
                'ip': sdc.ip, 'host_dir': self.dataplane.host_dir(sdc),
                'device_dir': self.dataplane.device_dir(sdc),
                'auto_rescan': sdc.auto_rescan, 'nqn': sdc.nqn}

    def _write_host_files(self, sdc):
        host_dir = self.dataplane.host_dir(sdc)
        if host_dir is None or sdc.nvme:
            return          # an NVMe host runs no SDC: no drv_cfg
        drv_cfg.write_host_files(host_dir, {
            'guid': sdc.guid, 'sdcId': sdc.id,
            'systemId': self.mdm.system_id,
            'device_dir': self.dataplane.device_dir(sdc),
            'control_url': self.url, 'ca_file': self.ca_file})

    def add_sdc(self, spec):
        sdc = self.mdm.add_sdc(spec)
        self._write_host_files(sdc)
        self.dataplane.sync([sdc], [], self.mdm.system_id)
        return sdc

    def rescan(self, sdc):
        self.dataplane.rescan(sdc, self.mdm.system_id)

    def host_dir(self, name):
        """The host directory of the SDC with this name."""
        with self.mdm.lock:
            for sdc in self.mdm.sdcs.values():
                if sdc.name == name:
                    return self.dataplane.host_dir(sdc)
        raise KeyError(name)
