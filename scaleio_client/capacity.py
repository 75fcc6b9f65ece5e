"""Pool capacity from the gateway's statistics counters (reference 2.9).

Counters are KiB; "in use", "allocated", "limit" and "spare" counters count
both mirror copies, hence the halving.
"""

from scaleio_client import records
from scaleio_client import sizes

THIN_ALLOCATED = 'thinCapacityAllocatedInKb'
THIN_ALLOCATED_TYPO = 'thinCapacityAllocatedInKm'


def properties(version, thin_allocated=THIN_ALLOCATED):
    """The counters to ask for on this API version."""
    snap = version.snapshot_statistic
    if version.net_capacity_statistics:
        return [snap, 'thickCapacityInUseInKb', 'netCapacityInUseInKb',
                'netUnusedCapacityInKb', thin_allocated]
    return [snap, 'thickCapacityInUseInKb', 'capacityLimitInKb',
            'spareCapacityInKb', 'capacityAvailableForVolumeAllocationInKb',
            thin_allocated]


def pool_capacity(pool_id, counters, version):
    """Total, free and provisioned GiB of a pool from its counters."""
    def c(name):
        return int(counters.get(name) or 0)
    if version.net_capacity_statistics:
        total = sizes.kib_to_gib_floor(c('netCapacityInUseInKb')
                                       + c('netUnusedCapacityInKb'))
        free = sizes.kib_to_gib_floor(c('netUnusedCapacityInKb'))
    else:
        usable = sizes.kib_to_gib_floor(
            (c('capacityLimitInKb') - c('spareCapacityInKb')) // 2)
        total = usable // sizes.GRANULARITY_GIB * sizes.GRANULARITY_GIB
        free = sizes.kib_to_gib_floor(
            c('capacityAvailableForVolumeAllocationInKb'))
    thin = c(THIN_ALLOCATED) or c(THIN_ALLOCATED_TYPO)
    provisioned = sizes.kib_to_gib_floor(
        (c('thickCapacityInUseInKb') + c(version.snapshot_statistic)
         + thin) // 2)
    return records.PoolCapacity(pool_id, total, free, provisioned,
                                dict(counters))


def metrics_capacity(pool_id, metrics):
    """A PoolCapacity from PowerFlex 5's dtapi metrics (bytes)."""
    def gib(name):
        return int(metrics.get(name) or 0) // sizes.BYTES_PER_GIB
    return records.PoolCapacity(pool_id, gib('physical_total'),
                                gib('physical_free'),
                                gib('logical_provisioned'), dict(metrics))
