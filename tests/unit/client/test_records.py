"""Typed records from gateway objects: tolerant of what gateways omit."""

import ddt

from scaleio_client import records
from tests import base

# Shortened from the reference's section 4.1 example.
VOLUME = {
    'id': '694a2d140000000b', 'name': 'yian_sdc_1', 'sizeInKb': 8388608,
    'volumeType': 'ThinProvisioned', 'vtreeId': '2b713ee600000007',
    'storagePoolId': 'fa85edfd00000000', 'ancestorVolumeId': None,
    'dataLayout': 'MediumGranularity', 'compressionMethod': 'NotApplicable',
    'consistencyGroupId': None,
    'mappedSdcInfo': [{
        'sdcId': '01f7117d0000000b', 'sdcIp': '192.168.10.12',
        'sdcName': None, 'limitIops': 0, 'limitBwInMbps': 0,
        'accessMode': 'ReadWrite', 'isDirectBufferMapping': False}],
}


@ddt.ddt
class TestVolume(base.TestCase):

    def test_fields(self):
        v = records.Volume.from_api(VOLUME)
        self.assertEqual('694a2d140000000b', v.id)
        self.assertEqual('yian_sdc_1', v.name)
        self.assertEqual(8388608, v.size_kib)
        self.assertEqual(8, v.size_gib)
        self.assertEqual(records.THIN, v.volume_type)
        self.assertEqual('2b713ee600000007', v.vtree_id)
        self.assertEqual('fa85edfd00000000', v.storage_pool_id)
        self.assertIsNone(v.ancestor_id)
        self.assertEqual('MediumGranularity', v.data_layout)
        self.assertEqual('NotApplicable', v.compression)
        self.assertFalse(v.is_snapshot)
        self.assertIs(VOLUME, v.raw)

    def test_mapping(self):
        v = records.Volume.from_api(VOLUME)
        self.assertTrue(v.is_mapped)
        self.assertEqual(['01f7117d0000000b'], v.mapped_sdc_ids)
        m = v.mapping('01f7117d0000000b')
        self.assertEqual(('01f7117d0000000b', '192.168.10.12', 0, 0,
                          'ReadWrite'),
                         (m.sdc_id, m.sdc_ip, m.iops_limit,
                          m.bandwidth_limit_mbps, m.access_mode))
        self.assertIsNone(v.mapping('0000000000000000'))

    @ddt.data(None, [])
    def test_unmapped(self, mapped_sdc_info):
        v = records.Volume.from_api(dict(VOLUME,
                                         mappedSdcInfo=mapped_sdc_info))
        self.assertFalse(v.is_mapped)
        self.assertEqual((), v.mappings)
        self.assertEqual([], v.mapped_sdc_ids)
        self.assertIsNone(v.mapping('01f7117d0000000b'))

    def test_mapped_sdc_info_missing(self):
        v = records.Volume.from_api({k: val for k, val in VOLUME.items()
                                     if k != 'mappedSdcInfo'})
        self.assertFalse(v.is_mapped)

    def test_mapping_limits(self):
        v = records.Volume.from_api(dict(VOLUME, mappedSdcInfo=[
            {'sdcId': 'a', 'limitIops': 80, 'limitBwInMbps': 1,
             'accessMode': 'ReadOnly'},
            {'sdcId': 'b', 'limitIops': None, 'limitBwInMbps': '2'},
            {'sdcId': 'c'}]))
        self.assertEqual(['a', 'b', 'c'], v.mapped_sdc_ids)
        self.assertEqual((80, 1, 'ReadOnly'),
                         (v.mapping('a').iops_limit,
                          v.mapping('a').bandwidth_limit_mbps,
                          v.mapping('a').access_mode))
        self.assertEqual((0, 2, 'ReadWrite'),
                         (v.mapping('b').iops_limit,
                          v.mapping('b').bandwidth_limit_mbps,
                          v.mapping('b').access_mode))
        self.assertIsNone(v.mapping('c').sdc_ip)

    def test_only_an_id(self):
        v = records.Volume.from_api({'id': '694a2d140000000b'})
        self.assertEqual('694a2d140000000b', v.id)
        self.assertIsNone(v.name)
        self.assertEqual(0, v.size_kib)
        self.assertEqual(0, v.size_gib)
        self.assertIsNone(v.volume_type)
        self.assertIsNone(v.vtree_id)
        self.assertIsNone(v.compression)
        self.assertIsNone(v.data_layout)
        self.assertFalse(v.is_snapshot)
        self.assertFalse(v.is_mapped)

    @ddt.unpack
    @ddt.data((8000000, 8), (8388608, 8), (8388609, 9), ('16777216', 16),
              (None, 0))
    def test_size_gib_rounds_up(self, size_kib, size_gib):
        self.assertEqual(size_gib, records.Volume.from_api(
            dict(VOLUME, sizeInKb=size_kib)).size_gib)

    def test_snapshot(self):
        v = records.Volume.from_api(dict(
            VOLUME, volumeType='Snapshot', ancestorVolumeId='694a2d140000000a',
            consistencyGroupId='5f1a000000000001', mappedSdcInfo=None))
        self.assertTrue(v.is_snapshot)
        self.assertEqual('694a2d140000000a', v.ancestor_id)
        self.assertEqual('5f1a000000000001', v.consistency_group_id)

    def test_raw_is_not_compared(self):
        a = records.Volume.from_api(VOLUME)
        b = records.Volume.from_api(dict(VOLUME, creationTime=1))
        self.assertEqual(a, b)


@ddt.ddt
class TestStoragePool(base.TestCase):

    @ddt.unpack
    @ddt.data(
        (True, True),
        (False, False),
        ('true', True),
        ('True', True),
        ('TRUE ', True),
        ('false', False),
        ('False', False),
        ('', False),
        (None, False),
        (1, True),
        (0, False),
    )
    def test_zero_padding(self, value, padded):
        pool = records.StoragePool.from_api(
            {'id': 'p', 'zeroPaddingEnabled': value})
        self.assertIs(padded, pool.zero_padding)

    def test_fields(self):
        pool = records.StoragePool.from_api({
            'id': 'fa85edfd00000000', 'name': 'sp2',
            'protectionDomainId': 'fa85edfc00000000',
            'zeroPaddingEnabled': True, 'dataLayout': 'FineGranularity'})
        self.assertEqual(('fa85edfd00000000', 'sp2', 'fa85edfc00000000'),
                         (pool.id, pool.name, pool.protection_domain_id))
        self.assertTrue(pool.fine_granularity)

    def test_missing_fields(self):
        pool = records.StoragePool.from_api({'id': 'fa85edfd00000000'})
        self.assertIsNone(pool.name)
        self.assertIsNone(pool.protection_domain_id)
        self.assertFalse(pool.zero_padding)
        # Gateways before 3.0 have only medium granularity and no field.
        self.assertEqual('MediumGranularity', pool.data_layout)
        self.assertFalse(pool.fine_granularity)


class TestOtherRecords(base.TestCase):

    def test_sdc(self):
        sdc = records.Sdc.from_api({
            'id': '01f7117d0000000b', 'name': None,
            'sdcGuid': '028888FA-502A-4FAC-A888-1FA3B256358C',
            'sdcIp': '192.168.10.12'})
        self.assertEqual(('01f7117d0000000b', None,
                          '028888FA-502A-4FAC-A888-1FA3B256358C',
                          '192.168.10.12'),
                         (sdc.id, sdc.name, sdc.guid, sdc.ip))

    def test_nvme_host_has_no_guid(self):
        host = records.Sdc.from_api({'id': 'h1', 'name': 'host1',
                                     'sdcGuid': None, 'hostType': 'NVMeHost'})
        self.assertIsNone(host.guid)
        self.assertIsNone(host.ip)

    def test_protection_domain_generation(self):
        self.assertEqual('Mirroring', records.ProtectionDomain.from_api(
            {'id': 'd', 'name': 'pd1'}).generation)
        self.assertEqual('Mirroring', records.ProtectionDomain.from_api(
            {'id': 'd', 'genType': None}).generation)
        self.assertEqual('EC', records.ProtectionDomain.from_api(
            {'id': 'd', 'genType': 'EC'}).generation)

    def test_vtree_not_migrating(self):
        for info in ({}, {'vtreeMigrationInfo': None},
                     {'vtreeMigrationInfo': {
                         'migrationStatus': 'NotInMigration',
                         'migrationPauseReason': None}}):
            tree = records.VTree.from_api(dict({'id': 't'}, **info))
            self.assertEqual('NotInMigration', tree.migration_status)
            self.assertFalse(tree.migrating)
            self.assertFalse(tree.migration_failed)

    def test_vtree_migrating(self):
        tree = records.VTree.from_api({
            'id': 't', 'storagePoolId': 'p1',
            'vtreeMigrationInfo': {'migrationStatus': 'InMigration',
                                   'migrationPauseReason': None}})
        self.assertEqual('p1', tree.storage_pool_id)
        self.assertTrue(tree.migrating)
        self.assertFalse(tree.migration_failed)

    def test_vtree_migration_paused(self):
        tree = records.VTree.from_api({
            'id': 't', 'vtreeMigrationInfo': {
                'migrationStatus': 'InMigration',
                'migrationPauseReason': 'NoSpace'}})
        self.assertTrue(tree.migration_failed)
        self.assertEqual('NoSpace', tree.migration_pause_reason)
