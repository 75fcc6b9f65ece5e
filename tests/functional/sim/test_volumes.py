"""Volumes: create, read, extend, rename and remove, as the gateway does."""

import urllib.parse

import ddt

from scaleio_client import sizes
from scaleio_sim import errors
from tests.functional.sim import base

VOLUMES = '/types/Volume/instances'
UNKNOWN_ID = '0123456789abcdef'
DROP = object()         # leave this field out of the request body


def twice_quoted(name):
    return urllib.parse.quote(urllib.parse.quote(name, safe=''), safe='')


class VolumeTestCase(base.SimulatorTestCase):

    def setUp(self):
        super().setUp()
        self.sp1 = self.gw.pool_id('sp1')

    def create(self, **fields):
        """POST a new volume: an 8 GiB thin one in sp1 unless told."""
        body = {'storagePoolId': self.sp1, 'name': 'vol1',
                'volumeType': 'ThinProvisioned',
                'volumeSizeInKb': str(8 * sizes.KIB_PER_GIB)}
        body.update(fields)
        return self.gw.post(VOLUMES, {k: v for k, v in body.items()
                                      if v is not DROP})

    def volume_ids(self):
        return sorted(v['id'] for v in self.gw.ok_get(VOLUMES))

    def assertNoVolumes(self):
        self.assertEqual([], self.volume_ids())

    def assertVolumeGone(self, volume_id):
        self.assertGatewayError(self.gw.get('/instances/Volume::%s'
                                            % volume_id), 500, 79)


@ddt.ddt
class TestCreateVolume(VolumeTestCase):

    @ddt.unpack
    @ddt.data((14, 16), (1, 8), (9, 16), (17, 24), (1001, 1008))
    def test_size_is_rounded_up_to_8_gib(self, size_gib, expected_gib):
        volume_id = self.gw.create_volume('vol1', size_gib=size_gib)
        self.assertEqual(expected_gib * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    @ddt.data(8, 16, 24, 1024)
    def test_multiples_of_8_gib_keep_their_size(self, size_gib):
        volume_id = self.gw.create_volume('vol1', size_gib=size_gib)
        self.assertEqual(size_gib * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    def test_a_size_in_kib_below_one_gib_is_rounded_up_to_8_gib(self):
        volume_id = self.gw.ok(self.create(volumeSizeInKb='1'))['id']
        self.assertEqual(8 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    @ddt.data(str(14 * sizes.KIB_PER_GIB), 14 * sizes.KIB_PER_GIB)
    def test_size_may_be_a_string_or_a_number(self, size_kib):
        volume_id = self.gw.ok(self.create(volumeSizeInKb=size_kib))['id']
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    def test_response_is_the_new_id_only(self):
        body = self.gw.ok(self.create())
        self.assertEqual(['id'], list(body))
        self.assertRegex(body['id'], r'^[0-9a-f]{16}$')
        self.assertEqual([body['id']], self.volume_ids())

    @ddt.data('0', 0, '-8388608', -8388608)
    def test_zero_or_negative_size_is_refused(self, size_kib):
        self.assertGatewayError(self.create(volumeSizeInKb=size_kib), 500,
                                errors.INVALID_SIZE)
        self.assertNoVolumes()

    @ddt.data('eight', '8.5', '', '8 GB', '0x10', None, True, 8.5, [8],
              '--8')
    def test_non_numeric_size_is_a_bad_request(self, size_kib):
        self.assertGatewayError(self.create(volumeSizeInKb=size_kib), 400, 0)
        self.assertNoVolumes()

    def test_missing_size_is_a_bad_request(self):
        self.assertGatewayError(self.create(volumeSizeInKb=DROP), 400, 0)
        self.assertNoVolumes()

    def test_missing_storage_pool_is_a_bad_request(self):
        self.assertGatewayError(self.create(storagePoolId=DROP), 400, 0)
        self.assertNoVolumes()

    def test_unknown_storage_pool_is_not_found(self):
        self.assertGatewayError(self.create(storagePoolId=UNKNOWN_ID), 500,
                                errors.OBJECT_NOT_FOUND)
        self.assertNoVolumes()

    def test_protection_domain_of_the_pool_is_accepted(self):
        volume_id = self.gw.ok(self.create(
            protectionDomainId=self.gw.pd_id()))['id']
        self.assertEqual(self.sp1, self.gw.volume(volume_id)['storagePoolId'])

    def test_unknown_protection_domain_is_not_found_with_142(self):
        self.assertGatewayError(self.create(protectionDomainId=UNKNOWN_ID),
                                500, 142)
        self.assertNoVolumes()

    @ddt.data('ThinProvisioned', 'ThickProvisioned')
    def test_volume_keeps_the_requested_provisioning(self, volume_type):
        volume_id = self.gw.create_volume('vol1', volume_type=volume_type)
        self.assertEqual(volume_type,
                         self.gw.volume(volume_id)['volumeType'])

    @ddt.data('Snapshot', 'Thin', 'thinprovisioned', '')
    def test_other_volume_types_are_a_bad_request(self, volume_type):
        self.assertGatewayError(self.create(volumeType=volume_type), 400, 0)
        self.assertNoVolumes()


@ddt.ddt
class TestDataLayouts(VolumeTestCase):

    def setUp(self):
        super().setUp()
        self.sp2 = self.gw.pool_id('sp2')

    def test_fine_granularity_pool_refuses_thick_volumes(self):
        r = self.create(storagePoolId=self.sp2,
                        volumeType='ThickProvisioned')
        self.assertGatewayError(r, 500, errors.INVALID_OPERATION)
        self.assertNoVolumes()

    def test_fine_granularity_pool_takes_compressed_thin_volumes(self):
        volume_id = self.gw.ok(self.create(storagePoolId=self.sp2,
                                           compressionMethod='Normal'))['id']
        volume = self.gw.volume(volume_id)
        self.assertEqual('FineGranularity', volume['dataLayout'])
        self.assertEqual('Normal', volume['compressionMethod'])
        self.assertEqual('ThinProvisioned', volume['volumeType'])

    def test_fine_granularity_volume_without_compression_says_none(self):
        volume_id = self.gw.ok(self.create(storagePoolId=self.sp2,
                                           compressionMethod='None'))['id']
        self.assertEqual('None',
                         self.gw.volume(volume_id)['compressionMethod'])

    def test_medium_granularity_pool_refuses_compression(self):
        self.assertGatewayError(self.create(compressionMethod='Normal'), 500,
                                errors.INVALID_OPERATION)
        self.assertNoVolumes()

    def test_medium_granularity_volume_has_no_compression(self):
        volume_id = self.gw.ok(self.create(compressionMethod='None'))['id']
        volume = self.gw.volume(volume_id)
        self.assertEqual('MediumGranularity', volume['dataLayout'])
        self.assertEqual('NotApplicable', volume['compressionMethod'])

    @ddt.data('Fast', 'normal', '')
    def test_unknown_compression_method_is_a_bad_request(self, method):
        r = self.create(storagePoolId=self.sp2, compressionMethod=method)
        self.assertGatewayError(r, 400, 0)
        self.assertNoVolumes()


class TestTwoProtectionDomains(VolumeTestCase):
    simulator_options = {'topology': {'protection_domains': [
        {'name': 'pd1', 'storage_pools': [{'name': 'sp1'}]},
        {'name': 'pd2', 'storage_pools': [{'name': 'sp3'}]},
    ]}}

    def test_pool_of_another_protection_domain_is_a_bad_request(self):
        sp3 = self.gw.pool_id('sp3', pd='pd2')
        r = self.create(storagePoolId=sp3, protectionDomainId=self.gw.pd_id())
        self.assertGatewayError(r, 400, 0)
        self.assertNoVolumes()

    def test_each_pool_takes_volumes_with_its_own_protection_domain(self):
        sp3 = self.gw.pool_id('sp3', pd='pd2')
        self.gw.ok(self.create(name='in-pd1',
                               protectionDomainId=self.gw.pd_id()))
        volume_id = self.gw.ok(self.create(
            name='in-pd2', storagePoolId=sp3,
            protectionDomainId=self.gw.pd_id('pd2')))['id']
        self.assertEqual(sp3, self.gw.volume(volume_id)['storagePoolId'])


@ddt.ddt
class TestVolumeNames(VolumeTestCase):

    def test_31_character_name_is_accepted(self):
        name = 'n' * 31
        volume_id = self.gw.ok(self.create(name=name))['id']
        self.assertEqual(name, self.gw.volume(volume_id)['name'])

    def test_32_character_name_is_refused_with_226(self):
        self.assertGatewayError(self.create(name='n' * 32), 500, 226)
        self.assertNoVolumes()

    def test_duplicate_name_is_refused_with_99(self):
        first = self.gw.ok(self.create(name='taken'))['id']
        self.assertGatewayError(self.create(name='taken'), 500, 99)
        self.assertEqual([first], self.volume_ids())

    @ddt.data('Hl835X5eSg+xcORfS0afag==', '/////////////////////w==',
              '/x5fN+V+XkoPsXDkX0tGn2o=')
    def test_base64_names_are_kept_and_found_by_name(self, name):
        volume_id = self.gw.ok(self.create(name=name))['id']
        self.assertEqual(name, self.gw.volume(volume_id)['name'])
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::%s' % twice_quoted(name)))

    @ddt.data('my volume', ' lead', 'tab\tname', 'vol\u00fcme', '\u4e2d',
              '')
    def test_spaces_non_ascii_and_empty_names_are_refused(self, name):
        self.assertGatewayError(self.create(name=name), 500,
                                errors.INVALID_NAME)
        self.assertNoVolumes()


class TestVolumeShape(VolumeTestCase):

    def test_new_volume_as_clients_read_it(self):
        volume_id = self.gw.create_volume('vol1', size_gib=16)
        volume = self.gw.volume(volume_id)
        self.assertEqual(volume_id, volume['id'])
        self.assertEqual('vol1', volume['name'])
        self.assertEqual(16 * sizes.KIB_PER_GIB, volume['sizeInKb'])
        self.assertEqual('ThinProvisioned', volume['volumeType'])
        self.assertEqual(self.sp1, volume['storagePoolId'])
        self.assertRegex(volume['vtreeId'], r'^[0-9a-f]{16}$')
        self.assertIsNone(volume['ancestorVolumeId'])
        self.assertIsNone(volume['consistencyGroupId'])
        self.assertIsInstance(volume['creationTime'], int)
        hrefs = {link['rel']: link['href'] for link in volume['links']}
        self.assertEqual('/api/instances/Volume::%s' % volume_id,
                         hrefs['self'])
        self.assertEqual('/api/instances/VTree::%s' % volume['vtreeId'],
                         hrefs['/api/parent/relationship/vtreeId'])

    def test_unmapped_volume_reports_mapped_sdc_info_null_not_empty(self):
        volume = self.gw.volume(self.gw.create_volume('vol1'))
        self.assertIn('mappedSdcInfo', volume)
        self.assertIsNone(volume['mappedSdcInfo'])

    def test_mapping_is_listed_and_goes_back_to_null_after_unmap(self):
        volume_id = self.gw.create_volume('vol1')
        sdc = self.gw.sdc('sdc1')
        self.gw.map(volume_id)
        info = self.gw.volume(volume_id)['mappedSdcInfo']
        self.assertEqual([sdc['id']], [m['sdcId'] for m in info])
        self.gw.ok(self.gw.action(volume_id, 'removeMappedSdc',
                                  {'sdcId': sdc['id']}))
        self.assertIsNone(self.gw.volume(volume_id)['mappedSdcInfo'])

    def test_each_new_volume_is_the_base_of_its_own_vtree(self):
        first = self.gw.volume(self.gw.create_volume('vol1'))
        second = self.gw.volume(self.gw.create_volume('vol2'))
        self.assertNotEqual(first['vtreeId'], second['vtreeId'])
        vtree = self.gw.ok_get('/instances/VTree::%s' % first['vtreeId'])
        self.assertEqual(first['id'], vtree['baseVolumeId'])
        self.assertEqual(self.sp1, vtree['storagePoolId'])

    def test_new_volume_is_listed_in_its_pool(self):
        volume_id = self.gw.create_volume('vol1')
        listed = self.gw.ok_get('/instances/StoragePool::%s/relationships/'
                                'Volume' % self.sp1)
        self.assertEqual([volume_id], [v['id'] for v in listed])


class TestThickCapacity(VolumeTestCase):
    """The default sp1 holds 1024 GiB; thin volumes use none until written."""

    def test_thick_volumes_cannot_exceed_the_free_capacity(self):
        full = self.gw.create_volume('full', size_gib=1024,
                                     volume_type='ThickProvisioned')
        r = self.create(name='one-more', volumeType='ThickProvisioned')
        self.assertGatewayError(r, 500, errors.INSUFFICIENT_CAPACITY)
        self.assertEqual([full], self.volume_ids())

    def test_thin_volumes_still_fit_in_a_pool_full_of_thick_ones(self):
        self.gw.create_volume('full', size_gib=1024,
                              volume_type='ThickProvisioned')
        self.gw.create_volume('thin', size_gib=1024)

    def test_removing_a_thick_volume_frees_its_capacity(self):
        full = self.gw.create_volume('full', size_gib=1024,
                                     volume_type='ThickProvisioned')
        self.gw.ok(self.gw.action(full, 'removeVolume',
                                  {'removeMode': 'ONLY_ME'}))
        self.gw.create_volume('next', volume_type='ThickProvisioned')

    def test_a_thick_volume_larger_than_the_pool_is_refused(self):
        r = self.create(volumeType='ThickProvisioned',
                        volumeSizeInKb=str(1032 * sizes.KIB_PER_GIB))
        self.assertGatewayError(r, 500, errors.INSUFFICIENT_CAPACITY)
        self.assertNoVolumes()


@ddt.ddt
class TestSetVolumeSize(VolumeTestCase):

    def extend(self, volume_id, size_gib):
        return self.gw.action(volume_id, 'setVolumeSize',
                              {'sizeInGB': size_gib})

    @ddt.unpack
    @ddt.data(('16', 16), ('14', 16), ('9', 16), (24, 24), ('1000', 1000))
    def test_volume_grows_to_the_next_8_gib(self, size_gib, expected_gib):
        volume_id = self.gw.create_volume('vol1', size_gib=8)
        self.assertIsNone(self.gw.ok(self.extend(volume_id, size_gib)))
        self.assertEqual(expected_gib * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    @ddt.data('16', '10', '8', '1', '0', '-16')
    def test_same_or_smaller_size_is_refused_with_133(self, size_gib):
        volume_id = self.gw.create_volume('vol1', size_gib=16)
        self.assertGatewayError(self.extend(volume_id, size_gib), 500, 133)
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    @ddt.data('big', '16.5', '', None)
    def test_non_numeric_size_is_a_bad_request(self, size_gib):
        volume_id = self.gw.create_volume('vol1')
        self.assertGatewayError(self.extend(volume_id, size_gib), 400, 0)

    def test_missing_size_is_a_bad_request(self):
        volume_id = self.gw.create_volume('vol1')
        r = self.gw.action(volume_id, 'setVolumeSize', {'sizeInGb': '16'})
        self.assertGatewayError(r, 400, 0)

    def test_a_snapshot_can_be_extended_without_its_source(self):
        source = self.gw.create_volume('vol1', size_gib=8)
        snapshot = self.gw.snapshot(source, 'clone1')
        self.gw.ok(self.extend(snapshot, '16'))
        self.assertEqual(16 * sizes.KIB_PER_GIB,
                         self.gw.volume(snapshot)['sizeInKb'])
        self.assertEqual(8 * sizes.KIB_PER_GIB,
                         self.gw.volume(source)['sizeInKb'])

    def test_thick_volume_grows_only_into_free_capacity(self):
        volume_id = self.gw.create_volume('thick', size_gib=1016,
                                          volume_type='ThickProvisioned')
        self.gw.ok(self.extend(volume_id, '1024'))
        self.assertGatewayError(self.extend(volume_id, '1032'), 500,
                                errors.INSUFFICIENT_CAPACITY)
        self.assertEqual(1024 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])

    def test_thin_volume_may_grow_beyond_the_pool(self):
        volume_id = self.gw.create_volume('thin')
        self.gw.ok(self.extend(volume_id, '2048'))
        self.assertEqual(2048 * sizes.KIB_PER_GIB,
                         self.gw.volume(volume_id)['sizeInKb'])


class TestSetVolumeName(VolumeTestCase):

    def rename(self, volume_id, new_name):
        return self.gw.action(volume_id, 'setVolumeName',
                              {'newName': new_name})

    def test_renamed_volume_is_found_by_its_new_name_only(self):
        volume_id = self.gw.create_volume('old-name')
        self.assertIsNone(self.gw.ok(self.rename(volume_id, 'new-name')))
        self.assertEqual('new-name', self.gw.volume(volume_id)['name'])
        self.assertEqual(volume_id, self.gw.ok_get(
            '/types/Volume/instances/getByName::new-name'))
        self.assertGatewayError(self.gw.get(
            '/types/Volume/instances/getByName::old-name'), 500, 79)

    def test_old_name_is_free_again_after_a_rename(self):
        volume_id = self.gw.create_volume('old-name')
        self.gw.ok(self.rename(volume_id, 'new-name'))
        self.gw.create_volume('old-name')

    def test_name_of_another_volume_is_refused_with_99(self):
        self.gw.create_volume('taken')
        volume_id = self.gw.create_volume('mine')
        self.assertGatewayError(self.rename(volume_id, 'taken'), 500, 99)
        self.assertEqual('mine', self.gw.volume(volume_id)['name'])

    def test_renaming_a_volume_to_its_own_name_succeeds(self):
        volume_id = self.gw.create_volume('mine')
        self.gw.ok(self.rename(volume_id, 'mine'))
        self.assertEqual('mine', self.gw.volume(volume_id)['name'])

    def test_new_name_obeys_the_naming_rules(self):
        volume_id = self.gw.create_volume('mine')
        self.assertGatewayError(self.rename(volume_id, 'n' * 32), 500, 226)
        self.assertGatewayError(self.rename(volume_id, 'a b'), 500,
                                errors.INVALID_NAME)
        self.assertEqual('mine', self.gw.volume(volume_id)['name'])

    def test_migration_rename_dance(self):
        # Cinder's host-assisted migration: the original takes a temporary
        # name, then the new volume takes the original's.
        original = self.gw.create_volume('Hl835X5eSg+xcORfS0afag==')
        new = self.gw.create_volume('8BdWOjNqTPqIAcWXC7M1Zg==')
        self.gw.ok(self.rename(original, '/x5fN+V+XkoPsXDkX0tGn2o='))
        self.gw.ok(self.rename(new, 'Hl835X5eSg+xcORfS0afag=='))
        self.assertEqual('Hl835X5eSg+xcORfS0afag==',
                         self.gw.volume(new)['name'])

    def test_missing_new_name_is_a_bad_request(self):
        volume_id = self.gw.create_volume('mine')
        r = self.gw.action(volume_id, 'setVolumeName', {'name': 'other'})
        self.assertGatewayError(r, 400, 0)


@ddt.ddt
class TestRemoveVolume(VolumeTestCase):
    """A vTree: base <- snap1 <- snap1a, and base <- snap2."""

    def setUp(self):
        super().setUp()
        base_id = self.gw.create_volume('base')
        snap1 = self.gw.snapshot(base_id, 'snap1')
        self.ids = {'base': base_id, 'snap1': snap1,
                    'snap1a': self.gw.snapshot(snap1, 'snap1a'),
                    'snap2': self.gw.snapshot(base_id, 'snap2')}
        self.vtree_id = self.gw.volume(base_id)['vtreeId']
        self.bystander = self.gw.create_volume('bystander')

    def remove(self, name, mode='ONLY_ME'):
        return self.gw.action(self.ids[name], 'removeVolume',
                              {'removeMode': mode})

    def vtree_members(self):
        return self.gw.ok_get('/instances/VTree::%s/relationships/Volume'
                              % self.vtree_id)

    @ddt.unpack
    @ddt.data(
        ('ONLY_ME', 'base', {'snap1', 'snap1a', 'snap2'}),
        ('ONLY_ME', 'snap1', {'base', 'snap1a', 'snap2'}),
        ('ONLY_ME', 'snap1a', {'base', 'snap1', 'snap2'}),
        ('INCLUDING_DESCENDANTS', 'snap1', {'base', 'snap2'}),
        ('INCLUDING_DESCENDANTS', 'snap2', {'base', 'snap1', 'snap1a'}),
        ('DESCENDANTS_ONLY', 'base', {'base'}),
        ('DESCENDANTS_ONLY', 'snap1', {'base', 'snap1', 'snap2'}),
    )
    def test_remove_mode_decides_which_volumes_go(self, mode, target,
                                                  survivors):
        self.assertIsNone(self.gw.ok(self.remove(target, mode)))
        members = self.vtree_members()
        self.assertEqual(survivors, {v['name'] for v in members})
        for name in set(self.ids) - survivors:
            self.assertVolumeGone(self.ids[name])
        for v in members:
            self.assertEqual(self.vtree_id, v['vtreeId'])
            # No survivor names a removed volume as its ancestor.
            self.assertIn(v['ancestorVolumeId'],
                          {None} | {self.ids[n] for n in survivors})
        self.gw.volume(self.bystander)

    @ddt.data(('INCLUDING_DESCENDANTS', 'base'), ('WHOLE_VTREE', 'snap1a'),
              ('WHOLE_VTREE', 'base'))
    @ddt.unpack
    def test_vtree_vanishes_with_all_its_volumes(self, mode, target):
        self.gw.ok(self.remove(target, mode))
        for volume_id in self.ids.values():
            self.assertVolumeGone(volume_id)
        self.assertGatewayError(self.gw.get('/instances/VTree::%s'
                                            % self.vtree_id),
                                500, errors.OBJECT_NOT_FOUND)
        self.assertEqual(self.bystander, self.volume_ids()[0])

    def test_vtree_vanishes_when_its_last_volume_is_removed_alone(self):
        for name in ('snap1a', 'base', 'snap2', 'snap1'):
            self.gw.ok_get('/instances/VTree::%s' % self.vtree_id)
            self.gw.ok(self.remove(name))
        self.assertGatewayError(self.gw.get('/instances/VTree::%s'
                                            % self.vtree_id),
                                500, errors.OBJECT_NOT_FOUND)

    def test_snapshots_survive_their_source_and_stay_usable(self):
        self.gw.ok(self.remove('base'))
        self.gw.ok(self.gw.action(self.ids['snap2'], 'setVolumeSize',
                                  {'sizeInGB': '16'}))
        self.gw.snapshot(self.ids['snap1a'], 'snap3')
        self.assertEqual(4, len(self.vtree_members()))

    def test_mapped_volume_is_not_removed_104(self):
        self.gw.map(self.ids['base'])
        self.assertGatewayError(self.remove('base'), 500, 104)
        self.assertEqual(4, len(self.vtree_members()))

    def test_mapped_descendant_blocks_the_whole_removal(self):
        self.gw.map(self.ids['snap1a'])
        self.assertGatewayError(self.remove('base', 'WHOLE_VTREE'), 500, 104)
        self.assertGatewayError(self.remove('snap1', 'INCLUDING_DESCENDANTS'),
                                500, 104)
        self.assertEqual(4, len(self.vtree_members()))

    def test_unmapped_volume_can_be_removed_again(self):
        self.gw.map(self.ids['snap2'])
        self.gw.ok(self.gw.action(self.ids['snap2'], 'removeMappedSdc',
                                  {'allSdcs': ''}))
        self.gw.ok(self.remove('snap2'))
        self.assertVolumeGone(self.ids['snap2'])

    def test_removing_a_removed_volume_gets_79(self):
        # Cinder retries a delete and counts 79 as success.
        self.gw.ok(self.remove('snap2'))
        self.assertGatewayError(self.remove('snap2'), 500, 79)

    @ddt.data('ONLY_YOU', 'only_me', '', None, 1)
    def test_unknown_remove_mode_is_a_bad_request(self, mode):
        self.assertGatewayError(self.remove('snap2', mode), 400, 0)
        self.assertEqual(4, len(self.vtree_members()))

    def test_missing_remove_mode_is_a_bad_request(self):
        r = self.gw.action(self.ids['snap2'], 'removeVolume', {})
        self.assertGatewayError(r, 400, 0)
        self.gw.volume(self.ids['snap2'])


@ddt.ddt
class TestUnknownVolume(VolumeTestCase):

    def test_get_of_an_unknown_volume_gets_79(self):
        body = self.assertGatewayError(
            self.gw.get('/instances/Volume::%s' % UNKNOWN_ID), 500, 79)
        self.assertEqual('Could not find the volume', body['message'])

    @ddt.unpack
    @ddt.data(
        ('removeVolume', {'removeMode': 'ONLY_ME'}),
        ('setVolumeSize', {'sizeInGB': '16'}),
        ('setVolumeName', {'newName': 'anything'}),
        ('addMappedSdc', {'allSdcs': ''}),
        ('removeMappedSdc', {'allSdcs': ''}),
        ('setMappedSdcLimits', {'iopsLimit': '100'}),
        ('overwriteVolumeContent', {'srcVolumeId': UNKNOWN_ID}),
        ('migrateVTree', {'destSPId': UNKNOWN_ID}),
    )
    def test_actions_on_an_unknown_volume_get_79(self, verb, body):
        self.assertGatewayError(self.gw.action(UNKNOWN_ID, verb, body),
                                500, 79)

    def test_unknown_action_is_not_a_resource(self):
        volume_id = self.gw.create_volume('vol1')
        self.assertGatewayError(self.gw.action(volume_id, 'explode'), 404, 0)
        self.gw.volume(volume_id)
