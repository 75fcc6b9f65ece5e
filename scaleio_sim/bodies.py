"""Request bodies of the gateway's changes, read into the MDM's arguments.

The gateway's syntax rules live here: required keys, JSON types, numbers
sent as decimal strings, flags as true/false, the names an enumeration
allows. A body that breaks them is a 400 before the MDM is asked; each
function returns the keyword arguments of the :class:`model.Mdm` method.
"""

from scaleio_sim import errors
from scaleio_sim import objects

REMOVE_MODES = ('ONLY_ME', 'INCLUDING_DESCENDANTS', 'DESCENDANTS_ONLY',
                'WHOLE_VTREE')
CONVERSIONS = ('NoConversion', 'ThickToThin', 'ThinToThick')
ACCESS_MODES = ('ReadWrite', 'ReadOnly', 'NoAccess')
COPY_TYPES = ('OnlineCopy', 'OnlineNoCopy', 'OfflineCopy')


def _string(body, key):
    """``body[key]``, which must be a string."""
    value = body.get(key)
    if not isinstance(value, str):
        raise errors.bad_request('%s is required' % key)
    return value


def _one_of(body, key, allowed, default, describe=None):
    value = body.get(key, default)
    if value not in allowed:
        raise errors.bad_request('%s %r is not %s' % (
            key, value, describe or 'one of ' + ', '.join(allowed)))
    return value


def object_ids(body):
    """The ``ids`` of a query by selected ids."""
    ids = body.get('ids')
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise errors.bad_request('ids must be a list of object ids')
    return ids


def create_volume(body, profile):
    storage_pool_id = _string(body, 'storagePoolId')
    if 'volumeSizeInKb' in body:
        size_kib = objects.parse_int(body['volumeSizeInKb'], 'volumeSizeInKb')
    elif 'volumeSizeInGb' in body and profile.at_least(4):
        size_kib = objects.parse_int(
            body['volumeSizeInGb'], 'volumeSizeInGb') * objects.KIB_PER_GIB
    else:
        raise errors.bad_request('volumeSizeInKb is required')
    return {
        'storage_pool_id': storage_pool_id,
        'size_kib': size_kib,
        'volume_type': _one_of(body, 'volumeType',
                               (objects.THIN, objects.THICK), objects.THICK,
                               'ThinProvisioned or ThickProvisioned'),
        'compression': _one_of(body, 'compressionMethod',
                               (None, 'None', 'Normal'), None,
                               'None or Normal'),
        'name': body.get('name'),
        'protection_domain_id': body.get('protectionDomainId'),
    }


def snapshot_volumes(body, profile):
    defs = body.get('snapshotDefs')
    if not isinstance(defs, list) or not defs:
        raise errors.bad_request('snapshotDefs must be a non-empty list')
    access_mode = _one_of(body, 'accessModeLimit', ('ReadWrite', 'ReadOnly'),
                          'ReadWrite', 'ReadWrite or ReadOnly')
    snapshots = []
    for i, d in enumerate(defs):
        if not isinstance(d, dict) or not isinstance(d.get('volumeId'), str):
            raise errors.bad_request('snapshotDefs[%d].volumeId is '
                                     'required' % i)
        snapshots.append((d['volumeId'], d.get('snapshotName')))
    return {'snapshots': snapshots, 'access_mode': access_mode}


# ------------------------------------------------------- volume actions
def remove_volume(body, profile):
    return {'mode': _one_of(body, 'removeMode', REMOVE_MODES, None)}


def set_volume_size(body, profile):
    if 'sizeInGB' not in body:
        raise errors.bad_request('sizeInGB is required')
    return {'size_gib': objects.parse_int(body['sizeInGB'], 'sizeInGB')}


def set_volume_name(body, profile):
    if 'newName' not in body:
        raise errors.bad_request('newName is required')
    return {'name': body['newName']}


def _target(body, profile, allow_all):
    """The SDC named by sdcId, guid or (host, 4.x) hostId; or allSdcs."""
    for key in ('sdcId', 'hostId', 'guid'):
        if key in body and not isinstance(body[key], str):
            raise errors.bad_request('%s must be a string, got %r'
                                     % (key, body[key]))
    if 'sdcId' in body:
        return {'sdc_id': body['sdcId']}
    if 'hostId' in body and profile.at_least(4):
        return {'sdc_id': body['hostId']}
    if 'guid' in body:
        return {'guid': body['guid']}
    if allow_all and 'allSdcs' in body:
        return {}
    raise errors.bad_request('one of sdcId, guid%s is required'
                             % (' or allSdcs' if allow_all else ''))


def add_mapped_sdc(body, profile):
    args = _target(body, profile, allow_all=True)
    args['allow_multiple'] = objects.parse_bool(
        body.get('allowMultipleMappings', False), 'allowMultipleMappings')
    args['access_mode'] = _one_of(body, 'accessMode', ACCESS_MODES,
                                  'ReadWrite')
    return args


def remove_mapped_sdc(body, profile):
    return _target(body, profile, allow_all=True)


def set_mapped_sdc_limits(body, profile):
    args = _target(body, profile, allow_all=False)
    if 'iopsLimit' not in body and 'bandwidthLimitInKbps' not in body:
        raise errors.bad_request('iopsLimit or bandwidthLimitInKbps is '
                                 'required')
    if 'iopsLimit' in body:
        args['iops_limit'] = objects.parse_int(body['iopsLimit'], 'iopsLimit')
    if 'bandwidthLimitInKbps' in body:
        args['bandwidth_limit_kbps'] = objects.parse_int(
            body['bandwidthLimitInKbps'], 'bandwidthLimitInKbps')
    return args


def overwrite_volume_content(body, profile):
    return {'source_id': _string(body, 'srcVolumeId')}


def migrate_vtree(body, profile):
    args = {
        'destination_pool_id': _string(body, 'destSPId'),
        'conversion': _one_of(body, 'volTypeConversion', CONVERSIONS,
                              'NoConversion'),
        'compression': _one_of(body, 'compressionMethod',
                               (None, 'None', 'Normal'), None,
                               'None or Normal'),
    }
    if 'allowDuringRebuild' in body:
        # Checked, then ignored: the simulator never rebuilds.
        objects.parse_bool(body['allowDuringRebuild'], 'allowDuringRebuild')
    return args


# Volume actions by verb: (body reader, MDM method, first API version).
VOLUME_ACTIONS = {
    'removeVolume': (remove_volume, 'remove_volume', (2,)),
    'setVolumeSize': (set_volume_size, 'set_volume_size', (2,)),
    'setVolumeName': (set_volume_name, 'set_volume_name', (2,)),
    'addMappedSdc': (add_mapped_sdc, 'add_mapped_sdc', (2,)),
    'removeMappedSdc': (remove_mapped_sdc, 'remove_mapped_sdc', (2,)),
    'setMappedSdcLimits': (set_mapped_sdc_limits, 'set_mapped_sdc_limits',
                           (2,)),
    'overwriteVolumeContent': (overwrite_volume_content,
                               'overwrite_volume_content', (3,)),
    'migrateVTree': (migrate_vtree, 'migrate_vtree', (3,)),
    'addMappedHost': (add_mapped_sdc, 'add_mapped_sdc', (4,)),
    'removeMappedHost': (remove_mapped_sdc, 'remove_mapped_sdc', (4,)),
}


def create_rcg(body):
    rpo = body.get('rpoInSeconds', 60)
    return {
        'name': _string(body, 'name'),
        'protection_domain_id': _string(body, 'protectionDomainId'),
        'remote_protection_domain_id': _string(body,
                                               'remoteProtectionDomainId'),
        'destination_system_id': _string(body, 'destinationSystemId'),
        'rpo_seconds': objects.parse_int(rpo, 'rpoInSeconds'),
    }


def create_pair(body):
    return {
        'rcg_id': _string(body, 'replicationConsistencyGroupId'),
        'source_volume_id': _string(body, 'sourceVolumeId'),
        'destination_volume_id': _string(body, 'destinationVolumeId'),
        'copy_type': _one_of(body, 'copyType', COPY_TYPES, 'OnlineCopy'),
        'name': body.get('name'),
    }


METRICS = ('physical_total', 'physical_free', 'physical_used',
           'logical_provisioned', 'logical_used')


def metrics_query(body):
    """``/dtapi/rest/v1/metrics/query``: pools and the metrics wanted."""
    if body.get('resource_type') != 'storage_pool':
        raise errors.bad_request('resource_type %r is not storage_pool'
                                 % (body.get('resource_type'),))
    metrics = body.get('metrics')
    if (not isinstance(metrics, list) or not metrics
            or any(m not in METRICS for m in metrics)):
        raise errors.bad_request('metrics must be a non-empty list of %s'
                                 % ', '.join(METRICS))
    return {'ids': object_ids(body), 'metrics': metrics}


def create_host(body):
    """An NVMe/TCP host: its NQN and a name."""
    nqn = _string(body, 'nqn')
    if not nqn.startswith('nqn.'):
        raise errors.bad_request('nqn %r is not an NVMe qualified name '
                                 '(nqn.…)' % nqn)
    return {'nqn': nqn, 'name': _string(body, 'name'),
            'max_paths': body.get('maxNumPaths'),
            'max_ports': body.get('maxNumSysPorts')}
