"""The gateway's JSON shapes for the MDM's objects (reference section 4)."""

from scaleio_sim import objects


def _links(object_type, object_id, relationships=(), parents=()):
    self_href = '/api/instances/%s::%s' % (object_type, object_id)
    links = [{'rel': 'self', 'href': self_href}]
    for child in relationships:
        links.append({'rel': '/api/%s/relationship/%s' % (object_type, child),
                      'href': '%s/relationships/%s' % (self_href, child)})
    for field, parent_type, parent_id in parents:
        if parent_id:
            links.append({'rel': '/api/parent/relationship/%s' % field,
                          'href': '/api/instances/%s::%s'
                          % (parent_type, parent_id)})
    return links


def system(mdm):
    body = {
        'id': mdm.system_id,
        'name': mdm.system_name,
        'systemVersionName': 'ScaleIO simulator (API %s)'
                             % mdm.profile.version,
        'mdmManagementPort': 6611,
        'swid': 'SIMULATOR',
        'maxCapacityInGb': str(sum(p.capacity_kib
                                   for p in mdm.storage_pools.values())
                               // objects.KIB_PER_GIB),
        'capacityAlertHighThresholdPercent': 80,
        'capacityAlertCriticalThresholdPercent': 90,
        'restrictedSdcModeEnabled': False,
        'links': _links('System', mdm.system_id,
                        ('Statistics', 'ProtectionDomain', 'Sdc', 'User')),
    }
    if mdm.profile.at_least(4):
        body['systemNqn'] = ('nqn.1988-11.com.dell:powerflex:00:%s'
                             % mdm.system_id)
    return body


def protection_domain(mdm, pd):
    body = {
        'id': pd.id,
        'name': pd.name,
        'systemId': mdm.system_id,
        'protectionDomainState': 'Active',
        'links': _links('ProtectionDomain', pd.id,
                        ('Statistics', 'StoragePool'),
                        (('systemId', 'System', mdm.system_id),)),
    }
    if mdm.profile.erasure_coding:
        body['genType'] = pd.generation
    return body


def storage_pool(mdm, pool):
    return {
        'id': pool.id,
        'name': pool.name,
        'protectionDomainId': pool.protection_domain_id,
        'zeroPaddingEnabled': pool.zero_padding,
        'dataLayout': pool.data_layout,
        'sparePercentage': pool.spare_percentage,
        'useRmcache': False,
        'useRfcache': False,
        'links': _links('StoragePool', pool.id,
                        ('Statistics', 'Volume', 'VTree'),
                        (('protectionDomainId', 'ProtectionDomain',
                          pool.protection_domain_id),)),
    }


def sdc(mdm, sdc):
    body = {
        'id': sdc.id,
        'name': sdc.name,
        'sdcGuid': sdc.guid,
        'sdcIp': sdc.ip,
        'sdcIps': [sdc.ip],
        'sdcApproved': True,
        'mdmConnectionState': 'Connected',
        'osType': 'Linux',
        'systemId': mdm.system_id,
        'softwareVersionInfo': 'R%s_simulator' % mdm.profile.version,
        'links': _links('Sdc', sdc.id, ('Statistics', 'Volume'),
                        (('systemId', 'System', mdm.system_id),)),
    }
    if mdm.profile.at_least(4):
        body.update({'hostType': 'SdcHost', 'nqn': None,
                     'maxNumPaths': None, 'maxNumSysPorts': None})
    return body


def host(mdm, h):
    """A 4.x Host: an SDC or an NVMe/TCP host."""
    return {
        'id': h.id,
        'name': h.name,
        'hostType': 'NVMeHost' if h.nvme else 'SdcHost',
        'nqn': h.nqn,
        'sdcGuid': h.guid,
        'maxNumPaths': 8 if h.nvme else None,
        'maxNumSysPorts': 10 if h.nvme else None,
        'systemId': mdm.system_id,
        'links': _links('Host', h.id, ('Volume',),
                        (('systemId', 'System', mdm.system_id),)),
    }


def sdt(mdm, t):
    return {
        'id': t.id,
        'name': t.name,
        'ipList': [{'ip': ip, 'role': 'StorageAndHost'} for ip in t.ips],
        'nvmePort': t.nvme_port,
        'storagePort': 12200,
        'discoveryPort': 8009,
        'sdtState': 'Normal',
        'protectionDomainId': t.protection_domain_id,
        'systemId': mdm.system_id,
        'links': _links('Sdt', t.id,
                        parents=(('systemId', 'System', mdm.system_id),)),
    }


def mapped_sdc_info(mdm, volume):
    if not volume.mappings:
        return None     # not [] - Cinder's unmap-all and manage rely on null
    result = []
    for m in volume.mappings:
        entry = {
            'sdcId': m.sdc_id,
            'sdcIp': mdm.sdcs[m.sdc_id].ip,
            'sdcName': mdm.sdcs[m.sdc_id].name,
            'limitIops': m.limit_iops,
            'limitBwInMbps': m.limit_bw_kbps // 1024,
            'accessMode': m.access_mode,
            'isDirectBufferMapping': False,
        }
        if mdm.profile.at_least(4):
            entry.update({'nqn': None, 'hostType': 'SdcHost'})
        result.append(entry)
    return result


def volume(mdm, v):
    pool = mdm.storage_pools[v.storage_pool_id]
    body = {
        'id': v.id,
        'name': v.name,
        'sizeInKb': v.size_kib,
        'volumeType': v.volume_type,
        'vtreeId': v.vtree_id,
        'storagePoolId': v.storage_pool_id,
        'ancestorVolumeId': v.ancestor_id,
        'creationTime': v.creation_time,
        'consistencyGroupId': v.consistency_group_id,
        'accessModeLimit': v.access_mode_limit,
        'notGenuineSnapshot': False,
        'mappedSdcInfo': mapped_sdc_info(mdm, v),
        'links': _links('Volume', v.id, ('Statistics',),
                        (('vtreeId', 'VTree', v.vtree_id),
                         ('storagePoolId', 'StoragePool',
                          v.storage_pool_id),
                         ('ancestorVolumeId', 'Volume', v.ancestor_id))),
    }
    if mdm.profile.fine_granularity:
        body['dataLayout'] = pool.data_layout
        body['compressionMethod'] = (v.compression
                                     if pool.data_layout == objects.FINE
                                     else 'NotApplicable')
        body['volumeReplicationState'] = (
            'Replicated' if mdm.pair_of(v.id) else 'UnmarkedForReplication')
        body['managedBy'] = 'ScaleIO'
    else:
        body['useRmcache'] = False
        body['mappingToAllSdcsEnabled'] = False
        body['isObfuscated'] = False
        body['mappedScsiInitiatorInfo'] = None
    return body


def vtree(mdm, tree):
    m = tree.migration
    if m is None:
        migration = {'migrationStatus': 'NotInMigration',
                     'migrationPauseReason': None,
                     'sourceStoragePoolId': None,
                     'destinationStoragePoolId': None,
                     'thicknessConversionType': None,
                     'migrationQueuePosition': 0}
    else:
        migration = {'migrationStatus': 'InMigration',
                     'migrationPauseReason': m.pause_reason,
                     'sourceStoragePoolId': m.source_pool_id,
                     'destinationStoragePoolId': m.destination_pool_id,
                     'thicknessConversionType': m.conversion,
                     'migrationQueuePosition': 0}
    members = [v for v in mdm.volumes.values() if v.vtree_id == tree.id]
    roots = [v.id for v in members
             if v.ancestor_id is None or v.ancestor_id not in mdm.volumes]
    pool = mdm.storage_pools[tree.storage_pool_id]
    return {
        'id': tree.id,
        'name': tree.name,
        'storagePoolId': tree.storage_pool_id,
        'baseVolumeId': tree.base_volume_id,
        'rootVolumes': roots,
        'dataLayout': pool.data_layout,
        'inDeletion': False,
        'vtreeMigrationInfo': migration,
        'links': _links('VTree', tree.id, ('Statistics', 'Volume'),
                        (('storagePoolId', 'StoragePool',
                          tree.storage_pool_id),)),
    }


def peer_mdm(mdm, peer):
    connected = bool(mdm.peer is not None and mdm.link_state.up
                     and mdm.peer.system_id == peer.peer_system_id)
    return {
        'id': peer.id,
        'name': peer.name,
        'systemId': mdm.system_id,
        'peerSystemId': peer.peer_system_id,
        'port': 7611,
        'couplingRC': 'SUCCESS' if connected else 'NETWORK_ERROR',
        'membershipState': 'Joined',
        'peerMdmState': 'Connected' if connected else 'Disconnected',
        'links': _links('PeerMdm', peer.id,
                        parents=(('systemId', 'System', mdm.system_id),)),
    }


def replication_consistency_group(mdm, rcg):
    writable = rcg.source != rcg.failed_over
    return {
        'id': rcg.id,
        'name': rcg.name,
        'protectionDomainId': rcg.protection_domain_id,
        'remoteProtectionDomainId': rcg.remote_protection_domain_id,
        'peerMdmId': rcg.peer_mdm_id,
        'remoteId': rcg.remote_id,
        'rpoInSeconds': rcg.rpo_seconds,
        'replicationDirection': ('LocalToRemote' if writable
                                 else 'RemoteToLocal'),
        'failoverType': 'Failover' if rcg.failed_over else 'None',
        'failoverState': 'Done' if rcg.failed_over else 'None',
        'pauseMode': 'StopDataTransfer' if rcg.paused else 'None',
        'localActivityState': 'Active' if writable else 'Inactive',
        'remoteActivityState': 'Inactive' if writable else 'Active',
        'currConsistMode': 'Consistent',
        'abstractState': 'Ok',
        'lifetimeState': 'NormalLifetime',
        'links': _links('ReplicationConsistencyGroup', rcg.id,
                        ('ReplicationPair',),
                        (('protectionDomainId', 'ProtectionDomain',
                          rcg.protection_domain_id),)),
    }


def replication_pair(mdm, pair):
    return {
        'id': pair.id,
        'name': pair.name,
        'remoteId': pair.remote_id,
        'localVolumeId': pair.local_volume_id,
        'remoteVolumeId': pair.remote_volume_id,
        'replicationConsistencyGroupId': pair.rcg_id,
        'copyType': pair.copy_type,
        'initialCopyState': 'Done',
        'lifetimeState': 'NormalLifetime',
        'peerSystemName': mdm.peer.system_name if mdm.peer else None,
        'links': _links('ReplicationPair', pair.id,
                        parents=(('replicationConsistencyGroupId',
                                  'ReplicationConsistencyGroup',
                                  pair.rcg_id),)),
    }


RENDERERS = {
    'ProtectionDomain': protection_domain,
    'StoragePool': storage_pool,
    'Sdc': sdc,
    'Volume': volume,
    'VTree': vtree,
    'Host': host,
    'Sdt': sdt,
    'PeerMdm': peer_mdm,
    'ReplicationConsistencyGroup': replication_consistency_group,
    'ReplicationPair': replication_pair,
}


def render(mdm, object_type, obj):
    return RENDERERS[object_type](mdm, obj)
