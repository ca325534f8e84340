"""The channel ladder of DCGAN-lineage convnets: 64-128-256-512-512-..."""

from __future__ import annotations

#: Widths stop doubling at ``base * MAX_MULTIPLE`` (512 for a base of 64), as in DCGAN and pix2pix.
MAX_MULTIPLE = 8


def doubling_widths(base: int, count: int) -> list[int]:
    """``count`` channel counts doubling from ``base``, capped at ``base * MAX_MULTIPLE``."""
    return [base * min(2**i, MAX_MULTIPLE) for i in range(count)]
