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


def stand_in():
    brick_scaleio.ScaleIOConnector.get_search_path = lambda self: BY_ID
    brick_scaleio.priv_scaleio.get_guid = (
        lambda op_code: drv_cfg('--query_guid'))
    brick_scaleio.priv_scaleio.rescan_vols = (
        lambda op_code: drv_cfg('--rescan'))


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
