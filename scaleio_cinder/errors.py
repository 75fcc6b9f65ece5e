"""Gateway and spec failures, turned into the exceptions Cinder expects."""

import contextlib

from oslo_log import log as logging

from cinder import exception
from scaleio_client import exceptions as sio

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def gateway_errors(what):
    """Run gateway calls; failures become VolumeBackendAPIException.

    A full vTree becomes SnapshotLimitReached, which makes Cinder's image
    cache replace the entry instead of failing the clone.
    """
    try:
        yield
    except sio.TooManySnapshots as e:
        LOG.warning('%s failed: %s', what, e)
        raise exception.SnapshotLimitReached(
            set_limit='the vTree\'s (%s)' % e.message)
    except sio.ScaleIOError as e:
        raise exception.VolumeBackendAPIException(
            data='%s failed: %s' % (what, e))


def spec_error(error, volume=None):
    """InvalidVolumeType for a bad extra spec or QoS value."""
    reason = str(error)
    if volume is not None:
        reason = 'volume %s: %s' % (volume.id, reason)
    return exception.InvalidVolumeType(reason=reason)
