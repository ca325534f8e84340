"""Penalties on the discriminator's input gradients: WGAN-GP's and R1.

Both look at the gradient of each sample's score with respect to that sample.  Batch
normalization makes a score depend on the whole batch, so those gradients are no longer
per-sample and the penalty is meaningless (Gulrajani et al. 2017, section 4): we refuse
such a discriminator before training instead of training something invalid.

The penalty's discriminator pass and its input gradient run inside ``double_backward``: in
float32 under mixed precision (half precision's rounding would distort a quantity that is
differentiated twice, and fp16's loss scale never touches it) and eagerly under
``--compile`` (a compiled graph cannot be differentiated twice).
"""

from __future__ import annotations

import torch
from torch import Tensor, autograd, nn

from ganzoo.api import (
    IncompatibleError,
    OptionRange,
    Regularizer,
    check_options,
    double_backward,
    draw_local,
)

#: A penalty's weight: 0 (no penalty) or more; a negative one would reward steep gradients.
WEIGHT = OptionRange(0)


def _input_gradients(discriminator: nn.Module, x: Tensor, cond: object) -> Tensor:
    """d(score)/dx per sample, flattened, in float32, kept in the graph so the penalty
    trains D."""
    x = x.detach().float().requires_grad_(True)
    with double_backward(x):
        scores = discriminator(x, cond)
        (grad,) = autograd.grad(scores.float().sum(), x, create_graph=True)
    return grad.flatten(1)


class _PerSampleGradientPenalty(Regularizer):
    name = ""

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules()):
            raise IncompatibleError(
                f"The {self.name} regularizer needs each sample's own gradient, but this "
                f"discriminator ({type(discriminator).__name__}) uses batch normalization, "
                "which mixes the samples of a batch. Build it without batch normalization, "
                "e.g. --d-opt norm=layer (dcgan, patchgan) or --d-opt norm=none, or pick a "
                "regularizer that works with it (spectral-norm, weight-clipping)."
            )
        return discriminator


class GradientPenalty(_PerSampleGradientPenalty):
    """``weight · E[(‖∇D(x̂)‖₂ − 1)²]`` on random interpolates of real and fake samples.

    The condition (labels or input images) is passed to D unchanged: the interpolate of a
    real and a fake sample is judged under the condition both were made for.
    """

    name = "gradient-penalty"
    option_ranges = {"weight": WEIGHT}

    def __init__(self, weight: float = 10.0):
        check_options("gradient-penalty regularizer", self.option_ranges, weight=weight)
        self.weight = weight

    def d_term(self, discriminator: nn.Module, real: Tensor, fake: Tensor, cond: object) -> Tensor:
        shape = [1] * (real.dim() - 1)
        alpha = draw_local(real.shape[0], lambda n: torch.rand(
            n, *shape, device=real.device, dtype=real.dtype))  # as one process would draw
        mixed = alpha * real.detach() + (1 - alpha) * fake.detach()
        norms = _input_gradients(discriminator, mixed, cond).norm(2, dim=1)
        return self.weight * (norms - 1).pow(2).mean()


class R1(_PerSampleGradientPenalty):
    """``gamma/2 · E[‖∇D(x)‖₂²]`` on real data (Mescheder, Geiger & Nowozin 2018)."""

    name = "r1"
    option_ranges = {"gamma": WEIGHT}

    def __init__(self, gamma: float = 10.0):
        check_options("r1 regularizer", self.option_ranges, gamma=gamma)
        self.gamma = gamma

    def d_term(self, discriminator: nn.Module, real: Tensor, fake: Tensor, cond: object) -> Tensor:
        squared = _input_gradients(discriminator, real, cond).pow(2).sum(dim=1)
        return 0.5 * self.gamma * squared.mean()
