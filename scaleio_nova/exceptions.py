"""Errors of the host connector.

All are os-brick ``BrickException`` subclasses, so Nova treats them as it
treats any connector failure.
"""

from os_brick import exception


class ConnectorError(exception.BrickException):
    """Something the host connector could not do."""


class SdcNotFound(ConnectorError):
    """This host has no SDC GUID: no scini device, no working drv_cfg."""


class DeviceNotFound(ConnectorError):
    """A mapped volume's device link did not appear in time."""


class ConnectorConfigError(ConnectorError):
    """The legacy connector configuration file is missing or unsafe."""
