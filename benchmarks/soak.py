"""A soak: thousands of random Cinder driver operations from several
threads against one simulator under injected faults, then a reconciliation
of what Cinder believes against what the array holds (a benchmark, not a
test).

The simulator serves HTTPS on two ports (``san_ip`` lists both; now and
then the second one goes down and comes back) and keeps its state on disk,
so restarts reload it. Fault rules fire at ``--fault-rate`` per request:
503 without an error code (before and after the change), TCP resets (before
the change, and after it: lost answers), token revocations, gateway
restarts and delays.

The soak keeps a model of what Cinder believes, as Cinder does: an
operation that raised leaves its object in an error state (a create that
raised is still a record, in 'error', that a later delete must clean up); a
delete that raised leaves 'error_deleting' and is tried again later; an
attach that raised leaves no connector, so nobody calls
terminate_connection for it. After each successful attach a random 4 KiB
pattern goes to a random block through the SDC host's device link; the
patterns are read back on later attaches, after extends, and at the end
for every volume and snapshot (a snapshot keeps the patterns of its moment,
a clone its source's, a reverted volume its snapshot's).

At the end the faults stop, both gateways come up, the array is compared
with the model (lost objects, stale mappings, duplicate names, corrupt
data), everything the model holds is deleted (with retries), and what is
left on the array and no record explains is leaked. One line per driver::

    .tox/py3/bin/python benchmarks/soak.py [--ops 10000] [--threads 8]
        [--fault-rate 0.05] [--retries 4] [--seed N]
        [--driver ours|in-tree|both] [--check] [--verbose]

``--check`` exits 1 if ours leaked, lost, left a stale mapping, corrupted
data or let a raw (non-Cinder) exception escape.
"""

import argparse
import collections
import logging
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback
import warnings

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GIB = 1024 ** 3
BLOCK = 4096
POOLS = ('pd1:sp1', 'pd1:sp2')
HOSTS = {'compute1': 'sdc1', 'compute2': 'sdc2'}
CONSISTENT = {'consistent_group_snapshot_enabled': '<is> True'}

# What a fault is, weighted; each rule fires with rate * weight / total.
FAULT_MIX = (
    (20, {'action': 'error', 'status': 503}),
    (10, {'action': 'error', 'status': 503, 'phase': 'after'}),
    (15, {'action': 'reset'}),
    (25, {'action': 'reset', 'phase': 'after'}),
    (12, {'action': 'revoke'}),
    (13, {'action': 'delay', 'seconds': 0.1}),
    (5, {'action': 'restart'}),
)

# Operation weights.
OPERATIONS = (
    ('create', 14), ('snapshot', 10), ('clone', 7), ('from_snapshot', 7),
    ('extend', 8), ('attach', 12), ('detach', 11), ('revert', 5),
    ('delete_volume', 12), ('delete_snapshot', 11), ('group_snapshot', 3),
)
# Population caps: the array's state (saved on every change) stays small.
MAX_VOLUMES = 40
MAX_SNAPSHOTS = 80
MAX_SNAPSHOTS_PER_VOLUME = 4
CLEANUP_ROUNDS = 6

# Cinder statuses.
USABLE = ('available', 'in-use')
DELETABLE_VOLUME = ('available', 'error', 'error_deleting',
                    'error_extending')
DELETABLE_SNAPSHOT = ('available', 'error', 'error_deleting')


class Obj:
    """What Cinder believes about one volume, snapshot or group snapshot."""

    def __init__(self, kind, record, size):
        self.kind = kind
        self.id = record.id
        self.record = record
        self.size = size
        self.status = 'creating'
        self.busy = True
        # Cinder is sure the array holds it (a create succeeded, and no
        # delete was tried since).
        self.exists = False
        # block index -> the 4 KiB written there; None: unknown content
        # (a revert that raised).
        self.blocks = {}
        self.host = None            # volume: the host of its attachment
        self.attachment = None      # volume: its VolumeAttachment record
        # volume: its device link is there (attached, and no detach has
        # failed since, which may have unmapped it)
        self.device_known = False
        self.snapshots = []         # volume: its snapshots, oldest first
        self.source = None          # snapshot: its volume
        self.group = None           # snapshot: its group snapshot
        self.members = []           # group snapshot: its snapshots
        self.sequence = 0


class Counts:

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = 0
        self.failed = 0
        self.raw = 0
        self.raw_kinds = collections.Counter()
        self.by_op = collections.Counter()
        self.failed_by_op = collections.Counter()
        self.patterns_checked = 0
        self.corrupt = 0
        self.soak_errors = 0
        self.corrupt_seen = set()
        self.notes = []

    def note(self, text):
        with self.lock:
            self.notes.append(text)


class Soak:
    """One driver, one simulator, one model, N operations."""

    def __init__(self, env, label, driver, sim, group, args, counts):
        self.env = env
        self.label = label
        self.driver = driver
        self.sim = sim
        self.host = 'cinder-volume@' + group
        self.args = args
        self.counts = counts
        self.context = env.context
        self.lock = threading.Lock()
        self.objects = {}
        self.sequence = 0
        self.local = threading.local()     # this thread's failed calls
        self.group_type = env.make_group_type(self.host)

    # ----------------------------------------------------------- driver
    def call(self, method, *args):
        """(True, result) or (False, None): a raised call is a failed op."""
        from cinder import exception
        self.local.failed = getattr(self.local, 'failed', 0) + 1
        try:
            result = method(*args)
            self.local.failed -= 1
            return True, result
        except (exception.CinderException, NotImplementedError):
            with self.counts.lock:
                self.counts.failed += 1
        except Exception as e:
            with self.counts.lock:
                self.counts.failed += 1
                self.counts.raw += 1
                self.counts.raw_kinds[type(e).__module__ + '.'
                                      + type(e).__name__] += 1
        return False, None

    # ------------------------------------------------------------ model
    def add(self, obj):
        with self.lock:
            self.sequence += 1
            obj.sequence = self.sequence
            self.objects[obj.id] = obj
        return obj

    def release(self, *objs):
        with self.lock:
            for obj in objs:
                obj.busy = False

    def forget(self, obj):
        with self.lock:
            self.objects.pop(obj.id, None)
            if obj.source is not None and obj in obj.source.snapshots:
                obj.source.snapshots.remove(obj)
            if obj.group is not None and obj in obj.group.members:
                obj.group.members.remove(obj)
        self.env.destroy(obj.record)

    def _free(self, kind, statuses, test=None):
        return [o for o in self.objects.values()
                if o.kind == kind and not o.busy and o.status in statuses
                and (test is None or test(o))]

    def pick(self, rng):
        """Choose an operation and its targets; mark the targets busy."""
        with self.lock:
            kinds = collections.Counter(o.kind for o in self.objects.values())
            crowded = kinds['volume'] >= MAX_VOLUMES
            snapshots_crowded = kinds['snapshot'] >= MAX_SNAPSHOTS
            names, weights = zip(*OPERATIONS)
            for _ in range(20):
                name = rng.choices(names, weights)[0]
                if crowded and name in ('create', 'clone', 'from_snapshot'):
                    continue
                if snapshots_crowded and name in ('snapshot',
                                                  'group_snapshot'):
                    continue
                targets = getattr(self, '_targets_' + name)(rng)
                if targets is not None:
                    for target in targets:
                        target.busy = True
                    return name, targets
            return ('idle', []) if crowded else ('create', [])

    def _targets_create(self, rng):
        return []

    def _targets_clone(self, rng):
        found = self._free('volume', USABLE)
        return [rng.choice(found)] if found else None

    def _targets_snapshot(self, rng):
        found = self._free(
            'volume', USABLE,
            lambda v: len(v.snapshots) < MAX_SNAPSHOTS_PER_VOLUME)
        return [rng.choice(found)] if found else None

    def _targets_from_snapshot(self, rng):
        found = self._free('snapshot', ('available',),
                           lambda s: s.group is None or not s.group.busy)
        return [rng.choice(found)] if found else None

    _targets_extend = _targets_clone

    def _targets_attach(self, rng):
        found = self._free('volume', ('available',))
        return [rng.choice(found)] if found else None

    def _targets_detach(self, rng):
        found = self._free('volume', ('in-use',))
        return [rng.choice(found)] if found else None

    def _targets_revert(self, rng):
        # Cinder reverts only to the latest snapshot, of the same size.
        def revertible(volume):
            if not volume.snapshots:
                return False
            latest = volume.snapshots[-1]
            return (not latest.busy and latest.status == 'available'
                    and latest.group is None and latest.size == volume.size
                    and volume.blocks is not None)
        found = self._free('volume', ('available',), revertible)
        if not found:
            return None
        volume = rng.choice(found)
        return [volume, volume.snapshots[-1]]

    def _targets_delete_volume(self, rng):
        # Cinder deletes no volume that has snapshots or an attachment.
        found = self._free('volume', DELETABLE_VOLUME,
                           lambda v: not v.snapshots and v.host is None)
        errors = [v for v in found if v.status != 'available']
        if errors and rng.random() < 0.5:
            found = errors
        return [rng.choice(found)] if found else None

    def _targets_delete_snapshot(self, rng):
        singles = self._free('snapshot', DELETABLE_SNAPSHOT,
                             lambda s: s.group is None)
        groups = self._free('group_snapshot', DELETABLE_SNAPSHOT,
                            lambda g: not any(m.busy for m in g.members))
        if groups and (not singles or rng.random() < 0.25):
            chosen = rng.choice(groups)
            return [chosen] + list(chosen.members)
        return [rng.choice(singles)] if singles else None

    def _targets_group_snapshot(self, rng):
        found = self._free(
            'volume', USABLE,
            lambda v: len(v.snapshots) < MAX_SNAPSHOTS_PER_VOLUME)
        if len(found) < 2:
            return None
        return rng.sample(found, min(len(found), rng.randint(2, 3)))

    # ------------------------------------------------------- operations
    def run(self, rng):
        name, targets = self.pick(rng)
        with self.counts.lock:
            self.counts.ops += 1
            self.counts.by_op[name] += 1
        failed = getattr(self.local, 'failed', 0)
        if name == 'idle':
            return
        getattr(self, 'op_' + name)(rng, *targets)
        with self.counts.lock:
            self.counts.failed_by_op[name] += self.local.failed - failed

    def new_volume(self, rng, size, **fields_):
        record = self.env.volume_record(
            self.host, rng.choice(POOLS), size,
            rng.choice(self.env.types), **fields_)
        return self.add(Obj('volume', record, size))

    def created(self, obj, ok, update, blocks):
        if ok:
            obj.record.update(update or {})
            obj.status, obj.exists = 'available', True
            obj.blocks = dict(blocks) if blocks is not None else None
        else:
            obj.status = 'error'
            obj.blocks = None
        self.env.save(obj.record, status=obj.status)
        self.release(obj)

    def op_create(self, rng):
        volume = self.new_volume(rng, rng.choice((1, 4, 8, 9, 16)))
        ok, update = self.call(self.driver.create_volume, volume.record)
        self.created(volume, ok, update, {})

    def op_clone(self, rng, source):
        clone = self.new_volume(rng, source.size + rng.choice((0, 0, 3, 8)),
                                source_volid=source.id)
        record = self.env.fresh(source)
        ok, update = self.call(self.driver.create_cloned_volume,
                               clone.record, record)
        self.created(clone, ok, update, source.blocks)
        self.release(source)

    def op_from_snapshot(self, rng, snapshot):
        volume = self.new_volume(rng,
                                 snapshot.size + rng.choice((0, 0, 5, 8)),
                                 snapshot_id=snapshot.id)
        record = self.env.fresh(snapshot)
        ok, update = self.call(self.driver.create_volume_from_snapshot,
                               volume.record, record)
        self.created(volume, ok, update, snapshot.blocks)
        self.release(snapshot)

    def new_snapshot(self, volume, group=None):
        record = self.env.snapshot_record(
            volume.record, group.id if group else None)
        snapshot = self.add(Obj('snapshot', record, volume.size))
        snapshot.source = volume
        snapshot.group = group
        with self.lock:
            volume.snapshots.append(snapshot)
        return snapshot

    def op_snapshot(self, rng, volume):
        snapshot = self.new_snapshot(volume)
        record = self.env.fresh(snapshot)
        ok, update = self.call(self.driver.create_snapshot, record)
        self.created(snapshot, ok, update, volume.blocks)
        if ok and volume.device_known:
            # The volume moves on; the snapshot must keep its moment.
            self.write(rng, volume, reuse=True)
        self.release(volume)

    def op_group_snapshot(self, rng, *volumes):
        cinder_group = self.env.make_group(
            self.group_type, self.host, [v.record for v in volumes])
        record = self.env.group_snapshot_record(cinder_group)
        group = self.add(Obj('group_snapshot', record, 0))
        snapshots = [self.new_snapshot(v, group) for v in volumes]
        group.members = list(snapshots)
        records = [self.env.fresh(s) for s in snapshots]
        ok, result = self.call(self.driver.create_group_snapshot,
                               self.context, self.env.fresh(group), records)
        updates = {}
        if ok:
            update, snapshot_updates = result
            ok = update.get('status') == 'available'
            updates = {u['id']: u for u in snapshot_updates or ()}
        for snapshot, volume in zip(snapshots, volumes):
            update = dict(updates.get(snapshot.id, {}))
            update.pop('id', None)
            update.pop('status', None)
            self.created(snapshot, ok, update, volume.blocks)
        group.status = 'available' if ok else 'error'
        group.exists = ok
        self.env.save(group.record, status=group.status)
        self.env.leave_group([v.record for v in volumes])
        self.release(group, *volumes)

    def op_extend(self, rng, volume):
        new_size = volume.size + rng.randint(1, 10)
        record = self.env.fresh(volume)
        ok, _ = self.call(self.driver.extend_volume, record, new_size)
        if ok:
            volume.size = new_size
            self.env.save(volume.record, size=new_size)
            if volume.device_known:
                self.verify(volume, self.device(volume), new_size)
        else:
            volume.status = 'error_extending'
            self.env.save(volume.record, status=volume.status)
        self.release(volume)

    def op_attach(self, rng, volume):
        host = rng.choice(sorted(HOSTS))
        connector = self.env.connector(host)
        record = self.env.fresh(volume)
        ok, _ = self.call(self.driver.initialize_connection, record,
                          connector)
        if ok:
            volume.host = host
            volume.status = 'in-use'
            volume.attachment = self.env.attach(volume.record, host)
            volume.device_known = True
            if volume.blocks is not None:
                self.verify(volume, self.device(volume))
                self.write(rng, volume)
        # A failed attach leaves no connector: Cinder will never call
        # terminate_connection for it.
        self.release(volume)

    def op_detach(self, rng, volume):
        record = self.env.fresh(volume)
        ok, _ = self.call(self.driver.terminate_connection, record,
                          self.env.connector(volume.host))
        if ok:
            self.env.detach(volume.record, volume.attachment)
            volume.host = volume.attachment = None
            volume.status = 'available'
            volume.device_known = False
        else:
            # The attachment stays (error_detaching); detaching again
            # calls terminate_connection again.
            volume.device_known = False
            self.env.save(volume.attachment, attach_status='error_detaching')
        self.release(volume)

    def op_revert(self, rng, volume, snapshot):
        ok, _ = self.call(self.driver.revert_to_snapshot, self.context,
                          self.env.fresh(volume), self.env.fresh(snapshot))
        if ok:
            volume.blocks = (dict(snapshot.blocks)
                             if snapshot.blocks is not None else None)
        else:
            volume.status = 'error'
            volume.blocks = None
            self.env.save(volume.record, status='error')
        self.release(volume, snapshot)

    def op_delete_volume(self, rng, volume):
        self.delete(volume, self.driver.delete_volume)

    def op_delete_snapshot(self, rng, target, *members):
        if target.kind == 'snapshot':
            self.delete(target, self.driver.delete_snapshot)
        else:
            self.delete_group(target)

    def delete(self, obj, method):
        ok, _ = self.call(method, self.env.fresh(obj))
        if ok:
            self.forget(obj)
            return True
        obj.status, obj.exists = 'error_deleting', False
        self.env.save(obj.record, status=obj.status)
        self.release(obj)
        return False

    def delete_group(self, group):
        members = list(group.members)
        ok, result = self.call(self.driver.delete_group_snapshot,
                               self.context, self.env.fresh(group),
                               [self.env.fresh(m) for m in members])
        statuses = {}
        if ok:
            statuses = {u['id']: u.get('status')
                        for u in (result[1] or ())}
        for member in members:
            if statuses.get(member.id) == 'deleted':
                self.forget(member)
            else:
                member.status, member.exists = 'error_deleting', False
                self.env.save(member.record, status=member.status)
        if not group.members:
            self.forget(group)
            return True
        group.status = 'error_deleting'
        self.env.save(group.record, status=group.status)
        self.release(group, *members)
        return False

    # ------------------------------------------------------------- data
    def device(self, volume):
        return os.path.join(
            self.sim.host_dir(HOSTS[volume.host]), 'by-id',
            'emc-vol-%s-%s' % (self.sim.mdm.system_id,
                               volume.record.provider_id))

    def write(self, rng, volume, reuse=False):
        """A random 4 KiB pattern at a random block, through the device."""
        if volume.blocks is None:
            return
        if reuse and volume.blocks:
            block = rng.choice(sorted(volume.blocks))
        else:
            block = rng.randrange(volume.size * GIB // BLOCK)
        data = rng.randbytes(BLOCK)
        try:
            with open(self.device(volume), 'r+b') as f:
                f.seek(block * BLOCK)
                f.write(data)
        except OSError as e:
            self.corrupt('%s: cannot write through %s: %s'
                         % (volume.id, self.device(volume), e))
            volume.blocks = None
            return
        volume.blocks[block] = data

    def verify(self, obj, path, size_gib=None):
        """Count the patterns ``path`` does not hold (missing: zeros)."""
        if obj.blocks is None:
            return
        try:
            with open(path, 'rb') as f:
                if size_gib and os.fstat(f.fileno()).st_size < size_gib * GIB:
                    self.corrupt('%s %s: %d bytes after an extend to %d GiB'
                                 % (obj.kind, obj.id,
                                    os.fstat(f.fileno()).st_size, size_gib))
                for block, data in sorted(obj.blocks.items()):
                    with self.counts.lock:
                        self.counts.patterns_checked += 1
                    f.seek(block * BLOCK)
                    if f.read(BLOCK) != data:
                        self.corrupt('%s %s: block %d differs'
                                     % (obj.kind, obj.id, block),
                                     (obj.id, block))
        except FileNotFoundError:
            if obj.blocks:
                self.corrupt('%s %s: %s is missing (%d patterns)'
                             % (obj.kind, obj.id, path, len(obj.blocks)))

    def corrupt(self, text, key=None):
        """Count a finding once (a block read back again is no news)."""
        with self.counts.lock:
            if key is not None:
                if key in self.counts.corrupt_seen:
                    return
                self.counts.corrupt_seen.add(key)
            self.counts.corrupt += 1
        self.counts.note('corrupt: ' + text)

    # --------------------------------------------------------------- end
    def array(self):
        """{id: (name, [sdc ids])} of every volume and snapshot."""
        with self.sim.mdm.lock:
            return {v.id: (v.name, [m.sdc_id for m in v.mappings])
                    for v in self.sim.mdm.volumes.values()}

    def reconcile(self):
        """Lost objects, stale mappings, duplicates and corrupt data.

        Before the clean-up: the model against the array as it is.
        """
        from scaleio_client import names
        array = self.array()
        by_name = collections.Counter(name for name, _ in array.values())
        duplicates = sum(n - 1 for name, n in by_name.items()
                         if name and n > 1)
        sdc_ids = {}
        with self.sim.mdm.lock:
            for sdc in self.sim.mdm.sdcs.values():
                sdc_ids[sdc.name] = sdc.id
        by_array_name = {names.id_to_name(o.id): o
                         for o in self.objects.values()
                         if o.kind != 'group_snapshot'}
        lost = 0
        for obj in by_array_name.values():
            if not obj.exists:
                continue
            found = array.get(obj.record.provider_id)
            if found is None or found[0] != names.id_to_name(obj.id):
                lost += 1
                self.counts.note('lost: %s %s (%s): provider id %s holds %r'
                                 % (obj.kind, obj.id, obj.status,
                                    obj.record.provider_id,
                                    found and found[0]))
                continue
            self.verify(obj, self.sim.dataplane.path(obj.record.provider_id))
        stale = 0
        for array_id, (name, mapped) in sorted(array.items()):
            obj = by_array_name.get(name)
            allowed = set()
            if obj is not None and obj.host:
                allowed.add(sdc_ids[HOSTS[obj.host]])
            for sdc_id in mapped:
                if sdc_id not in allowed:
                    stale += 1
                    self.counts.note('stale mapping: %s (%s, %s) to SDC %s'
                                     % (array_id, name,
                                        obj and obj.status, sdc_id))
        return lost, stale, duplicates

    def clean_up(self):
        """Detach and delete everything the model holds, with retries."""
        for _ in range(CLEANUP_ROUNDS):
            with self.lock:
                objs = sorted(self.objects.values(),
                              key=lambda o: o.sequence)
            if not objs:
                break
            for obj in objs:
                if obj.kind == 'volume' and obj.host:
                    obj.busy = True
                    self.op_detach(None, obj)
            for obj in objs:
                if obj.kind == 'group_snapshot' and obj.id in self.objects:
                    self.delete_group(obj)
            for obj in objs:
                if obj.kind == 'snapshot' and obj.id in self.objects:
                    self.delete(obj, self.driver.delete_snapshot)
            for obj in reversed(objs):
                if (obj.kind == 'volume' and obj.id in self.objects
                        and not obj.snapshots and not obj.host):
                    self.delete(obj, self.driver.delete_volume)
        return len(self.objects)

    def leaked(self):
        """Array volumes left once everything Cinder holds was deleted.

        A record whose delete kept failing does not excuse its array
        volume: Cinder cannot clean it up either.
        """
        from scaleio_client import names
        kept = {names.id_to_name(o.id): o for o in self.objects.values()}
        for obj in kept.values():
            self.counts.note('undeleted: %s %s (%s, provider id %s)'
                             % (obj.kind, obj.id, obj.status,
                                obj.record.provider_id))
        leaked = 0
        for array_id, (name, _) in sorted(self.array().items()):
            leaked += 1
            obj = kept.get(name)
            self.counts.note('leaked: array volume %s named %r%s'
                             % (array_id, name, ' (its %s %s could not be '
                                'deleted)' % (obj.kind, obj.id) if obj
                                else ''))
        return leaked


class Environment:
    """Cinder's pieces for every driver of the run.

    A sqlite file database, configuration, coordination, volume types.
    """

    def __init__(self, workdir):
        from cinder import objects
        objects.register_all()      # before any Cinder driver is imported
        import fixtures
        from oslo_config import fixture as config_fixture

        from cinder import context as cinder_context
        from cinder import coordination
        from cinder.db import migration
        from tests.support import cinder as support

        self.support = support
        self.fixtures = fixtures.Fixture()
        self.fixtures.setUp()
        support.load_config()
        conf = self.fixtures.useFixture(config_fixture.Config(support.CONF))
        # A file, not memory: eight threads use it at once.
        conf.config(connection='sqlite:///%s/cinder.sqlite' % workdir,
                    sqlite_synchronous=False, group='database')
        migration.db_sync()
        locks = os.path.join(workdir, 'locks')
        os.makedirs(locks)
        conf.config(lock_path=locks, group='oslo_concurrency')
        conf.config(backend_url='file://' + locks, group='coordination')
        coordination.COORDINATOR.start()
        self.fixtures.addCleanup(coordination.COORDINATOR.stop)
        self.context = cinder_context.get_admin_context()
        # Cinder's own records are saved one at a time.
        self.db_lock = threading.RLock()
        self.types = [
            support.make_volume_type(self.context, 'thin',
                                     {'provisioning:type': 'thin'}),
            support.make_volume_type(self.context, 'limited',
                                     {'provisioning:type': 'thin'},
                                     qos={'maxIOPS': '500'}),
        ]

    def close(self):
        self.fixtures.cleanUp()

    def make_group_type(self, host):
        from cinder.volume import group_types
        with self.db_lock:
            return group_types.create(self.context, 'consistent-' + host,
                                      CONSISTENT)

    def make_group(self, group_type, host, volumes):
        """A consistent group of these volumes.

        Cinder's create_group and update_group: nothing for the array.
        """
        from cinder import objects
        with self.db_lock:
            group = objects.Group(
                self.context, group_type_id=group_type['id'],
                volume_type_ids=[t.id for t in self.types], host=host,
                name='soak', status='available', project_id='project',
                user_id='user', availability_zone='nova')
            group.create()
            for volume in volumes:
                volume.update({'group_id': group.id})
                volume.save()
            return group

    def leave_group(self, volumes):
        """Out of the group again, so that each can be deleted alone."""
        with self.db_lock:
            for volume in volumes:
                volume.update({'group_id': None})
                volume.save()

    def volume_record(self, host, pool, size, volume_type, **fields_):
        from cinder import objects
        with self.db_lock:
            volume = objects.Volume(
                self.context, size=size, host='%s#%s' % (host, pool),
                volume_type_id=volume_type.id, status='creating',
                project_id='project', user_id='user',
                attach_status='detached', **fields_)
            volume.create()
            return volume

    def snapshot_record(self, volume, group_snapshot_id=None):
        from cinder import objects
        with self.db_lock:
            snapshot = objects.Snapshot(
                self.context, volume_id=volume.id, volume_size=volume.size,
                volume_type_id=volume.volume_type_id, status='creating',
                project_id='project', user_id='user',
                group_snapshot_id=group_snapshot_id)
            snapshot.create()
            return snapshot

    def group_snapshot_record(self, group):
        from cinder import objects
        with self.db_lock:
            group_snapshot = objects.GroupSnapshot(
                self.context, group_id=group.id,
                group_type_id=group.group_type_id, name='soak',
                status='creating', project_id='project', user_id='user')
            group_snapshot.create()
            return group_snapshot

    def fresh(self, obj):
        """The object's record as Cinder would hand it to the driver now."""
        from cinder import objects
        cls = {'volume': objects.Volume, 'snapshot': objects.Snapshot,
               'group_snapshot': objects.GroupSnapshot}[obj.kind]
        with self.db_lock:
            record = cls.get_by_id(self.context, obj.id)
            # Load what drivers read, here rather than in their threads.
            if obj.kind == 'volume':
                record.volume_type.qos_specs
                record.volume_attachment
                record.snapshots
            elif obj.kind == 'snapshot':
                record.volume.volume_type
            return record

    def save(self, record, **changes):
        with self.db_lock:
            record.update(changes)
            record.save()

    def destroy(self, record):
        with self.db_lock:
            record.destroy()

    def attach(self, volume, host):
        from cinder import objects
        from oslo_utils import uuidutils
        with self.db_lock:
            attachment = objects.VolumeAttachment(
                self.context, volume_id=volume.id, attached_host=host,
                attach_status='attached', attach_mode='rw',
                instance_uuid=uuidutils.generate_uuid(),
                connector=self.connector(host))
            attachment.create()
            volume.update({'status': 'in-use', 'attach_status': 'attached'})
            volume.save()
            return attachment

    def detach(self, volume, attachment):
        with self.db_lock:
            attachment.destroy()
            volume.update({'status': 'available',
                           'attach_status': 'detached'})
            volume.save()

    def connector(self, host):
        guid = {'compute1': self.support.SDC1_GUID,
                'compute2': self.support.SDC2_GUID}[host]
        return self.support.make_connector(guid, host)


def make_simulator(workdir, seed):
    from scaleio_sim import server
    sim = server.Simulator(tls=True, extra_ports=[0],
                           state_dir=os.path.join(workdir, 'sim'),
                           fault_seed=seed)
    return sim.start()


def make_driver(env, which, sim, group, retries):
    from cinder.volume.drivers.dell_emc.powerflex import driver as powerflex
    from tests.support import common
    pools = ','.join(POOLS)
    if which == 'ours':
        options = env.support.backend_options(
            group, pools, sim.port, sim.ca_file,
            san_ip=','.join('127.0.0.1:%d' % p
                            for p in [sim.port] + sim.extra_ports),
            scaleio_rest_retries=retries)
        return env.support.make_driver(env.context, group, options)
    native_token_refresh()
    # The in-tree driver takes one san_ip: the first gateway.
    options = {
        'volume_backend_name': group, 'san_ip': '127.0.0.1',
        'san_login': common.USERNAME, 'san_password': common.PASSWORD,
        'powerflex_rest_server_port': sim.port,
        'powerflex_storage_pools': pools,
        'driver_ssl_cert_verify': True, 'driver_ssl_cert_path': sim.ca_file,
    }
    return env.support.make_driver(env.context, group, options,
                                   cls=powerflex.PowerFlexDriver)


REFRESHERS = []


def native_token_refresh():
    """Run the in-tree driver's token refresh in a native thread.

    In cinder-volume it is an eventlet green thread (log in now, then every
    300 s; the driver never logs in again on a 401). Without eventlet's
    monkey-patching a green thread runs only in the hub of the native
    thread that happens to block in eventlet, and sleeps there for 300 s:
    the soak's threads would hang. A native thread keeps the timing.
    """
    from cinder.volume.drivers.dell_emc.powerflex import rest_client

    def start(client):
        stop = threading.Event()
        REFRESHERS.append(stop)

        def loop():
            while not stop.wait(client._refresh_token_periodically()):
                pass
        threading.Thread(target=loop, daemon=True).start()
    rest_client.RestClient._start_token_refresh_thread = start


def add_faults(sim, rate):
    total = sum(weight for weight, _ in FAULT_MIX)
    for weight, rule in FAULT_MIX:
        sim.faults.add(dict(rule, path='/api/*',
                            probability=rate * weight / total))


def chaos(sim, rng, stop):
    """Now and then: the second gateway down and back, a restart."""
    while not stop.wait(rng.uniform(1.0, 3.0)):
        if rng.random() < 0.2:
            sim.restart(seconds=rng.uniform(0.0, 0.3))
            continue
        sim.stop_gateway(0)
        stop.wait(rng.uniform(0.3, 1.5))
        sim.start_gateway(0)


def soak(env, which, args, workdir):
    """Run one driver's soak; return its counts as a dict."""
    seed = args.seed
    sim = make_simulator(os.path.join(workdir, which), seed)
    group = 'soak-' + which
    counts = Counts()
    driver = None
    started = time.monotonic()
    try:
        driver = make_driver(env, which, sim, group, args.retries)
        runner = Soak(env, which, driver, sim, group, args, counts)
        if args.fault_rate > 0:
            add_faults(sim, args.fault_rate)
        stop = threading.Event()
        chaos_thread = None
        if args.fault_rate > 0:
            chaos_thread = threading.Thread(
                target=chaos, args=(sim, random.Random(seed), stop),
                daemon=True)
            chaos_thread.start()
        remaining = [args.ops]
        take = threading.Lock()

        def worker(index):
            rng = random.Random('%s-%s-%d' % (seed, which, index))
            while True:
                with take:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                try:
                    runner.run(rng)
                except Exception:
                    # A mistake of the soak itself, not of the driver.
                    counts.note('soak error: ' + traceback.format_exc())
                    with counts.lock:
                        counts.soak_errors += 1

        workers = [threading.Thread(target=worker, args=(i,))
                   for i in range(args.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        stop.set()
        if chaos_thread:
            chaos_thread.join()
        sim.faults.clear()
        sim.start_gateway(0)
        time.sleep(0.5)        # any restart's down window ends
        if which == 'in-tree':
            # It logs in only every 300 s (see native_token_refresh); a
            # revoked token would fail every delete until then.
            driver._get_client()._refresh_token()
        failed_ops = counts.failed
        lost, stale, duplicates = runner.reconcile()
        undeleted = runner.clean_up()
        leaked = runner.leaked()
        result = {
            'label': which, 'ops': counts.ops, 'leaked': leaked,
            'lost': lost, 'stale': stale, 'duplicates': duplicates,
            'corrupt': counts.corrupt, 'raw': counts.raw,
            'failed': failed_ops, 'undeleted': undeleted,
            'seconds': time.monotonic() - started,
            'raw_kinds': counts.raw_kinds, 'notes': counts.notes,
            'soak_errors': counts.soak_errors,
            'by_op': counts.by_op, 'failed_by_op': counts.failed_by_op,
            'patterns_checked': counts.patterns_checked,
        }
    finally:
        if driver is not None and getattr(driver, 'gateway', None):
            driver.gateway.close()
        sim.stop()
        for stop in REFRESHERS:
            stop.set()
    return result


def line(result, args):
    name = {'ours': 'ours', 'in-tree': 'in-tree'}[result['label']]
    return ('soak %s: %d ops, %d threads, fault rate %s, retries %s: '
            '%d leaked, %d lost, %d stale mappings, %d duplicate names, '
            '%d corrupt, %d raw exceptions, %d failed ops, %d undeleted, '
            '%.1f s' % (
                name, result['ops'], args.threads, args.fault_rate,
                args.retries if result['label'] == 'ours' else '-',
                result['leaked'], result['lost'], result['stale'],
                result['duplicates'], result['corrupt'], result['raw'],
                result['failed'], result['undeleted'], result['seconds']))


def bad(result):
    return any(result[k] for k in ('leaked', 'lost', 'stale', 'corrupt',
                                   'raw'))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Random driver operations under faults, then a '
                    'reconciliation with the array.')
    parser.add_argument('--ops', type=int, default=10000)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--fault-rate', type=float, default=0.05,
                        help='probability that a gateway request meets a '
                             'fault (default 0.05)')
    parser.add_argument('--retries', type=int, default=4,
                        help='scaleio_rest_retries for our driver '
                             '(default 4, the option\'s default)')
    parser.add_argument('--seed', type=int, default=None)
    parser.add_argument('--driver', choices=('ours', 'in-tree', 'both'),
                        default='ours')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if ours leaked, lost, left a stale '
                             'mapping, corrupted data or raised a raw '
                             'exception')
    parser.add_argument('--verbose', action='store_true',
                        help='describe every finding and raw exception '
                             'kind on stderr')
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    if not 0 <= args.fault_rate <= 1:
        parser.error('--fault-rate must be between 0 and 1')

    warnings.simplefilter('ignore')
    # The drivers log every injected fault; the line is what matters.
    logging.basicConfig(level=logging.CRITICAL)
    sys.path.insert(0, TOP)
    workdir = tempfile.mkdtemp(prefix='scaleio-soak-')
    results = []
    env = None
    try:
        env = Environment(workdir)
        drivers = (('ours', 'in-tree') if args.driver == 'both'
                   else (args.driver,))
        for which in drivers:
            result = soak(env, which, args, workdir)
            results.append(result)
            print(line(result, args), flush=True)
            if args.verbose:
                print('seed %d; operations (failed): %s; %d patterns read '
                      'back' % (args.seed, ', '.join(
                          '%s %d (%d)' % (name, n,
                                          result['failed_by_op'][name])
                          for name, n in sorted(result['by_op'].items())),
                          result['patterns_checked']), file=sys.stderr)
                for kind, n in result['raw_kinds'].most_common():
                    print('  raw %s x%d' % (kind, n), file=sys.stderr)
                for note in result['notes']:
                    print('  ' + note, file=sys.stderr)
    finally:
        if env is not None:
            env.close()
        shutil.rmtree(workdir, ignore_errors=True)
    for result in results:
        if result['soak_errors']:
            print('soak %s: %d operations failed in the soak itself (a bug '
                  'of the soak):' % (result['label'], result['soak_errors']),
                  file=sys.stderr)
            for note in result['notes']:
                if note.startswith('soak error'):
                    print(note, file=sys.stderr)
                    break
            return 2
    if args.check and any(bad(r) for r in results if r['label'] == 'ours'):
        print('soak: seed %d (--seed %d repeats the choices; thread timing '
              'may differ)' % (args.seed, args.seed), file=sys.stderr)
        if not args.verbose:
            for result in results:
                for note in result['notes'][:20]:
                    print('  ' + note, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
