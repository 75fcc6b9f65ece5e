"""The scheduler's view of the backend: one Cinder pool per domain:pool."""


def pool_stats(name, capacity, pool, thin_by_default, reserved_percentage,
               max_over_subscription_ratio, total_volumes=None):
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
        'location_info': 'ScaleIO:%s:%s' % (pool.protection_domain_id,
                                            pool.id),
    }
    if total_volumes is not None:
        stats['total_volumes'] = total_volumes
    return stats
