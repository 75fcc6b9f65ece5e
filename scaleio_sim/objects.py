"""The MDM's objects as plain records, and the rules about sizes and names."""

import dataclasses
import hashlib
import re
import typing

from scaleio_sim import errors

KIB_PER_GIB = 1024 * 1024
GRANULARITY_KIB = 8 * KIB_PER_GIB
MAX_NAME_LENGTH = 31
INTEGER_RE = re.compile(r'\s*-?[0-9]+\s*')

THIN = 'ThinProvisioned'
THICK = 'ThickProvisioned'
SNAPSHOT = 'Snapshot'
MEDIUM = 'MediumGranularity'
FINE = 'FineGranularity'
EC = 'EC'


def round_up_kib(size_kib, granularity_kib=GRANULARITY_KIB):
    """Round a size up to the allocation unit, as the gateway does.

    Mirrored pools allocate 8 GiB units, erasure-coded ones whole GiB.
    """
    return -(-size_kib // granularity_kib) * granularity_kib


def check_name(name):
    """Apply the gateway's naming rules to a new object name."""
    if not isinstance(name, str):
        raise errors.bad_request('name must be a string, got %r' % (name,))
    if len(name) > MAX_NAME_LENGTH:
        raise errors.GatewayError(
            'Name %s is too long: at most %d characters are allowed'
            % (name, MAX_NAME_LENGTH), errors.NAME_TOO_LONG)
    if not name or any(not 0x21 <= ord(c) <= 0x7e for c in name):
        raise errors.GatewayError(
            'Invalid name %r: use alphanumeric and punctuation characters'
            % name, errors.INVALID_NAME)


def parse_int(value, field):
    """Numbers arrive as JSON numbers or as decimal strings."""
    if isinstance(value, bool):
        raise errors.bad_request('%s must be a number, got %r'
                                 % (field, value))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and INTEGER_RE.fullmatch(value):
        return int(value)
    raise errors.bad_request('%s must be a number, got %r' % (field, value))


def parse_bool(value, field):
    """Flags arrive as booleans or as true/false in any letter case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise errors.bad_request('%s must be true or false, got %r'
                             % (field, value))


class IdGenerator:
    """16-hex-digit object ids: a per-type prefix and a per-type counter."""

    def __init__(self, seed, counters=None):
        self.seed = seed
        self.counters = dict(counters or {})

    def next(self, object_type):
        count = self.counters.get(object_type, 0) + 1
        self.counters[object_type] = count
        digest = hashlib.sha1(
            ('%s:%s' % (self.seed, object_type)).encode()).hexdigest()
        return '%s%08x' % (digest[:8], count)


@dataclasses.dataclass
class ProtectionDomain:
    id: str
    name: str
    generation: str = 'Mirroring'       # or 'EC' (PowerFlex 5)


@dataclasses.dataclass
class StoragePool:
    id: str
    name: str
    protection_domain_id: str
    data_layout: str
    zero_padding: bool
    capacity_kib: int
    spare_percentage: int

    @property
    def spare_kib(self):
        # (limit - spare) / 2 is the net capacity: limit = 2 * net + spare.
        raw = 2 * self.capacity_kib
        return raw * self.spare_percentage // (100 - self.spare_percentage)


@dataclasses.dataclass
class Sdc:
    """A host of the system: an SDC, or (4.x) an NVMe/TCP host (``nqn``)."""

    id: str
    guid: typing.Optional[str]
    name: str
    ip: typing.Optional[str]
    host_dir: typing.Optional[str] = None
    device_dir: typing.Optional[str] = None
    auto_rescan: bool = True
    nqn: typing.Optional[str] = None

    @property
    def nvme(self):
        return self.nqn is not None


@dataclasses.dataclass
class Sdt:
    """An NVMe/TCP target (4.x): the portals NVMe hosts connect to."""

    id: str
    name: str
    ips: typing.List[str]
    nvme_port: int
    protection_domain_id: typing.Optional[str]


@dataclasses.dataclass
class Mapping:
    sdc_id: str
    access_mode: str = 'ReadWrite'
    limit_iops: int = 0
    limit_bw_kbps: int = 0


@dataclasses.dataclass
class Volume:
    id: str
    name: typing.Optional[str]
    size_kib: int
    volume_type: str
    storage_pool_id: str
    vtree_id: str
    creation_time: int
    compression: str = 'None'
    ancestor_id: typing.Optional[str] = None
    access_mode_limit: str = 'ReadWrite'
    consistency_group_id: typing.Optional[str] = None
    mappings: typing.List[Mapping] = dataclasses.field(default_factory=list)

    def mapping(self, sdc_id):
        for m in self.mappings:
            if m.sdc_id == sdc_id:
                return m
        return None

    @property
    def is_snapshot(self):
        return self.volume_type == SNAPSHOT


@dataclasses.dataclass
class Migration:
    source_pool_id: str
    destination_pool_id: str
    conversion: str
    compression: str
    polls_left: int
    pause_reason: typing.Optional[str] = None


@dataclasses.dataclass
class VTree:
    id: str
    storage_pool_id: str
    base_volume_id: typing.Optional[str]
    name: typing.Optional[str] = None
    migration: typing.Optional[Migration] = None


@dataclasses.dataclass
class PeerMdm:
    """Another system this one replicates with."""

    id: str
    name: str
    peer_system_id: str


@dataclasses.dataclass
class ReplicationConsistencyGroup:
    """One side of an RCG; its twin on the peer has ``remote_id``.

    ``source`` is the side whose volumes are copied (where it was made);
    ``failed_over`` moves the writable side to the destination until a
    restore copies the destination's data back and swaps again.
    """

    id: str
    name: str
    protection_domain_id: str
    remote_protection_domain_id: str
    peer_mdm_id: str
    remote_id: str
    source: bool
    rpo_seconds: int = 60
    failed_over: bool = False
    paused: bool = False


@dataclasses.dataclass
class ReplicationPair:
    id: str
    name: typing.Optional[str]
    rcg_id: str
    local_volume_id: str
    remote_volume_id: str
    remote_id: str
    copy_type: str = 'OnlineCopy'


RECORDS = {
    'ProtectionDomain': ProtectionDomain,
    'StoragePool': StoragePool,
    'Sdc': Sdc,
    'Volume': Volume,
    'VTree': VTree,
    'Sdt': Sdt,
    'PeerMdm': PeerMdm,
    'ReplicationConsistencyGroup': ReplicationConsistencyGroup,
    'ReplicationPair': ReplicationPair,
}


def to_state(record):
    return dataclasses.asdict(record)


def from_state(object_type, state):
    state = dict(state)
    if object_type == 'Volume':
        state['mappings'] = [Mapping(**m) for m in state['mappings']]
    if object_type == 'VTree' and state.get('migration'):
        state['migration'] = Migration(**state['migration'])
    return RECORDS[object_type](**state)
