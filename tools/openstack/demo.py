#!/usr/bin/env python3
"""The README's main job: a volume scenario on the harness cloud, timed.

``python3 tools/openstack/demo.py [--state DIR]`` needs a stack brought up
by ``tools/openstack/harness.py up`` (``tools/run-demo`` does both). It
reads ``<state>/env.json`` and runs, through
the harness venv's ``openstack`` CLI as the cloud's admin: a QoS spec with
back-end limits and a thin volume type on the first backend, a volume of
that type, a snapshot, a clone, an extend; then it attaches the volume to
this host, the simulator's SDC ``sdc1``, through our connector
(``scaleio_nova.connector.ScaleIOConnector``): a Cinder attachment with
the connector's properties, ``connect_volume``, a pattern written through
the device and read back; then it detaches and deletes everything and
checks that the array holds none of it. With the whole cloud up (not
``up --cinder-only``) it also does what a cloud user does: uploads the
harness's boot sector to Glance, makes a bootable volume from it, boots a
server from that volume (``openstack server create --volume``: Nova and
our compute driver), waits for the guest's console marker, attaches the
first volume to the running server, extends it while attached (libvirt
shows the guest's disk grow), detaches it, and deletes the server, the
boot volume and the image. Each step prints its wall time
and what it ran. Against a real gateway (``harness.py up --gateway``) the
local attach is left out: this host has no SDC of that system.

The attachment is created through Cinder's API (``POST /v3/attachments``,
microversion 3.54, no instance): ``openstack volume attachment create``
finds its server in Nova, which the harness does not run, and sends no
``sdc_guid``. Completing and deleting it go through the CLI. Status waits
poll the Cinder API directly (a CLI start costs about a second).

It runs inside the harness venv's python and re-executes itself there
when started with another interpreter. On a failure it still deletes what
it created, then exits non-zero.
"""

import argparse
import hashlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

import layout
import rest

MIB = 1 << 20
GIB = 1 << 30
SIZE_GIB = 1            # asked at create; the array allocates 8 GiB
EXTENDED_GIB = 10       # the array goes to 16 GiB
ATTACHED_GIB = 20       # extended while a server uses it: 24 on the array
IMAGE_PROPERTIES = {'hw_disk_bus': 'scsi', 'hw_scsi_model': 'virtio-scsi'}
QOS = {'maxIOPS': '500', 'maxBWS': '10240'}      # KB/s: 10 MB/s
ATTACH_MICROVERSION = '3.54'
WAIT_TIMEOUT = 120.0


class DemoError(Exception):
    """A step failed; the message says what was expected."""


class Steps:
    """Numbered steps, each printed with its wall time and its commands."""

    def __init__(self):
        self.number = 0
        self.began = time.monotonic()
        self.timings = []
        self.lines = []

    def note(self, text):
        """A line printed under the running step."""
        self.lines.append(text)

    def run(self, title, func, *args):
        self.number += 1
        self.lines = []
        t0 = time.monotonic()
        failed = True
        try:
            result = func(*args)
            failed = False
            return result
        finally:
            took = time.monotonic() - t0
            self.timings.append((title, took))
            print('%2d. %-44s %6.1f s%s' % (
                self.number, title, took, '  FAILED' if failed else ''))
            for line in self.lines:
                print('      ' + line)
            sys.stdout.flush()

    def total(self):
        return time.monotonic() - self.began


class Cloud:
    """The harness cloud: the ``openstack`` CLI, and Cinder's API."""

    def __init__(self, lay, env, steps):
        self.env = env
        self.steps = steps
        self.openstack = lay.bin('openstack')
        self.cli_env = dict(os.environ, **env.openrc())
        self.cli_env.pop('OS_CLOUD', None)
        self.cinder = rest.Cinder(env.keystone_url, env.admin,
                                  env.cinder_url)

    # -- the CLI
    def cli(self, *args, microversion=None, parse=True, compute=None,
            text=False):
        cmd = ['openstack']
        if microversion:
            cmd += ['--os-volume-api-version', microversion]
        if compute:
            cmd += ['--os-compute-api-version', compute]
        cmd += list(args)
        self.steps.note('$ ' + ' '.join(shlex.quote(a) for a in cmd))
        if parse:
            cmd += ['-f', 'json']
        proc = subprocess.run([self.openstack] + cmd[1:], env=self.cli_env,
                              capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300)
        if proc.returncode != 0:
            raise DemoError('%s failed (exit %d): %s' % (
                ' '.join(cmd[:4]), proc.returncode,
                (proc.stderr or proc.stdout).strip()[-2000:]))
        if parse and proc.stdout.strip():
            return json.loads(proc.stdout)
        return proc.stdout if text else None

    def wait(self, kind, object_id, status, gone=False):
        """Poll /volumes or /snapshots until status (or 404 if gone)."""
        path = '/%s/%s' % (kind, object_id)
        key = kind[:-1]
        t0 = time.monotonic()
        polls = 0
        while True:
            polls += 1
            try:
                obj = self.cinder.call('GET', path)[key]
            except rest.HTTPError as e:
                if not (gone and e.status == 404):
                    raise
                self.steps.note('(gone after %.1f s, %d polls of GET %s)'
                                % (time.monotonic() - t0, polls, path))
                return None
            if not gone and obj['status'] == status:
                self.steps.note('(%s after %.1f s, %d polls of GET %s)'
                                % (status, time.monotonic() - t0, polls,
                                   path))
                return obj
            if obj['status'].startswith('error'):
                raise DemoError('%s %s went to %s; see %s/cinder-volume.log'
                                % (key, object_id, obj['status'],
                                   self.env.log_dir))
            if time.monotonic() - t0 > WAIT_TIMEOUT:
                raise DemoError('%s %s still %s after %.0f s (waiting for '
                                '%s)' % (key, object_id, obj['status'],
                                         WAIT_TIMEOUT,
                                         'deletion' if gone else status))
            time.sleep(0.25)


class Array:
    """The gateway the backends use, read through scaleio_client."""

    def __init__(self, env):
        from scaleio_client import client
        from scaleio_client import config

        gw = env.gateway
        self.gateway = client.ScaleIOClient(config.GatewayConfig(
            host=gw['host'], port=gw['port'], username=gw['username'],
            password=gw['password'], ca_bundle=gw.get('ca_file')))
        self.pools = []
        for backend in env.sdc_backends():
            domain, pool = backend['pool'].split(':', 1)
            self.pools.append((backend['pool'],
                               self.gateway.storage_pool_id(domain, pool)))

    def volume(self, cinder_id):
        from scaleio_client import names
        volume_id = self.gateway.volume_id_by_name(names.id_to_name(cinder_id))
        return self.gateway.volume(volume_id) if volume_id else None

    def names(self):
        """{array name: pool} of every volume and snapshot in our pools."""
        return {v.name: label for label, pool_id in self.pools
                for v in self.gateway.pool_volumes(pool_id)}

    def describe(self, cinder_id):
        v = self.volume(cinder_id)
        if v is None:
            return 'array: no volume named after %s' % cinder_id
        pool = dict((p, n) for n, p in self.pools).get(v.storage_pool_id)
        return ('array: %s "%s", %d GiB %s%s in %s%s' % (
            v.id, v.name, v.size_gib, v.volume_type,
            ' (of vTree %s)' % v.vtree_id if v.is_snapshot else '',
            pool or v.storage_pool_id,
            ', mapped to %s' % ', '.join(
                '%s (limitIops %d, limitBwInMbps %d)' % (
                    m.sdc_id, m.iops_limit, m.bandwidth_limit_mbps)
                for m in v.mappings) if v.mappings else ', not mapped'))


class Scenario:
    """The steps, and the undo list that cleans up after a failure."""

    def __init__(self, lay, env, steps):
        self.env = env
        self.steps = steps
        self.cloud = Cloud(lay, env, steps)
        self.array = Array(env)
        self.tag = uuid.uuid4().hex[:6]
        self.backend = env.backends[0]
        # the simulated SDC this host plays, or None (a real gateway)
        self.sdc = (env.gateway.get('sdcs') or [None])[0]
        self.undo = []          # (what, callable), newest last
        self.ids = {}

    def name(self, what):
        return 'demo-%s-%s' % (what, self.tag)

    # ------------------------------------------------------------ steps
    def qos(self):
        props = []
        for key, value in sorted(QOS.items()):
            props += ['--property', '%s=%s' % (key, value)]
        qos = self.cloud.cli('volume', 'qos', 'create', '--consumer',
                             'back-end', *props, self.name('qos'))
        self.ids['qos'] = qos['id']
        self.undo.append(('QoS spec', lambda: self.cloud.cli(
            'volume', 'qos', 'delete', '--force', qos['id'], parse=False)))
        self.steps.note('QoS %s: %s' % (qos['id'], qos['properties']))

    def volume_type(self):
        vtype = self.cloud.cli(
            'volume', 'type', 'create', '--private',
            '--property', 'provisioning:type=thin',
            '--property', 'volume_backend_name=%s' % self.backend['name'],
            self.name('type'))
        self.ids['type'] = vtype['id']
        self.undo.append(('volume type', lambda: self.cloud.cli(
            'volume', 'type', 'delete', vtype['id'], parse=False)))
        self.cloud.cli('volume', 'qos', 'associate', self.ids['qos'],
                       vtype['id'], parse=False)
        self.undo.append(('QoS association', lambda: self.cloud.cli(
            'volume', 'qos', 'disassociate', '--volume-type', vtype['id'],
            self.ids['qos'], parse=False)))
        self.steps.note('type %s: %s, QoS %s' % (
            vtype['id'], vtype['properties'], self.name('qos')))

    def create_volume(self, key, *source):
        vol = self.cloud.cli('volume', 'create', '--type', self.ids['type'],
                             '--size', str(SIZE_GIB), *source,
                             self.name(key))
        self.ids[key] = vol['id']
        self.undo.append((key, lambda: self._delete('volumes', vol['id'])))
        vol = self.cloud.wait('volumes', vol['id'], 'available')
        self.steps.note('%s %s: %d GiB on %s' % (
            key, vol['id'], vol['size'], vol.get('os-vol-host-attr:host')))
        self.steps.note(self.array.describe(vol['id']))

    def snapshot(self):
        snap = self.cloud.cli('volume', 'snapshot', 'create', '--volume',
                              self.ids['volume'], self.name('snap'))
        self.ids['snapshot'] = snap['id']
        self.undo.append(('snapshot', lambda: self._delete(
            'snapshots', snap['id'])))
        self.cloud.wait('snapshots', snap['id'], 'available')
        self.steps.note('snapshot %s' % snap['id'])
        self.steps.note(self.array.describe(snap['id']))

    def extend(self):
        self.cloud.cli('volume', 'set', '--size', str(EXTENDED_GIB),
                       self.ids['volume'], parse=False)
        t0 = time.monotonic()
        while True:
            vol = self.cloud.wait('volumes', self.ids['volume'], 'available')
            if vol['size'] == EXTENDED_GIB:
                break
            if time.monotonic() - t0 > WAIT_TIMEOUT:
                raise DemoError('volume still %d GiB' % vol['size'])
            time.sleep(0.25)
        self.steps.note('volume %s: %d GiB in Cinder' % (vol['id'],
                                                         vol['size']))
        self.steps.note(self.array.describe(vol['id']))

    def attach(self):
        from scaleio_nova import connector as connector_mod

        self.lock_dir = tempfile.mkdtemp(prefix='scaleio-demo-lock-')
        drv_cfg = os.path.join(self.sdc['host_dir'], 'drv_cfg')
        self.connector = connector_mod.ScaleIOConnector(
            None, search_path=self.sdc['device_dir'], drv_cfg_path=drv_cfg,
            lock_path=self.lock_dir, device_timeout=30)
        props = connector_mod.ScaleIOConnector.get_connector_properties(
            None, drv_cfg_path=drv_cfg)
        if not props.get('sdc_guid'):
            raise DemoError('no sdc_guid from %s' % drv_cfg)
        self.steps.note('ScaleIOConnector.get_connector_properties(None, '
                        'drv_cfg_path=%s) -> %s' % (drv_cfg, props))
        connector = dict(props, host=socket.gethostname(), ip='127.0.0.1',
                         platform='x86_64', os_type='linux',
                         multipath=False)
        body = {'attachment': {'volume_uuid': self.ids['volume'],
                               'connector': connector, 'mode': 'rw'}}
        self.steps.note('POST /v3/attachments (microversion '
                        '%s; no instance_uuid; connector above plus host, '
                        'ip, platform, os_type)' % ATTACH_MICROVERSION)
        attachment = self.cloud.cinder.call(
            'POST', '/attachments', body, ATTACH_MICROVERSION)['attachment']
        self.ids['attachment'] = attachment['id']
        self.undo.append(('attachment', lambda: self.cloud.cli(
            'volume', 'attachment', 'delete', attachment['id'],
            microversion=ATTACH_MICROVERSION, parse=False)))
        info = attachment['connection_info']
        data = info.get('data') or info
        self.connection_data = data
        self.steps.note('attachment %s, %s; connection_info: '
                        'driver_volume_type %s' % (
                            attachment['id'], attachment['status'],
                            info.get('driver_volume_type')))
        self.steps.note('data: ' + ', '.join(
            '%s=%s' % (k, data[k]) for k in sorted(data)))
        self.steps.note(self.array.describe(self.ids['volume']))

    def connect(self):
        self.steps.note('ScaleIOConnector(search_path=%s).connect_volume('
                        'connection_info["data"])' % self.sdc['device_dir'])
        self.device = self.connector.connect_volume(self.connection_data)
        self.undo.append(('connection', self.disconnect_quietly))
        from scaleio_nova import devices
        size = devices.size_bytes(self.device['path'])
        self.steps.note('-> %s, %d GiB device' % (self.device, size // GIB))

    def complete(self):
        self.cloud.cli('volume', 'attachment', 'complete',
                       self.ids['attachment'],
                       microversion=ATTACH_MICROVERSION, parse=False)
        vol = self.cloud.cinder.call(
            'GET', '/volumes/%s' % self.ids['volume'])['volume']
        self.steps.note('volume %s is %s, attached to host %s' % (
            vol['id'], vol['status'],
            ', '.join(a.get('host_name') or '?'
                      for a in vol.get('attachments', []))))
        if vol['status'] != 'in-use':
            raise DemoError('volume %s is %s after attachment complete'
                            % (vol['id'], vol['status']))

    def write_read(self):
        path = self.device['path']
        # 4 MiB at the start and 4 MiB past the first 8 GiB (where the
        # extend put the array volume's new space).
        offsets = [0, 9 * GIB]
        pattern = hashlib.sha256(self.tag.encode()).digest() * (
            4 * MIB // 32)
        fd = os.open(path, os.O_RDWR)
        try:
            for offset in offsets:
                os.pwrite(fd, pattern, offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        fd = os.open(path, os.O_RDONLY)
        try:
            back = [os.pread(fd, len(pattern), offset) for offset in offsets]
        finally:
            os.close(fd)
        for offset, data in zip(offsets, back):
            if data != pattern:
                raise DemoError('read back at offset %d differs from what '
                                'was written' % offset)
        self.steps.note('wrote 2 x 4 MiB at offsets 0 and 9 GiB through %s, '
                        'read back identical (sha256 %s)' % (
                            path, hashlib.sha256(pattern).hexdigest()[:16]))

    def disconnect(self):
        self.connector.disconnect_volume(self.connection_data, self.device)
        self._drop_undo('connection')
        self.steps.note('ScaleIOConnector.disconnect_volume(...) (the driver '
                        'unmaps, at attachment delete)')

    def disconnect_quietly(self):
        self.connector.disconnect_volume(self.connection_data, self.device,
                                         force=True, ignore_errors=True)

    def detach(self):
        self.cloud.cli('volume', 'attachment', 'delete',
                       self.ids['attachment'],
                       microversion=ATTACH_MICROVERSION, parse=False)
        self._drop_undo('attachment')
        self.cloud.wait('volumes', self.ids['volume'], 'available')
        path = self.device['path']
        self.steps.note('device link %s %s' % (
            path, 'still there!' if os.path.lexists(path) else 'gone'))
        self.steps.note(self.array.describe(self.ids['volume']))
        if os.path.lexists(path):
            raise DemoError('%s still exists after the detach' % path)

    def delete(self, key):
        kind = 'snapshots' if key == 'snapshot' else 'volumes'
        self._delete(kind, self.ids[key])
        self._drop_undo(key)

    def delete_type(self):
        self.cloud.cli('volume', 'qos', 'disassociate', '--volume-type',
                       self.ids['type'], self.ids['qos'], parse=False)
        self._drop_undo('QoS association')
        self.cloud.cli('volume', 'type', 'delete', self.ids['type'],
                       parse=False)
        self._drop_undo('volume type')
        self.cloud.cli('volume', 'qos', 'delete', self.ids['qos'],
                       parse=False)
        self._drop_undo('QoS spec')

    # ------------------------------------------- the cloud user's steps
    def upload_image(self):
        cloud = self.env.cloud
        props = []
        for key, value in sorted(IMAGE_PROPERTIES.items()):
            props += ['--property', '%s=%s' % (key, value)]
        image = self.cloud.cli(
            'image', 'create', '--disk-format', 'raw', '--container-format',
            'bare', '--file', cloud['image_file'], *props,
            self.name('image'))
        self.ids['image'] = image['id']
        self.undo.append(('image', lambda: self.cloud.cli(
            'image', 'delete', image['id'], parse=False)))
        self.steps.note('image %s: %s bytes, %s' % (
            image['id'], image.get('size'), image.get('status')))

    def boot_volume(self):
        self.create_volume('boot', '--image', self.ids['image'],
                           '--bootable')

    def server_create(self):
        server = self.cloud.cli(
            'server', 'create', '--volume', self.ids['boot'], '--flavor',
            self.env.cloud['flavor_ref'], '--nic', 'none', '--wait',
            self.name('server'), compute='2.37')
        self.ids['server'] = server['id']
        self.undo.append(('server', lambda: self.cloud.cli(
            'server', 'delete', '--wait', server['id'], parse=False)))
        if 'OS-EXT-SRV-ATTR:instance_name' not in server:
            server = self.cloud.cli('server', 'show', server['id'])
        self.ids['instance'] = server.get('OS-EXT-SRV-ATTR:instance_name')
        self.steps.note('server %s %s on %s (%s)' % (
            server['id'], server['status'],
            server.get('OS-EXT-SRV-ATTR:host'), self.ids['instance']))
        self.steps.note(self.array.describe(self.ids['boot']))

    def console(self):
        marker = self.env.cloud['boot_marker']
        t0 = time.monotonic()
        while True:
            text = self.cloud.cli('console', 'log', 'show',
                                  self.ids['server'], parse=False,
                                  text=True) or ''
            if marker in text:
                break
            if time.monotonic() - t0 > WAIT_TIMEOUT:
                raise DemoError('no %s on the console of server %s'
                                % (marker, self.ids['server']))
            time.sleep(1)
        self.steps.note('console: %s' % marker)

    def server_attach(self):
        self.cloud.cli('server', 'add', 'volume', self.ids['server'],
                       self.ids['volume'], parse=False)
        self.undo.append(('server attachment', lambda: self.cloud.cli(
            'server', 'remove', 'volume', self.ids['server'],
            self.ids['volume'], parse=False)))
        self.cloud.wait('volumes', self.ids['volume'], 'in-use')
        self.steps.note('guest disks: %s' % self.guest_disks())
        self.steps.note(self.array.describe(self.ids['volume']))

    def attached_extend(self):
        self.cloud.cli('volume', 'set', '--size', str(ATTACHED_GIB),
                       self.ids['volume'], microversion='3.42',
                       parse=False)
        t0 = time.monotonic()
        while True:
            vol = self.cloud.wait('volumes', self.ids['volume'], 'in-use')
            disks = self.guest_disks()
            if vol['size'] == ATTACHED_GIB and any(
                    size >= ATTACHED_GIB * GIB for size in disks.values()):
                break
            if time.monotonic() - t0 > WAIT_TIMEOUT:
                raise DemoError('volume %d GiB, guest disks %s'
                                % (vol['size'], disks))
            time.sleep(1)
        self.steps.note('volume %s: %d GiB in Cinder; guest disks: %s' % (
            vol['id'], vol['size'], disks))
        self.steps.note(self.array.describe(vol['id']))

    def server_detach(self):
        self.cloud.cli('server', 'remove', 'volume', self.ids['server'],
                       self.ids['volume'], parse=False)
        self._drop_undo('server attachment')
        self.cloud.wait('volumes', self.ids['volume'], 'available')
        self.steps.note('guest disks: %s' % self.guest_disks())
        self.steps.note(self.array.describe(self.ids['volume']))

    def server_delete(self):
        self.cloud.cli('server', 'delete', '--wait', self.ids['server'],
                       parse=False)
        self._drop_undo('server')
        self.delete('boot')
        self.cloud.cli('image', 'delete', self.ids['image'], parse=False)
        self._drop_undo('image')

    def guest_disks(self):
        """{target: bytes} of the guest's disks, as libvirt sees them."""
        uri = 'qemu:///system'
        listing = subprocess.run(
            ['virsh', '-c', uri, 'domblklist', self.ids['instance']],
            capture_output=True, text=True, timeout=60).stdout
        disks = {}
        for line in listing.splitlines()[2:]:
            parts = line.split()
            if len(parts) == 2:
                info = subprocess.run(
                    ['virsh', '-c', uri, 'domblkinfo', self.ids['instance'],
                     parts[0]], capture_output=True, text=True,
                    timeout=60).stdout
                for row in info.splitlines():
                    if row.startswith('Capacity:'):
                        disks[parts[0]] = int(row.split()[1])
        return disks

    def check_array(self, before):
        from scaleio_client import names
        left = self.array.names()
        ours = {names.id_to_name(self.ids[k]): k
                for k in ('volume', 'snapshot', 'clone', 'boot')
                if k in self.ids}
        still = sorted('%s (%s)' % (ours[n], n) for n in ours if n in left)
        self.steps.note('array pools %s: %d volumes and snapshots (%d before '
                        'the demo)' % (', '.join(p for p, _ in
                                                 self.array.pools),
                                       len(left), len(before)))
        if still:
            raise DemoError('left on the array: %s' % ', '.join(still))
        if left and not before:
            self.steps.note('not ours: %s' % ', '.join(sorted(left)))
        if not left:
            self.steps.note('the array holds no volumes')

    # ---------------------------------------------------------- helpers
    def _delete(self, kind, object_id):
        what = 'snapshot' if kind == 'snapshots' else 'volume'
        self.cloud.cli('volume', *([what] if what == 'snapshot' else []),
                       'delete', object_id, parse=False)
        self.cloud.wait(kind, object_id, None, gone=True)

    def _drop_undo(self, what):
        self.undo = [u for u in self.undo if u[0] != what]

    def cleanup(self):
        """After a failure: undo what exists, newest first."""
        for what, func in reversed(self.undo):
            try:
                func()
                print('    cleanup: %s removed' % what)
            except Exception as e:      # noqa: go on with the rest
                print('    cleanup: %s: %s' % (what, e))
        self.undo = []


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--state', default=layout.DEFAULT_STATE,
                   help='harness state dir (default %(default)s)')
    lay = layout.Layout(p.parse_args().state)
    lay.reexec_in_venv()
    # os-brick imports oslo.privsep, which warns that eventlet is deprecated
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    env = layout.Env.load(lay)
    steps = Steps()
    try:
        scenario = Scenario(lay, env, steps)
        before = scenario.array.names()
    except Exception as e:          # noqa: say why, before any step
        print('demo: cannot start: %s: %s' % (type(e).__name__, e))
        return 1
    backend = scenario.backend
    print('Scenario on %s (%s gateway %s, backend %s = pool %s), '
          'through %s as admin (%s):' % (
              env.cinder_url, env.gateway['kind'], env.gateway['url'],
              backend['name'], backend['pool'], lay.bin('openstack'),
              lay.openrc))
    ok = False
    try:
        s, run = scenario, steps.run
        run('QoS spec (back-end %s)' % ', '.join(
            '%s=%s' % kv for kv in sorted(QOS.items())), s.qos)
        run('volume type (thin, %s) + QoS' % backend['name'],
            s.volume_type)
        run('volume create (%d GiB)' % SIZE_GIB, s.create_volume, 'volume')
        run('snapshot create', s.snapshot)
        run('clone create (volume from volume)', s.create_volume, 'clone',
            '--source', s.ids['volume'])
        run('volume extend %d -> %d GiB' % (SIZE_GIB, EXTENDED_GIB),
            s.extend)
        if s.sdc:
            run('attachment create (sdc %s)' % s.sdc['name'], s.attach)
            run('connector.connect_volume', s.connect)
            run('attachment complete', s.complete)
            run('write + read back + compare', s.write_read)
            run('connector.disconnect_volume', s.disconnect)
            run('attachment delete (detach)', s.detach)
        else:
            print('    (no local attach: a real gateway, and this host has '
                  'no SDC of it)')
        # Nova's compute host is a simulated SDC: not with a real gateway.
        if env.cloud and s.sdc:
            run('image upload (the boot sector, to Glance)', s.upload_image)
            run('bootable volume from the image', s.boot_volume)
            run('server create --volume (boot from ScaleIO)',
                s.server_create)
            run('guest console shows %s' % env.cloud['boot_marker'],
                s.console)
            run('server add volume (attach to the running server)',
                s.server_attach)
            run('volume extend while attached %d -> %d GiB'
                % (EXTENDED_GIB, ATTACHED_GIB), s.attached_extend)
            run('server remove volume (detach)', s.server_detach)
            run('server delete, boot volume and image delete',
                s.server_delete)
        run('clone delete', s.delete, 'clone')
        run('snapshot delete', s.delete, 'snapshot')
        run('volume delete', s.delete, 'volume')
        run('volume type + QoS delete', s.delete_type)
        run('array check', s.check_array, before)
        ok = True
    except Exception as e:          # noqa: report, clean up, exit 1
        print('FAILED: %s: %s' % (type(e).__name__, e))
        print('  logs: %s (cinder-volume.log, cinder-api.log)'
              % env.log_dir)
        scenario.cleanup()
    finally:
        if getattr(scenario, 'lock_dir', None):
            shutil.rmtree(scenario.lock_dir, ignore_errors=True)
    print('Scenario %s: %d steps in %.1f s' % (
        'done' if ok else 'FAILED', len(steps.timings), steps.total()))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
