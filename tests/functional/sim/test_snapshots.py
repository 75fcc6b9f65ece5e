"""Snapshots (and Cinder's clones), the vTree snapshot limit, and revert."""

import os

import ddt

from scaleio_client import sizes
from scaleio_sim import errors
from tests.functional.sim import base

SNAPSHOT = '/instances/System/action/snapshotVolumes'
UNKNOWN_ID = '0123456789abcdef'
# FineGranularity pools do not exist before 3.0, so a 2.0 gateway gets a
# system with a medium-granularity pool only.
API_2_0 = {'api_version': '2.0', 'topology': {'protection_domains': [
    {'name': 'pd1', 'storage_pools': [{'name': 'sp1'}]}]}}


class SnapshotTestCase(base.SimulatorTestCase):

    def snapshot_volumes(self, *definitions, path=SNAPSHOT, **extra):
        body = {'snapshotDefs': [
            d if isinstance(d, dict) else {'volumeId': d}
            for d in definitions]}
        body.update(extra)
        return self.gw.post(path, body)

    def volume_ids(self):
        return sorted(v['id'] for v in self.gw.ok_get('/types/Volume/'
                                                      'instances'))

    def vtree_statistics(self, vtree_id):
        return self.gw.ok_get('/instances/VTree::%s/relationships/Statistics'
                              % vtree_id)

    def system_id(self):
        return self.gw.ok_get('/types/System/instances')[0]['id']


@ddt.ddt
class TestSnapshotVolumes(SnapshotTestCase):

    @ddt.data('/instances/System/action/snapshotVolumes',
              '/instances/System::%(system)s/action/snapshotVolumes')
    def test_both_paths_take_a_snapshot(self, path):
        source = self.gw.create_volume('vol1')
        r = self.snapshot_volumes(source, path=path % {
            'system': self.system_id()})
        snapshot_id, = self.gw.ok(r)['volumeIdList']
        self.assertEqual(source,
                         self.gw.volume(snapshot_id)['ancestorVolumeId'])

    def test_another_system_id_in_the_path_is_refused(self):
        source = self.gw.create_volume('vol1')
        r = self.snapshot_volumes(source, path='/instances/System::'
                                  'fedcba9876543210/action/snapshotVolumes')
        self.assertGatewayError(r, 500, errors.OBJECT_NOT_FOUND)
        self.assertEqual([source], self.volume_ids())

    def test_response_lists_new_ids_in_snapshot_defs_order(self):
        sources = [self.gw.create_volume(n) for n in ('a', 'b', 'c')]
        order = [sources[2], sources[0], sources[1]]
        body = self.gw.ok(self.snapshot_volumes(
            *[{'volumeId': v, 'snapshotName': 'snap-of-%s' % v[-4:]}
              for v in order]))
        self.assertEqual({'volumeIdList', 'snapshotGroupId'}, set(body))
        self.assertRegex(body['snapshotGroupId'], r'^[0-9a-f]{16}$')
        snapshots = [self.gw.volume(i) for i in body['volumeIdList']]
        self.assertEqual(order, [s['ancestorVolumeId'] for s in snapshots])
        self.assertEqual(['snap-of-%s' % v[-4:] for v in order],
                         [s['name'] for s in snapshots])

    def test_snapshot_is_an_unmapped_copy_in_the_source_vtree(self):
        source_id = self.gw.create_volume('vol1', size_gib=24)
        self.gw.map(source_id)
        body = self.gw.ok(self.snapshot_volumes(
            {'volumeId': source_id, 'snapshotName': 'snap1'}))
        source = self.gw.volume(source_id)
        snapshot = self.gw.volume(body['volumeIdList'][0])
        self.assertEqual('Snapshot', snapshot['volumeType'])
        self.assertEqual('snap1', snapshot['name'])
        self.assertEqual(source['vtreeId'], snapshot['vtreeId'])
        self.assertEqual(source_id, snapshot['ancestorVolumeId'])
        self.assertEqual(24 * sizes.KIB_PER_GIB, snapshot['sizeInKb'])
        self.assertEqual(source['storagePoolId'], snapshot['storagePoolId'])
        self.assertIsNone(snapshot['mappedSdcInfo'])
        self.assertEqual(body['snapshotGroupId'],
                         snapshot['consistencyGroupId'])
        self.assertIsNotNone(source['mappedSdcInfo'])

    def test_snapshot_takes_the_current_size_of_an_extended_source(self):
        source = self.gw.create_volume('vol1', size_gib=8)
        self.gw.ok(self.gw.action(source, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        snapshot = self.gw.snapshot(source)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.gw.volume(snapshot)['sizeInKb'])

    def test_several_volumes_in_one_call_share_one_group(self):
        first = self.gw.create_volume('vol1')
        second = self.gw.create_volume('vol2')
        body = self.gw.ok(self.snapshot_volumes(first, second))
        groups = {self.gw.volume(i)['consistencyGroupId']
                  for i in body['volumeIdList']}
        self.assertEqual({body['snapshotGroupId']}, groups)
        later = self.gw.ok(self.snapshot_volumes(first))
        self.assertNotEqual(body['snapshotGroupId'], later['snapshotGroupId'])

    @ddt.unpack
    @ddt.data(
        ('unknown volume', {'volumeId': UNKNOWN_ID}, 500, 79),
        ('missing volume', {'snapshotName': 'lost'}, 400, 0),
        ('name in use', {'volumeId': 'vol2', 'snapshotName': 'vol1'},
         500, 99),
        ('name in the same call', {'volumeId': 'vol2',
                                   'snapshotName': 'first'}, 500, 99),
        ('name too long', {'volumeId': 'vol2', 'snapshotName': 's' * 32},
         500, 226),
        ('bad name', {'volumeId': 'vol2', 'snapshotName': 'a b'},
         500, errors.INVALID_NAME),
    )
    def test_one_bad_def_fails_the_whole_call(self, case, bad, status, code):
        first = self.gw.create_volume('vol1')
        second = self.gw.create_volume('vol2')
        if bad.get('volumeId') == 'vol2':
            bad = dict(bad, volumeId=second)
        r = self.snapshot_volumes({'volumeId': first, 'snapshotName': 'first'},
                                  bad)
        self.assertGatewayError(r, status, code)
        self.assertEqual(sorted([first, second]), self.volume_ids())

    @ddt.data({}, {'snapshotDefs': []}, {'snapshotDefs': 'vol1'},
              {'snapshotDefs': ['0123456789abcdef']})
    def test_malformed_body_is_a_bad_request(self, body):
        source = self.gw.create_volume('vol1')
        self.assertGatewayError(self.gw.post(SNAPSHOT, body), 400, 0)
        self.assertEqual([source], self.volume_ids())

    def test_snapshot_of_a_snapshot_stays_in_the_vtree(self):
        source = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(source, 'snap1')
        grandchild = self.gw.volume(self.gw.snapshot(snapshot, 'snap1a'))
        vtree_id = self.gw.volume(source)['vtreeId']
        self.assertEqual(vtree_id, grandchild['vtreeId'])
        self.assertEqual(snapshot, grandchild['ancestorVolumeId'])
        members = self.gw.ok_get('/instances/VTree::%s/relationships/Volume'
                                 % vtree_id)
        self.assertEqual({'vol1', 'snap1', 'snap1a'},
                         {v['name'] for v in members})

    def test_snapshot_is_a_normal_volume(self):
        snapshot = self.gw.snapshot(self.gw.create_volume('vol1'), 'snap1')
        self.gw.map(snapshot)
        self.gw.ok(self.gw.action(snapshot, 'setVolumeName',
                                  {'newName': 'renamed'}))
        self.assertEqual('renamed', self.gw.volume(snapshot)['name'])
        self.assertEqual(snapshot, self.gw.volume(
            self.gw.snapshot(snapshot))['ancestorVolumeId'])

    def test_read_only_snapshot_keeps_its_access_mode_limit(self):
        source = self.gw.create_volume('vol1')
        body = self.gw.ok(self.snapshot_volumes(source,
                                                accessModeLimit='ReadOnly'))
        snapshot = self.gw.volume(body['volumeIdList'][0])
        self.assertEqual('ReadOnly', snapshot['accessModeLimit'])
        self.assertEqual('ReadWrite',
                         self.gw.volume(source)['accessModeLimit'])


class TestVTreeLimit(SnapshotTestCase):
    """API 3.x: 126 snapshots per vTree; the base volume is not counted."""

    limit = 126

    def fill(self, volume_id, count, per_call=42):
        """Take ``count`` snapshots of a volume, several per call."""
        taken = []
        while len(taken) < count:
            n = min(per_call, count - len(taken))
            taken += self.gw.ok(self.snapshot_volumes(
                *[volume_id] * n))['volumeIdList']
        return taken

    def assertVTreeFull(self, response):
        body = self.assertGatewayError(response, 500, 0)
        self.assertEqual('Error with details', body['message'])
        self.assertEqual(182, body['details'][0]['rc'])

    def test_the_snapshot_past_the_limit_fails_with_rc_182(self):
        source = self.gw.create_volume('vol1')
        vtree_id = self.gw.volume(source)['vtreeId']
        self.assertEqual(self.limit, len(self.fill(source, self.limit)))
        self.assertVTreeFull(self.snapshot_volumes(source))
        statistics = self.vtree_statistics(vtree_id)
        self.assertEqual(self.limit + 1, statistics['numOfVolumes'])
        self.assertEqual(self.limit, statistics['numOfSnapshots'])

    def test_snapshots_of_snapshots_count_against_the_same_vtree(self):
        source = self.gw.create_volume('vol1')
        taken = self.fill(source, self.limit - 1)
        self.gw.snapshot(taken[0])
        self.assertVTreeFull(self.snapshot_volumes(taken[-1]))

    def test_a_call_that_would_pass_the_limit_creates_nothing(self):
        source = self.gw.create_volume('vol1')
        other = self.gw.create_volume('vol2')
        self.fill(source, self.limit - 5)
        before = self.volume_ids()
        self.assertVTreeFull(self.snapshot_volumes(other, *[source] * 6))
        self.assertEqual(before, self.volume_ids())
        self.gw.ok(self.snapshot_volumes(other, *[source] * 5))

    def test_removing_a_snapshot_frees_one_slot(self):
        source = self.gw.create_volume('vol1')
        taken = self.fill(source, self.limit)
        self.gw.ok(self.gw.action(taken[7], 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.gw.snapshot(source)
        self.assertVTreeFull(self.snapshot_volumes(source))

    def test_the_limit_is_per_vtree(self):
        full = self.gw.create_volume('full')
        self.fill(full, self.limit)
        other = self.gw.create_volume('other')
        self.gw.snapshot(other)


class TestVTreeLimitApi20(TestVTreeLimit):
    """API 2.0: 31 snapshots (the 1.x/2.0 limit, counted per vTree)."""

    simulator_options = API_2_0
    limit = 31


class TestDefaultSystemApi20(SnapshotTestCase):
    """The documented default system, started as a 2.0 gateway."""

    simulator_options = {'api_version': '2.0'}

    def test_default_system_takes_snapshots_on_api_2_0(self):
        source = self.gw.create_volume('vol1', pool='sp1')
        snapshot = self.gw.snapshot(source)
        self.assertEqual(source,
                         self.gw.volume(snapshot)['ancestorVolumeId'])


class TestRevert(SnapshotTestCase):
    """overwriteVolumeContent: the volume's content becomes a snapshot's."""

    def device(self, volume_id, sdc='sdc1'):
        """The volume's device link on an SDC host it is mapped to."""
        for host in self.gw.session.get(self.sim.url + '/sim/sdcs').json():
            if host['name'] == sdc:
                return os.path.join(host['device_dir'], 'emc-vol-%s-%s'
                                    % (self.system_id(), volume_id))
        raise KeyError(sdc)

    def write(self, volume_id, data):
        with open(self.device(volume_id), 'r+b') as f:
            f.write(data)

    def read(self, volume_id, size):
        with open(self.device(volume_id), 'rb') as f:
            return f.read(size)

    def revert(self, volume_id, source_id):
        return self.gw.action(volume_id, 'overwriteVolumeContent',
                              {'srcVolumeId': source_id})

    def test_revert_brings_back_the_snapshot_content(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.map(volume_id)
        self.write(volume_id, b'before')
        snapshot = self.gw.snapshot(volume_id, 'snap1')
        self.write(volume_id, b'after!')
        self.assertIsNone(self.gw.ok(self.revert(volume_id, snapshot)))
        self.assertEqual(b'before', self.read(volume_id, 6))
        self.assertEqual(volume_id, self.gw.volume(snapshot)[
            'ancestorVolumeId'])

    def test_snapshot_of_another_vtree_is_refused(self):
        volume_id = self.gw.create_volume('vol1')
        self.gw.map(volume_id)
        self.write(volume_id, b'mine')
        foreign = self.gw.snapshot(self.gw.create_volume('vol2'))
        self.assertGatewayError(self.revert(volume_id, foreign), 500,
                                errors.INVALID_OPERATION)
        self.assertEqual(b'mine', self.read(volume_id, 4))

    def test_snapshot_of_another_size_is_refused(self):
        # The volume was extended after the snapshot was taken.
        volume_id = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(volume_id)
        self.gw.ok(self.gw.action(volume_id, 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        self.assertGatewayError(self.revert(volume_id, snapshot), 500,
                                errors.INVALID_OPERATION)

    def test_unknown_source_gets_79(self):
        volume_id = self.gw.create_volume('vol1')
        self.assertGatewayError(self.revert(volume_id, UNKNOWN_ID), 500, 79)

    def test_missing_source_is_a_bad_request(self):
        volume_id = self.gw.create_volume('vol1')
        r = self.gw.action(volume_id, 'overwriteVolumeContent', {})
        self.assertGatewayError(r, 400, 0)


class TestRevertApi20(SnapshotTestCase):
    simulator_options = API_2_0

    def test_overwrite_volume_content_is_not_an_endpoint(self):
        volume_id = self.gw.create_volume('vol1')
        snapshot = self.gw.snapshot(volume_id)
        r = self.gw.action(volume_id, 'overwriteVolumeContent',
                           {'srcVolumeId': snapshot})
        self.assertGatewayError(r, 404, 0)
