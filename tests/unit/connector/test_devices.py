"""Device links: exact names, waiting, sizes."""

import os
import threading
import time

import ddt
import fixtures

from scaleio_nova import devices
from tests import base
from tests.support import common

SYSTEM = '5c1a0de4a7e10001'


@ddt.ddt
class TestDevices(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.target = os.path.join(self.dir, 'data')
        with open(self.target, 'wb') as f:
            f.truncate(3 * common.BYTES_PER_MIB)

    def link(self, volume_id, system=SYSTEM):
        path = os.path.join(self.dir, 'emc-vol-%s-%s' % (system, volume_id))
        os.symlink(self.target, path)
        return path

    @ddt.data(
        ('emc-vol-5c1a0de4a7e10001-0abc', ('5c1a0de4a7e10001', '0abc')),
        ('emc-vol-5c1a0de4a7e10001-0abc-part1', None),
        ('emc-vol-0abc', None),
        ('scsi-emc-vol-5c1a0de4a7e10001-0abc', None),
    )
    @ddt.unpack
    def test_volume_of(self, name, expected):
        self.assertEqual(expected, devices.volume_of(name))

    def test_find_is_exact(self):
        decoy = self.link('10abc')
        self.assertIsNone(devices.find(self.dir, '0abc'))
        wanted = self.link('0abc')
        self.assertEqual(wanted, devices.find(self.dir, '0abc'))
        self.assertEqual(sorted([decoy, wanted]),
                         devices.all_links(self.dir))

    def test_find_ignores_a_dangling_link(self):
        os.symlink('/nonexistent', os.path.join(
            self.dir, 'emc-vol-%s-0abc' % SYSTEM))
        self.assertIsNone(devices.find(self.dir, '0abc'))

    def test_find_refuses_two_systems_with_one_volume_id(self):
        self.link('0abc')
        self.link('0abc', system='0000000000000002')
        self.assertRaises(ValueError, devices.find, self.dir, '0abc')

    @ddt.data(True, False)
    def test_wait_wakes_up_when_the_link_appears(self, directory_exists):
        directory = self.dir if directory_exists else os.path.join(
            self.dir, 'later')
        made = []

        def make():
            time.sleep(0.1)
            os.makedirs(directory, exist_ok=True)
            made.append(time.monotonic())
            os.symlink(self.target,
                       os.path.join(directory, 'emc-vol-%s-0abc' % SYSTEM))

        threading.Thread(target=make, daemon=True).start()
        path = devices.wait_for(directory, '0abc', 5.0)
        self.assertIsNotNone(path)
        # inotify: about a millisecond; polling: under the 50 ms cap.
        self.assertLess(time.monotonic() - made[0],
                        0.02 if directory_exists else 0.1)

    def test_wait_gives_up_after_the_time(self):
        started = time.monotonic()
        self.assertIsNone(devices.wait_for(self.dir, '0abc', 0.2))
        self.assertLess(time.monotonic() - started, 0.4)

    def test_size_of_a_regular_file(self):
        self.assertEqual(3 * common.BYTES_PER_MIB,
                         devices.size_bytes(self.link('1')))
