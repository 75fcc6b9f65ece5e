"""Size units and the 8 GiB allocation granularity.

The gateway takes sizes in KiB when creating (``volumeSizeInKb``) and in
GiB when extending (``sizeInGB``), and allocates medium- and
fine-granularity (mirrored) volumes in 8 GiB units, rounding up.
"""

KIB_PER_GIB = 1024 * 1024
BYTES_PER_GIB = 1024 * KIB_PER_GIB
GRANULARITY_GIB = 8


def gib_to_kib(size_gib):
    return int(size_gib) * KIB_PER_GIB


def kib_to_gib(size_kib):
    """Whole GiB, rounded up (a volume of 8000000 KiB holds 8 GiB)."""
    return -(-int(size_kib) // KIB_PER_GIB)


def round_up_gib(size_gib, granularity=GRANULARITY_GIB):
    """The size the gateway allocates for a request of ``size_gib``."""
    size_gib = int(size_gib)
    if granularity <= 1:
        return size_gib
    return -(-size_gib // granularity) * granularity


def is_granular(size_gib, granularity=GRANULARITY_GIB):
    return int(size_gib) % granularity == 0


def kib_to_gib_floor(size_kib):
    """Whole GiB, rounded down (capacity figures)."""
    return int(size_kib) // KIB_PER_GIB
