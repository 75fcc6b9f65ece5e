"""A compute host attaches ScaleIO volumes with scaleio_nova's connector.

The simulator plays the gateway and the SDC hosts (device links to sparse
files); volumes are mapped over real HTTPS as a Cinder driver maps them,
or by the connector itself for legacy connection info.
"""

import base64
import logging
import os
import threading
import time
from unittest import mock

import ddt
import fixtures

from os_brick.privileged import scaleio as priv_scaleio
from scaleio_nova import connector as connector_mod
from scaleio_nova import exceptions
from scaleio_nova import sdc
from tests.functional.connector import base
from tests.support import common

LAZY_GUID = '5C1A0001-0000-4000-8000-00000000000A'
LEGACY_PASSWORD = 'Leg@cy-S3cret-0600'


def after(seconds, function, *args):
    """Run ``function`` in a thread after ``seconds``; the thread."""
    def run():
        time.sleep(seconds)
        function(*args)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class TestConnectorProperties(base.ConnectorTestCase):

    def test_guid_from_drv_cfg_when_there_is_no_scini_device(self):
        drv_cfg = os.path.join(self.sim.host_dir('sdc1'), 'drv_cfg')
        props = connector_mod.ScaleIOConnector.get_connector_properties(
            None, drv_cfg_path=drv_cfg, multipath=False,
            enforce_multipath=False)
        self.assertEqual({'sdc_guid': common.SDC1_GUID}, props)
        self.assertEqual(common.SDC1_GUID, self.connector().sdc_guid())

    def test_guid_from_the_scini_ioctl_when_the_device_exists(self):
        # There is no scini kernel module here: the ioctl boundary (os-brick's
        # privsep entrypoint) and the device's existence are faked.
        with mock.patch.object(sdc, 'scini_present', return_value=True), \
                mock.patch.object(priv_scaleio, 'get_guid',
                                  return_value='abcd-guid') as get_guid:
            props = connector_mod.ScaleIOConnector.get_connector_properties(
                None, drv_cfg_path='/nonexistent/drv_cfg')
        self.assertEqual({'sdc_guid': 'abcd-guid'}, props)
        get_guid.assert_called_once_with(sdc.GET_GUID_IOCTL)

    def test_host_without_sdc_has_no_guid_and_a_clear_error(self):
        missing = '/nonexistent/drv_cfg'
        props = connector_mod.ScaleIOConnector.get_connector_properties(
            None, drv_cfg_path=missing)
        self.assertEqual({}, props)
        conn = self.connector()
        conn.drv_cfg_path = missing
        e = self.assertRaises(exceptions.SdcNotFound, conn.sdc_guid)
        self.assertIn('/dev/scini does not exist', str(e))
        self.assertIn(missing, str(e))


@ddt.ddt
class TestAttach(base.ConnectorTestCase):
    """Connection info whose volume the Cinder driver mapped already."""

    @ddt.data('driver_info', 'in_tree_info')
    def test_mapped_volume_is_found_and_detach_leaves_the_mapping(self, kind):
        volume_id = self.create_volume('v1')
        self.map(volume_id)
        info = getattr(self, kind)('v1', volume_id)
        conn = self.connector()

        device = conn.connect_volume(info)

        self.assertEqual({'type': 'block', 'path': self.device(volume_id)},
                         device)
        self.assertEqual([self.device(volume_id)],
                         conn.get_volume_paths(info))
        self.assertTrue(conn.check_valid_device(device['path']))
        conn.disconnect_volume(info, device)
        # Unmapping is the Cinder driver's job (terminate_connection).
        self.assertEqual([common.SDC1_GUID], self.mapped_guids(volume_id))

    def test_device_mapped_late_is_found_within_milliseconds(self):
        volume_id = self.create_volume('v1')
        mapped = []
        mapper = after(0.05, lambda: (self.map(volume_id),
                                      mapped.append(time.monotonic())))
        conn = self.connector()

        device = conn.connect_volume(self.in_tree_info('v1', volume_id))

        returned = time.monotonic()
        # The link can show before the map's answer reaches its thread.
        mapper.join(10)
        self.assertEqual(self.device(volume_id), device['path'])
        self.assertLess(returned - mapped[0], 0.1)

    def test_link_is_matched_exactly_not_by_suffix(self):
        volume_id = self.create_volume('v1')
        # A link of another system whose volume id merely ends the same way:
        # os-brick 7.1.1 would take it.
        decoy = os.path.join(self.sim.host_dir('sdc1'), 'by-id',
                             'emc-vol-%s-1%s' % (self.system_id, volume_id))
        os.makedirs(os.path.dirname(decoy), exist_ok=True)
        open(decoy, 'w').close()
        self.map(volume_id)
        conn = self.connector()
        device = conn.connect_volume(self.in_tree_info('v1', volume_id))
        self.assertEqual(self.device(volume_id), device['path'])
        self.assertIn(decoy, conn.get_all_available_volumes())

    def test_never_mapped_fails_after_the_timeout_and_one_rescan(self):
        volume_id = self.create_volume('v1')
        conn = self.connector(device_timeout=1.0, device_rescan_delay=0.2)
        # A drv_cfg that notes each call, then runs the host's own.
        calls = os.path.join(self.lock_path, 'calls')
        wrapper = os.path.join(self.lock_path, 'drv_cfg')
        with open(wrapper, 'w') as f:
            f.write('#!/bin/sh\necho "$@" >> %s\nexec %s "$@"\n'
                    % (calls, conn.drv_cfg_path))
        os.chmod(wrapper, 0o755)
        conn.drv_cfg_path = wrapper
        started = time.monotonic()

        e = self.assertRaises(exceptions.DeviceNotFound, conn.connect_volume,
                              self.in_tree_info('v1', volume_id))

        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLess(elapsed, 1.8)
        for part in ('v1', volume_id, conn.get_search_path(), '1.0 s',
                     'one SDC rescan'):
            self.assertIn(part, str(e))
        with open(calls) as f:
            self.assertEqual(['--rescan'], f.read().split())

    def test_concurrent_attaches_of_different_volumes_do_not_wait(self):
        slow, fast = self.create_volume('slow'), self.create_volume('fast')
        conn = self.connector(device_timeout=5.0, device_rescan_delay=5.0)
        done = {}

        def attach(name, volume_id):
            conn.connect_volume(self.in_tree_info(name, volume_id))
            done[name] = time.monotonic()

        started = time.monotonic()
        threads = [threading.Thread(target=attach, args=('slow', slow))]
        threads[0].start()
        time.sleep(0.05)            # the slow attach holds its lock first
        threads.append(threading.Thread(target=attach, args=('fast', fast)))
        self.map(fast)
        threads[1].start()
        after(1.0, self.map, slow)
        for thread in threads:
            thread.join(10)
        self.assertLess(done['fast'] - started, 0.5)
        self.assertGreaterEqual(done['slow'] - started, 1.0)

    def test_two_missing_devices_time_out_in_parallel(self):
        volumes = [self.create_volume('v%d' % i) for i in range(2)]
        conn = self.connector(device_timeout=1.0, device_rescan_delay=0.2)
        errors = []

        def attach(volume_id):
            try:
                conn.connect_volume(self.in_tree_info('v', volume_id))
            except exceptions.DeviceNotFound as e:
                errors.append(e)

        started = time.monotonic()
        threads = [threading.Thread(target=attach, args=(v,))
                   for v in volumes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(2, len(errors))
        # One timeout window (plus rescans), not two.
        self.assertLess(time.monotonic() - started, 1.8)

    def test_extend_returns_the_new_size(self):
        volume_id = self.create_volume('v1')
        self.map(volume_id)
        info = self.in_tree_info('v1', volume_id)
        conn = self.connector()
        conn.connect_volume(info)
        self.gateway.extend_volume(volume_id, 16)
        self.assertEqual(16 * common.BYTES_PER_GIB, conn.extend_volume(info))

    def test_extend_rescans_through_the_scini_ioctl_when_it_exists(self):
        volume_id = self.create_volume('v1')
        self.map(volume_id)
        info = self.in_tree_info('v1', volume_id)
        conn = self.connector()
        conn.connect_volume(info)
        self.gateway.extend_volume(volume_id, 24)
        # No scini kernel module here: fake the device and os-brick's
        # privsep ioctl entrypoint at that boundary.
        with mock.patch.object(sdc, 'scini_present', return_value=True), \
                mock.patch.object(priv_scaleio, 'rescan_vols') as rescan:
            self.assertEqual(24 * common.BYTES_PER_GIB,
                             conn.extend_volume(info))
        rescan.assert_called_once_with(sdc.RESCAN_IOCTL)


class TestMissedNotification(base.ConnectorTestCase):
    """An SDC that missed the MDM's notification sees the volume on rescan."""

    simulator_options = {'tls': True, 'topology': {'sdcs': [
        {'name': 'sdc1', 'guid': common.SDC1_GUID},
        {'name': 'lazy', 'guid': LAZY_GUID, 'auto_rescan': False}]}}

    def test_rescan_brings_the_device(self):
        volume_id = self.create_volume('v1')
        self.map(volume_id, guid=LAZY_GUID)
        self.assertFalse(os.path.lexists(self.device(volume_id, 'lazy')))
        conn = self.connector('lazy', device_timeout=5.0,
                              device_rescan_delay=0.1)
        started = time.monotonic()
        device = conn.connect_volume(self.in_tree_info('v1', volume_id,
                                                       guid=LAZY_GUID))
        self.assertEqual(self.device(volume_id, 'lazy'), device['path'])
        self.assertLess(time.monotonic() - started, 2.0)


@ddt.ddt
class TestLegacy(base.ConnectorTestCase):
    """Connection info without sdc_guid: the host maps the volume."""

    admin_password = LEGACY_PASSWORD
    simulator_options = {'tls': True, 'topology': {
        'users': [{'name': 'admin', 'password': LEGACY_PASSWORD}]}}

    def legacy_connector(self, text=None, mode=0o600, **kwargs):
        if text is None:
            text = '[scaleio]\nsan_password = %s\n' % LEGACY_PASSWORD
        return self.connector(
            connector_config_file=self.connector_file(text, mode), **kwargs)

    @ddt.data(
        ('[scaleio]\nsan_password = %s\n', True),
        ('[DEFAULT]\nsan_password = %s\n', True),
        ('[other]\nsan_password = wrong\n[DEFAULT]\nsan_password = %s\n',
         True),
        ('[scaleio]\nsan_password = %s\n', False),     # pre-Newton: by name
    )
    @ddt.unpack
    def test_attach_maps_with_limits_and_detach_unmaps(self, text, with_id):
        volume_id = self.create_volume('v1')
        conn = self.legacy_connector(text % LEGACY_PASSWORD)
        info = self.legacy_info('v1', volume_id if with_id else None,
                                iops='500', bandwidth='1024')

        device = conn.connect_volume(info)

        self.assertEqual(self.device(volume_id), device['path'])
        self.assertEqual([common.SDC1_GUID], self.mapped_guids(volume_id))
        with self.sim.mdm.lock:
            [mapping] = self.sim.mdm.get('Volume', volume_id).mappings
        self.assertEqual(500, mapping.limit_iops)
        conn.disconnect_volume(info, device)
        self.assertEqual([], self.mapped_guids(volume_id))
        self.assertFalse(os.path.lexists(self.device(volume_id)))

    def test_already_mapped_and_not_mapped_are_fine(self):
        volume_id = self.create_volume('v1')
        self.map(volume_id)
        conn = self.legacy_connector()
        info = self.legacy_info('v1', volume_id)
        device = conn.connect_volume(info)
        self.assertEqual(self.device(volume_id), device['path'])
        conn.disconnect_volume(info, device)
        conn.disconnect_volume(info, device)
        self.assertEqual([], self.mapped_guids(volume_id))

    @ddt.data(0o640, 0o644, 0o604, 0o660)
    def test_file_others_can_read_is_refused(self, mode):
        volume_id = self.create_volume('v1')
        conn = self.legacy_connector(mode=mode)
        e = self.assertRaises(exceptions.ConnectorConfigError,
                              conn.connect_volume,
                              self.legacy_info('v1', volume_id))
        self.assertIn(conn.connector_config_file, str(e))
        self.assertIn('%04o' % mode, str(e))
        self.assertEqual([], self.mapped_guids(volume_id))

    def test_missing_file_and_missing_password_are_named(self):
        conn = self.connector(connector_config_file='/nonexistent/c.conf')
        e = self.assertRaises(exceptions.ConnectorConfigError,
                              conn.connect_volume, self.legacy_info('v1', 'x'))
        self.assertIn('/nonexistent/c.conf', str(e))
        conn = self.legacy_connector('[other]\nsan_password = x\n')
        e = self.assertRaises(exceptions.ConnectorConfigError,
                              conn.connect_volume, self.legacy_info('v1', 'x'))
        self.assertIn('san_password', str(e))

    def test_password_never_reaches_the_logs(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        volume_id = self.create_volume('v1')
        conn = self.legacy_connector()
        info = self.legacy_info('v1', volume_id, iops='100')
        conn.disconnect_volume(info, conn.connect_volume(info))
        bad = self.legacy_connector(mode=0o644)
        self.assertRaises(exceptions.ConnectorConfigError,
                          bad.connect_volume, info)
        output = logger.output
        self.assertIn('Volume v1', output)          # the logs were captured
        self.assertNotIn(LEGACY_PASSWORD, output)
        basic = base64.b64encode(
            ('admin:' + LEGACY_PASSWORD).encode()).decode()
        self.assertNotIn(basic, output)
