"""Contracts of generators and discriminators: built for each kind of data they claim,
they take and return what the loop passes and expects.

- A generator ``G(z, cond)`` returns a batch shaped like the data, finite, in [-1, 1] for
  images, and is trainable (gradients reach its parameters).
- A discriminator ``D(x, cond)`` returns finite floating scores, one row per sample (a
  score, a column or a patch map), differentiable with respect to its input (gradient
  penalties differentiate through it).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from ganzoo.errors import IncompatibleError
from ganzoo.recipe import PartChoice
from ganzoo.registry import Entry, Registry
from ganzoo.testing.cases import ContractError, require
from ganzoo.testing.samples import BATCH, LATENT_DIM, SAMPLES, Sample, condition, data
from ganzoo.training.build import build_part
from ganzoo.training.conditioning import make_conditioning
from ganzoo.training.resolve import resolve_part


def build(registry: Registry, entry: Entry, sample: Sample) -> nn.Module | None:
    """``entry`` built for ``sample`` with its default options; ``None`` when it refuses
    that data with an ``IncompatibleError``."""
    kwargs = {"conditioning": sample.conditioning}
    if entry.kind == "generator":
        kwargs["latent_dim"] = 0 if sample.conditioning == "image" else LATENT_DIM
    try:
        choice = resolve_part(registry, entry.kind, PartChoice(entry.name), sample.spec)
        module = build_part(registry, entry.kind, choice, sample.spec, **kwargs)
    except IncompatibleError:
        return None
    require(isinstance(module, nn.Module),
            f"built for {sample.label} it returned {type(module).__name__}, not a "
            "torch.nn.Module")
    return module


def _finite(name: str, value: object, sample: Sample) -> Tensor:
    require(isinstance(value, Tensor), f"for {sample.label} {name} is a "
            f"{type(value).__name__}, not a tensor")
    assert isinstance(value, Tensor)
    require(value.is_floating_point(), f"for {sample.label} {name} has dtype {value.dtype}, "
            "not a floating type")
    require(bool(torch.isfinite(value).all()), f"for {sample.label} {name} holds NaN or inf")
    return value


def check_generator(registry: Registry, entry: Entry) -> str:
    return _each_claimed(registry, entry, _generator_draws)


def check_discriminator(registry: Registry, entry: Entry) -> str:
    return _each_claimed(registry, entry, _discriminator_scores)


def _each_claimed(registry: Registry, entry: Entry,
                  check: Callable[[nn.Module, Sample], None]) -> str:
    claimed = []
    for sample in SAMPLES:
        module = build(registry, entry, sample)
        if module is not None:
            torch.manual_seed(0)
            check(module, sample)
            claimed.append(sample.label)
    require(bool(claimed),
            f"it builds for none of the sample data ({'; '.join(s.label for s in SAMPLES)}): "
            "it must build for the data it supports and refuse the rest with an "
            "IncompatibleError")
    return "claims " + "; ".join(claimed)


def _generator_draws(generator: nn.Module, sample: Sample) -> None:
    spec = sample.spec
    latent_dim = 0 if sample.conditioning == "image" else LATENT_DIM
    space = make_conditioning(sample.conditioning, spec, latent_dim).latent_space(generator)
    z = space.sample(BATCH) if space is not None else None
    generator.train()
    out = _finite("G(z, cond)", generator(z, condition(sample)), sample)
    require(tuple(getattr(generator, "out_shape", ())) == tuple(spec.shape),
            f"for {sample.label} its out_shape is {getattr(generator, 'out_shape', None)}, "
            f"not the data's shape {spec.shape}")
    expected = (BATCH, *spec.shape)
    require(tuple(out.shape) == expected,
            f"for {sample.label} G(z, cond) has shape {tuple(out.shape)}, not {expected} "
            "(batch, then the data's shape)")
    if spec.is_image:
        low, high = float(out.detach().min()), float(out.detach().max())
        require(-1 - 1e-5 <= low and high <= 1 + 1e-5,
                f"for {sample.label} G(z, cond) spans [{low:.3g}, {high:.3g}]; images are in "
                "[-1, 1] (end with tanh)")
    out.square().mean().backward()
    trained = [p for p in generator.parameters() if p.grad is not None]
    require(bool(trained), f"for {sample.label} no gradient reaches the generator's "
            "parameters: it cannot be trained")


def _discriminator_scores(discriminator: nn.Module, sample: Sample) -> None:
    x = data(sample.spec).requires_grad_(True)
    discriminator.train()
    scores = _finite("D(x, cond)", discriminator(x, condition(sample)), sample)
    rows = scores.shape[0] if scores.dim() else 0
    require(rows > 0 and BATCH % rows == 0,
            f"for {sample.label} D(x, cond) has shape {tuple(scores.shape)}; the contract is "
            f"one row per sample ({BATCH}, …), or per group of samples for a packed "
            "discriminator")
    require(tuple(getattr(discriminator, "in_shape", ())) == tuple(sample.spec.shape),
            f"for {sample.label} its in_shape is {getattr(discriminator, 'in_shape', None)}, "
            f"not the data's shape {sample.spec.shape} (parts such as diffaugment read it)")
    (grad,) = torch.autograd.grad(scores.sum(), x, allow_unused=True)
    if grad is None or not bool(torch.isfinite(grad).all()):
        raise ContractError(
            f"for {sample.label} D(x, cond) is not differentiable with respect to x "
            "(gradient penalties such as WGAN-GP and R1 need it)")
