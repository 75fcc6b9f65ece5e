#!/usr/bin/env python3
"""Command line of the one-host OpenStack: install, up, down, status, wipe.

``python3 tools/openstack/harness.py [--state DIR] install|up|down|status|
kill|wipe`` (default state ``<repo>/.harness``): Keystone, Cinder with our
driver, MariaDB and RabbitMQ. Standard library only: it builds the venv
it then runs the services from. The services are the table in
services.py; everything listens on 127.0.0.1 on private ports;
every log lands in ``<state>/logs/``; ``up`` writes ``<state>/env.json``
and ``<state>/admin-openrc`` for tempest and the demo. See README.rst,
"OpenStack on one machine".

The modules beside this script import each other by plain name: Python
puts a script's directory first on sys.path (so none may be named like a
package they import: hence tempest_run.py).
"""

import argparse
import fcntl
import os
import shutil
import signal
import sys
import time
import urllib.parse

import configs
import install
import layout
import procs
import services
import stack

say = stack.say


def update_settings(lay, args):
    """Merge up's options into settings.json (kept across ups)."""
    settings = lay.read_settings()
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
    if args.cinder_only is not None:
        settings['cinder_only'] = args.cinder_only
    if args.active_active is not None:
        if (settings.get('active_active') and not args.active_active
                and os.path.exists(os.path.join(lay.data('markers'),
                                                'cinder-db'))):
            # Cinder keeps a service's cluster in its row when the service
            # starts without one: the backends would never show up alone
            raise procs.HarnessError(
                '--single on a state whose Cinder ran active-active: its '
                'services and volumes stay in cluster %s; "wipe" first'
                % configs.CLUSTER)
        settings['active_active'] = args.active_active
    if args.port_offset is not None:
        settings['port_offset'] = args.port_offset
    if args.in_tree is not None:
        settings['in_tree'] = args.in_tree
    if settings.get('port_offset') and not settings.get('cinder_only'):
        # libvirt and Open vSwitch are the host's: one cloud per host
        raise procs.HarnessError('--port-offset needs --cinder-only (the '
                                 'whole cloud runs once per host)')
    lay.write_settings(settings)
    return settings


def cmd_install(lay, args):
    install.install(lay)


def cmd_up(lay, args):
    if not os.path.exists(os.path.join(lay.venv, '.harness-installed')):
        raise procs.HarnessError('no venv at %s: run "%s install" first'
                                 % (lay.venv, sys.argv[0]))
    st = stack.Stack(lay, update_settings(lay, args))
    if st.running():
        say('already up; source %s' % lay.openrc)
        if args.gateway or args.simulator or args.in_tree is not None:
            say('settings saved; "down" then "up" to apply them')
        return
    try:
        st.up()
    except procs.HarnessError:
        say('up failed; what runs is left running for a look: "down" stops '
            'it; logs in %s' % lay.logs)
        raise


def cmd_down(lay, args):
    if os.path.isdir(lay.run):
        stack.down(procs.PidFiles(lay.run), lay)
    else:
        say('nothing to stop')


def cmd_kill(lay, args):
    """kill -9 services (a crash); "up" starts them again."""
    pids = procs.PidFiles(lay.run)
    for name in args.services:
        if procs.kill(pids, name):
            say('killed %s' % name)
        else:
            say('%s was not running' % name)


def _guests_rss():
    """RSS KiB of Nova's guests (qemu detaches from libvirtd)."""
    total = 0
    for pid in procs.find_by_name('qemu-system-x86'):
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                if b'guest=instance-' not in f.read():
                    continue
        except OSError:
            continue
        total += procs.rss_kib(pid)
    return total


def _stack_rss(pids):
    """{service: RSS KiB of its process and descendants}, and the guests."""
    rss = {name: procs.tree_rss_kib(record['pid'])
           for name, record in ((n, pids.running(n)) for n in pids.names())
           if record}
    if 'libvirtd' in rss:
        rss['guests (qemu)'] = _guests_rss()
    return rss


def cmd_status(lay, args):
    pids = procs.PidFiles(lay.run)
    rc = 0
    names = [s.name for s in services.SERVICES]
    rss = _stack_rss(pids)
    for name in names + [n for n in pids.names() if n not in names]:
        record = pids.running(name)
        if record:
            print('%-17s running  pid %-7d %7.0f MiB' % (
                name, record['pid'], rss.get(name, 0) / 1024.0))
        elif pids.read(name):
            print('%-17s DEAD     (pid file %s)' % (name, pids.path(name)))
            rc = 1
        else:
            print('%-17s -' % name)
    if 'guests (qemu)' in rss:
        print('%-17s %-24s %7.0f MiB' % ('guests (qemu)', '',
                                         rss['guests (qemu)'] / 1024.0))
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
    if os.path.exists(lay.env_json):
        print('env: %s' % lay.env_json)
    return rc


def cmd_wipe(lay, args):
    cmd_down(lay, args)
    if not os.path.isdir(lay.state):
        return
    for entry in os.listdir(lay.state):
        if entry in ('venv', '.lock'):
            continue
        path = os.path.join(lay.state, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    say('wiped %s (kept the venv)' % lay.state)


def parse_args(argv):
    p = argparse.ArgumentParser(prog='harness.py', description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--state', default=layout.DEFAULT_STATE,
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
    up.add_argument('--cinder-only', action='store_true', default=None,
                    help='Keystone and Cinder only: no Nova, Placement, '
                         'Glance, Neutron/OVN, libvirt or cinder-backup '
                         '(kept in settings.json; --cloud undoes it)')
    up.add_argument('--active-active', action='store_true', default=None,
                    help='two cinder-volume services (hosts harness and '
                         'harness-2) in one cluster, locking through etcd '
                         '(kept in settings.json; --single undoes it)')
    up.add_argument('--single', dest='active_active', action='store_false',
                    help='one cinder-volume service again')
    up.add_argument('--port-offset', type=int, metavar='N',
                    help='add N to every port, so that a second '
                         '--cinder-only stack (its own --state) runs '
                         'beside the first (kept in settings.json)')
    up.add_argument('--in-tree', action='store_true', default=None,
                    help='also a backend of Cinder\'s own PowerFlex driver '
                         '(powerflex-1) on the same gateway, one of '
                         'Cinder\'s do-nothing test driver (null-1: the '
                         'stack\'s ceiling), and a volume type per backend '
                         '(kept in settings.json; --no-in-tree undoes it)')
    up.add_argument('--no-in-tree', dest='in_tree', action='store_false')
    up.add_argument('--cloud', dest='cinder_only', action='store_false',
                    help='the whole cloud again after --cinder-only')
    sub.add_parser('down', help='stop what up started')
    st = sub.add_parser('status', help='what runs')
    st.add_argument('--memory', action='store_true',
                    help='print the stack\'s total RSS')
    st.add_argument('--sample', type=float, metavar='SECONDS',
                    help='sample the stack\'s RSS for SECONDS, print the '
                         'peak')
    kill = sub.add_parser('kill', help='kill -9 services and what they '
                          'started (a crash); "up" starts them again')
    kill.add_argument('services', nargs='+', metavar='SERVICE')
    sub.add_parser('wipe', help='down, then delete the state but the venv')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    lay = layout.Layout(args.state)
    command = {'install': cmd_install, 'up': cmd_up, 'down': cmd_down,
               'status': cmd_status, 'wipe': cmd_wipe,
               'kill': cmd_kill}[args.command]
    t0 = time.monotonic()
    if args.command != 'status':
        # one install/up/down/wipe at a time per state dir (tempest and the
        # demo may call up while another up is on its way)
        os.makedirs(lay.state, exist_ok=True)
        lock = open(os.path.join(lay.state, '.lock'), 'w')
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        rc = command(lay, args) or 0
    except procs.HarnessError as e:
        print('harness: ERROR: %s' % e, file=sys.stderr)
        return 1
    if args.command != 'status':
        say('%s took %.1f s' % (args.command, time.monotonic() - t0))
    return rc


if __name__ == '__main__':
    sys.exit(main())
