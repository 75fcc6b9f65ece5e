"""The gateway API version and the features that depend on it."""

import functools
import re

from scaleio_client import exceptions

VERSION_RE = re.compile(r'^\d+(\.\d+)*$')


@functools.total_ordering
class ApiVersion:
    """A parsed ``/api/version`` answer, with feature gates."""

    def __init__(self, text):
        cleaned = str(text).strip().replace('"', '')
        if not VERSION_RE.match(cleaned):
            raise exceptions.ProtocolError(
                'gateway version %r is not of the form N[.N...]' % (text,))
        self.text = cleaned
        self.parts = tuple(int(p) for p in cleaned.split('.'))

    def __repr__(self):
        return 'ApiVersion(%r)' % self.text

    def __str__(self):
        return self.text

    def _key(self, other):
        parts = other.parts if isinstance(other, ApiVersion) else tuple(
            int(p) for p in str(other).split('.'))
        width = max(len(self.parts), len(parts))
        return (self.parts + (0,) * (width - len(self.parts)),
                parts + (0,) * (width - len(parts)))

    def __eq__(self, other):
        mine, theirs = self._key(other)
        return mine == theirs

    def __lt__(self, other):
        mine, theirs = self._key(other)
        return mine < theirs

    def __hash__(self):
        return hash(self.parts)

    # Feature gates (gateway reference section 1.4).
    @property
    def thin_provisioning(self):
        return self >= '2.0'

    @property
    def may_misspell_thin_allocated(self):
        """Some 2.x builds say thinCapacityAllocatedInKm: probe for it."""
        return '2.0' <= self < '3.0'

    @property
    def net_capacity_statistics(self):
        return self >= '3.0'

    @property
    def revert(self):
        return self >= '3.0'

    @property
    def migration(self):
        return self >= '3.0'

    @property
    def fine_granularity(self):
        return self >= '3.0'

    @property
    def snapshot_statistic(self):
        """The name of the snapshot capacity counter (renamed in 3.5)."""
        return ('snapshotCapacityInKb' if self >= '3.5'
                else 'snapCapacityInUseInKb')

    @property
    def mapping_error_codes(self):
        """(already mapped, not mapped) errorCodes."""
        return (4037, 4039) if self >= '4.0' else (81, 84)

    @property
    def max_snapshots_per_vtree(self):
        return 126 if self >= '3.0' else 31
