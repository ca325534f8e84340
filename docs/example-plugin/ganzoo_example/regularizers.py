"""Instance noise (Sønderby et al. 2016; Arjovsky & Bottou 2017): Gaussian noise added to
everything the discriminator sees while it trains, so that the real and generated
distributions overlap and D's gradients stay informative early on."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganzoo.api import OptionRange, Regularizer, check_options


class NoisyInputs(nn.Module):
    """``D(x + std·ε, cond)`` in training mode, ``D(x, cond)`` otherwise.  The wrapped D
    stays the submodule ``inner`` and its contract attributes are passed on."""

    def __init__(self, inner: nn.Module, std: float):
        super().__init__()
        self.inner = inner
        self.std = std
        for name in ("in_shape", "cond_channels", "num_classes"):
            if hasattr(inner, name):
                setattr(self, name, getattr(inner, name))

    def forward(self, x: Tensor, cond: object = None) -> Tensor:
        if self.training and self.std > 0:
            x = x + self.std * torch.randn_like(x)
        return self.inner(x, cond)


class InstanceNoise(Regularizer):
    """Wraps the discriminator once, before its optimizer is built."""

    option_ranges = {"std": OptionRange(0)}

    def __init__(self, std: float = 0.1):
        check_options("example-instance-noise regularizer", self.option_ranges, std=std)
        self.std = std

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        return NoisyInputs(discriminator, self.std)
