"""Storage-assisted migration and the renames after a migration (mixed in).
"""


class MigrationMixin:
    """migrate_volume, update_migrated_volume."""
