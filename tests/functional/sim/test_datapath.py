"""Simulated SDC hosts: device links, volume data, drv_cfg, loop devices.

A host reads and writes a mapped volume through
``<host_dir>/by-id/emc-vol-<systemId>-<volumeId>``, the way a compute node
uses ``/dev/disk/by-id``; these tests do the same with plain file I/O.
"""

import json
import os
import shutil
import stat
import subprocess
import sys

import ddt
import fixtures
import requests

from scaleio_sim import datapath
from tests import base as test_base
from tests.functional.sim import base
from tests.support import common

BLOCK = 4096
DRV_CFG = os.path.join(os.path.dirname(sys.executable), 'scaleio-sim-drv-cfg')
EAGER_GUID = '5C1A0001-0000-4000-8000-0000000000E1'
LAZY_GUID = '5C1A0001-0000-4000-8000-0000000000E2'
LATE_GUID = '5C1A0001-0000-4000-8000-0000000000E3'


def write_at(path, offset, data):
    """Write through a device path and make sure it reached the device."""
    fd = os.open(path, os.O_WRONLY)
    try:
        written = os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)
    assert written == len(data), (written, len(data))


def read_at(path, offset, length):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, length, offset)
    finally:
        os.close(fd)


def device_size(path):
    """Size in bytes of a regular file or a block device."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


class HostHelpers:
    """Find a volume's device on a simulated host; needs sim and gw."""

    def system_id(self):
        return self.gw.ok_get('/types/System/instances')[0]['id']

    def by_id(self, sdc='sdc1'):
        return os.path.join(self.sim.host_dir(sdc), 'by-id')

    def device(self, volume_id, sdc='sdc1'):
        return os.path.join(self.by_id(sdc), 'emc-vol-%s-%s'
                            % (self.system_id(), volume_id))

    def drv_cfg(self, sdc, *args):
        return run(os.path.join(self.sim.host_dir(sdc), 'drv_cfg'), *args)

    def unmap(self, volume_id, sdc='sdc1'):
        self.gw.ok(self.gw.action(volume_id, 'removeMappedSdc',
                                  {'sdcId': self.gw.sdc(sdc)['id']}))

    def pool_statistics(self):
        return self.gw.ok_get('/instances/StoragePool::%s/relationships/'
                              'Statistics' % self.gw.pool_id())


class HostTestCase(HostHelpers, base.SimulatorTestCase):
    pass


@ddt.ddt
class TestHostDirectories(HostTestCase):

    @ddt.data('sdc1', 'sdc2')
    def test_each_sdc_has_by_id_descriptor_and_executable_drv_cfg(self, name):
        host_dir = self.sim.host_dir(name)
        self.assertTrue(os.path.isdir(os.path.join(host_dir, 'by-id')))
        self.assertTrue(os.path.isfile(os.path.join(host_dir, 'sdc.json')))
        drv_cfg = os.path.join(host_dir, 'drv_cfg')
        self.assertTrue(os.path.isfile(drv_cfg))
        self.assertTrue(os.access(drv_cfg, os.X_OK))

    def test_control_api_lists_each_sdc_with_its_host_directory(self):
        listed = requests.get(self.sim.url + '/sim/sdcs', timeout=30).json()
        self.assertEqual(
            {(self.gw.sdc(name)['id'], name, self.sim.host_dir(name),
              os.path.join(self.sim.host_dir(name), 'by-id'))
             for name in ('sdc1', 'sdc2')},
            {(s['id'], s['name'], s['host_dir'], s['device_dir'])
             for s in listed})

    def test_descriptor_names_the_sdc_and_the_system(self):
        with open(os.path.join(self.sim.host_dir('sdc2'), 'sdc.json')) as f:
            descriptor = json.load(f)
        sdc = self.gw.sdc('sdc2')
        self.assertEqual(sdc['sdcGuid'], descriptor['guid'])
        self.assertEqual(sdc['id'], descriptor['sdcId'])
        self.assertEqual(self.system_id(), descriptor['systemId'])

    def add_sdc(self, name, guid):
        r = requests.post(self.sim.url + '/sim/sdcs', timeout=30,
                          json={'name': name, 'guid': guid})
        self.assertEqual(200, r.status_code, r.text)
        return r.json()

    def test_sdc_added_at_run_time_gets_a_host_directory(self):
        host_dir = self.add_sdc('late', LATE_GUID)['host_dir']
        self.assertEqual(host_dir, self.sim.host_dir('late'))
        self.assertTrue(os.path.isfile(os.path.join(host_dir, 'sdc.json')))
        self.assertEqual(LATE_GUID + '\n',
                         self.drv_cfg('late', '--query_guid').stdout)

        volume_id = self.gw.create_volume('for-late')
        self.gw.map(volume_id, sdc='late')
        self.assertTrue(os.path.exists(self.device(volume_id, 'late')))

    def test_sdc_added_at_run_time_has_an_empty_by_id_directory(self):
        host_dir = self.add_sdc('late', LATE_GUID)['host_dir']
        self.assertEqual([], os.listdir(os.path.join(host_dir, 'by-id')))


class TestOwnDirectories(HostHelpers, test_base.TestCase):
    """A topology can place an SDC's host or device directory anywhere."""

    def start(self, sdc):
        sdc = dict(sdc, name='custom', guid=LATE_GUID)
        self.sim = self.useFixture(common.SimulatorFixture(
            topology={'sdcs': [sdc]})).sim
        self.gw = common.Gateway(self.sim)

    def test_sdc_with_its_own_host_dir_gets_drv_cfg_and_links_there(self):
        host_dir = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                'compute-1')
        self.start({'host_dir': host_dir})
        self.assertEqual(host_dir, self.sim.host_dir('custom'))
        self.assertEqual(LATE_GUID + '\n',
                         self.drv_cfg('custom', '--query_guid').stdout)

        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'custom')
        self.assertTrue(os.path.exists(os.path.join(
            host_dir, 'by-id', 'emc-vol-%s-%s'
            % (self.system_id(), volume_id))))

    def test_sdc_with_its_own_device_dir_gets_links_there(self):
        device_dir = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                  'disk', 'by-id')
        self.start({'device_dir': device_dir})
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'custom')
        self.assertEqual(['emc-vol-%s-%s' % (self.system_id(), volume_id)],
                         os.listdir(device_dir))
        self.assertIn('VOL-ID %s' % volume_id,
                      self.drv_cfg('custom', '--query_vols').stdout)


@ddt.ddt
class TestDeviceLinks(HostTestCase):

    def test_mapping_makes_the_link_appear_and_unmapping_removes_it(self):
        volume_id = self.gw.create_volume('v1')
        link = self.device(volume_id)
        self.assertFalse(os.path.lexists(link))

        self.gw.map(volume_id)
        self.assertEqual(['emc-vol-%s-%s' % (self.system_id(), volume_id)],
                         os.listdir(self.by_id('sdc1')))
        self.assertEqual([], os.listdir(self.by_id('sdc2')))

        self.unmap(volume_id)
        self.assertFalse(os.path.lexists(link))

    def test_file_mode_link_points_at_the_volume_backing_file(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        link = self.device(volume_id)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(self.sim.dataplane.path(volume_id),
                         os.path.realpath(link))
        self.assertTrue(stat.S_ISREG(os.stat(link).st_mode))

    def test_volume_mapped_to_two_sdcs_appears_on_both(self):
        volume_id = self.gw.create_volume('shared')
        self.gw.map(volume_id, 'sdc1')
        self.gw.map(volume_id, 'sdc2')
        self.assertTrue(os.path.exists(self.device(volume_id, 'sdc1')))
        self.assertTrue(os.path.exists(self.device(volume_id, 'sdc2')))

        self.unmap(volume_id, 'sdc1')
        self.assertFalse(os.path.lexists(self.device(volume_id, 'sdc1')))
        self.assertTrue(os.path.exists(self.device(volume_id, 'sdc2')))

    def test_both_hosts_of_a_shared_volume_see_the_same_data(self):
        volume_id = self.gw.create_volume('shared')
        self.gw.map(volume_id, 'sdc1')
        self.gw.map(volume_id, 'sdc2')
        write_at(self.device(volume_id, 'sdc1'), 0, b'live-migration')
        self.assertEqual(b'live-migration',
                         read_at(self.device(volume_id, 'sdc2'), 0, 14))

    @ddt.data(8, 16, 24)
    def test_device_has_the_volume_size(self, size_gib):
        volume_id = self.gw.create_volume('v%d' % size_gib, size_gib)
        self.gw.map(volume_id)
        self.assertEqual(size_gib * common.BYTES_PER_GIB,
                         device_size(self.device(volume_id)))
        self.assertEqual(self.gw.volume(volume_id)['sizeInKb']
                         * common.BYTES_PER_KIB,
                         device_size(self.device(volume_id)))

    @ddt.data(0,
              3 * common.BYTES_PER_GIB + 512, 8 * common.BYTES_PER_GIB - BLOCK)
    def test_data_written_through_the_link_reads_back(self, offset):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        data = os.urandom(BLOCK)
        write_at(self.device(volume_id), offset, data)
        self.assertEqual(data, read_at(self.device(volume_id), offset, BLOCK))

    def test_data_survives_unmapping_and_mapping_again(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'kept')
        self.unmap(volume_id)
        self.gw.map(volume_id, 'sdc2')
        self.assertEqual(b'kept', read_at(self.device(volume_id, 'sdc2'),
                                          0, 4))

    def test_set_volume_size_grows_the_device(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'before')
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        self.assertEqual(16 * common.BYTES_PER_GIB,
                         device_size(self.device(volume_id)))
        self.assertEqual(b'before', read_at(self.device(volume_id), 0, 6))
        write_at(self.device(volume_id),
                 16 * common.BYTES_PER_GIB - BLOCK, b'new end')
        self.assertEqual(b'new end', read_at(
            self.device(volume_id), 16 * common.BYTES_PER_GIB - BLOCK, 7))

    def test_extended_while_unmapped_the_device_has_the_new_size(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        self.unmap(volume_id)
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        self.gw.map(volume_id)
        self.assertEqual(16 * common.BYTES_PER_GIB,
                         device_size(self.device(volume_id)))

    def test_deleting_a_volume_removes_its_backing_file(self):
        volume_id = self.gw.create_volume('doomed')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'data')
        backing_file = self.sim.dataplane.path(volume_id)
        self.assertTrue(os.path.exists(backing_file))

        self.unmap(volume_id)
        self.gw.ok(self.gw.action(volume_id, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.assertFalse(os.path.exists(backing_file))

    def test_thin_writes_show_up_as_used_pool_capacity(self):
        volume_id = self.gw.create_volume('thin')
        self.gw.map(volume_id)
        before = self.pool_statistics()['netCapacityInUseInKb']

        write_at(self.device(volume_id),
                 0, os.urandom(4 * common.BYTES_PER_MIB))

        grown = self.pool_statistics()['netCapacityInUseInKb'] - before
        self.assertGreaterEqual(grown, 4096)
        self.assertLess(grown, 8192)


class TestRestart(HostHelpers, test_base.TestCase):

    def start(self, state_dir, **options):
        self.sim = self.useFixture(common.SimulatorFixture(
            state_dir=state_dir, **options)).sim
        self.gw = common.Gateway(self.sim)

    def test_restart_on_the_same_state_dir_keeps_devices_and_data(self):
        state_dir = self.useFixture(fixtures.TempDir()).path
        self.start(state_dir)
        volume_id = self.gw.create_volume('kept')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'persistent')
        self.sim.stop()

        self.start(state_dir)

        self.assertEqual(b'persistent', read_at(self.device(volume_id), 0, 10))


@ddt.ddt
class TestSnapshotData(HostTestCase):

    def test_snapshot_is_a_point_in_time_copy(self):
        volume_id = self.gw.create_volume('source')
        self.gw.map(volume_id)
        a, b = os.urandom(BLOCK), os.urandom(BLOCK)
        write_at(self.device(volume_id), 0, a)
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        write_at(self.device(volume_id), 0, b)

        self.gw.map(snapshot_id)
        self.assertEqual(a, read_at(self.device(snapshot_id), 0, BLOCK))
        self.assertEqual(b, read_at(self.device(volume_id), 0, BLOCK))

    def test_snapshot_has_the_size_of_its_source(self):
        volume_id = self.gw.create_volume('source', 16)
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.map(snapshot_id)
        self.assertEqual(16 * common.BYTES_PER_GIB,
                         device_size(self.device(snapshot_id)))

    @ddt.data(False, True)
    def test_snapshot_of_a_never_written_volume_reads_as_zeros(self, mapped):
        volume_id = self.gw.create_volume('empty')
        if mapped:
            self.gw.map(volume_id)
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.map(snapshot_id, 'sdc2')
        for offset in (0, 4 * common.BYTES_PER_GIB,
                       8 * common.BYTES_PER_GIB - BLOCK):
            self.assertEqual(bytes(BLOCK), read_at(
                self.device(snapshot_id, 'sdc2'), offset, BLOCK))

    def test_writes_to_a_snapshot_leave_its_source_alone(self):
        volume_id = self.gw.create_volume('source')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'source')
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.map(snapshot_id)
        write_at(self.device(snapshot_id), 0, b'SNAPSHOT')
        self.assertEqual(b'source', read_at(self.device(volume_id), 0, 6))

    def test_revert_makes_the_volume_bytes_equal_the_snapshot(self):
        volume_id = self.gw.create_volume('source')
        self.gw.map(volume_id)
        a = os.urandom(BLOCK)
        write_at(self.device(volume_id), 0, a)
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        write_at(self.device(volume_id), 0, os.urandom(BLOCK))
        write_at(self.device(volume_id),
                 2 * common.BYTES_PER_GIB, os.urandom(BLOCK))

        self.gw.ok(self.gw.action(volume_id, 'overwriteVolumeContent',
                                  {'srcVolumeId': snapshot_id}))

        self.gw.map(snapshot_id)
        for offset in (0, 2 * common.BYTES_PER_GIB):
            self.assertEqual(read_at(self.device(snapshot_id), offset, BLOCK),
                             read_at(self.device(volume_id), offset, BLOCK))
        self.assertEqual(a, read_at(self.device(volume_id), 0, BLOCK))
        self.assertEqual(bytes(BLOCK),
                         read_at(self.device(volume_id),
                                 2 * common.BYTES_PER_GIB, BLOCK))

    def test_revert_to_a_snapshot_of_an_empty_volume_zeroes_it(self):
        volume_id = self.gw.create_volume('source')
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), common.BYTES_PER_GIB, b'later')

        self.gw.ok(self.gw.action(volume_id, 'overwriteVolumeContent',
                                  {'srcVolumeId': snapshot_id}))

        self.assertEqual(bytes(5), read_at(self.device(volume_id),
                                           common.BYTES_PER_GIB, 5))

    def test_deleting_a_snapshot_keeps_the_source_data(self):
        volume_id = self.gw.create_volume('source')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'source')
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.ok(self.gw.action(snapshot_id, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.assertFalse(os.path.exists(self.sim.dataplane.path(snapshot_id)))
        self.assertEqual(b'source', read_at(self.device(volume_id), 0, 6))


@ddt.ddt
class TestRescan(HostTestCase):
    """An SDC without auto rescan sees new mappings only after a rescan."""

    simulator_options = {'topology': {'sdcs': [
        {'name': 'eager', 'guid': EAGER_GUID},
        {'name': 'lazy', 'guid': LAZY_GUID, 'auto_rescan': False},
    ]}}

    def test_eager_sdc_sees_a_new_mapping_at_once(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'eager')
        self.assertTrue(os.path.exists(self.device(volume_id, 'eager')))

    def test_lazy_sdc_sees_a_new_mapping_only_after_drv_cfg_rescan(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'lazy')
        self.assertFalse(os.path.lexists(self.device(volume_id, 'lazy')))

        result = self.drv_cfg('lazy', '--rescan')

        self.assertEqual(0, result.returncode, result.stderr)
        self.assertTrue(os.path.exists(self.device(volume_id, 'lazy')))

    @ddt.data('id', 'guid')
    def test_lazy_sdc_sees_a_new_mapping_after_control_api_rescan(self, key):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'lazy')
        sdc = {'id': self.gw.sdc('lazy')['id'], 'guid': LAZY_GUID}[key]

        r = requests.post(self.sim.url + '/sim/sdcs/%s/rescan' % sdc,
                          timeout=30)

        self.assertEqual(200, r.status_code, r.text)
        self.assertTrue(os.path.exists(self.device(volume_id, 'lazy')))

    def test_query_vols_lists_a_volume_only_once_the_host_has_seen_it(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'lazy')
        self.assertEqual('Retrieved 0 volume(s)\n',
                         self.drv_cfg('lazy', '--query_vols').stdout)
        self.drv_cfg('lazy', '--rescan')
        self.assertIn('VOL-ID %s MDM-ID %s' % (volume_id, self.system_id()),
                      self.drv_cfg('lazy', '--query_vols').stdout)

    def test_unmapped_before_rescan_the_volume_never_appears(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id, 'lazy')
        self.unmap(volume_id, 'lazy')
        self.assertEqual(0, self.drv_cfg('lazy', '--rescan').returncode)
        self.assertEqual([], os.listdir(self.by_id('lazy')))

    def test_rescan_of_an_unknown_sdc_is_not_found(self):
        r = requests.post(self.sim.url + '/sim/sdcs/0000000000000000/rescan',
                          timeout=30)
        self.assertEqual(404, r.status_code)

    def test_control_api_shows_which_sdcs_rescan_by_themselves(self):
        listed = requests.get(self.sim.url + '/sim/sdcs', timeout=30).json()
        self.assertEqual({'eager': True, 'lazy': False},
                         {s['name']: s['auto_rescan'] for s in listed})


@ddt.ddt
class TestDrvCfg(HostTestCase):

    @ddt.data('sdc1', 'sdc2')
    def test_query_guid_prints_the_sdc_guid(self, name):
        result = self.drv_cfg(name, '--query_guid')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(self.gw.sdc(name)['sdcGuid'], result.stdout.strip())

    def test_query_mdm_names_the_system_and_the_sdc(self):
        result = self.drv_cfg('sdc2', '--query_mdm')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('MDM-ID %s SDC ID %s' % (self.system_id(),
                                               self.gw.sdc('sdc2')['id']),
                      result.stdout)

    def test_query_vols_lists_the_volumes_mapped_to_this_host(self):
        first = self.gw.create_volume('first')
        second = self.gw.create_volume('second')
        other = self.gw.create_volume('other')
        self.gw.map(first)
        self.gw.map(second)
        self.gw.map(other, 'sdc2')

        result = self.drv_cfg('sdc1', '--query_vols')

        self.assertEqual(0, result.returncode, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual('Retrieved 2 volume(s)', lines[0])
        self.assertEqual(sorted('VOL-ID %s MDM-ID %s' % (v, self.system_id())
                                for v in (first, second)),
                         sorted(lines[1:]))

    def test_console_script_with_host_dir_answers_query_guid(self):
        result = run(DRV_CFG, '--host-dir', self.sim.host_dir('sdc1'),
                     '--query_guid')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(self.gw.sdc('sdc1')['sdcGuid'] + '\n', result.stdout)

    def test_missing_host_dir_fails_with_a_clear_message(self):
        missing = os.path.join(self.useFixture(fixtures.TempDir()).path,
                               'no-such-host')
        result = run(DRV_CFG, '--host-dir', missing, '--query_guid')
        self.assertEqual(1, result.returncode)
        self.assertEqual('', result.stdout)
        self.assertIn('no simulated SDC in %s' % missing, result.stderr)
        self.assertNotIn('Traceback', result.stderr)


def loop_devices_over(path):
    """Loop devices attached to a file, as ``losetup -j`` lists them."""
    out = subprocess.run(['losetup', '-j', path], capture_output=True,
                         text=True, check=True).stdout
    return [line.split(':')[0] for line in out.splitlines()]


def detach_loop_devices_under(directory):
    """Detach loop devices a failed test left over files in a directory."""
    out = subprocess.run(['losetup', '--list', '--noheadings', '--raw',
                          '--output', 'NAME,BACK-FILE'], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        name, _, back_file = line.partition(' ')
        if back_file.startswith(directory + os.sep):
            subprocess.run(['losetup', '-d', name], capture_output=True)


class TestLoopDevices(HostHelpers, test_base.TestCase):
    """Loop-device mode: links lead to real block devices (needs root)."""

    def setUp(self):
        super().setUp()
        reason = datapath.loop_mode_unavailable()
        if reason:
            self.skipTest('loop-device mode is unavailable: %s' % reason)
        if not shutil.which('blockdev'):
            self.skipTest('blockdev is not installed')
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        # Runs after the simulator has stopped, whatever the test did.
        self.addCleanup(detach_loop_devices_under, self.state_dir)
        self.sim = self.useFixture(common.SimulatorFixture(
            device_mode='loop', state_dir=self.state_dir)).sim
        self.gw = common.Gateway(self.sim)

    def blockdev_size(self, path):
        result = run('blockdev', '--getsize64', path)
        self.assertEqual(0, result.returncode, result.stderr)
        return int(result.stdout)

    def test_link_resolves_to_a_loop_block_device_of_the_volume_size(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        link = self.device(volume_id)

        self.assertRegex(os.path.realpath(link), r'^/dev/loop\d+$')
        self.assertTrue(stat.S_ISBLK(os.stat(link).st_mode))
        self.assertEqual(8 * common.BYTES_PER_GIB, self.blockdev_size(link))
        self.assertEqual(8 * common.BYTES_PER_GIB, device_size(link))
        self.assertEqual([os.path.realpath(link)], loop_devices_over(
            self.sim.dataplane.path(volume_id)))

    def test_writes_through_the_loop_device_land_in_the_volume(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        data = os.urandom(64 * common.BYTES_PER_KIB)
        write_at(self.device(volume_id), common.BYTES_PER_GIB, data)

        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        self.gw.map(snapshot_id, 'sdc2')

        self.assertEqual(data, read_at(self.device(snapshot_id, 'sdc2'),
                                       common.BYTES_PER_GIB, len(data)))
        self.assertNotEqual(os.path.realpath(self.device(volume_id)),
                            os.path.realpath(self.device(snapshot_id, 'sdc2')))

    def test_extend_is_visible_on_the_block_device(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        self.assertEqual(16 * common.BYTES_PER_GIB,
                         self.blockdev_size(self.device(volume_id)))

    def test_revert_is_visible_on_the_mapped_block_device(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'A' * BLOCK)
        snapshot_id = self.gw.snapshot(volume_id, 'snap')
        write_at(self.device(volume_id), 0, b'B' * BLOCK)
        self.assertEqual(b'B' * BLOCK,
                         read_at(self.device(volume_id), 0, BLOCK))

        self.gw.ok(self.gw.action(volume_id, 'overwriteVolumeContent',
                                  {'srcVolumeId': snapshot_id}))

        self.assertEqual(b'A' * BLOCK,
                         read_at(self.device(volume_id), 0, BLOCK))

    def test_unmapping_detaches_the_loop_device(self):
        volume_id = self.gw.create_volume('v1')
        self.gw.map(volume_id)
        backing_file = self.sim.dataplane.path(volume_id)
        self.assertNotEqual([], loop_devices_over(backing_file))

        self.unmap(volume_id)

        self.assertFalse(os.path.lexists(self.device(volume_id)))
        self.assertEqual([], loop_devices_over(backing_file))

    def test_two_sdcs_share_one_loop_device_until_both_unmap(self):
        volume_id = self.gw.create_volume('shared')
        self.gw.map(volume_id, 'sdc1')
        self.gw.map(volume_id, 'sdc2')
        backing_file = self.sim.dataplane.path(volume_id)
        self.assertEqual(os.path.realpath(self.device(volume_id, 'sdc1')),
                         os.path.realpath(self.device(volume_id, 'sdc2')))

        self.unmap(volume_id, 'sdc1')
        self.assertEqual(1, len(loop_devices_over(backing_file)))
        write_at(self.device(volume_id, 'sdc2'), 0, b'still attached')

        self.unmap(volume_id, 'sdc2')
        self.assertEqual([], loop_devices_over(backing_file))

    def test_stopping_the_simulator_detaches_loop_devices(self):
        volume_ids = [self.gw.create_volume(n) for n in ('v1', 'v2')]
        for volume_id in volume_ids:
            self.gw.map(volume_id)
        backing_files = [self.sim.dataplane.path(v) for v in volume_ids]
        links = [self.device(v) for v in volume_ids]

        self.sim.stop()

        for backing_file, link in zip(backing_files, links):
            self.assertTrue(os.path.exists(backing_file))
            self.assertEqual([], loop_devices_over(backing_file))
            self.assertFalse(os.path.lexists(link))

    def test_restart_on_the_same_state_dir_attaches_loop_devices_again(self):
        volume_id = self.gw.create_volume('kept')
        self.gw.map(volume_id)
        write_at(self.device(volume_id), 0, b'persistent')
        self.sim.stop()

        self.sim = self.useFixture(common.SimulatorFixture(
            device_mode='loop', state_dir=self.state_dir)).sim
        self.gw = common.Gateway(self.sim)

        link = self.device(volume_id)
        self.assertTrue(stat.S_ISBLK(os.stat(link).st_mode))
        self.assertEqual(b'persistent', read_at(link, 0, 10))
