"""Seeded samples of 2-D Gaussian mixtures, kept in memory.

Points stay in their natural coordinates (not squashed to [-1, 1]) so that mode-coverage
figures can be set beside the published VEEGAN/PacGAN tables.  Each dataset exposes its
``modes`` and ``std``, which the mode-coverage metric reads.
"""

from __future__ import annotations

import math

import torch
from torch.utils.data import TensorDataset

from ganzoo.api import GanzooError

SAMPLES = {"train": 50_000, "test": 10_000}
SEEDS = {"train": 0, "test": 1}


class MixtureDataset(TensorDataset):
    """Points and the index of the mode each was drawn from."""

    def __init__(self, modes: torch.Tensor, std: float, n: int, seed: int):
        gen = torch.Generator().manual_seed(seed)
        labels = torch.randint(len(modes), (n,), generator=gen)
        points = modes[labels] + std * torch.randn(n, 2, generator=gen)
        super().__init__(points.float(), labels)
        self.modes = modes.float()
        self.std = std


def _check_split(split: str) -> None:
    if split not in SAMPLES:
        raise GanzooError(f"Unknown split {split!r}; toy datasets have 'train' and 'test'.")


def ring_modes(count: int = 8, radius: float = 1.0) -> torch.Tensor:
    angles = torch.arange(count, dtype=torch.float64) * (2 * math.pi / count)
    return torch.stack([radius * angles.cos(), radius * angles.sin()], dim=1)


def grid_modes(values: tuple[float, ...] = (-4, -2, 0, 2, 4)) -> torch.Tensor:
    v = torch.tensor(values, dtype=torch.float64)
    return torch.cartesian_prod(v, v)


def ring8(*, split: str = "train", **_: object) -> MixtureDataset:
    _check_split(split)
    return MixtureDataset(ring_modes(), 0.01, SAMPLES[split], SEEDS[split])


def grid25(*, split: str = "train", **_: object) -> MixtureDataset:
    _check_split(split)
    return MixtureDataset(grid_modes(), 0.05, SAMPLES[split], SEEDS[split])
