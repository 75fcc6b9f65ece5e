"""What changes with the gateway API version (gateway reference 1.4)."""

import dataclasses
import re

from scaleio_sim import errors

VERSION_RE = re.compile(r'^\d+(\.\d+)*$')
SUPPORTED_MAJORS = (2, 3, 4, 5)


@dataclasses.dataclass(frozen=True)
class ApiProfile:
    """Version-dependent behaviour of one simulated gateway."""

    version: str
    # Some 2.x builds misspell thinCapacityAllocatedInKb as ...InKm.
    thin_allocated_typo: bool = False

    @property
    def key(self):
        return tuple(int(p) for p in self.version.split('.'))

    def at_least(self, *parts):
        return self.key >= parts

    @property
    def already_mapped_code(self):
        if self.at_least(4):
            return errors.ALREADY_MAPPED_4X
        return errors.ALREADY_MAPPED

    @property
    def not_mapped_code(self):
        return errors.NOT_MAPPED_4X if self.at_least(4) else errors.NOT_MAPPED

    @property
    def max_snapshots_per_vtree(self):
        return 126 if self.at_least(3) else 31

    @property
    def has_net_capacity(self):
        return self.at_least(3)

    @property
    def fine_granularity(self):
        return self.at_least(3)

    @property
    def bearer_tokens(self):
        return self.at_least(4)

    @property
    def erasure_coding(self):
        """PowerFlex 5: EC protection domains, genType, the dtapi metrics."""
        return self.at_least(5)

    @property
    def snapshot_statistic(self):
        if self.at_least(3, 5):
            return 'snapshotCapacityInKb'
        return 'snapCapacityInUseInKb'

    @property
    def thin_allocated_statistic(self):
        if self.thin_allocated_typo:
            return 'thinCapacityAllocatedInKm'
        return 'thinCapacityAllocatedInKb'


def profile(version, thin_allocated_typo=False):
    """Validate a version string and return its profile."""
    version = str(version).strip()
    if not VERSION_RE.match(version):
        raise ValueError('API version %r is not of the form N[.N...]'
                         % version)
    result = ApiProfile(version, thin_allocated_typo)
    if result.key[0] not in SUPPORTED_MAJORS:
        raise ValueError('API version %s is not simulated; expected a 2.x, '
                         '3.x, 4.x or 5.x version' % version)
    if thin_allocated_typo and result.at_least(3):
        raise ValueError('the thinCapacityAllocatedInKm typo exists only in '
                         '2.x gateways, not in %s' % version)
    return result
