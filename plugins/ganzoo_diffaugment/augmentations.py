"""DiffAugment's differentiable augmentations (Zhao et al. 2020) of image batches N×C×H×W.

Each sample gets its own random draw.  Draws come from torch's global random state on the
images' device, which every checkpoint saves, so a resumed run augments exactly as an
uninterrupted one.  Every operation is differentiable with respect to the images (the
generator learns through them) and keeps their shape.
"""

from __future__ import annotations

import re
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import IncompatibleError

#: The paper's sizes: shifts up to 1/8 of the image side, a hole half the image side.
TRANSLATION_RATIO = 1 / 8
CUTOUT_RATIO = 1 / 2


def _per_sample_uniform(x: Tensor, low: float, high: float) -> Tensor:
    """One factor per sample drawn from U(low, high), shaped to broadcast over C×H×W."""
    u = torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device)
    return low + (high - low) * u


def brightness(x: Tensor) -> Tensor:
    """Add one offset from U(−0.5, 0.5) to every pixel of a sample."""
    return x + _per_sample_uniform(x, -0.5, 0.5)


def saturation(x: Tensor) -> Tensor:
    """Scale each pixel's deviation from its mean over the channels by U(0, 2)."""
    mean = x.mean(dim=1, keepdim=True)
    return mean + (x - mean) * _per_sample_uniform(x, 0.0, 2.0)


def contrast(x: Tensor) -> Tensor:
    """Scale a sample's deviation from its mean (over all pixels) by U(0.5, 1.5)."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * _per_sample_uniform(x, 0.5, 1.5)


def _paper_size(side: int, ratio: float) -> int:
    return int(side * ratio + 0.5)  # the paper's rounding (half up)


def translation(x: Tensor, ratio: float = TRANSLATION_RATIO) -> Tensor:
    """Shift each sample by up to ``ratio`` of its side along each axis, filling with 0."""
    n, _, h, w = x.shape
    max_dy, max_dx = _paper_size(h, ratio), _paper_size(w, ratio)
    dy = torch.randint(-max_dy, max_dy + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-max_dx, max_dx + 1, (n, 1, 1), device=x.device)
    # output pixel (i, j) is input pixel (i + dy, j + dx): read from a zero-padded copy
    rows = torch.arange(h, device=x.device).view(1, h, 1) + dy + max_dy
    cols = torch.arange(w, device=x.device).view(1, 1, w) + dx + max_dx
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    padded = F.pad(x, (max_dx, max_dx, max_dy, max_dy)).permute(0, 2, 3, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(x: Tensor, ratio: float = CUTOUT_RATIO) -> Tensor:
    """Zero a rectangle of ``ratio`` of each side, centred anywhere on the sample (so it
    may be cut by the border)."""
    n, _, h, w = x.shape
    ch, cw = _paper_size(h, ratio), _paper_size(w, ratio)
    top = torch.randint(0, h + 1 - ch % 2, (n, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + 1 - cw % 2, (n, 1, 1), device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    hole = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~hole).unsqueeze(1).to(x.dtype)


Augmentation = Callable[[Tensor], Tensor]

#: The paper's policy names and what each applies, in order.
POLICIES: dict[str, tuple[Augmentation, ...]] = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(policy: str) -> tuple[str, ...]:
    """``"color,translation"`` or ``"color+translation"`` → ``("color", "translation")``.

    ``+`` is accepted because ``--reg`` already splits its value on commas.
    """
    names = tuple(name.strip() for name in re.split(r"[,+]", policy))
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise IncompatibleError(
            f"The diffaugment policy {policy!r} names unknown augmentation(s) "
            f"{', '.join(map(repr, unknown))}. A policy is one or more of "
            f"{', '.join(POLICIES)}, separated by '+' (or ',' outside --reg), e.g. "
            "--reg diffaugment:policy=color+translation+cutout."
        )
    return names


def augment(x: Tensor, policy: tuple[str, ...]) -> Tensor:
    """``x`` through every augmentation of the (parsed) ``policy``, in order."""
    for name in policy:
        for op in POLICIES[name]:
            x = op(x)
    return x
