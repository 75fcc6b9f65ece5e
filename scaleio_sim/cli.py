"""``scaleio-sim``: run a simulated ScaleIO REST Gateway until stopped."""

import argparse
import json
import logging
import os
import signal
import sys
import threading

from scaleio_sim import auth
from scaleio_sim import server
from scaleio_sim import topology as topology_mod


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='scaleio-sim',
        description='A simulated ScaleIO / VxFlex OS / PowerFlex REST Gateway '
                    '(with its MDM and SDC hosts) for tests and demos.')
    p.add_argument('--host', default='127.0.0.1',
                   help='address to listen on (default %(default)s)')
    p.add_argument('--port', type=int, default=0,
                   help='port to listen on; 0 picks a free one and prints it')
    p.add_argument('--extra-port', type=int, action='append', default=[],
                   metavar='PORT',
                   help='serve the same system on this port too, as a '
                        'second gateway would (repeat for more; 0 picks a '
                        'free port)')
    p.add_argument('--state-dir',
                   help='keep the system (records, volume data, SDC host '
                        'directories, TLS files) here across restarts; '
                        'default: a temporary directory removed on exit')
    p.add_argument('--api-version', default=server.DEFAULT_VERSION,
                   help='gateway API version to behave as, e.g. 2.0, 3.0, '
                        '3.5, 4.0 (default %(default)s)')
    p.add_argument('--topology', metavar='FILE',
                   help='YAML or JSON file with the system id, users, '
                        'protection domains, storage pools and SDCs; '
                        'default: the documented default system')
    p.add_argument('--tls', action='store_true',
                   help='serve HTTPS with a generated certificate; the CA '
                        'file to verify it is printed')
    p.add_argument('--device-mode', choices=('file', 'loop'), default='file',
                   help='device links point at sparse files, or at loop '
                        'devices (needs root and losetup; falls back to file '
                        'with a warning)')
    p.add_argument('--token-idle-timeout', type=float,
                   default=auth.DEFAULT_IDLE_TIMEOUT, metavar='SECONDS',
                   help='a token unused this long expires (default '
                        '%(default)s)')
    p.add_argument('--token-max-lifetime', type=float,
                   default=auth.DEFAULT_MAX_LIFETIME, metavar='SECONDS',
                   help='a token expires this long after login (default '
                        '%(default)s)')
    p.add_argument('--thin-allocated-typo', action='store_true',
                   help='2.x only: name the thin allocation statistic '
                        'thinCapacityAllocatedInKm, as some builds did')
    p.add_argument('--threads', type=int, default=16,
                   help='worker threads (default %(default)s)')
    p.add_argument('--peer-port', type=int, metavar='PORT',
                   help='also run a second system, this one\'s replication '
                        'peer, on this port (0 picks a free one): the '
                        'default peer system (id 5c1a0de4a7e10002, the same '
                        'pools and hosts) or --peer-topology; its state is '
                        'in <state-dir>/peer')
    p.add_argument('--peer-topology', metavar='FILE',
                   help='the peer system\'s topology')
    p.add_argument('--replication-interval', type=float, default=0.0,
                   metavar='SECONDS',
                   help='copy replicated volumes to their peer every '
                        'SECONDS (default 0: only on POST '
                        '/sim/replication/sync)')
    p.add_argument('--ready-file', metavar='FILE',
                   help='once serving, write a JSON file with url, port, '
                        'api_url, ca_file, pid and state_dir')
    p.add_argument('--debug', action='store_true', help='log every request')
    return p.parse_args(argv)


def start_peer(args, sim):
    """The second system of this process, peered with ``sim``."""
    topology = (topology_mod.load(args.peer_topology) if args.peer_topology
                else topology_mod.peer_default(
                    sim.profile.fine_granularity, sim.hosts_dir))
    peer = server.Simulator(
        host=args.host, port=args.peer_port, api_version=args.api_version,
        topology=topology,
        state_dir=(os.path.join(args.state_dir, 'peer') if args.state_dir
                   else None),
        tls=args.tls, device_mode=args.device_mode,
        token_idle_timeout=args.token_idle_timeout,
        token_max_lifetime=args.token_max_lifetime,
        thin_allocated_typo=args.thin_allocated_typo, threads=args.threads)
    peer.start()
    sim.peer_with(peer)
    return peer


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    sim = peer = None
    try:
        topology = (topology_mod.load(args.topology) if args.topology
                    else None)
        sim = server.Simulator(
            host=args.host, port=args.port, api_version=args.api_version,
            topology=topology, state_dir=args.state_dir, tls=args.tls,
            device_mode=args.device_mode,
            token_idle_timeout=args.token_idle_timeout,
            token_max_lifetime=args.token_max_lifetime,
            thin_allocated_typo=args.thin_allocated_typo,
            threads=args.threads, extra_ports=args.extra_port)
        sim.start()
        if args.peer_port is not None:
            peer = start_peer(args, sim)
    except (ValueError, OSError) as e:
        for s in (sim, peer):
            if s is not None:
                s.stop()
        print('scaleio-sim: %s' % e, file=sys.stderr)
        return 2

    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    info = {'url': sim.url, 'api_url': sim.api_url, 'port': sim.port,
            'extra_ports': sim.extra_ports,
            'ca_file': sim.ca_file, 'pid': os.getpid(),
            'state_dir': None if sim._own_dir else sim.state_dir,
            'version': sim.profile.version, 'system_id': sim.mdm.system_id}
    print('scaleio-sim: serving %s (API %s, system %s)'
          % (sim.api_url, sim.profile.version, sim.mdm.system_id),
          flush=True)
    print('scaleio-sim: port %d' % sim.port, flush=True)
    for port in sim.extra_ports:
        print('scaleio-sim: also port %d' % port, flush=True)
    if sim.ca_file:
        print('scaleio-sim: CA file %s' % sim.ca_file, flush=True)
    if peer is not None:
        info['peer'] = {'url': peer.url, 'api_url': peer.api_url,
                        'port': peer.port, 'ca_file': peer.ca_file,
                        'system_id': peer.mdm.system_id}
        print('scaleio-sim: replication peer %s (system %s)'
              % (peer.api_url, peer.mdm.system_id), flush=True)
    if args.ready_file:
        tmp = args.ready_file + '.new'
        with open(tmp, 'w') as f:
            json.dump(info, f)
        os.replace(tmp, args.ready_file)
    interval = args.replication_interval if peer is not None else 0
    try:
        while not done.wait(interval or 1):
            if interval:
                sim.sync_replication()
    finally:
        if peer is not None:
            peer.stop()
        sim.stop()
        if args.ready_file and os.path.exists(args.ready_file):
            os.unlink(args.ready_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
