"""Sparse-file helpers and the data plane in file mode, on a temp dir."""

import os
import shutil

import ddt
import fixtures

from scaleio_sim import datapath
from scaleio_sim import objects
from tests import base
from tests.support import common

BLOCK = 4096
SYSTEM_ID = '5c1a0de4a7e10001'


def volume(volume_id='5b94723900000001', size_kib=4 * common.KIB_PER_MIB):
    return objects.Volume(volume_id, 'v-' + volume_id, size_kib,
                          objects.THIN, 'a1b2c3d400000001',
                          'e5f6a7b800000001', 0)


def sdc(name='sdc1', **dirs):
    return objects.Sdc('df79129d0000000%d' % int(name[-1]),
                       '5C1A0001-0000-4000-8000-00000000000%s' % name[-1],
                       name, '192.0.2.11', **dirs)


def fill(path, size, writes):
    """A sparse file of ``size`` bytes with data at (offset, bytes)."""
    with open(path, 'wb') as f:
        f.truncate(size)
        for offset, data in writes:
            f.seek(offset)
            f.write(data)


def read(path, offset=0, length=-1):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(length)


def allocated(path):
    return os.stat(path).st_blocks * 512


@ddt.ddt
class TestDataExtents(base.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'sparse.img')

    def extents(self):
        with open(self.path, 'rb') as f:
            return [(offset, len(data))
                    for offset, data in datapath.data_extents(f)]

    @ddt.data(
        ('all hole', 4 * common.BYTES_PER_MIB, [], []),
        ('one block at the start', 4 * common.BYTES_PER_MIB, [(0, BLOCK)],
         [(0, BLOCK)]),
        ('two islands', 4 * common.BYTES_PER_MIB,
         [(0, BLOCK), (common.BYTES_PER_MIB, 2 * BLOCK)],
         [(0, BLOCK), (common.BYTES_PER_MIB, 2 * BLOCK)]),
        ('data at the very end', 4 * common.BYTES_PER_MIB,
         [(4 * common.BYTES_PER_MIB - BLOCK, BLOCK)],
         [(4 * common.BYTES_PER_MIB - BLOCK, BLOCK)]),
        ('long run in 1 MiB chunks', 8 * common.BYTES_PER_MIB,
         [(common.BYTES_PER_MIB, 2 * common.BYTES_PER_MIB + BLOCK)],
         [(common.BYTES_PER_MIB, common.BYTES_PER_MIB),
          (2 * common.BYTES_PER_MIB, common.BYTES_PER_MIB),
          (3 * common.BYTES_PER_MIB, BLOCK)]),
    )
    @ddt.unpack
    def test_yields_only_the_data_parts(self, _, size, writes, expected):
        fill(self.path, size, [(o, b'x' * n) for o, n in writes])
        self.assertEqual(expected, self.extents())

    def test_extents_carry_the_file_bytes(self):
        first, second = os.urandom(BLOCK), os.urandom(3 * BLOCK)
        fill(self.path, 2 * common.BYTES_PER_MIB,
             [(BLOCK, first), (common.BYTES_PER_MIB, second)])
        with open(self.path, 'rb') as f:
            self.assertEqual([(BLOCK, first), (common.BYTES_PER_MIB, second)],
                             list(datapath.data_extents(f)))

    def test_empty_file_has_no_extents(self):
        fill(self.path, 0, [])
        self.assertEqual([], self.extents())


class TestCopyInto(base.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.src = os.path.join(tmp, 'src.img')
        self.dst = os.path.join(tmp, 'dst.img')

    def copy(self):
        with open(self.dst, 'r+b') as dst:
            datapath.copy_into(self.src, dst)

    def test_copy_has_the_same_content_and_stays_sparse(self):
        fill(self.src, 64 * common.BYTES_PER_MIB,
             [(0, os.urandom(BLOCK)),
              (40 * common.BYTES_PER_MIB, os.urandom(2 * BLOCK))])
        fill(self.dst, 0, [])

        self.copy()

        self.assertEqual(os.path.getsize(self.src),
                         os.path.getsize(self.dst))
        self.assertEqual(read(self.src), read(self.dst))
        self.assertLessEqual(allocated(self.dst), allocated(self.src))
        self.assertLess(allocated(self.dst), common.BYTES_PER_MIB)

    def test_old_destination_data_is_gone(self):
        fill(self.src, 4 * common.BYTES_PER_MIB, [(0, b'new')])
        fill(self.dst, 8 * common.BYTES_PER_MIB,
             [(0, b'old data'), (2 * common.BYTES_PER_MIB, b'stale'),
              (7 * common.BYTES_PER_MIB, b'beyond the new end')])

        self.copy()

        self.assertEqual(4 * common.BYTES_PER_MIB, os.path.getsize(self.dst))
        self.assertEqual(b'new' + bytes(5), read(self.dst, 0, 8))
        self.assertEqual(bytes(5), read(self.dst, 2 * common.BYTES_PER_MIB, 5))

    def test_destination_keeps_its_inode(self):
        # A loop device or an open descriptor keeps working on the file.
        fill(self.src, common.BYTES_PER_MIB, [(0, b'data')])
        fill(self.dst, common.BYTES_PER_MIB, [])
        inode = os.stat(self.dst).st_ino
        self.copy()
        self.assertEqual(inode, os.stat(self.dst).st_ino)
        self.assertEqual(b'data', read(self.dst, 0, 4))


@ddt.ddt
class TestLinkName(base.TestCase):

    @ddt.data(
        (SYSTEM_ID, '5b94723900000001',
         'emc-vol-5c1a0de4a7e10001-5b94723900000001'),
        ('0123456789abcdef', 'fedcba9876543210',
         'emc-vol-0123456789abcdef-fedcba9876543210'),
    )
    @ddt.unpack
    def test_link_name_is_emc_vol_system_volume(self, system_id, volume_id,
                                                expected):
        self.assertEqual(expected, datapath.link_name(system_id, volume_id))

    def test_os_brick_finds_the_link_by_prefix_and_volume_id(self):
        name = datapath.link_name(SYSTEM_ID, '5b94723900000001')
        self.assertTrue(name.startswith('emc-vol'))
        self.assertTrue(name.endswith('5b94723900000001'))


class DataPlaneTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.plane = datapath.DataPlane(os.path.join(self.root, 'volumes'),
                                        os.path.join(self.root, 'hosts'))

    def link_path(self, vol, host='sdc1'):
        return os.path.join(self.root, 'hosts', host, 'by-id',
                            datapath.link_name(SYSTEM_ID, vol.id))

    def write(self, vol, offset, data):
        with open(self.plane.path(vol.id), 'r+b') as f:
            f.seek(offset)
            f.write(data)


class TestDataPlaneLinks(DataPlaneTestCase):

    def test_link_points_at_a_sparse_file_of_the_volume_size(self):
        vol, host = volume(size_kib=4 * common.KIB_PER_MIB), sdc()
        self.plane.link(vol, host, SYSTEM_ID)
        link = self.link_path(vol)
        self.assertEqual(self.plane.path(vol.id), os.readlink(link))
        self.assertEqual(4 * common.BYTES_PER_MIB, os.path.getsize(link))
        self.assertEqual(0, allocated(link))

    def test_unlink_removes_the_link_and_keeps_the_data(self):
        vol, host = volume(), sdc()
        self.plane.link(vol, host, SYSTEM_ID)
        self.write(vol, 0, b'data')
        self.plane.unlink(vol, host, SYSTEM_ID)
        self.assertFalse(os.path.lexists(self.link_path(vol)))
        self.assertEqual(b'data', read(self.plane.path(vol.id), 0, 4))

    def test_two_sdcs_link_the_same_file(self):
        vol = volume()
        self.plane.link(vol, sdc('sdc1'), SYSTEM_ID)
        self.plane.link(vol, sdc('sdc2'), SYSTEM_ID)
        self.assertEqual(os.readlink(self.link_path(vol, 'sdc1')),
                         os.readlink(self.link_path(vol, 'sdc2')))

    def test_sdc_without_auto_rescan_gets_the_link_on_rescan(self):
        vol, host = volume(), sdc(auto_rescan=False)
        self.plane.link(vol, host, SYSTEM_ID)
        self.assertFalse(os.path.lexists(self.link_path(vol)))
        self.plane.rescan(host, SYSTEM_ID)
        self.assertTrue(os.path.exists(self.link_path(vol)))

    def test_unlinked_before_rescan_never_appears(self):
        vol, host = volume(), sdc(auto_rescan=False)
        self.plane.link(vol, host, SYSTEM_ID)
        self.plane.unlink(vol, host, SYSTEM_ID)
        self.plane.rescan(host, SYSTEM_ID)
        self.assertFalse(os.path.lexists(self.link_path(vol)))

    def test_sdc_directories_override_the_hosts_dir(self):
        own = os.path.join(self.root, 'compute-7')
        devices = os.path.join(self.root, 'dev-by-id')
        self.assertEqual(own, self.plane.host_dir(sdc(host_dir=own)))
        self.assertEqual(os.path.join(own, 'by-id'),
                         self.plane.device_dir(sdc(host_dir=own)))
        self.assertEqual(devices,
                         self.plane.device_dir(sdc(device_dir=devices)))

    def test_without_any_directory_linking_does_nothing(self):
        plane = datapath.DataPlane(os.path.join(self.root, 'only-data'))
        vol, host = volume(), sdc()
        self.assertIsNone(plane.device_dir(host))
        plane.link(vol, host, SYSTEM_ID)
        self.assertEqual([], os.listdir(os.path.join(self.root,
                                                     'only-data')))

    def test_sync_leaves_exactly_the_current_mappings(self):
        mapped, unmapped, host = volume('00000000000000a1'), volume(
            '00000000000000a2'), sdc()
        mapped.mappings.append(objects.Mapping(host.id))
        by_id = os.path.join(self.root, 'hosts', 'sdc1', 'by-id')
        os.makedirs(by_id)
        os.symlink('/nowhere', self.link_path(unmapped))
        open(os.path.join(by_id, 'not-ours'), 'w').close()

        self.plane.sync([host], [mapped, unmapped], SYSTEM_ID)

        self.assertEqual(sorted([os.path.basename(self.link_path(mapped)),
                                 'not-ours']), sorted(os.listdir(by_id)))


class TestDataPlaneVolumes(DataPlaneTestCase):

    def test_no_file_until_a_volume_is_linked(self):
        vol = volume()
        self.assertFalse(os.path.exists(self.plane.path(vol.id)))
        self.assertEqual(0, self.plane.allocated_kib(vol.id))

    def test_allocated_kib_counts_written_blocks(self):
        vol = volume()
        self.plane.link(vol, sdc(), SYSTEM_ID)
        self.write(vol, common.BYTES_PER_MIB,
                   os.urandom(256 * common.BYTES_PER_KIB))
        self.assertGreaterEqual(self.plane.allocated_kib(vol.id), 256)
        self.assertLess(self.plane.allocated_kib(vol.id), 512)

    def test_copy_is_a_point_in_time_copy(self):
        src, snap = volume('00000000000000a1'), volume('00000000000000a2')
        self.plane.link(src, sdc(), SYSTEM_ID)
        self.write(src, 0, b'before')
        self.plane.copy(src.id, snap.id)
        self.write(src, 0, b'after!')
        self.assertEqual(b'before', read(self.plane.path(snap.id), 0, 6))

    def test_copy_of_a_never_written_volume_makes_no_file(self):
        src, snap = volume('00000000000000a1'), volume('00000000000000a2')
        self.plane.copy(src.id, snap.id)
        self.assertFalse(os.path.exists(self.plane.path(snap.id)))
        self.plane.link(snap, sdc(), SYSTEM_ID)
        self.assertEqual(bytes(BLOCK), read(self.link_path(snap), 0, BLOCK))

    def test_overwrite_gives_the_volume_the_source_content(self):
        vol, snap = volume('00000000000000a1'), volume('00000000000000a2')
        self.plane.link(vol, sdc(), SYSTEM_ID)
        self.write(vol, 0, b'old')
        self.plane.copy(vol.id, snap.id)
        self.write(vol, 0, b'new')
        self.write(vol, common.BYTES_PER_MIB, b'more')

        self.plane.overwrite(vol.id, snap.id)

        self.assertEqual(read(self.plane.path(snap.id)),
                         read(self.link_path(vol)))

    def test_overwrite_from_a_volume_without_data_zeroes(self):
        vol, empty = volume('00000000000000a1'), volume('00000000000000a2')
        self.plane.link(vol, sdc(), SYSTEM_ID)
        self.write(vol, 0, b'data')
        self.plane.overwrite(vol.id, empty.id)
        self.assertEqual(4 * common.BYTES_PER_MIB,
                         os.path.getsize(self.link_path(vol)))
        self.assertEqual(bytes(4), read(self.link_path(vol), 0, 4))

    def test_resize_grows_the_file_and_keeps_the_data(self):
        vol = volume(size_kib=4 * common.KIB_PER_MIB)
        self.plane.link(vol, sdc(), SYSTEM_ID)
        self.write(vol, 0, b'kept')
        self.plane.resize(vol.id, 8 * common.KIB_PER_MIB)
        self.assertEqual(8 * common.BYTES_PER_MIB,
                         os.path.getsize(self.link_path(vol)))
        self.assertEqual(b'kept', read(self.link_path(vol), 0, 4))

    def test_remove_deletes_the_file_and_forgets_pending_links(self):
        vol, lazy = volume(), sdc(auto_rescan=False)
        self.plane.link(vol, sdc('sdc2'), SYSTEM_ID)
        self.plane.link(vol, lazy, SYSTEM_ID)
        self.plane.unlink(vol, sdc('sdc2'), SYSTEM_ID)

        self.plane.remove(vol.id)

        self.assertFalse(os.path.exists(self.plane.path(vol.id)))
        self.plane.rescan(lazy, SYSTEM_ID)
        self.assertFalse(os.path.lexists(self.link_path(vol)))


class TestDeviceMode(base.TestCase):

    def setUp(self):
        super().setUp()
        self.data_dir = self.useFixture(fixtures.TempDir()).path

    def test_unknown_device_mode_is_refused(self):
        self.assertRaises(ValueError, datapath.DataPlane, self.data_dir,
                          device_mode='nbd')

    def test_loop_mode_unavailable_gives_a_reason_or_none(self):
        reason = datapath.loop_mode_unavailable()
        if os.geteuid() != 0:
            self.assertIn('root', reason)
        elif not shutil.which('losetup'):
            self.assertIn('losetup', reason)
        elif not os.path.exists('/dev/loop-control'):
            self.assertIn('/dev/loop-control', reason)
        else:
            self.assertIsNone(reason)

    def test_loop_mode_falls_back_to_files_only_when_unavailable(self):
        plane = datapath.DataPlane(self.data_dir, device_mode='loop')
        expected = 'file' if datapath.loop_mode_unavailable() else 'loop'
        self.assertEqual(expected, plane.device_mode)
