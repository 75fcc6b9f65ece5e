"""Volume-type extra specs and QoS specs, turned into array terms.

Pure functions: no Cinder, no gateway. Each rejects a bad value with a
SpecError that names the key, the value and what was expected.
"""

import dataclasses
import typing

from scaleio_client import sizes

# Provisioning keys, strongest first: the current key, then the keys that
# Liberty-Rocky and Fuel volume types carry.
PROVISIONING_KEYS = ('provisioning:type', 'sio:provisioning_type',
                     'sio:provisioning')
PROVISIONING_TYPES = ('thin', 'thick', 'compressed')

QOS_KEYS = ('maxIOPS', 'maxIOPSperGB', 'maxBWS', 'maxBWSperGB')
# Old extra-spec names of the absolute limits.
LEGACY_QOS_KEYS = {'sio:iops_limit': 'maxIOPS',
                   'sio:bandwidth_limit': 'maxBWS'}
BANDWIDTH_UNIT_KBPS = 1024      # the gateway takes whole MB/s


class SpecError(ValueError):
    """A spec value the driver cannot use."""


def provisioning(extra_specs, thin_by_default):
    """'thin', 'thick' or 'compressed' for a volume type's extra specs."""
    for key in PROVISIONING_KEYS:
        if key in extra_specs:
            value = str(extra_specs[key]).strip().lower()
            if value not in PROVISIONING_TYPES:
                raise SpecError('extra spec %s=%r is not one of %s'
                                % (key, extra_specs[key],
                                   ', '.join(PROVISIONING_TYPES)))
            return value
    return 'thin' if thin_by_default else 'thick'


@dataclasses.dataclass(frozen=True)
class Placement:
    """How to create a volume in a given pool."""

    thin: bool
    compression: typing.Optional[str]     # None: do not send the field
    note: typing.Optional[str] = None     # why the request was adapted


def placement(kind, fine_granularity):
    """Thin/thick and compression for a provisioning kind in a pool.

    Fine-granularity pools hold no thick volumes; only they compress.
    """
    if fine_granularity:
        if kind == 'thick':
            return Placement(True, 'None', 'fine-granularity pools hold '
                             'only thin volumes')
        return Placement(True, 'Normal' if kind == 'compressed' else 'None')
    if kind == 'compressed':
        return Placement(True, None, 'only fine-granularity pools compress')
    return Placement(kind == 'thin', None)


def qos_specs(qos, extra_specs):
    """The back-end QoS keys that apply to a volume.

    ``qos`` is the volume type's QoS specs (a dict with ``consumer`` and
    ``specs``) or None; its back-end (or both) keys win over the same keys
    set as extra specs. Front-end specs are Nova's business.
    """
    found = {LEGACY_QOS_KEYS[k]: v for k, v in extra_specs.items()
             if k in LEGACY_QOS_KEYS}
    found.update((k, v) for k, v in extra_specs.items() if k in QOS_KEYS)
    if qos and qos.get('consumer', 'back-end') in ('back-end', 'both'):
        for key, value in (qos.get('specs') or {}).items():
            if key in QOS_KEYS:
                found[key] = value
    return found


def _count(key, value):
    try:
        number = int(str(value).strip())
    except ValueError:
        raise SpecError('QoS %s=%r is not a whole number' % (key, value))
    if number < 0:
        raise SpecError('QoS %s=%r must not be negative' % (key, value))
    return number


def check_qos(specs):
    """Validate QoS values without a size (at type or create time)."""
    for key, value in specs.items():
        _count(key, value)


def limits(specs, size_gib):
    """(iops, bandwidth in KB/s) for a volume of ``size_gib``, or None each.

    The per-GB values apply to the size the user sees (Cinder's size); the
    smaller of the absolute and per-GB limit wins. Bandwidth goes up to a
    whole MB/s, as the gateway requires. A value of 0 means no limit.
    """
    values = {k: _count(k, v) for k, v in specs.items() if k in QOS_KEYS}
    iops = [v for v in (values.get('maxIOPS'),
                        _per_gb(values.get('maxIOPSperGB'), size_gib))
            if v]
    bandwidth = [_to_unit(v) for v in (
        values.get('maxBWS'), _per_gb(values.get('maxBWSperGB'), size_gib))
        if v]
    return (min(iops) if iops else None,
            min(bandwidth) if bandwidth else None)


def _per_gb(value, size_gib):
    return value * size_gib if value else None


def _to_unit(kbps):
    unit = BANDWIDTH_UNIT_KBPS
    return -(-kbps // unit) * unit


@dataclasses.dataclass(frozen=True)
class ArraySize:
    """What the array holds for a Cinder size: whole GiB, and in KiB."""

    gib: int

    @property
    def kib(self):
        return sizes.gib_to_kib(self.gib)


def array_size(size_gib, round_capacity=True,
               granularity_gib=sizes.GRANULARITY_GIB):
    """The ArraySize of a volume Cinder sizes at ``size_gib``.

    Mirrored pools allocate 8 GiB units (PowerFlex 5 erasure-coded ones
    whole GiB: ``granularity_gib`` 1). With rounding allowed (the default)
    any size is accepted and the array keeps the next multiple; Cinder
    and its quota keep the requested size (the guest sees the device).
    """
    if isinstance(size_gib, bool) or not isinstance(size_gib, int):
        raise SpecError('volume size %r is not a whole number of GiB'
                        % (size_gib,))
    if size_gib < 1:
        raise SpecError('volume size %r GiB must be at least 1' % size_gib)
    if not round_capacity and not sizes.is_granular(size_gib,
                                                    granularity_gib):
        raise SpecError(
            'volume size %d GiB is not a multiple of %d GiB and '
            'scaleio_round_volume_capacity is off'
            % (size_gib, granularity_gib))
    return ArraySize(sizes.round_up_gib(size_gib, granularity_gib))
