"""The scheduler's view of the backend: one Cinder pool per domain:pool."""

import collections

from cinder.common import constants
from scaleio_cinder import errors

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
               max_over_subscription_ratio, system_id=None):
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
    return stats


def backend_stats(backend, gateway, driver_version, replication=None):
    """The backend's stats: every pool's capacity in one gateway query.

    ``replication`` (replication_enabled, targets...) goes in every pool,
    where the scheduler matches a replicated type's extra spec.
    """
    ratio = backend.over_subscription_ratio()
    reserved = backend.option('reserved_percentage') or 0
    thin_default = backend.option('san_thin_provision')
    with errors.gateway_errors('Reading pool statistics'):
        records = {label: backend.pool(label) for label in backend.pools}
        ec = sorted(r.id for label, r in records.items()
                    if backend.erasure_coded(label))
        capacities = gateway.pool_capacities(
            sorted(r.id for r in records.values() if r.id not in ec))
        # PowerFlex 5 erasure-coded pools: the dtapi metrics.
        capacities.update(gateway.pool_metrics_capacities(ec))
    pools = [pool_stats(label, capacities[records[label].id],
                        records[label], thin_default, reserved, ratio,
                        system_id=backend.system_id)
             for label in sorted(records)]
    for pool in pools:
        pool.update(replication or {})
    return dict(replication or {}, **{
        'volume_backend_name': backend.name,
        'vendor_name': 'Dell EMC',
        'driver_version': driver_version,
        'storage_protocol': constants.SCALEIO,
        'total_capacity_gb': sum(p['total_capacity_gb'] for p in pools),
        'free_capacity_gb': sum(p['free_capacity_gb'] for p in pools),
        'reserved_percentage': reserved,
        'QoS_support': True,
        'multiattach': True,
        'consistent_group_snapshot_enabled': True,
        'online_extend_support': True,
        'pools': pools,
    })
