"""The channel ladder of DCGAN-lineage convnets: 64-128-256-512-512-..."""

from __future__ import annotations

from ganzoo.part_options import OptionRange

#: The ``base_channels`` a convolutional part takes: up to 512, 8× the papers' 64 (whose
#: ladder then reaches 4096 channels); an absurd width is refused before it is allocated.
BASE_CHANNELS = OptionRange(1, 512, integer=True)

#: Widths stop doubling at ``base * MAX_MULTIPLE`` (512 for a base of 64), as in DCGAN and pix2pix.
MAX_MULTIPLE = 8


def doubling_widths(base: int, count: int) -> list[int]:
    """``count`` channel counts doubling from ``base``, capped at ``base * MAX_MULTIPLE``."""
    return [base * min(2**i, MAX_MULTIPLE) for i in range(count)]
