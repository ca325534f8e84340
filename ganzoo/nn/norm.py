"""Normalization layers chosen by name, so part options stay plain strings (``norm=layer``).

``layer`` normalizes each sample over all its channels and pixels (``GroupNorm`` with one
group), the per-sample normalization WGAN-GP recommends for critics: unlike batch
normalization it keeps each sample's score a function of that sample alone, which gradient
penalties need.
"""

from __future__ import annotations

from torch import nn

from ganzoo.errors import IncompatibleError

NORMS: tuple[str, ...] = ("batch", "instance", "layer", "none")


def check_norm(kind: str, allowed: tuple[str, ...], part: str) -> str:
    """Return ``kind`` if ``part`` (e.g. "dcgan discriminator") supports it, else refuse."""
    if kind not in allowed:
        flag = "--g-opt" if part.endswith("generator") else "--d-opt"
        raise IncompatibleError(
            f"The {part} does not support norm={kind!r}; choose one of "
            f"{', '.join(allowed)} (e.g. {flag} norm={allowed[0]})."
        )
    return kind


def norm2d(kind: str, channels: int) -> nn.Module:
    """A normalization layer for ``channels`` feature maps (``Identity`` for ``none``)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "none":
        return nn.Identity()
    raise IncompatibleError(f"Unknown norm {kind!r}; choose one of {', '.join(NORMS)}.")
