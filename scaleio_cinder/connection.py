"""``connection_info`` for a mapped volume (driver_volume_type scaleio).

The driver maps the volume itself, so the data only has to name the
device: the keys Cinder 29's in-tree PowerFlex driver sends
(``scaleIO_volname``, ``scaleIO_volume_id``, ``sdc_guid``), so stock Nova
and os-brick attach our volumes, plus the QoS limits, the backend section,
``failed_over``, ``discard`` and the Cinder size for information.

The gateway address and user (``hostIP``, ``serverIP``, ``serverPort``,
``serverUsername``) are left out on purpose: when all of them travel with
the limits, stock os-brick 7.1.1 reads the gateway password from
/opt/emc/scaleio/openstack/connector.conf before it even looks at
``sdc_guid``, and fails on hosts without that file. No password or token
is ever included.
"""

DRIVER_VOLUME_TYPE = 'scaleio'


def connection_info(volume_name, volume_id, sdc_guid, config_group,
                    iops=None, bandwidth_kbps=None, discard=False,
                    size_gib=None, failed_over=False):
    data = {
        'scaleIO_volname': volume_name,
        'scaleIO_volume_id': volume_id,
        'sdc_guid': sdc_guid,
        'iopsLimit': None if iops is None else str(iops),
        'bandwidthLimit': (None if bandwidth_kbps is None
                           else str(bandwidth_kbps)),
        'config_group': config_group,
        'failed_over': failed_over,
        'discard': discard,
    }
    if size_gib is not None:
        # The size Cinder (and the user) knows; the device itself is
        # allocated in 8 GiB units and may be larger.
        data['volume_size_gib'] = size_gib
    return {'driver_volume_type': DRIVER_VOLUME_TYPE, 'data': data}
