"""The scheduler's view of the backend: one Cinder pool per domain:pool."""

import collections

LOCATION_PREFIX = 'ScaleIO'
Location = collections.namedtuple('Location',
                                  'system_id protection_domain_id pool_id')


def location_info(system_id, pool):
    """Where a pool is: ``ScaleIO:<system>:<domain id>:<pool id>``.

    Two backends whose pools share the system id are one array: a volume
    moves between them with migrateVTree, without copying through a host.
    """
    return ':'.join((LOCATION_PREFIX, system_id, pool.protection_domain_id,
                     pool.id))


def parse_location(text):
    """The Location in a pool's ``location_info``, or None if not ours."""
    parts = (text or '').split(':')
    if len(parts) != 4 or parts[0] != LOCATION_PREFIX or not all(parts):
        return None
    return Location(*parts[1:])


def pool_stats(name, capacity, pool, thin_by_default, reserved_percentage,
               max_over_subscription_ratio, total_volumes=None,
               system_id=None):
    """A Cinder pool entry from a pool's capacity and properties.

    ``capacity`` is a scaleio_client PoolCapacity, ``pool`` its StoragePool.
    """
    fine = pool.fine_granularity
    stats = {
        'pool_name': name,
        'total_capacity_gb': capacity.total_gib,
        'free_capacity_gb': capacity.free_gib,
        'provisioned_capacity_gb': capacity.provisioned_gib,
        'reserved_percentage': reserved_percentage,
        'max_over_subscription_ratio': max_over_subscription_ratio,
        'thin_provisioning_support': True,
        'thick_provisioning_support': not fine,
        'compression_support': fine,
        # Volumes there are thin (sparse) unless the type asks for thick.
        'sparse_copy_volume': fine or thin_by_default,
        'QoS_support': True,
        'multiattach': True,
        'consistent_group_snapshot_enabled': True,
        'online_extend_support': True,
        'zero_padding': pool.zero_padding,
        'data_layout': pool.data_layout,
    }
    if system_id:
        stats['location_info'] = location_info(system_id, pool)
    if total_volumes is not None:
        stats['total_volumes'] = total_volumes
    return stats
