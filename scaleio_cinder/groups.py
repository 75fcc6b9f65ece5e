"""Generic volume groups and consistent group snapshots (mixed in)."""


class GroupsMixin:
    """create/delete/update_group, group snapshots, group from source."""
