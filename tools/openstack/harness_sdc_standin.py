"""HARNESS ONLY: run a Cinder service on a simulated SDC host.

``harness_sdc_standin.py cinder-volume|cinder-backup --config-file ...``
starts that Cinder service with stock os-brick's ScaleIO connector
pointed at the simulator's SDC host directory (``HARNESS_SDC_HOST_DIR``,
the simulator's ``hosts/sdc2``): Cinder's generic host-side paths (create
volume from image, upload to image, backup and restore, host-assisted
migration) attach volumes on the cinder-volume/-backup host through
os-brick, as on a real node. A real node has the SDC kernel module; here
three things at its boundary are replaced, nothing else:

- the SDC GUID, an ioctl on /dev/scini: the simulated host's
  ``drv_cfg --query_guid``;
- the volume rescan, an ioctl on /dev/scini: ``drv_cfg --rescan``;
- the device search path, udev's /dev/disk/by-id: the host's ``by-id``.

And one speed measure, which a real host does not have: the device handed
to Cinder is a loop device over the first ``volume_size_gib`` (the Cinder
size our driver sends in the connection info) of the SDC device, not the
whole device, which is the array's 8 GiB allocation unit. Cinder's
generic copies read or write the whole device they get (a posix backup
reads to the end, an upload to image sends it all): 8 GiB take about 90 s
each on 2 cores (SHA-256 of every block), which puts the backup tests far
beyond the CI's time; 1 GiB take about 10 s. ``disconnect_volume`` detaches
that loop device before os-brick's own disconnect.

Only the harness loads this (services.py); the product's code never does.
"""

import os
import subprocess
import sys

# before anything else, as cinder.cmd.volume and .backup do
from cinder import monkey_patch; monkey_patch.patch()  # noqa

from os_brick.initiator.connectors import scaleio as brick_scaleio  # noqa

SDC_HOST_DIR = os.environ['HARNESS_SDC_HOST_DIR']
DRV_CFG = os.path.join(SDC_HOST_DIR, 'drv_cfg')
BY_ID = os.path.join(SDC_HOST_DIR, 'by-id')


def drv_cfg(option):
    return subprocess.run([DRV_CFG, option], check=True, text=True,
                          capture_output=True).stdout.strip()


def losetup(*args):
    return subprocess.run(('losetup',) + args, check=True, text=True,
                          capture_output=True).stdout.strip()


VIEWS = {}      # loop device of a Cinder-size view -> the SDC device link


def connect_volume(self, connection_properties):
    info = STOCK_CONNECT(self, connection_properties)
    size = connection_properties.get('volume_size_gib')
    if size and info and info.get('path'):
        view = losetup('--find', '--show', '--sizelimit',
                       str(int(size) << 30), info['path'])
        VIEWS[view] = info['path']
        info['path'] = view
    return info


def disconnect_volume(self, connection_properties, device_info,
                      force=False, ignore_errors=False):
    view = (device_info or {}).get('path')
    if view in VIEWS:
        subprocess.run(['blockdev', '--flushbufs', view], check=False)
        losetup('--detach', view)
        device_info = dict(device_info, path=VIEWS.pop(view))
    return STOCK_DISCONNECT(self, connection_properties, device_info,
                            force=force, ignore_errors=ignore_errors)


STOCK_CONNECT = brick_scaleio.ScaleIOConnector.connect_volume
STOCK_DISCONNECT = brick_scaleio.ScaleIOConnector.disconnect_volume


def stand_in():
    brick_scaleio.ScaleIOConnector.get_search_path = lambda self: BY_ID
    brick_scaleio.priv_scaleio.get_guid = (
        lambda op_code: drv_cfg('--query_guid'))
    brick_scaleio.priv_scaleio.rescan_vols = (
        lambda op_code: drv_cfg('--rescan'))
    brick_scaleio.ScaleIOConnector.connect_volume = connect_volume
    brick_scaleio.ScaleIOConnector.disconnect_volume = disconnect_volume


def main():
    binary = sys.argv[1]
    stand_in()
    # the log file and the service's binary name come from argv[0]
    sys.argv = [binary] + sys.argv[2:]
    if binary == 'cinder-volume':
        from cinder.cmd import volume as cmd
    elif binary == 'cinder-backup':
        from cinder.cmd import backup as cmd
    else:
        sys.exit('harness_sdc_standin.py: no Cinder service %r' % binary)
    return cmd.main()


if __name__ == '__main__':
    sys.exit(main())
