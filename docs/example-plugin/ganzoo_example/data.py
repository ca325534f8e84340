"""A two-armed spiral of 2-D points, labeled by arm: generated, so it works offline.

Each split is drawn from its own seed, so the data is the same on every machine.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch.utils.data import TensorDataset

from ganzoo.api import check_split

SIZES = {"train": 20_000, "test": 5_000}
SEEDS = {"train": 0, "test": 1}
TURNS = 1.5
NOISE = 0.02


def build_spiral(root: str | Path | None = None, download: bool = False, split: str = "train",
                 image_size: int | None = None) -> TensorDataset:
    """``(point, arm)`` pairs; points lie within the unit disc, plus a little noise."""
    check_split("example-spiral", split, tuple(SIZES))
    n = SIZES[split]
    generator = torch.Generator().manual_seed(SEEDS[split])
    arm = torch.randint(2, (n,), generator=generator)
    radius = torch.rand(n, generator=generator).sqrt()  # uniform along the arm's area
    angle = radius * TURNS * 2 * math.pi + arm * math.pi
    points = torch.stack([radius * angle.cos(), radius * angle.sin()], 1)
    points += NOISE * torch.randn(n, 2, generator=generator)
    return TensorDataset(points, arm)
