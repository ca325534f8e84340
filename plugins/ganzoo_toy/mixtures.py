"""Seeded samples of 2-D Gaussian mixtures, kept in memory.

Points stay in their natural coordinates (not squashed to [-1, 1]) so that mode-coverage
figures can be set beside the published VEEGAN/PacGAN tables.  Each dataset exposes its
``modes`` and ``std``, which the mode-coverage metric reads.

``ring8`` and ``grid25`` are the geometry of PacGAN's code (fjxmlzn/PacGAN,
synthetic_data_experiments/2D*_GAN&PacGAN/config.py; PacGAN follows VEEGAN's protocol),
which GDPP's code (M-Elfeki/GDPP, gdppgan_Synthetic.py) shares.  WGAN-GP's toy code
(igul222/improved_wgan_training, gan_toy.py) draws the same shapes and divides them by 1.414
(ring) or 2.828 (grid), its "stdev", before training: the ``-wgangp`` variants, on which
that code's penalty weight 0.1 was chosen.  Every variant has the same ratio of mode spacing
to std, so mode coverage judges them alike; only the scale the nets see differs.
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


#: What gan_toy.py divides its 8gaussians and 25gaussians datasets by.
WGANGP_RING_SCALE, WGANGP_GRID_SCALE = 1.414, 2.828


def _mixture(modes: torch.Tensor, std: float, split: str) -> MixtureDataset:
    _check_split(split)
    return MixtureDataset(modes, std, SAMPLES[split], SEEDS[split])


def ring8(*, split: str = "train", **_: object) -> MixtureDataset:
    return _mixture(ring_modes(), 0.01, split)


def grid25(*, split: str = "train", **_: object) -> MixtureDataset:
    return _mixture(grid_modes(), 0.05, split)


def ring8_wgangp(*, split: str = "train", **_: object) -> MixtureDataset:
    """gan_toy.py's 8gaussians: radius 2, std 0.02, divided by 1.414."""
    return _mixture(ring_modes(radius=2.0) / WGANGP_RING_SCALE, 0.02 / WGANGP_RING_SCALE, split)


def grid25_wgangp(*, split: str = "train", **_: object) -> MixtureDataset:
    """gan_toy.py's 25gaussians: {-4, ..., 4}², std 0.05, divided by 2.828."""
    return _mixture(grid_modes() / WGANGP_GRID_SCALE, 0.05 / WGANGP_GRID_SCALE, split)
