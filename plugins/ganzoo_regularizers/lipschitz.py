"""Constraints that keep the discriminator (roughly) Lipschitz, as Wasserstein critics need."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganzoo.api import OptionRange, Regularizer, check_options


class WeightClipping(Regularizer):
    """Clamp every parameter of D to ``[-clip, clip]`` after each of its steps (WGAN)."""

    option_ranges = {"clip": OptionRange(0, low_open=True)}

    def __init__(self, clip: float = 0.01):
        check_options("weight-clipping regularizer", self.option_ranges, clip=clip)
        self.clip = clip

    @torch.no_grad()
    def after_d_step(self, discriminator: nn.Module) -> None:
        for p in discriminator.parameters():
            p.clamp_(-self.clip, self.clip)


class SpectralNorm(Regularizer):
    """Reparametrize each conv/linear weight of D as ``W / σ(W)`` (Miyato et al. 2018).

    σ is estimated by power iteration, ``n_power_iterations`` per training forward pass.
    """

    option_ranges = {"n_power_iterations": OptionRange(1, 100, integer=True)}

    def __init__(self, n_power_iterations: int = 1):
        check_options("spectral-norm regularizer", self.option_ranges,
                      n_power_iterations=n_power_iterations)
        self.n_power_iterations = n_power_iterations

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        layers = [m for m in discriminator.modules()
                  if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))]
        for layer in layers:
            spectral_norm(layer, n_power_iterations=self.n_power_iterations)
        return discriminator
