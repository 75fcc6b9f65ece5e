#!/usr/bin/env python3
"""Throughput through the whole stack: ours next to the in-tree driver.

A benchmark, not a test. It drives a running harness brought up with
``tools/openstack/harness.py up --in-tree`` (our backend and Cinder 29's
own PowerFlex driver on the same simulator and pool) through Cinder's API,
as an operator's clients would: N client threads, each with its own
keystoneauth session, run cycles until the level's count is done.

    volume cycle    create volume -> attachment create (a connector with a
                    simulated SDC's sdc_guid) -> attachment complete ->
                    attachment delete -> volume delete
    snapshot cycle  (of one source volume per client) create snapshot ->
                    clone a volume from it -> delete the clone -> delete
                    the snapshot

With the harness's null-1 backend present (Cinder's own do-nothing test
driver, which ``up --in-tree`` adds) it also runs that one, labelled
``null``: no array, no wait, no driver work, so its figures are the
stack's own ceiling on this machine, the most any driver could reach
(its ratio column is null / in-tree).

Asynchronous steps are waited for through the API (status polled every
``--poll`` seconds: the polls are part of a step's latency, as an operator
feels them). The simulator answers POSTs 50 ms late (a fault rule, unless
the harness's own rule already does; removed at the end). Concurrency
levels run in turn, each on both drivers before the next, in ``--rounds``
rounds (AB BA AB...: the driver that goes first alternates, so a
neighbour's load on a shared machine falls on both alike). For each
driver, level and step it prints ops/s (concurrency / mean latency: the
rate that step sustains at that concurrency), p50 and p95 latency, errors
(every failed call or wait counts; a failed cycle's leftovers are
deleted), and ours/in-tree ratios of throughput and p95; per level also
the whole cycles' rate (cycles / wall time) and the gateway requests a
cycle made (``GET /sim/counters``). At the end everything it made is
deleted and the array is checked to hold no more volumes than at the
start.

    python3 benchmarks/stack_throughput.py [--state DIR] [--volumes 200]
        [--snapshots 100] [--concurrency 1,8,32] [--rounds 2] [--quick]

It runs in the harness venv (re-executing itself there).
"""

import argparse
import collections
import concurrent.futures
import itertools
import json
import os
import ssl
import statistics
import sys
import threading
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tools', 'openstack'))

import layout  # noqa: E402

MICROVERSION = '3.54'       # attachments with a mode; complete is 3.44+
DELAY_RULE = {'action': 'delay', 'seconds': 0.05, 'method': 'POST',
              'path': '/api/*'}
# env.json backend kinds this benchmark runs, and their labels
LABELS = {'sdc': 'ours', 'in-tree': 'in-tree', 'null': 'null'}
VOLUME_STEPS = ('volume create', 'attachment create', 'attachment complete',
                'attachment delete', 'volume delete')
SNAPSHOT_STEPS = ('snapshot create', 'clone from snapshot', 'clone delete',
                  'snapshot delete')


class StepError(Exception):
    """A call answered with an unexpected status, or a wait failed."""


class Client:
    """One operator's client: a keystoneauth session of its own."""

    def __init__(self, env, poll, timeout):
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        self.session = session.Session(auth=v3.Password(
            auth_url=env.keystone_url, **env.admin))
        self.url = self.session.get_endpoint(
            service_type='block-storage', interface='public',
            region_name=env.region)
        self.poll, self.timeout = poll, timeout

    def call(self, method, path, body=None, ok=(200, 202)):
        resp = self.session.request(
            self.url + path, method, json=body, raise_exc=False,
            headers={'OpenStack-API-Version': 'volume %s' % MICROVERSION})
        if resp.status_code not in ok:
            raise StepError('%s %s: HTTP %d %s' % (
                method, path, resp.status_code, resp.text[:300]))
        return resp.json() if resp.content else None

    def wait(self, kind, obj_id, status):
        """Poll until the object has status (or is gone, status None)."""
        deadline = time.monotonic() + self.timeout
        key = kind[:-1]
        while True:
            resp = self.session.request(
                '%s/%s/%s' % (self.url, kind, obj_id), 'GET',
                raise_exc=False)
            if resp.status_code == 404 and status is None:
                return
            if resp.status_code != 200:
                raise StepError('GET %s/%s: HTTP %d' % (
                    kind, obj_id, resp.status_code))
            now = resp.json()[key]['status']
            if now == status:
                return
            if now.startswith('error'):
                raise StepError('%s %s is %s' % (key, obj_id, now))
            if time.monotonic() > deadline:
                raise StepError('%s %s still %s after %.0f s' % (
                    key, obj_id, now, self.timeout))
            time.sleep(self.poll)


class Made:
    """What the run made and has not deleted yet (for the clean-up)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = collections.OrderedDict()     # (kind, id): True

    def add(self, kind, obj_id):
        with self.lock:
            self.items[(kind, obj_id)] = True

    def drop(self, kind, obj_id):
        with self.lock:
            self.items.pop((kind, obj_id), None)

    def remaining(self):
        with self.lock:
            return list(self.items)


class Run:
    """One driver at one concurrency level: its timings and errors."""

    def __init__(self, label, concurrency):
        self.label, self.concurrency = label, concurrency
        self.lock = threading.Lock()
        self.latency = collections.defaultdict(list)    # step: [seconds]
        self.errors = collections.Counter()             # step: count
        self.messages = []
        self.cycles = collections.Counter()             # kind: done
        self.wall = {}                                  # kind: seconds
        self.requests = {}                              # kind: gateway reqs

    def timed(self, step, func, *args):
        t0 = time.monotonic()
        try:
            result = func(*args)
        except Exception as e:
            with self.lock:
                self.errors[step] += 1
                if len(self.messages) < 5:
                    self.messages.append('%s: %s' % (step, e))
            raise
        with self.lock:
            self.latency[step].append(time.monotonic() - t0)
        return result

    def stats(self, step):
        values = sorted(self.latency[step])
        if not values:
            return None
        return {'n': len(values),
                'ops': self.concurrency / statistics.mean(values),
                'p50': percentile(values, 50) * 1000,
                'p95': percentile(values, 95) * 1000}


def percentile(values, pct):
    """Nearest-rank percentile of sorted values."""
    rank = max(1, int(round(pct / 100.0 * len(values) + 0.4999)))
    return values[min(rank, len(values)) - 1]


def volume_cycle(client, run, made, backend, connector):
    vtype = backend['volume_type']
    vol = run.timed('volume create', create_volume, client, made, {
        'size': 1, 'volume_type': vtype, 'name': 'bench-%s' % vtype})
    attachment = run.timed('attachment create', lambda: client.call(
        'POST', '/attachments', {'attachment': {
            'volume_uuid': vol, 'connector': connector, 'mode': 'rw'}})[
        'attachment'])
    if not attachment.get('connection_info'):
        run.errors['attachment create'] += 1
        raise StepError('attachment %s has no connection_info'
                        % attachment['id'])
    made.add('attachments', attachment['id'])
    run.timed('attachment complete', client.call, 'POST',
              '/attachments/%s/action' % attachment['id'],
              {'os-complete': None}, (200, 202, 204))
    run.timed('attachment delete', delete_attachment, client, made,
              attachment['id'], vol)
    run.timed('volume delete', delete, client, made, 'volumes', vol)


def snapshot_cycle(client, run, made, backend, source):
    source_id, size = source
    snap = run.timed('snapshot create', create_snapshot, client, made,
                     source_id)
    # the in-tree driver rounds a volume up to the array's 8 GiB in Cinder
    # too: a clone is as large as its source
    clone = run.timed('clone from snapshot', create_volume, client, made, {
        'size': size, 'snapshot_id': snap,
        'volume_type': backend['volume_type'],
        'name': 'bench-clone-%s' % backend['volume_type']})
    run.timed('clone delete', delete, client, made, 'volumes', clone)
    run.timed('snapshot delete', delete, client, made, 'snapshots', snap)


def create_volume(client, made, spec):
    vol = client.call('POST', '/volumes', {'volume': spec})['volume']['id']
    made.add('volumes', vol)
    client.wait('volumes', vol, 'available')
    return vol


def create_snapshot(client, made, source):
    snap = client.call('POST', '/snapshots', {'snapshot': {
        'volume_id': source, 'name': 'bench-snapshot'}})['snapshot']['id']
    made.add('snapshots', snap)
    client.wait('snapshots', snap, 'available')
    return snap


def delete_attachment(client, made, attachment, vol):
    client.call('DELETE', '/attachments/%s' % attachment)
    made.drop('attachments', attachment)
    client.wait('volumes', vol, 'available')


def delete(client, made, kind, obj_id):
    client.call('DELETE', '/%s/%s' % (kind, obj_id))
    client.wait(kind, obj_id, None)
    made.drop(kind, obj_id)


class Simulator:
    """The simulator's control API (faults, counters) and its gateway."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.control = gateway['control_url']
        self.ssl = ssl.create_default_context(cafile=gateway['ca_file'])

    def request(self, url, method='GET', body=None, auth=None):
        req = urllib.request.Request(
            url, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={'Content-Type': 'application/json'})
        if auth:
            req.add_header('Authorization', auth)
        with urllib.request.urlopen(req, context=self.ssl,
                                    timeout=60) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def delay_posts(self):
        """Rule id added, or None when a rule already delays POSTs 50 ms."""
        for rule in self.request(self.control + '/faults'):
            if (rule['action'] == 'delay' and rule['seconds'] >= 0.05
                    and rule['method'] in (None, 'POST')
                    and rule['path'] in ('*', '/api/*')
                    and rule['count'] is None
                    and rule['probability'] == 1):
                print('the simulator already delays POSTs %.0f ms (rule '
                      '%d, path %s): none added'
                      % (rule['seconds'] * 1000, rule['id'], rule['path']))
                return None
        rule = self.request(self.control + '/faults', 'POST', DELAY_RULE)
        print('added fault rule %d: %s' % (rule['id'], DELAY_RULE))
        return rule['id']

    def remove_rule(self, rule_id):
        self.request('%s/faults/%d' % (self.control, rule_id), 'DELETE')

    def requests(self):
        """Gateway requests so far (every endpoint, summed)."""
        return self.request(self.control + '/counters')['total']

    def endpoints(self):
        return self.request(self.control + '/counters')['endpoints']

    def volume_count(self):
        """How many volumes (and snapshots) the array holds."""
        import base64
        gw = self.gateway
        basic = 'Basic ' + base64.b64encode(('%s:%s' % (
            gw['username'], gw['password'])).encode()).decode()
        token = self.request(gw['api_url'] + '/login', auth=basic)
        auth = 'Basic ' + base64.b64encode(
            ('%s:%s' % (gw['username'], token)).encode()).decode()
        return len(self.request(gw['api_url'] + '/types/Volume/instances',
                                auth=auth))


def lift_quotas(client, types):
    """No volume, snapshot or size quota for the run; the old values."""
    project = client.session.get_project_id()
    path = '/os-quota-sets/%s' % project
    old = client.call('GET', path)['quota_set']
    keys = [k for k in old if k.split('_')[0] in (
        'volumes', 'snapshots', 'gigabytes') and (
            '_' not in k or k.split('_', 1)[1] in types)]
    client.call('PUT', path, {'quota_set': {k: -1 for k in keys}})
    return path, {k: old[k] for k in keys}


def run_level(env, args, backend, connectors, run, made, sim, share):
    """Both cycles of one driver at run's concurrency, into run.

    share: the fraction of --volumes and --snapshots this round does.
    """
    concurrency = run.concurrency
    clients = [Client(env, args.poll, args.timeout)
               for _ in range(concurrency)]
    # sources of the snapshot cycles, one per client (not timed)
    sources = [create_volume(c, made, {
        'size': 1, 'volume_type': backend['volume_type'],
        'name': 'bench-source'}) for c in clients] if args.snapshots else []
    sources = [(s, c.call('GET', '/volumes/%s' % s)['volume']['size'])
               for c, s in zip(clients, sources)]
    for kind, count, cycle in (
            ('volume', round(args.volumes * share), volume_cycle),
            ('snapshot', round(args.snapshots * share), snapshot_cycle)):
        if not count:
            continue
        numbers = itertools.count()

        def worker(i):
            client = clients[i]
            extra = (connectors[i % len(connectors)] if kind == 'volume'
                     else sources[i])
            while next(numbers) < count:
                try:
                    cycle(client, run, made, backend, extra)
                    with run.lock:
                        run.cycles[kind] += 1
                except Exception:       # noqa: counted in run.errors
                    pass
        before = sim.requests()
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(worker, range(concurrency)))
        run.wall[kind] = run.wall.get(kind, 0) + time.monotonic() - t0
        run.requests[kind] = (run.requests.get(kind, 0) + sim.requests()
                              - before)
    for c, (src, _) in zip(clients, sources):
        try:
            delete(c, made, 'volumes', src)
        except Exception as e:      # noqa: the final clean-up retries
            run.errors['(source delete)'] += 1
            run.messages.append('source delete: %s' % e)


def report(runs, levels, steps_by_kind):
    print()
    print('%-7s %4s %-22s %5s %8s %9s %9s %6s %9s %9s' % (
        'driver', 'conc', 'step', 'n', 'ops/s', 'p50 ms', 'p95 ms',
        'errors', 'x ops/s', 'x p95'))
    for level in levels:
        level_runs = [r for (_, lv), r in runs.items() if lv == level]
        theirs = runs[('in-tree', level)]
        for kind, steps in steps_by_kind:
            for step in steps:
                for run in level_runs:
                    s = run.stats(step)
                    line = '%-7s %4d %-22s ' % (run.label, level, step)
                    if s is None:
                        print(line + '%5d %8s %9s %9s %6d' % (
                            0, '-', '-', '-', run.errors[step]))
                        continue
                    ratio = ''
                    t = theirs.stats(step)
                    if run is not theirs and t:
                        ratio = ' %8.2fx %8.2fx' % (
                            s['ops'] / t['ops'], s['p95'] / t['p95'])
                    print(line + '%5d %8.2f %9.0f %9.0f %6d%s' % (
                        s['n'], s['ops'], s['p50'], s['p95'],
                        run.errors[step], ratio))
            for run in level_runs:
                if kind in run.wall:
                    done = run.cycles[kind]
                    rate = done / run.wall[kind]
                    ratio = ''
                    if run is not theirs and theirs.cycles[kind]:
                        ratio = ' %8.2fx' % (rate / (
                            theirs.cycles[kind] / theirs.wall[kind]))
                    print('%-7s %4d %-22s %5d %8.2f %9s %9s %6d%s   '
                          '(%.1f s wall, %.1f gateway requests a cycle)'
                          % (run.label, level, 'whole %s cycle' % kind,
                             done, rate, '', '',
                             sum(run.errors[s] for s in dict(
                                 steps_by_kind)[kind]),
                             ratio, run.wall[kind],
                             run.requests[kind] / max(done, 1)))
        print()
    print('ops/s of a step = concurrency / its mean latency; whole cycle '
          '= cycles done / wall time; x = ours (or null) / in-tree '
          '(ops/s: higher is better; p95: lower is better); null = '
          'Cinder\'s do-nothing test driver, the stack\'s ceiling')
    for key, run in sorted(runs.items()):
        for message in run.messages:
            print('error (%s, concurrency %d): %s' % (key[0], key[1],
                                                      message))


def clean_up(env, args, made):
    """Delete whatever is left, attachments first; return what failed."""
    left = made.remaining()
    if not left:
        return []
    print('cleaning up %d leftovers' % len(left))
    client = Client(env, args.poll, args.timeout)
    failed = []
    # a volume with snapshots cannot go; a snapshot with clones can
    order = {'attachments': 0, 'snapshots': 1, 'volumes': 2}
    for kind, obj_id in sorted(reversed(left), key=lambda k: order[k[0]]):
        try:
            if kind == 'attachments':
                client.call('DELETE', '/attachments/%s' % obj_id,
                            ok=(200, 202, 404))
                made.drop(kind, obj_id)
            else:
                client.call('DELETE', '/%s/%s' % (kind, obj_id),
                            ok=(202, 404))
                client.wait(kind, obj_id, None)
                made.drop(kind, obj_id)
        except Exception as e:
            failed.append('%s %s: %s' % (kind, obj_id, e))
    return failed


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--state', default=layout.DEFAULT_STATE,
                   help='the harness state dir (default %(default)s)')
    p.add_argument('--volumes', type=int, default=200,
                   help='volume cycles per driver and level')
    p.add_argument('--snapshots', type=int, default=100,
                   help='snapshot/clone cycles per driver and level')
    p.add_argument('--concurrency', default='1,8,32',
                   help='client threads, a level each (default %(default)s)')
    p.add_argument('--poll', type=float, default=0.2,
                   help='seconds between status polls')
    p.add_argument('--timeout', type=float, default=300,
                   help='seconds one wait may take')
    p.add_argument('--rounds', type=int, default=2,
                   help='split each level into this many rounds per '
                        'driver, alternating which goes first')
    p.add_argument('--quick', action='store_true',
                   help='a smoke run: 4 cycles of each, concurrency 1,2')
    args = p.parse_args(argv)
    if args.quick:
        args.volumes, args.snapshots, args.concurrency = 4, 4, '1,2'
        args.rounds = 1
    args.levels = [int(c) for c in args.concurrency.split(',')]
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    lay = layout.Layout(args.state)
    lay.reexec_in_venv()
    env = layout.Env.load(lay)
    import warnings
    warnings.simplefilter('ignore')
    backends = {}
    for b in env.backends:
        label = LABELS.get(b.get('kind'))
        if b.get('volume_type') and label:
            backends.setdefault(label, b)
    if not {'ours', 'in-tree'} <= set(backends):
        sys.exit('env.json has no in-tree backend with volume types: bring '
                 'the stack up with "harness.py up --in-tree"')
    if backends['ours']['pool'] != backends['in-tree']['pool']:
        print('note: ours on %s, in-tree on %s' % (
            backends['ours']['pool'], backends['in-tree']['pool']))
    backends = {k: backends[k] for k in LABELS.values() if k in backends}
    gateway = env.gateway
    if gateway.get('kind') != 'simulator':
        sys.exit('needs the simulator (fault rules, counters)')
    sim = Simulator(gateway)
    # the initiator is for null-1 (Cinder's fake driver exports through an
    # LVM iSCSI target helper); a compute host's connector carries one
    connectors = [{'sdc_guid': s['guid'], 'host': 'bench-%s' % s['name'],
                   'initiator': 'iqn.2026-12.org.bench:%s' % s['name'],
                   'ip': '127.0.0.1', 'platform': 'x86_64',
                   'os_type': 'linux', 'multipath': False}
                  for s in gateway['sdcs'] if s.get('guid')]
    print('stack %s: %s; %d volume and %d snapshot cycles per driver and '
          'level; concurrency %s; polls every %.2f s; %d SDCs; %d CPUs' % (
              lay.state, ', '.join('%s = %s (%s)' % (k, b['name'], b['pool'])
                                   for k, b in backends.items()),
              args.volumes, args.snapshots, args.concurrency, args.poll,
              len(connectors), os.cpu_count()))
    volumes_before = sim.volume_count()
    admin = Client(env, args.poll, args.timeout)
    # the admin project's defaults (10 volumes) are below one level's needs
    quota_path, quotas = lift_quotas(admin, [
        b['volume_type'] for b in backends.values()])
    rule = sim.delay_posts()
    made = Made()
    runs = {}
    try:
        flip = itertools.cycle([False, True])
        for level in args.levels:
            for driver in backends:
                runs[(driver, level)] = Run(driver, level)
            # rounds in the order AB BA AB...: a neighbour's load on the
            # machine falls on every driver alike
            for n in range(args.rounds):
                order = list(backends)
                if next(flip):
                    order.reverse()
                for driver in order:
                    t0 = time.monotonic()
                    run_level(env, args, backends[driver], connectors,
                              runs[(driver, level)], made, sim,
                              1.0 / args.rounds)
                    print('%-7s concurrency %2d round %d done in %.1f s'
                          % (driver, level, n + 1, time.monotonic() - t0),
                          flush=True)
    finally:
        failed = clean_up(env, args, made)
        if rule is not None:
            sim.remove_rule(rule)
            print('removed fault rule %d' % rule)
        admin.call('PUT', quota_path, {'quota_set': quotas})
    steps = [('volume', VOLUME_STEPS)]
    if args.snapshots:
        steps.append(('snapshot', SNAPSHOT_STEPS))
    report(runs, args.levels, steps)
    volumes_after = sim.volume_count()
    print('array volumes: %d before, %d after%s' % (
        volumes_before, volumes_after,
        '' if volumes_after == volumes_before else '  LEFT BEHIND'))
    for line in failed:
        print('NOT CLEANED UP: %s' % line)
    return 1 if failed or volumes_after != volumes_before else 0


if __name__ == '__main__':
    sys.exit(main())
