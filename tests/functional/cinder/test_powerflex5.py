"""PowerFlex 5.x: our driver on a system with mirrored and erasure-coded
(EC) protection domains.

The generation is read per domain at set-up (one query for all domains).
EC pools hold exact sizes (a 1 GiB volume is 1 GiB on the array), take
snapshots and clones through ``createSnapshot`` and ``createThinClone``,
and report capacity from the dtapi metrics query; mirrored pools on the
same 5.x system keep the 8 GiB rules and ``snapshotVolumes``.
"""

import ddt

from cinder import exception
from cinder import objects
from cinder.objects import fields
from cinder.volume import group_types
from scaleio_client import sizes
from tests.support import cinder as support

MIXED = {
    'protection_domains': [
        {'name': 'mirror', 'storage_pools': [{'name': 'mg'}]},
        {'name': 'ec', 'generation': 'EC',
         'storage_pools': [{'name': 'ecp', 'capacity_gib': 512}]},
    ],
    'sdcs': [{'name': 'sdc1', 'guid': support.SDC1_GUID}],
}
EC = 'ec:ecp'
MIRROR = 'mirror:mg'
SNAPSHOT_CALL = 'POST /api/instances/System/action/%s'


@ddt.ddt
class TestPowerFlex5(support.DriverTestCase):

    simulator_options = {'tls': True, 'api_version': '5.0',
                         'topology': MIXED}
    pools = '%s,%s' % (MIRROR, EC)

    def array_gib(self, obj):
        return self.array_volume(obj).size_kib // sizes.KIB_PER_GIB

    def calls(self, before):
        return {k for k in self.requests_since(before)
                if k.startswith('POST /api/instances/System/action/')}

    def test_the_generation_of_each_pool_is_known(self):
        self.assertTrue(self.driver.backend.erasure_coded(EC))
        self.assertFalse(self.driver.backend.erasure_coded(MIRROR))

    @ddt.data((EC, 1, 1), (EC, 10, 10), (MIRROR, 1, 8), (MIRROR, 10, 16))
    @ddt.unpack
    def test_sizes(self, pool, size, array_gib):
        volume = self.volume(size, pool=pool)
        self.assertEqual(array_gib, self.array_gib(volume))

    def test_ec_extend_is_exact(self):
        volume = self.volume(1, pool=EC)
        self.driver.extend_volume(volume, 2)
        self.assertEqual(2, self.array_gib(volume))

    def test_ec_snapshots_and_clones_use_the_5x_calls(self):
        volume = self.volume(1, pool=EC)
        before = self.sim.log.counters()
        snapshot = self.snapshot(volume)
        self.assertEqual({SNAPSHOT_CALL % 'createSnapshot'},
                         self.calls(before))
        before = self.sim.log.counters()
        clone = self.volume(3, pool=EC, create=False)
        clone.update(self.driver.create_volume_from_snapshot(clone,
                                                             snapshot))
        self.assertEqual({SNAPSHOT_CALL % 'createThinClone'},
                         self.calls(before))
        self.assertEqual(3, self.array_gib(clone))
        self.assertEqual('ThinProvisioned',
                         self.array_volume(clone).volume_type)

    def test_mirrored_pools_keep_snapshot_volumes(self):
        volume = self.volume(8, pool=MIRROR)
        before = self.sim.log.counters()
        self.snapshot(volume)
        self.assertEqual({SNAPSHOT_CALL % 'snapshotVolumes'},
                         self.calls(before))

    def test_ec_capacity_comes_from_the_metrics(self):
        self.volume(3, pool=EC)
        before = self.sim.log.counters()
        stats = self.driver.get_volume_stats(refresh=True)
        pools = {p['pool_name']: p for p in stats['pools']}
        self.assertEqual(512, pools[EC]['total_capacity_gb'])
        self.assertEqual(3, pools[EC]['provisioned_capacity_gb'])
        self.assertEqual(1024, pools[MIRROR]['total_capacity_gb'])
        self.assertEqual(1, self.requests_since(before).get(
            'POST /dtapi/rest/v1/metrics/query'))

    def test_a_group_snapshot_cannot_mix_generations(self):
        group_type = group_types.create(
            self.context, 'cg', {'consistent_group_snapshot_enabled':
                                 '<is> True'})
        vt = self.volume_type('thin', {'provisioning:type': 'thin'})
        group = objects.Group(
            self.context, group_type_id=group_type['id'],
            volume_type_ids=[vt.id], host=support.HOST, name='g',
            status=fields.GroupStatus.AVAILABLE, project_id='project',
            user_id='user', availability_zone='nova')
        group.create()
        members = [self.volume(8, pool=pool, volume_type=vt,
                               group_id=group.id) for pool in (EC, MIRROR)]
        group_snapshot = objects.GroupSnapshot(
            self.context, group_id=group.id, group_type_id=group_type['id'],
            name='gs', status='creating', project_id='project',
            user_id='user')
        group_snapshot.create()
        snapshots = [self.snapshot(v, create=False) for v in members]
        self.assertRaises(exception.InvalidGroup,
                          self.driver.create_group_snapshot, self.context,
                          group_snapshot, snapshots)
