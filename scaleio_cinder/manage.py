"""Managing existing array volumes and snapshots (mixed into the driver)."""


class ManageMixin:
    """manage_existing(_snapshot), unmanage, get_manageable_*."""
