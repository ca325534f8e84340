"""Contracts of adversarial losses and regularizers.

- A loss turns raw scores (a column or a patch map) into finite scalar losses whose
  gradients reach the scores they are computed from.
- A regularizer does something — a loss term, an action after D's step, or a transform
  of a network — and what it returns fits the loop: terms are finite scalars (or ``None``),
  transformed networks are modules that still score a batch.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganzoo.data.spec import DataSpec
from ganzoo.errors import IncompatibleError
from ganzoo.parts import Loss, Regularizer
from ganzoo.recipe import PartChoice
from ganzoo.registry import Entry, Registry
from ganzoo.testing.cases import ContractError, require
from ganzoo.testing.samples import BATCH, SAMPLES, Sample, condition, data
from ganzoo.training.build import build_part
from ganzoo.training.resolve import resolve_part

_POINTS = SAMPLES[0].spec


def _built(registry: Registry, entry: Entry, spec: DataSpec) -> object:
    return build_part(registry, entry.kind,
                      resolve_part(registry, entry.kind, PartChoice(entry.name), spec))


def _scalar(name: str, value: object, *inputs: Tensor) -> Tensor:
    """``value`` as a finite scalar tensor whose gradient reaches every one of ``inputs``."""
    require(isinstance(value, Tensor) and value.dim() == 0,
            f"{name} returned {_describe(value)}; it must return a scalar tensor")
    assert isinstance(value, Tensor)
    require(bool(torch.isfinite(value)), f"{name} is {value.item()}, not finite")
    if inputs:
        grads = torch.autograd.grad(value, inputs, allow_unused=True, retain_graph=True)
        require(all(g is not None for g in grads),
                f"{name} does not depend on every score it is given: no gradient reaches them")
    return value


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


def check_loss(registry: Registry, entry: Entry) -> str:
    loss = _built(registry, entry, _POINTS)
    require(isinstance(loss, Loss), f"it built a {type(loss).__name__}, not a ganzoo Loss "
            "(from ganzoo.api import Loss)")
    assert isinstance(loss, Loss)
    for shape, what in (((BATCH, 1), "a score column"), ((BATCH, 1, 3, 3), "a patch map")):
        generator = torch.Generator().manual_seed(0)
        real = torch.randn(shape, generator=generator).requires_grad_(True)
        fake = torch.randn(shape, generator=generator).requires_grad_(True)
        _scalar(f"d_loss on {what}", loss.d_loss(real, fake), real, fake)
        if loss.needs_real_scores_for_g:
            _scalar(f"g_loss on {what}", loss.g_loss(fake, real), fake)
        else:
            _scalar(f"g_loss on {what} (real scores None)", loss.g_loss(fake, None), fake)
    return "finite scalar losses on score columns and patch maps"


class _Critic(nn.Module):
    """A tiny discriminator to hand regularizers: D(x, cond) → one score per sample; for
    paired data it sees the input image too (``cond_channels``, as the contract says)."""

    def __init__(self, spec: DataSpec):
        super().__init__()
        self.in_shape = spec.shape
        self.cond_channels = spec.input_shape[0] if spec.input_shape else 0
        size = math.prod(spec.shape) + (math.prod(spec.input_shape) if spec.input_shape else 0)
        self.net = nn.Sequential(nn.Linear(size, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, x: Tensor, cond: object = None) -> Tensor:
        flat = x.flatten(1)
        if isinstance(cond, Tensor) and cond.is_floating_point():
            flat = torch.cat([flat, cond.flatten(1)], 1)
        return self.net(flat).squeeze(1)


class _Generator(nn.Module):
    """A tiny generator to hand regularizers that transform G."""

    def __init__(self, spec: DataSpec):
        super().__init__()
        self.shape = spec.shape
        self.net = nn.Linear(4, math.prod(spec.shape))

    def forward(self, z: Tensor, cond: object = None) -> Tensor:
        return torch.tanh(self.net(z)).view(len(z), *self.shape)


def check_regularizer(registry: Registry, entry: Entry) -> str:
    checked = []
    for sample in (SAMPLES[2], SAMPLES[0], SAMPLES[-1]):  # images, points, paired images
        try:
            regularizer = _built(registry, entry, sample.spec)
            note = _regularizes(regularizer, sample)
        except IncompatibleError:
            continue
        checked.append(f"{sample.label}: {note}")
    require(bool(checked), "it refuses points, images and paired images (IncompatibleError)")
    return "; ".join(checked)


def _regularizes(regularizer: object, sample: Sample) -> str:
    require(isinstance(regularizer, Regularizer), f"it built a {type(regularizer).__name__}, "
            "not a ganzoo Regularizer (from ganzoo.api import Regularizer)")
    assert isinstance(regularizer, Regularizer)
    spec, cond = sample.spec, condition(sample)
    torch.manual_seed(0)
    critic = regularizer.wrap_discriminator(_Critic(spec))
    require(isinstance(critic, nn.Module), "wrap_discriminator did not return a module")
    generator = regularizer.wrap_generator(_Generator(spec))
    require(isinstance(generator, nn.Module), "wrap_generator did not return a module")
    real = data(spec)
    fake = torch.tanh(generator(torch.randn(BATCH, 4)))
    scores = critic(real, cond)
    require(isinstance(scores, Tensor) and scores.shape[:1] == (BATCH,),
            "the wrapped discriminator no longer returns one score per sample")
    did = [name for name in ("wrap_discriminator", "wrap_generator", "after_d_step")
           if regularizer.overrides(name)]
    d_term = regularizer.d_term(critic, real, fake.detach(), cond)
    if d_term is not None:
        _scalar("d_term", d_term)
        did.append("d_term")
    g_term = regularizer.g_term(fake, real, cond)
    if g_term is not None:
        _scalar("g_term", g_term)  # a weight penalty (orthogonal) needs no gradient to fake
        did.append("g_term")
    regularizer.after_d_step(critic)
    if not did:
        raise ContractError(
            "it does nothing: d_term and g_term return None and it overrides none of "
            "after_d_step, wrap_discriminator, wrap_generator")
    return ", ".join(did)
