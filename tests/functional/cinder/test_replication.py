"""Replication v2.1 across two simulated systems.

The primary is the default system; the target (``replication_device``
backend_id ``site-b``) its peer, with the same pools and hosts. Data
written on the primary reaches the target on a sync (the simulator's
asynchronous copy); after a failover the driver works through the target
and attaches map there; a failback brings the data home.
"""

import concurrent.futures
import os
import socket

from cinder import context as cinder_context
from cinder import exception
from cinder import objects
from cinder.objects import fields
from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from cinder.volume import group_types
from cinder.volume import volume_types
from scaleio_cinder import driver as scaleio_driver
from scaleio_cinder import replication
from scaleio_client import names
from scaleio_sim import topology
from tests.support import cinder as support
from tests.support import common

SITE_B = 'site-b'
MiB = common.BYTES_PER_MIB


class ReplicationTestCase(support.DriverTestCase):

    def setUp(self):
        self.peer = None
        super().setUp()

    def make_driver(self, group, pools, setup=True, **overrides):
        if self.peer is None:
            self.peer = self.useFixture(common.SimulatorFixture(
                tls=True, topology=topology.peer_default(
                    hosts_dir=self.sim.hosts_dir))).sim
            self.sim.peer_with(self.peer)
        if 'replication_device' not in overrides:
            overrides['replication_device'] = [self.device()]
        return super().make_driver(group, pools, setup, **overrides)

    def device(self, **extra):
        return dict({'backend_id': SITE_B, 'san_ip': '127.0.0.1',
                     'san_login': common.USERNAME,
                     'san_password': common.PASSWORD,
                     'scaleio_rest_server_port': str(self.peer.port),
                     'scaleio_ca_bundle': self.peer.ca_file}, **extra)

    def replicated_type(self, name='replicated', **extra):
        return self.volume_type(name, dict(
            {'replication_enabled': '<is> True',
             'provisioning:type': 'thin'}, **extra))

    def peer_volume(self, name):
        with self.peer.mdm.lock:
            for v in self.peer.mdm.volumes.values():
                if v.name == name:
                    return v
        return None

    def device_path(self, sim, volume_id):
        return os.path.join(self.sim.host_dir('sdc1'), 'by-id',
                            'emc-vol-%s-%s' % (sim.mdm.system_id, volume_id))

    def write(self, driver, volume, sim, data, offset=MiB):
        driver.initialize_connection(volume, self.connector())
        with open(self.device_path(sim, volume.provider_id), 'r+b') as f:
            f.seek(offset)
            f.write(data)
        driver.terminate_connection(volume, self.connector())

    def read(self, driver, volume, sim, size, offset=MiB):
        driver.initialize_connection(volume, self.connector())
        with open(self.device_path(sim, volume.provider_id), 'rb') as f:
            f.seek(offset)
            data = f.read(size)
        driver.terminate_connection(volume, self.connector())
        return data

    def apply(self, updates):
        for entry in updates:
            volume = [v for v in self.made if v.id == entry['volume_id']][0]
            volume.update(entry['updates'])
            volume.save()


class TestReplicatedVolumes(ReplicationTestCase):

    def test_a_replicated_volume_has_a_twin_of_its_name_in_an_rcg(self):
        volume = self.volume(8, volume_type=self.replicated_type(),
                             create=False)
        update = self.driver.create_volume(volume)
        self.assertEqual(fields.ReplicationStatus.ENABLED,
                         update['replication_status'])
        twin = self.peer_volume(names.id_to_name(volume.id))
        self.assertIsNotNone(twin)
        with self.sim.mdm.lock:
            [pair] = self.sim.mdm.pairs.values()
            rcg = self.sim.mdm.rcgs[pair.rcg_id]
        self.assertEqual((update['provider_id'], twin.id),
                         (pair.local_volume_id, pair.remote_volume_id))
        self.assertEqual(replication.rcg_name(volume.volume_type_id, 'pd1'),
                         rcg.name)
        self.assertLessEqual(len(rcg.name), 31)

    def test_volumes_of_one_type_share_the_rcg(self):
        vt = self.replicated_type()
        self.volume(8, volume_type=vt)
        self.volume(8, volume_type=vt)
        with self.sim.mdm.lock:
            self.assertEqual(1, len(self.sim.mdm.rcgs))
            self.assertEqual(2, len(self.sim.mdm.pairs))

    def test_first_volumes_on_two_services_at_once_make_one_rcg(self):
        # Active-active: two services (two drivers of one backend) create
        # the first volumes of a type together; the RCG is made once.
        vt = self.replicated_type()
        other = self.make_driver(support.BACKEND, self.pools)
        volumes = [self.volume(8, volume_type=vt, create=False)
                   for _ in range(4)]
        drivers = [self.driver, other] * 2
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            updates = list(pool.map(lambda dv: dv[0].create_volume(dv[1]),
                                    zip(drivers, volumes)))
        self.assertEqual(4, len([u for u in updates if u['provider_id']]))
        with self.sim.mdm.lock:
            self.assertEqual(1, len(self.sim.mdm.list(
                'ReplicationConsistencyGroup')))

    def test_an_rcg_named_by_the_in_tree_key_must_exist(self):
        vt = self.replicated_type(**{'powerflex:replication_cg': 'nope'})
        volume = self.volume(8, volume_type=vt, create=False)
        self.assertRaises(exception.InvalidVolumeType,
                          self.driver.create_volume, volume)
        with self.sim.mdm.lock, self.peer.mdm.lock:
            self.assertEqual([], list(self.sim.mdm.volumes))
            self.assertEqual([], list(self.peer.mdm.volumes))

    def test_a_clone_of_a_replicated_volume_is_replicated(self):
        vt = self.replicated_type()
        source = self.volume(8, volume_type=vt)
        clone = self.volume(16, volume_type=vt, create=False)
        clone.update(self.driver.create_cloned_volume(clone, source))
        twin = self.peer_volume(names.id_to_name(clone.id))
        self.assertEqual(16 * 1024 * 1024, twin.size_kib)

    def test_extend_grows_the_twin_first(self):
        volume = self.volume(8, volume_type=self.replicated_type())
        self.driver.extend_volume(volume, 20)
        self.assertEqual(24 * 1024 * 1024, self.peer_volume(
            names.id_to_name(volume.id)).size_kib)
        self.assertEqual(24 * 1024 * 1024,
                         self.array_volume(volume).size_kib)

    def test_delete_removes_the_pair_and_the_twin(self):
        volume = self.volume(8, volume_type=self.replicated_type())
        self.driver.delete_volume(volume)
        with self.sim.mdm.lock, self.peer.mdm.lock:
            self.assertEqual({}, self.sim.mdm.pairs)
            self.assertEqual({}, self.peer.mdm.pairs)
            self.assertEqual({}, self.sim.mdm.volumes)
            self.assertEqual({}, self.peer.mdm.volumes)

    def test_stats_say_where_volumes_replicate(self):
        stats = self.driver.get_volume_stats(refresh=True)
        for entry in [stats] + stats['pools']:
            self.assertIs(True, entry['replication_enabled'])
            self.assertEqual([SITE_B], entry['replication_targets'])


class TestFailover(ReplicationTestCase):

    def setUp(self):
        super().setUp()
        vt = self.replicated_type()
        self.made = [self.volume(8, volume_type=vt) for _ in range(3)]
        self.plain = self.volume(8)

    def test_failover_and_failback_keep_the_data(self):
        volume = self.made[0]
        self.write(self.driver, volume, self.sim, b'written on site A')
        self.sim.sync_replication()
        old_ids = [v.provider_id for v in self.made]

        active, updates, _ = self.driver.failover_host(
            self.context, self.made + [self.plain], SITE_B)
        self.assertEqual(SITE_B, active)
        self.apply(updates)
        self.assertEqual(3, len(updates))      # the plain volume untouched
        for v, old in zip(self.made, old_ids):
            self.assertEqual(fields.ReplicationStatus.FAILED_OVER,
                             v.replication_status)
            self.assertEqual(self.peer_volume(names.id_to_name(v.id)).id,
                             v.provider_id)
            self.assertNotEqual(old, v.provider_id)
        # Attaches now map on site B, and say so.
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertIs(True, info['data']['failed_over'])
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual(b'written on site A',
                         self.read(self.driver, volume, self.peer, 17))
        self.write(self.driver, volume, self.peer, b'written on site B')
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertIs(False, stats['replication_enabled'])
        self.assertEqual(SITE_B, stats['active_backend_id'])

        active, updates, _ = self.driver.failover_host(
            self.context, self.made, 'default')
        self.assertEqual('default', active)
        self.apply(updates)
        self.assertEqual(old_ids, [v.provider_id for v in self.made])
        self.assertEqual(b'written on site B',
                         self.read(self.driver, volume, self.sim, 17))
        self.assertIs(True, self.driver.get_volume_stats(
            refresh=True)['replication_enabled'])

    def test_failback_unmaps_what_was_mapped_before_the_failover(self):
        # Attached on site A, failed over with the attachment (its detach
        # then reached site B only): the array restores a group only when
        # its source volumes are unmapped.
        volume = self.made[0]
        self.driver.initialize_connection(volume, self.connector())
        first_id = volume.provider_id
        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  SITE_B)
        self.apply(updates)
        self.driver.terminate_connection(volume, self.connector())
        with self.sim.mdm.lock:
            self.assertTrue(self.sim.mdm.volumes[first_id].mappings)
        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  'default')
        self.apply(updates)
        self.assertEqual([fields.ReplicationStatus.ENABLED] * 3,
                         [v.replication_status for v in self.made])
        with self.sim.mdm.lock:
            self.assertEqual([], self.sim.mdm.volumes[first_id].mappings)

    def test_a_volume_that_cannot_move_fails_alone(self):
        # Its pair was removed on the array behind Cinder's back.
        broken = self.made[1]
        with self.sim.mdm.lock, self.peer.mdm.lock:
            pair = self.sim.mdm.pair_of(broken.provider_id)
            del self.sim.mdm.pairs[pair.id]
            del self.peer.mdm.pairs[pair.remote_id]
        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  SITE_B)
        by_id = {u['volume_id']: u['updates'] for u in updates}
        self.assertEqual({'replication_status':
                          fields.ReplicationStatus.FAILOVER_ERROR},
                         by_id[broken.id])
        for v in (self.made[0], self.made[2]):
            self.assertEqual(fields.ReplicationStatus.FAILED_OVER,
                             by_id[v.id]['replication_status'])

    def test_an_unknown_target_is_refused(self):
        self.assertRaises(exception.InvalidReplicationTarget,
                          self.driver.failover_host, self.context,
                          self.made, 'site-c')

    def test_a_restarted_service_works_through_the_target(self):
        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  SITE_B)
        self.apply(updates)
        # As cinder-volume loads the driver of a failed-over backend.
        driver = scaleio_driver.ScaleIODriver(
            configuration=configuration.Configuration(
                cinder_driver.volume_opts, config_group=support.BACKEND),
            host=support.HOST, active_backend_id=SITE_B)
        driver.do_setup(self.context)
        driver.check_for_setup_error()
        self.addCleanup(driver.gateway.close)
        volume = self.made[2]
        driver.initialize_connection(volume, self.connector())
        with self.peer.mdm.lock:
            self.assertEqual(1, len(
                self.peer.mdm.volumes[volume.provider_id].mappings))
        driver.terminate_connection(volume, self.connector())

    def test_active_active_failover_then_failback_completed(self):
        # Cinder's manager drives a clustered backend with failover and
        # failover_completed; after a failback it passes the service's
        # active_backend_id, which is then ''.
        active, updates, _ = self.driver.failover(self.context, self.made,
                                                  SITE_B)
        self.driver.failover_completed(self.context, active)
        self.apply(updates)
        volume = self.made[0]
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertIs(True, info['data']['failed_over'])
        self.driver.terminate_connection(volume, self.connector())
        active, updates, _ = self.driver.failover(self.context, self.made,
                                                  'default')
        self.apply(updates)
        self.driver.failover_completed(self.context, '')
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertFalse(info['data']['failed_over'])
        self.driver.terminate_connection(volume, self.connector())


class TestConfiguration(ReplicationTestCase):

    def test_a_device_without_credentials_is_refused_by_name(self):
        error = self.assertRaises(
            exception.InvalidConfigurationValue, self.make_driver, 'bad',
            'pd1:sp1', replication_device=[self.device(san_password='')])
        self.assertIn('replication_device', str(error))
        self.assertIn(SITE_B, str(error))
        self.assertIn('san_password', str(error))

    def test_a_missing_ca_file_is_refused_by_name(self):
        error = self.assertRaises(
            exception.InvalidConfigurationValue, self.make_driver, 'noca',
            'pd1:sp1', replication_device=[self.device(
                scaleio_ca_bundle='/nonexistent/site-b-ca.pem')])
        self.assertIn('replication_device', str(error))
        self.assertIn('/nonexistent/site-b-ca.pem', str(error))

    def test_the_in_tree_keys_configure_a_device(self):
        device = self.device()
        del device['scaleio_rest_server_port'], device['scaleio_ca_bundle']
        device.update(powerflex_rest_server_port=str(self.peer.port),
                      driver_ssl_cert_path=self.peer.ca_file)
        driver = self.make_driver('intree', 'pd1:sp1',
                                  replication_device=[device])
        self.assertEqual(self.peer.api_url,
                         driver.replication.targets[SITE_B].config.base_url)


class TestRetype(ReplicationTestCase):
    """Into and out of a replicated type, on the array, no host copy."""

    def retype(self, volume, new_type):
        ctxt = cinder_context.get_admin_context()
        new = volume_types.get_volume_type(ctxt, new_type.id)
        diff, _ = volume_types.volume_types_diff(
            ctxt, volume.volume_type_id, new_type.id)
        return self.driver.retype(ctxt, volume, new, diff,
                                  {'host': volume.host})

    def test_into_a_replicated_type_pairs_the_volume(self):
        volume = self.volume(8, volume_type=self.volume_type(
            'plain', {'provisioning:type': 'thin'}))
        vt = self.replicated_type()
        self.assertEqual((True, {'replication_status': 'enabled'}),
                         self.retype(volume, vt))
        self.assertIsNotNone(self.peer_volume(names.id_to_name(volume.id)))
        with self.sim.mdm.lock:
            self.assertIsNotNone(self.sim.mdm.pair_of(volume.provider_id))

    def test_out_of_a_replicated_type_unpairs_it(self):
        volume = self.volume(8, volume_type=self.replicated_type())
        plain = self.volume_type('plain', {'provisioning:type': 'thin'})
        self.assertEqual((True, {'replication_status': 'disabled'}),
                         self.retype(volume, plain))
        self.assertIsNone(self.peer_volume(names.id_to_name(volume.id)))
        with self.sim.mdm.lock:
            self.assertEqual({}, self.sim.mdm.pairs)
        self.assertEqual(volume.provider_id, self.array_volume(volume).id)

    def test_between_replicated_types_of_one_rcg_nothing_moves(self):
        one = self.replicated_type(
            'one', **{'scaleio:replication_cg': 'shared'})
        other = self.replicated_type(
            'other', **{'powerflex:replication_cg': 'shared'})
        gateway = self.driver.replication.primary
        target = self.driver.replication.targets[SITE_B]
        gateway.create_replication_group(
            'shared', gateway.protection_domain_id('pd1'),
            target.protection_domain_id('pd1'), target.system_id())
        volume = self.volume(8, volume_type=one)
        with self.sim.mdm.lock:
            [before] = self.sim.mdm.pairs
        self.assertEqual((True, None), self.retype(volume, other))
        with self.sim.mdm.lock:
            self.assertEqual([before], list(self.sim.mdm.pairs))


class TestDropIn(ReplicationTestCase):
    """What the in-tree driver replicated, ours fails over and deletes."""

    def test_in_tree_replicated_volumes_after_the_switch(self):
        gateway = self.driver.replication.primary
        target = self.driver.replication.targets[SITE_B]
        gateway.create_replication_group(
            'legacy-rcg', gateway.protection_domain_id('pd1'),
            target.protection_domain_id('pd1'), target.system_id())
        vt = self.replicated_type(**{'powerflex:replication_cg':
                                     'legacy-rcg'})
        device = self.device()
        del device['scaleio_rest_server_port'], device['scaleio_ca_bundle']
        device.update(powerflex_rest_server_port=str(self.peer.port),
                      driver_ssl_cert_verify='True',
                      driver_ssl_cert_path=self.peer.ca_file)
        pf = self.make_powerflex('pf', 'pd1:sp1',
                                 replication_device=[device])
        self.made = []
        for _ in range(2):
            volume = self.record(8, 'pd1:sp1', vt)
            self.made.append(self.created(volume, pf.create_volume(volume)))
        self.write(self.driver, self.made[0], self.sim, b'in-tree data')
        self.sim.sync_replication()

        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  SITE_B)
        self.apply(updates)
        self.assertEqual(['failed-over'] * 2,
                         [v.replication_status for v in self.made])
        self.assertEqual(b'in-tree data',
                         self.read(self.driver, self.made[0], self.peer, 12))
        _, updates, _ = self.driver.failover_host(self.context, self.made,
                                                  'default')
        self.apply(updates)
        for volume in self.made:
            self.driver.delete_volume(volume)
        with self.sim.mdm.lock, self.peer.mdm.lock:
            self.assertEqual({}, self.sim.mdm.volumes)
            self.assertEqual({}, self.peer.mdm.volumes)


class TestGroupReplication(ReplicationTestCase):
    """One RCG per replicated group: its members fail over together."""

    def setUp(self):
        super().setUp()
        self.vt = self.replicated_type()
        group_type = group_types.create(
            self.context, 'replicated-group',
            {'consistent_group_replication_enabled': '<is> True'})
        self.group = objects.Group(
            self.context, group_type_id=group_type['id'],
            volume_type_ids=[self.vt.id], host=support.HOST, name='g',
            status=fields.GroupStatus.AVAILABLE, project_id='project',
            user_id='user', availability_zone='nova')
        self.group.create()
        self.made = [self.volume(8, volume_type=self.vt,
                                 group_id=self.group.id) for _ in range(2)]
        self.outsider = self.volume(8, volume_type=self.vt)

    def rcg_of(self, volume):
        with self.sim.mdm.lock:
            pair = self.sim.mdm.pair_of(volume.provider_id)
            return self.sim.mdm.rcgs[pair.rcg_id].name

    def apply_group(self, updates):
        for entry in updates:
            volume = [v for v in self.made if v.id == entry['id']][0]
            volume.update({k: v for k, v in entry.items() if k != 'id'})
            volume.save()

    def test_members_replicate_in_the_groups_rcg(self):
        self.assertEqual([replication.group_rcg_name(self.group.id)] * 2,
                         [self.rcg_of(v) for v in self.made])
        self.assertNotEqual(self.rcg_of(self.made[0]),
                            self.rcg_of(self.outsider))

    def test_enable_disable_enable(self):
        update, volumes = self.driver.enable_replication(
            self.context, self.group, self.made)
        self.assertEqual('enabled', update['replication_status'])
        update, _ = self.driver.disable_replication(self.context,
                                                    self.group, self.made)
        self.assertEqual('disabled', update['replication_status'])
        with self.sim.mdm.lock:
            self.assertTrue(all(r.paused for r in self.sim.mdm.rcgs.values()
                                if r.name == self.rcg_of(self.made[0])))
        self.driver.enable_replication(self.context, self.group, self.made)
        with self.sim.mdm.lock:
            self.assertFalse(any(r.paused
                                 for r in self.sim.mdm.rcgs.values()))

    def test_the_group_fails_over_alone_and_its_members_follow(self):
        self.write(self.driver, self.made[0], self.sim, b'group data')
        self.sim.sync_replication()
        update, volumes = self.driver.failover_replication(
            self.context, self.group, self.made, SITE_B)
        self.assertEqual('failed-over', update['replication_status'])
        self.apply_group(volumes)
        # The group's volume is served by site B, the backend still by A.
        info = self.driver.initialize_connection(self.made[0],
                                                 self.connector())
        self.assertIs(True, info['data']['failed_over'])
        with self.peer.mdm.lock:
            self.assertEqual(1, len(self.peer.mdm.volumes[
                self.made[0].provider_id].mappings))
        self.driver.terminate_connection(self.made[0], self.connector())
        self.assertEqual(b'group data',
                         self.read(self.driver, self.made[0], self.peer, 10))
        info = self.driver.initialize_connection(self.outsider,
                                                 self.connector())
        self.assertIs(False, info['data']['failed_over'])
        self.driver.terminate_connection(self.outsider, self.connector())

        update, volumes = self.driver.failover_replication(
            self.context, self.group, self.made, 'default')
        self.assertEqual('enabled', update['replication_status'])
        self.apply_group(volumes)
        with self.sim.mdm.lock:
            self.assertIn(self.made[0].provider_id, self.sim.mdm.volumes)

    def test_a_group_that_does_not_replicate_is_not_ours(self):
        group_type = group_types.create(self.context, 'plain-group', {})
        group = objects.Group(
            self.context, group_type_id=group_type['id'],
            volume_type_ids=[self.vt.id], host=support.HOST, name='p',
            status=fields.GroupStatus.AVAILABLE, project_id='project',
            user_id='user', availability_zone='nova')
        group.create()
        self.assertRaises(NotImplementedError, self.driver.enable_replication,
                          self.context, group, [])


class TestTargetDown(ReplicationTestCase):

    def test_the_backend_starts_while_its_target_is_down(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            nobody = s.getsockname()[1]     # nothing listens there
        driver = self.make_driver('started', 'pd1:sp1',
                                  scaleio_rest_retries=0,
                                  replication_device=[self.device(
                                      scaleio_rest_server_port=str(nobody))])
        volume = self.volume(8, create=False)
        volume.host = 'cinder-volume@started#pd1:sp1'
        volume.update(driver.create_volume(volume))
        self.assertEqual(volume.provider_id, self.array_volume(volume).id)
