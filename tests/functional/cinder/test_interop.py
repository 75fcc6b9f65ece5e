"""Living next to, and after, the in-tree PowerFlex driver.

* Drop-in: what Cinder 29's PowerFlexDriver created (same records:
  provider_id, base64 names) our driver snapshots, clones, extends,
  attaches and deletes, and the in-tree driver copes with ours.
* Two backends in one cinder-volume process: both drivers load side by
  side without option clashes, each reads its own section, and the
  upstream option names configure ours.
* Stock os-brick 7.1.1 finds the device of our connection_info.
"""

import os

from cinder import exception
from cinder.objects import fields
from cinder.volume.drivers.dell_emc.powerflex import driver as powerflex
from cinder.volume.drivers.dell_emc.powerflex import utils as flex_utils
from os_brick.initiator.connectors import scaleio as brick_scaleio
from os_brick import privileged as brick_privileged
from oslo_config import cfg

from scaleio_cinder import migration
from scaleio_client import names
from scaleio_client import records
from scaleio_client import sizes
from tests.support import cinder as support

CONF = cfg.CONF
POWERFLEX = 'powerflex'


class SimulatedHostConnector(brick_scaleio.ScaleIOConnector):
    """Stock os-brick, looking in a simulated host's device directory."""

    def __init__(self, search_path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_path = search_path

    def get_search_path(self):
        return self.search_path


class InteropTestCase(support.DriverTestCase):

    def pf_volume(self, pf, size=5, pool='pd1:sp1', volume_type=None,
                  host=support.HOST):
        volume = self.record(size, pool, volume_type, host)
        return self.created(volume, pf.create_volume(volume))

    def pf_snapshot(self, pf, volume):
        snapshot = self.snapshot(volume, create=False)
        return self.created(snapshot, pf.create_snapshot(snapshot))

    def array_names(self):
        with self.sim.mdm.lock:
            return {v.id: v.name for v in self.sim.mdm.list('Volume')}

    def mapped_sdcs(self, vol_or_snap):
        return [m.sdc_id for m in self.array_volume(vol_or_snap).mappings]

    def sdc_id(self, name='sdc1'):
        with self.sim.mdm.lock:
            return [s.id for s in self.sim.mdm.list('Sdc')
                    if s.name == name][0]


class TestDropIn(InteropTestCase):
    """Volumes of the in-tree driver, after the switch to ours."""

    def setUp(self):
        super().setUp()
        self.pf = self.make_powerflex()

    def test_powerflex_volume_snapshot_clone_extend_delete(self):
        vt = self.volume_type('thin', {'provisioning:type': 'thin'})
        volume = self.pf_volume(self.pf, size=5, volume_type=vt)
        # The in-tree driver writes the rounded size into the record.
        self.assertEqual(8, volume.size)
        pf_snap = self.pf_snapshot(self.pf, volume)
        self.assertEqual(names.id_to_name(volume.id),
                         self.array_volume(volume).name)

        ours_snap = self.snapshot(volume)
        clone = self.volume(size=8, volume_type=vt, create=False)
        self.created(clone, self.driver.create_cloned_volume(clone, volume))
        from_snap = self.volume(size=12, volume_type=vt, create=False)
        self.created(from_snap, self.driver.create_volume_from_snapshot(
            from_snap, pf_snap))
        tree = self.array_volume(volume).vtree_id
        for obj in (pf_snap, ours_snap, clone, from_snap):
            record = self.array_volume(obj)
            self.assertEqual(tree, record.vtree_id)
            self.assertEqual(names.id_to_name(obj.id), record.name)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.array_volume(from_snap).size_kib)

        self.driver.extend_volume(volume, 20)
        self.assertEqual(24 * sizes.KIB_PER_GIB,
                         self.array_volume(volume).size_kib)

        for snap in (pf_snap, ours_snap):
            self.driver.delete_snapshot(snap)
        for vol in (from_snap, clone, volume):
            self.driver.delete_volume(vol)
        self.assertEqual({}, self.array_names())

    def test_powerflex_volume_found_by_name_without_provider_id(self):
        # Records from before Newton carry no provider_id; both drivers
        # name the array volume the same way.
        volume = self.pf_volume(self.pf, size=8)
        array_id = volume.provider_id
        volume.provider_id = None
        volume.save()
        snap = self.snapshot(volume)
        with self.sim.mdm.lock:
            self.assertEqual(array_id, self.sim.mdm.get(
                'Volume', snap.provider_id).ancestor_id)
        self.driver.delete_snapshot(snap)
        self.driver.delete_volume(volume)
        self.assertEqual({}, self.array_names())

    def test_attach_and_detach_powerflex_volume(self):
        volume = self.pf_volume(self.pf, size=8)
        info = self.driver.initialize_connection(volume, self.connector())
        data = info['data']
        self.assertEqual('scaleio', info['driver_volume_type'])
        self.assertEqual(volume.provider_id, data['scaleIO_volume_id'])
        self.assertEqual(flex_utils.id_to_base64(volume.id),
                         data['scaleIO_volname'])
        self.assertEqual([self.sdc_id()], self.mapped_sdcs(volume))
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))
        self.driver.delete_volume(volume)

    def test_attachment_made_by_powerflex_is_detached_by_ours(self):
        # Attached before the switch, detached after it.
        volume = self.pf_volume(self.pf, size=8)
        before = self.pf.initialize_connection(volume, self.connector())
        self.assertEqual([self.sdc_id()], self.mapped_sdcs(volume))
        # Attaching it again (a second instance on the host) maps nothing.
        again = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(before['data']['scaleIO_volume_id'],
                         again['data']['scaleIO_volume_id'])
        self.assertEqual([self.sdc_id()], self.mapped_sdcs(volume))
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))
        # Deleting a volume still mapped somewhere unmaps it first.
        self.pf.initialize_connection(volume,
                                      self.connector(support.SDC2_GUID))
        self.driver.delete_volume(volume)
        self.assertEqual({}, self.array_names())

    def test_powerflex_snapshot_attached_for_backup(self):
        volume = self.pf_volume(self.pf, size=8)
        snap = self.pf_snapshot(self.pf, volume)
        info = self.driver.initialize_connection_snapshot(snap,
                                                          self.connector())
        self.assertEqual(snap.provider_id, info['data']['scaleIO_volume_id'])
        self.assertEqual(names.id_to_name(snap.id),
                         info['data']['scaleIO_volname'])
        self.assertEqual([self.sdc_id()], self.mapped_sdcs(snap))
        self.driver.terminate_connection_snapshot(snap, self.connector())
        self.assertEqual([], self.mapped_sdcs(snap))

    def test_powerflex_thick_volume_keeps_its_kind(self):
        vt = self.volume_type('thick', {'provisioning:type': 'thick'})
        volume = self.pf_volume(self.pf, size=8, volume_type=vt)
        self.assertEqual(records.THICK, self.array_volume(volume).volume_type)
        clone = self.volume(size=8, volume_type=vt, create=False)
        self.created(clone, self.driver.create_cloned_volume(clone, volume))
        info = self.driver.initialize_connection(volume, self.connector())
        # Thick: no discard, as the in-tree driver decides.
        self.assertFalse(info['data']['discard'])
        self.driver.terminate_connection(volume, self.connector())

    def test_storage_assisted_migration_of_powerflex_volume(self):
        volume = self.pf_volume(self.pf, size=8)
        self.conf.config(group=support.BACKEND,
                         scaleio_migration_poll_interval=0.01)
        host = {'host': support.HOST + '#pd1:sp2',
                'capabilities': {'volume_backend_name': support.BACKEND}}
        self.assertEqual((True, {'host': host['host']}),
                         self.driver.migrate_volume(self.context, volume,
                                                    host))
        self.assertEqual(self.driver.backend.pool('pd1:sp2').id,
                         self.array_volume(volume).storage_pool_id)

    def test_powerflex_migration_names_match_ours(self):
        # A host-assisted migration the in-tree driver finished renamed
        # the original to the same temporary name ours uses.
        volume = self.pf_volume(self.pf, size=8)
        new = self.pf_volume(self.pf, size=8, pool='pd1:sp2')
        old_array = volume.provider_id
        self.pf.update_migrated_volume(self.context, volume, new,
                                       fields.VolumeStatus.AVAILABLE)
        self.assertEqual(migration.temporary_name(volume.id),
                         self.array_names()[old_array])
        self.assertEqual(names.id_to_name(volume.id),
                         self.array_names()[new.provider_id])
        # Ours repeats the renames harmlessly.
        self.assertEqual({'_name_id': None},
                         self.driver.update_migrated_volume(
                             self.context, volume, new,
                             fields.VolumeStatus.AVAILABLE))


class TestRollBack(InteropTestCase):
    """What ours made, handled by the in-tree driver (a roll-back)."""

    def setUp(self):
        super().setUp()
        self.pf = self.make_powerflex()

    def test_powerflex_snapshots_clones_extends_deletes_ours(self):
        volume = self.volume(size=5)
        # Ours keeps the size the user asked for; the array has 8 GiB.
        self.assertEqual(5, volume.size)
        snap = self.snapshot(volume)
        pf_snap = self.pf_snapshot(self.pf, volume)
        clone = self.record(5, 'pd1:sp1')
        self.created(clone, self.pf.create_cloned_volume(clone, volume))
        from_snap = self.record(12, 'pd1:sp1')
        self.created(from_snap,
                     self.pf.create_volume_from_snapshot(from_snap, snap))
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.array_volume(from_snap).size_kib)
        # The in-tree driver writes rounded sizes into its records.
        self.assertEqual((8, 16), (clone.size, from_snap.size))
        for obj in (pf_snap, clone, from_snap):
            self.assertEqual(names.id_to_name(obj.id),
                             self.array_volume(obj).name)
        # 5 -> 6 GiB stays within the 8 GiB on the array.
        self.pf.extend_volume(volume, 6)
        self.assertEqual(8 * sizes.KIB_PER_GIB,
                         self.array_volume(volume).size_kib)
        self.pf.extend_volume(volume, 12)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.array_volume(volume).size_kib)
        for s in (snap, pf_snap):
            self.pf.delete_snapshot(s)
        for v in (from_snap, clone, volume):
            self.pf.delete_volume(v)
        self.assertEqual({}, self.array_names())

    def test_powerflex_clone_larger_within_the_same_8_gib(self):
        # Known limit of a roll-back: our records keep the requested size
        # (5 GiB on an 8 GiB array volume). The in-tree driver then sends
        # setVolumeSize 8 for a 6 GiB clone, which the gateway refuses as
        # no growth. Its own records are always multiples of 8.
        volume = self.volume(size=5)
        clone = self.record(6, 'pd1:sp1')
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.pf.create_cloned_volume, clone, volume)

    def test_powerflex_attaches_and_detaches_ours(self):
        volume = self.volume(size=8)
        self.driver.initialize_connection(volume, self.connector())
        info = self.pf.initialize_connection(volume,
                                             self.connector(support.SDC2_GUID))
        self.assertEqual(volume.provider_id, info['data']['scaleIO_volume_id'])
        self.assertEqual(sorted([self.sdc_id(), self.sdc_id('sdc2')]),
                         sorted(self.mapped_sdcs(volume)))
        self.pf.terminate_connection(volume, self.connector())
        self.pf.terminate_connection(volume, self.connector(support.SDC2_GUID))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_powerflex_finishes_a_migration_ours_started(self):
        volume = self.volume(size=8)
        new = self.volume(size=8, pool='pd1:sp2')
        self.assertEqual({'_name_id': None},
                         self.driver.update_migrated_volume(
                             self.context, volume, new,
                             fields.VolumeStatus.AVAILABLE))
        # The in-tree driver repeating it: same names, no error.
        self.pf.update_migrated_volume(self.context, volume, new,
                                       fields.VolumeStatus.AVAILABLE)
        self.assertEqual(names.id_to_name(volume.id),
                         self.array_names()[new.provider_id])


class TestTwoBackends(InteropTestCase):
    """The in-tree driver and ours in one process, different sections."""

    pools = 'pd1:sp2'

    def test_side_by_side(self):
        pf = self.make_powerflex(pools='pd1:sp1')
        self.assertEqual(['pd1:sp2'], list(self.driver.backend.pools))
        self.assertEqual(['pd1:sp1'], pf.storage_pools)
        # Each section keeps its own values.
        self.assertEqual('pd1:sp1', CONF[POWERFLEX].powerflex_storage_pools)
        self.assertEqual(['pd1:sp2'],
                         CONF[support.BACKEND].scaleio_storage_pools)
        self.assertIsNone(self.driver.configuration.safe_get(
            'powerflex_storage_pools'))
        self.assertIsNone(pf.configuration.safe_get('scaleio_storage_pools'))
        # Both sets of options share Cinder's [backend_defaults].
        self.assertIn('powerflex_storage_pools', CONF.backend_defaults)
        self.assertIn('scaleio_storage_pools', CONF.backend_defaults)

        ours = self.driver.get_volume_stats(refresh=True)
        theirs = pf.get_volume_stats(refresh=True)
        self.assertEqual(support.BACKEND, ours['volume_backend_name'])
        self.assertEqual(POWERFLEX, theirs['volume_backend_name'])
        self.assertEqual(['pd1:sp2'], [p['pool_name'] for p in ours['pools']])
        self.assertEqual(['pd1:sp1'],
                         [p['pool_name'] for p in theirs['pools']])

        volume = self.volume(size=8, pool='pd1:sp2')
        pf_volume = self.pf_volume(pf, size=8, pool='pd1:sp1',
                                   host='cinder-volume@' + POWERFLEX)
        self.assertEqual(self.driver.backend.pool('pd1:sp2').id,
                         self.array_volume(volume).storage_pool_id)
        self.assertNotEqual(self.array_volume(volume).storage_pool_id,
                            self.array_volume(pf_volume).storage_pool_id)
        # Moving between the two backends is Cinder's copy, not the array.
        self.assertEqual((False, None), self.driver.migrate_volume(
            self.context, volume,
            {'host': 'cinder-volume@%s#pd1:sp1' % POWERFLEX,
             'capabilities': {'volume_backend_name': POWERFLEX}}))
        self.driver.delete_volume(volume)
        pf.delete_volume(pf_volume)

    def test_order_of_loading_does_not_matter(self):
        # The in-tree driver first, then a second backend of ours.
        pf = self.make_powerflex(group='pf-first', pools='pd1:sp1')
        ours = self.make_driver('ours-second', 'pd1:sp1,pd1:sp2')
        self.assertEqual(['pd1:sp1'], pf.storage_pools)
        self.assertEqual(['pd1:sp1', 'pd1:sp2'], sorted(ours.backend.pools))

    def load_section(self, group, **values):
        """Values as a cinder.conf section holds them (raw strings)."""
        self.conf.load_raw_values(group=group, **values)

    def test_upstream_option_names_configure_ours(self):
        self.load_section(
            'legacy', volume_backend_name='legacy', san_ip='127.0.0.1',
            san_login='admin', san_password='Scaleio123',
            driver_ssl_cert_verify='True',
            driver_ssl_cert_path=self.sim.ca_file,
            powerflex_storage_pools='pd1:sp1, pd1:sp2',
            vxflexos_rest_server_port=str(self.sim.port),
            sio_round_volume_capacity='False',
            vxflexos_max_over_subscription_ratio='5.0',
            powerflex_allow_non_padded_volumes='True',
            powerflex_allow_migration_during_rebuild='True',
            powerflex_max_image_cache_vtree_size='20')
        ours = self.load_driver('legacy')
        self.assertEqual(['pd1:sp1', 'pd1:sp2'], sorted(ours.backend.pools))
        option = ours.backend.option
        self.assertEqual(self.sim.port, option('scaleio_rest_server_port'))
        self.assertIs(False, option('scaleio_round_volume_capacity'))
        self.assertEqual(5.0, option('scaleio_max_over_subscription_ratio'))
        self.assertIs(True, option('scaleio_allow_non_padded_volumes'))
        self.assertIs(True, option('scaleio_allow_migration_during_rebuild'))
        self.assertEqual(20, option('scaleio_max_image_cache_vtree_size'))
        # It took the gateway's CA from driver_ssl_cert_path: TLS works.
        self.assertEqual(self.sim.ca_file, ours.gateway.config.ca_bundle)
        stats = ours.get_volume_stats(refresh=True)
        self.assertEqual('legacy', stats['volume_backend_name'])
        # No rounding: a size that is not a multiple of 8 GiB is refused.
        volume = self.record(5, 'pd1:sp1', host='cinder-volume@legacy')
        self.assertRaises(exception.InvalidInput, ours.create_volume, volume)

    def test_same_section_read_by_either_driver(self):
        # A drop-in: only volume_driver changes in the section.
        self.load_section(
            'switch', volume_backend_name='switch', san_ip='127.0.0.1',
            san_login='admin', san_password='Scaleio123',
            driver_ssl_cert_verify='True',
            driver_ssl_cert_path=self.sim.ca_file,
            powerflex_storage_pools='pd1:sp1',
            powerflex_rest_server_port=str(self.sim.port))
        pf = self.load_driver('switch', cls=powerflex.PowerFlexDriver)
        ours = self.load_driver('switch')
        self.assertEqual(['pd1:sp1'], pf.storage_pools)
        self.assertEqual(['pd1:sp1'], list(ours.backend.pools))
        volume = self.pf_volume(pf, size=8, host='cinder-volume@switch')
        snap = self.snapshot(volume, create=False)
        self.created(snap, ours.create_snapshot(snap))
        ours.delete_snapshot(snap)
        ours.delete_volume(volume)
        self.assertEqual({}, self.array_names())

    def test_sections_do_not_leak(self):
        self.load_section(
            'pf-raw', volume_backend_name='pf-raw', san_ip='127.0.0.1',
            san_login='admin', san_password='Scaleio123',
            driver_ssl_cert_verify='True',
            driver_ssl_cert_path=self.sim.ca_file,
            powerflex_storage_pools='pd1:sp1',
            powerflex_rest_server_port=str(self.sim.port))
        self.load_section(
            'ours-raw', volume_backend_name='ours-raw', san_ip='127.0.0.1',
            san_login='admin', san_password='Scaleio123',
            scaleio_ca_bundle=self.sim.ca_file,
            scaleio_storage_pools='pd1:sp2',
            scaleio_rest_server_port=str(self.sim.port))
        pf = self.load_driver('pf-raw', cls=powerflex.PowerFlexDriver)
        ours = self.load_driver('ours-raw')
        self.assertEqual(['pd1:sp1'], pf.storage_pools)
        self.assertEqual(['pd1:sp2'], list(ours.backend.pools))
        self.assertIsNone(pf.configuration.safe_get('scaleio_storage_pools'))
        self.assertIsNone(ours.configuration.safe_get(
            'powerflex_storage_pools'))


class TestStockOsBrick(InteropTestCase):
    """os-brick 7.1.1's ScaleIOConnector with our connection_info.

    The compute host has no /opt/emc/scaleio/openstack/connector.conf, as
    with the in-tree driver since it stopped sending the legacy keys: the
    connector must take the ``sdc_guid`` path and only look for the device.
    When the data holds all of hostIP, serverIP, serverPort,
    serverUsername, iopsLimit and bandwidthLimit, os-brick first reads the
    gateway password from that file and fails without it.
    """

    def setUp(self):
        super().setUp()
        # Run os-brick's privileged calls in this process (no sudo, no
        # privsep daemon), as os-brick's own tests do.
        for context in (brick_privileged.default,
                        brick_privileged.brick_privsep_hide_output):
            context.set_client_mode(False)
            self.addCleanup(context.set_client_mode, True)
        self.device_dir = os.path.join(self.sim.host_dir('sdc1'), 'by-id')

    def connector_for(self, device_dir):
        return SimulatedHostConnector(device_dir, root_helper=None,
                                      device_scan_attempts=1)

    def test_connector_finds_our_device(self):
        volume = self.volume(size=8)
        info = self.driver.initialize_connection(volume, self.connector())
        link = 'emc-vol-%s-%s' % (self.sim.mdm.system_id, volume.provider_id)
        self.assertIn(link, os.listdir(self.device_dir))
        brick = self.connector_for(self.device_dir)
        device = brick.connect_volume(info['data'])
        self.assertEqual(os.path.join(self.device_dir, link), device['path'])
        self.assertEqual('block', device['type'])
        self.assertEqual([device['path']],
                         brick.get_volume_paths(info['data']))
        brick.disconnect_volume(info['data'], device)
        self.driver.terminate_connection(volume, self.connector())
        self.assertNotIn(link, os.listdir(self.device_dir))

    def test_connector_finds_our_snapshot_device(self):
        volume = self.volume(size=8)
        snap = self.snapshot(volume)
        info = self.driver.initialize_connection_snapshot(snap,
                                                          self.connector())
        device = self.connector_for(self.device_dir).connect_volume(
            info['data'])
        self.assertTrue(device['path'].endswith(snap.provider_id))
        self.driver.terminate_connection_snapshot(snap, self.connector())

    def test_powerflex_connection_info_for_comparison(self):
        # The in-tree driver's connection_info (the shape stock os-brick
        # is used with) finds the same device.
        pf = self.make_powerflex()
        volume = self.volume(size=8)
        info = pf.initialize_connection(volume, self.connector())
        device = self.connector_for(self.device_dir).connect_volume(
            info['data'])
        self.assertTrue(device['path'].endswith(volume.provider_id))
        pf.terminate_connection(volume, self.connector())
