"""The local SDC: its GUID and rescans.

On a host with a real SDC the ``scini`` kernel module serves both through
ioctls on ``/dev/scini`` (root only): we call os-brick's existing privsep
entrypoints for them, so no new privileged code or rootwrap filter is
needed. Without ``/dev/scini`` we run ``drv_cfg`` (``--query_guid``,
``--rescan``) as the current user; the simulator's SDC hosts provide such
a stand-in.
"""

import logging
import os
import subprocess

from os_brick.privileged import scaleio as priv_scaleio

from scaleio_nova import exceptions

LOG = logging.getLogger(__name__)
SCINI_DEVICE = '/dev/scini'
DRV_CFG_TIMEOUT = 30.0


def _io(kind, number):
    """The _IO(type, nr) ioctl request number of <sys/ioctl.h>."""
    return ord(kind) << 8 | number


GET_GUID_IOCTL = _io('a', 14)
RESCAN_IOCTL = _io('a', 10)


def scini_present():
    return os.path.exists(SCINI_DEVICE)


def _drv_cfg(drv_cfg_path, argument):
    result = subprocess.run([drv_cfg_path, argument], capture_output=True,
                            text=True, timeout=DRV_CFG_TIMEOUT, check=False)
    if result.returncode:
        raise OSError('%s %s exited with %d: %s'
                      % (drv_cfg_path, argument, result.returncode,
                         result.stderr.strip() or result.stdout.strip()))
    return result.stdout


def query_guid(drv_cfg_path):
    """This host's SDC GUID; SdcNotFound names every source tried."""
    tried = []
    if scini_present():
        try:
            return priv_scaleio.get_guid(GET_GUID_IOCTL)
        except (OSError, ValueError) as e:
            tried.append('the %s ioctl failed: %s' % (SCINI_DEVICE, e))
    else:
        tried.append('%s does not exist' % SCINI_DEVICE)
    try:
        guid = _drv_cfg(drv_cfg_path, '--query_guid').strip()
    except (OSError, subprocess.SubprocessError) as e:
        tried.append('%s --query_guid failed: %s' % (drv_cfg_path, e))
    else:
        if guid:
            return guid
        tried.append('%s --query_guid printed nothing' % drv_cfg_path)
    raise exceptions.SdcNotFound(
        message='No ScaleIO SDC GUID on this host (is the SDC installed '
                'and running?): %s.' % '; '.join(tried))


def rescan(drv_cfg_path):
    """Ask the SDC to pick up mappings it has not seen; False on failure."""
    try:
        if scini_present():
            priv_scaleio.rescan_vols(RESCAN_IOCTL)
        else:
            _drv_cfg(drv_cfg_path, '--rescan')
    except (OSError, subprocess.SubprocessError) as e:
        LOG.warning('SDC rescan failed: %s', e)
        return False
    return True
