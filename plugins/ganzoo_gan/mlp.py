"""Fully connected generator and discriminator, for any data shape.

On points they are the usual toy-GAN MLPs (linear output, no squashing); on images the
generator ends in ``tanh`` to produce [-1, 1] pixels.  With ``conditioning="class"`` both take
a one-hot label concatenated to their input (Mirza & Osindero 2014).
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
    defaults_for = staticmethod(_defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 hidden: int | None = None, depth: int = 3):
        super().__init__()
        check_options("mlp generator", OPTION_RANGES, hidden=hidden, depth=depth)
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        hidden = _hidden(hidden, spec)
        out = math.prod(spec.shape)
        body = _mlp([latent_dim + self.num_classes] + [hidden] * depth, nn.ReLU(), "none")
        head: list[nn.Module] = [nn.Linear(hidden, out)]
        if spec.is_image:
            head.append(nn.Tanh())
        self.net = nn.Sequential(*body, *head)

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.net(_with_label(z, cond, self.num_classes)).view(-1, *self.out_shape)


class MLPDiscriminator(nn.Module):
    """``norm`` may be ``none`` or ``layer`` (batch statistics would break gradient penalties)."""

    defaults_for = staticmethod(_defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 hidden: int | None = None, depth: int = 3, norm: str = "none"):
        super().__init__()
        check_options("mlp discriminator", OPTION_RANGES, hidden=hidden, depth=depth)
        if norm not in ("none", "layer"):
            raise IncompatibleError(f"mlp discriminator: norm must be 'none' or 'layer', not {norm!r}.")
        self.in_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        hidden = _hidden(hidden, spec)
        inp = math.prod(spec.shape) + self.num_classes
        body = _mlp([inp] + [hidden] * depth, nn.LeakyReLU(0.2), norm)
        self.net = nn.Sequential(*body, nn.Linear(hidden, 1))

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.net(_with_label(x.flatten(1), cond, self.num_classes)).squeeze(1)
