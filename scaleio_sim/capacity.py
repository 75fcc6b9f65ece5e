"""Pool and vTree statistics counters (gateway reference section 2.9).

Counters are KiB. "InUse", "Allocated", "Limit" and "Spare" counters are raw
(both mirror copies); "net" counters are what a user can store. With these
definitions the clients' formulas hold::

    total       = netCapacityInUseInKb + netUnusedCapacityInKb
                = (capacityLimitInKb - spareCapacityInKb) / 2
    free        = netUnusedCapacityInKb
    provisioned = (thick + snapshot + thinAllocated) / 2

A thick volume uses its whole size; thin volumes and snapshots use what has
been written to them (the allocated blocks of their backing file).
"""

from scaleio_sim import objects


def volume_net_use_kib(volume, allocated_kib):
    if volume.volume_type == objects.THICK:
        return volume.size_kib
    return min(volume.size_kib, allocated_kib)


def pool_counters(pool, volumes, vtree_count, allocated):
    """All counters of one pool; ``allocated(volume_id)`` gives KiB written."""
    thick = thin_allocated = thin_in_use = snap_in_use = net_in_use = 0
    snapshots = 0
    for v in volumes:
        used = volume_net_use_kib(v, allocated(v.id))
        net_in_use += used
        if v.volume_type == objects.THICK:
            thick += v.size_kib
        elif v.volume_type == objects.THIN:
            thin_allocated += v.size_kib
            thin_in_use += used
        else:
            snapshots += 1
            snap_in_use += used
    net_unused = max(0, pool.capacity_kib - net_in_use)
    spare = pool.spare_kib
    counters = {
        'capacityLimitInKb': 2 * pool.capacity_kib + spare,
        'maxCapacityInKb': 2 * pool.capacity_kib + spare,
        'spareCapacityInKb': spare,
        'capacityInUseInKb': 2 * net_in_use,
        'unusedCapacityInKb': 2 * net_unused,
        'capacityAvailableForVolumeAllocationInKb':
            net_unused // objects.GRANULARITY_KIB * objects.GRANULARITY_KIB,
        'thickCapacityInUseInKb': 2 * thick,
        'thinCapacityAllocatedInKb': 2 * thin_allocated,
        'thinCapacityInUseInKb': 2 * thin_in_use,
        'snapCapacityInUseInKb': 2 * snap_in_use,
        'netCapacityInUseInKb': net_in_use,
        'netUnusedCapacityInKb': net_unused,
        'netThickCapacityInUseInKb': thick,
        'netThinCapacityInUseInKb': thin_in_use,
        'netSnapshotCapacityInKb': snap_in_use,
        'degradedHealthyCapacityInKb': 0,
        'failedCapacityInKb': 0,
        'unreachableUnusedCapacityInKb': 0,
        'numOfVolumes': len(volumes) - snapshots,
        'numOfSnapshots': snapshots,
        'numOfVtrees': vtree_count,
        'numOfMappedToAllVolumes': 0,
        'numOfUnmappedVolumes': sum(1 for v in volumes if not v.mappings),
    }
    return counters


def pool_counters_for_version(counters, profile):
    """Rename and hide counters the way the given gateway version does."""
    result = dict(counters)
    snap = result.pop('snapCapacityInUseInKb')
    result[profile.snapshot_statistic] = snap
    thin = result.pop('thinCapacityAllocatedInKb')
    result[profile.thin_allocated_statistic] = thin
    if not profile.has_net_capacity:
        for key in [k for k in result if k.startswith('net')]:
            del result[key]
    return result


def vtree_counters(volumes, allocated):
    used = sum(volume_net_use_kib(v, allocated(v.id)) for v in volumes)
    snapshots = sum(1 for v in volumes if v.is_snapshot)
    return {
        'numOfVolumes': len(volumes),
        'numOfSnapshots': snapshots,
        'netCapacityInUseInKb': used,
        'capacityInUseInKb': 2 * used,
        'baseNetCapacityInUseInKb': sum(
            volume_net_use_kib(v, allocated(v.id))
            for v in volumes if not v.is_snapshot),
        'snapNetCapacityInUseInKb': sum(
            volume_net_use_kib(v, allocated(v.id))
            for v in volumes if v.is_snapshot),
    }
