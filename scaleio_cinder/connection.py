"""``connection_info`` for a mapped volume (driver_volume_type scaleio).

The data keys are the in-tree PowerFlex driver's, so stock Nova and
os-brick attach our volumes and our connector attaches theirs. With
``sdc_guid`` present the connector only waits for the device: the driver
has already mapped the volume. No password or token is ever included.
"""

DRIVER_VOLUME_TYPE = 'scaleio'


def connection_info(volume_name, volume_id, sdc_guid, san_ip, port,
                    username, config_group, iops=None, bandwidth_kbps=None,
                    discard=False, size_gib=None):
    data = {
        'scaleIO_volname': volume_name,
        'scaleIO_volume_id': volume_id,
        'sdc_guid': sdc_guid,
        'hostIP': None,
        'serverIP': san_ip,
        'serverPort': port,
        'serverUsername': username,
        'iopsLimit': None if iops is None else str(iops),
        'bandwidthLimit': (None if bandwidth_kbps is None
                           else str(bandwidth_kbps)),
        'config_group': config_group,
        'failed_over': False,
        'discard': discard,
    }
    if size_gib is not None:
        # The size Cinder (and the user) knows; the device itself is
        # allocated in 8 GiB units and may be larger.
        data['volume_size_gib'] = size_gib
    return {'driver_volume_type': DRIVER_VOLUME_TYPE, 'data': data}
