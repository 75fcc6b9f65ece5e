"""Small typed records for the gateway objects callers use.

Each keeps the gateway's dict in ``raw`` for anything not lifted into a
field, and tolerates missing fields (older gateways omit some).
"""

import dataclasses
import typing

from scaleio_client import sizes

THIN = 'ThinProvisioned'
THICK = 'ThickProvisioned'
SNAPSHOT = 'Snapshot'
FINE = 'FineGranularity'


def _truthy(value):
    """Booleans that some gateways send as strings ("true")."""
    if isinstance(value, str):
        return value.strip().lower() == 'true'
    return bool(value)


@dataclasses.dataclass(frozen=True)
class Mapping:
    sdc_id: str
    sdc_ip: typing.Optional[str]
    iops_limit: int
    bandwidth_limit_mbps: int
    access_mode: str

    @classmethod
    def from_api(cls, d):
        return cls(d.get('sdcId'), d.get('sdcIp'),
                   int(d.get('limitIops') or 0),
                   int(d.get('limitBwInMbps') or 0),
                   d.get('accessMode') or 'ReadWrite')


@dataclasses.dataclass(frozen=True)
class Volume:
    id: str
    name: typing.Optional[str]
    size_kib: int
    volume_type: str
    vtree_id: typing.Optional[str]
    storage_pool_id: typing.Optional[str]
    ancestor_id: typing.Optional[str]
    mappings: typing.Tuple[Mapping, ...]
    compression: typing.Optional[str]
    data_layout: typing.Optional[str]
    consistency_group_id: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('name'), int(d.get('sizeInKb') or 0),
                   d.get('volumeType'), d.get('vtreeId'),
                   d.get('storagePoolId'), d.get('ancestorVolumeId'),
                   tuple(Mapping.from_api(m)
                         for m in d.get('mappedSdcInfo') or ()),
                   d.get('compressionMethod'), d.get('dataLayout'),
                   d.get('consistencyGroupId'), d)

    @property
    def size_gib(self):
        return sizes.kib_to_gib(self.size_kib)

    @property
    def is_snapshot(self):
        return self.volume_type == SNAPSHOT

    @property
    def is_mapped(self):
        return bool(self.mappings)

    @property
    def mapped_sdc_ids(self):
        return [m.sdc_id for m in self.mappings]

    def mapping(self, sdc_id):
        for m in self.mappings:
            if m.sdc_id == sdc_id:
                return m
        return None


@dataclasses.dataclass(frozen=True)
class Sdc:
    id: str
    guid: typing.Optional[str]
    name: typing.Optional[str]
    ip: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('sdcGuid'), d.get('name'), d.get('sdcIp'),
                   d)


@dataclasses.dataclass(frozen=True)
class ProtectionDomain:
    id: str
    name: typing.Optional[str]
    generation: str
    system_id: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('name'), d.get('genType') or 'Mirroring',
                   d.get('systemId'), d)


@dataclasses.dataclass(frozen=True)
class StoragePool:
    id: str
    name: typing.Optional[str]
    protection_domain_id: typing.Optional[str]
    zero_padding: bool
    data_layout: str
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('name'), d.get('protectionDomainId'),
                   _truthy(d.get('zeroPaddingEnabled')),
                   d.get('dataLayout') or 'MediumGranularity', d)

    @property
    def fine_granularity(self):
        return self.data_layout == FINE


@dataclasses.dataclass(frozen=True)
class VTree:
    id: str
    storage_pool_id: typing.Optional[str]
    migration_status: str
    migration_pause_reason: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        info = d.get('vtreeMigrationInfo') or {}
        return cls(d['id'], d.get('storagePoolId'),
                   info.get('migrationStatus') or 'NotInMigration',
                   info.get('migrationPauseReason'), d)

    @property
    def migrating(self):
        return self.migration_status != 'NotInMigration'

    @property
    def migration_failed(self):
        return self.migration_pause_reason is not None


@dataclasses.dataclass(frozen=True)
class SnapshotGroup:
    volume_ids: typing.Tuple[str, ...]
    group_id: typing.Optional[str]


@dataclasses.dataclass(frozen=True)
class Host:
    """A 4.x host: an SDC, or an NVMe/TCP host (``nqn``)."""

    id: str
    name: typing.Optional[str]
    nqn: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('name'), d.get('nqn'), d)


@dataclasses.dataclass(frozen=True)
class ReplicationGroup:
    """One side of a replication consistency group (RCG)."""

    id: str
    name: typing.Optional[str]
    remote_id: typing.Optional[str]
    failed_over: bool
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('name'), d.get('remoteId'),
                   (d.get('failoverType') or 'None') != 'None', d)


@dataclasses.dataclass(frozen=True)
class ReplicationPair:
    """One side of a replication pair: this system's volume and the peer's."""

    id: str
    remote_id: typing.Optional[str]
    local_volume_id: str
    remote_volume_id: str
    group_id: typing.Optional[str]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d):
        return cls(d['id'], d.get('remoteId'), d.get('localVolumeId'),
                   d.get('remoteVolumeId'),
                   d.get('replicationConsistencyGroupId'), d)


@dataclasses.dataclass(frozen=True)
class PoolCapacity:
    """A pool's capacity in whole GiB, as Cinder reports it."""

    pool_id: str
    total_gib: int
    free_gib: int
    provisioned_gib: int
    counters: dict = dataclasses.field(repr=False, compare=False)
