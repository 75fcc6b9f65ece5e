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

    @property
    def _normal(self):
        """The parts without trailing zeros: 3, 3.0 and 3.0.0 are equal."""
        parts = list(self.parts)
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    @staticmethod
    def _coerce(other):
        if isinstance(other, ApiVersion):
            return other
        if isinstance(other, str) and VERSION_RE.match(other.strip()):
            return ApiVersion(other)
        return None

    def __eq__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return self._normal == other._normal

    def __lt__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        width = max(len(self.parts), len(other.parts))
        return (self.parts + (0,) * (width - len(self.parts))
                < other.parts + (0,) * (width - len(other.parts)))

    def __hash__(self):
        return hash(self._normal)

    # Feature gates (gateway reference section 1.4).
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
