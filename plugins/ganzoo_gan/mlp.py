"""Fully connected generator and discriminator, for any data shape.

On points they are the usual toy-GAN MLPs (linear output, no squashing); on images the
generator ends in ``tanh`` to produce [-1, 1] pixels.  With ``conditioning="class"`` both take
a one-hot label concatenated to their input (Mirza & Osindero 2014).  The options that build
PacGAN's and VEEGAN's toy nets (Lin et al. 2018: G with batchnorm, D with maxout units) are
off by default, so plans recorded before they existed rebuild the same nets.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, OptionRange, check_options

#: Widths above 8192 (a 67M-weight layer) and depths above 16 are refused before anything is
#: allocated: such values are typing mistakes, not toy-GAN settings.
OPTION_RANGES = {"hidden": OptionRange(1, 8192, integer=True),
                 "depth": OptionRange(1, 16, integer=True)}
#: Maxout pieces per unit (0: LeakyReLU(0.2) units instead); PacGAN's toy D uses 5.
D_OPTION_RANGES = {**OPTION_RANGES, "maxout": OptionRange(0, 16, integer=True)}


def _class_count(spec: DataSpec, conditioning: str) -> int:
    if conditioning == "image":
        raise IncompatibleError(
            "The mlp parts do not take input images; pix2pix-style models need an "
            "image-to-image generator such as 'unet'."
        )
    return spec.num_classes if conditioning == "class" else 0


def _with_label(x: Tensor, labels: Tensor | None, num_classes: int) -> Tensor:
    if not num_classes:
        return x
    return torch.cat([x, F.one_hot(labels, num_classes).to(x.dtype)], dim=1)


class Maxout(nn.Module):
    """``pieces`` linear maps per output unit, of which the unit takes the largest
    (Goodfellow et al. 2013), the units of the original GAN's and PacGAN's discriminators."""

    def __init__(self, inp: int, out: int, pieces: int):
        super().__init__()
        self.out, self.pieces = out, pieces
        self.linear = nn.Linear(inp, out * pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).view(-1, self.out, self.pieces).amax(dim=2)


def _maxout_mlp(sizes: list[int], pieces: int) -> list[nn.Module]:
    return [Maxout(i, o, pieces) for i, o in zip(sizes[:-1], sizes[1:])]


def _check_norm(part: str, norm: str, allowed: tuple[str, ...], why: str) -> None:
    if norm not in allowed:
        raise IncompatibleError(
            f"{part}: norm must be one of {', '.join(map(repr, allowed))}, not {norm!r}{why}."
        )


def _mlp(sizes: list[int], activation: nn.Module, norm: str) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(i, o))
        if norm == "layer":
            layers.append(nn.LayerNorm(o))
        elif norm == "batch":
            layers.append(nn.BatchNorm1d(o))
        layers.append(activation)
    return layers


def _defaults_for(spec: DataSpec) -> dict[str, int]:
    """Hidden width for this data: 128 for points, 256 for flattened images."""
    return {"hidden": 256 if spec.is_image else 128}


def _hidden(hidden: int | None, spec: DataSpec) -> int:
    return hidden if hidden is not None else _defaults_for(spec)["hidden"]


class MLPGenerator(nn.Module):
    """``norm="batch"`` puts batchnorm before each hidden ReLU (PacGAN's toy G)."""

    defaults_for = staticmethod(_defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 hidden: int | None = None, depth: int = 3, norm: str = "none"):
        super().__init__()
        check_options("mlp generator", OPTION_RANGES, hidden=hidden, depth=depth)
        _check_norm("mlp generator", norm, ("none", "batch"), "")
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        hidden = _hidden(hidden, spec)
        out = math.prod(spec.shape)
        body = _mlp([latent_dim + self.num_classes] + [hidden] * depth, nn.ReLU(), norm)
        head: list[nn.Module] = [nn.Linear(hidden, out)]
        if spec.is_image:
            head.append(nn.Tanh())
        self.net = nn.Sequential(*body, *head)

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.net(_with_label(z, cond, self.num_classes)).view(-1, *self.out_shape)


class MLPDiscriminator(nn.Module):
    """``norm`` may be ``none`` or ``layer`` (batch statistics would break gradient
    penalties); ``maxout=K`` makes each hidden unit the maximum of K linear pieces (PacGAN's
    toy D: 5) instead of a LeakyReLU(0.2), and then takes no normalization."""

    defaults_for = staticmethod(_defaults_for)
    option_ranges = D_OPTION_RANGES

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 hidden: int | None = None, depth: int = 3, norm: str = "none",
                 maxout: int = 0):
        super().__init__()
        check_options("mlp discriminator", D_OPTION_RANGES, hidden=hidden, depth=depth,
                      maxout=maxout)
        _check_norm("mlp discriminator", norm, ("none", "layer") if not maxout else ("none",),
                    " (maxout units take no normalization: --d-opt norm=none)" if maxout else "")
        self.in_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        hidden = _hidden(hidden, spec)
        inp = math.prod(spec.shape) + self.num_classes
        sizes = [inp] + [hidden] * depth
        body = _maxout_mlp(sizes, maxout) if maxout else _mlp(sizes, nn.LeakyReLU(0.2), norm)
        self.net = nn.Sequential(*body, nn.Linear(hidden, 1))

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.net(_with_label(x.flatten(1), cond, self.num_classes)).squeeze(1)
