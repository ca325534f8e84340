"""Building a resolved plan's parts: networks, loss, regularizers, optimizers and method.

A method receives a :class:`PartsKit` and asks it for what it needs: one generator and one
discriminator for the adversarial method, two of each for CycleGAN.  Each comes built from
the plan's choice, on the run's device, in its memory format, with the regularizers'
module transforms applied to both networks.
"""

from __future__ import annotations

import inspect
from functools import cached_property
from typing import Any, Iterable

import torch
from torch import nn

from ganzoo import distributed
from ganzoo.errors import IncompatibleError
from ganzoo.parts import Loss, Regularizer
from ganzoo.plan import Plan
from ganzoo.recipe import OptimizerSpec, PartChoice
from ganzoo.registry import Registry
from ganzoo.training.conditioning import Conditioning, make_conditioning
from ganzoo.training.precision import Precision


def build_part(registry: Registry, kind: str, choice: PartChoice, *args: Any, **kwargs: Any) -> Any:
    """``choice`` built by its registered builder with its recorded options.  Options the
    builder does not take are a clear error; a TypeError raised inside it is its own bug
    and is not disguised as one."""
    builder = registry.get(kind, choice.name).load()
    options = dict(choice.options)
    if kind in ("generator", "discriminator") and _takes(builder, "registry"):
        kwargs["registry"] = registry  # it builds other parts by name: the run's, not any
    try:
        inspect.signature(builder).bind(*args, **kwargs, **options)
    except TypeError as exc:
        raise IncompatibleError(
            f"The {kind} {choice.name!r} could not be built with options "
            f"{options or '{}'}: {exc}. Check 'ganzoo info {choice.name}'."
        ) from exc
    except ValueError:  # no signature to check (a builtin): let the call say
        pass
    return builder(*args, **kwargs, **options)


def _takes(builder: Any, name: str) -> bool:
    try:
        return name in inspect.signature(builder).parameters
    except (TypeError, ValueError):
        return False


def make_optimizer(spec: OptimizerSpec, params: Iterable[Any]) -> torch.optim.Optimizer:
    if spec.name == "adam":
        return torch.optim.Adam(params, lr=spec.lr, betas=spec.betas, weight_decay=spec.weight_decay)
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.name == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, weight_decay=spec.weight_decay)
    raise IncompatibleError(f"Unknown optimizer {spec.name!r}; use adam, rmsprop or sgd.")


def plan_conditioning(plan: Plan) -> Conditioning:
    return make_conditioning(plan.conditioning, plan.spec, plan.latent_dim, plan.dataset)


def build_regularizers(plan: Plan, registry: Registry) -> list[tuple[str, Regularizer]]:
    """``(name, regularizer)`` for the plan's regularizers, then its extra terms."""
    return [(c.name, build_part(registry, "regularizer", c)) for c in plan.all_regularizers]


def build_generator(plan: Plan, registry: Registry,
                    regularizers: list[tuple[str, Regularizer]] | None = None) -> nn.Module:
    """The generator (on the CPU) transformed by each regularizer, as training built it:
    sampling from a saved run needs the same module to load its weights into."""
    module = build_part(registry, "generator", plan.generator, plan.spec,
                        latent_dim=plan.latent_dim, conditioning=plan.conditioning)
    for _, regularizer in build_regularizers(plan, registry) if regularizers is None else regularizers:
        module = regularizer.wrap_generator(module)
    return module


class PartsKit:
    """What a method is built with: the plan's parts, built on demand on ``device``."""

    def __init__(self, plan: Plan, registry: Registry, device: torch.device | str = "cpu"):
        self.plan = plan
        self.registry = registry
        self.device = torch.device(device)
        self.conditioning = plan_conditioning(plan)
        #: the plan's precision: ``minimize(loss, optimizer)`` for each update (fp16's loss
        #: scaling); the loop runs each step under its autocast
        self.precision = Precision(plan.precision, self.device)
        #: this process's rows of the plan's (global) batch: all of it outside torchrun
        self.local_batch_size = plan.batch_size // distributed.world_size()
        self.sync_batchnorm = plan.sync_batchnorm and distributed.world_size() > 1
        if self.sync_batchnorm and self.device.type != "cuda":
            raise IncompatibleError(
                "--sync-batchnorm needs CUDA GPUs: PyTorch's SyncBatchNorm does not run on the "
                "CPU. Train on GPUs, or without --sync-batchnorm (each process then "
                "normalizes its own rows of the batch)."
            )

    def _place(self, module: nn.Module) -> nn.Module:
        if self.sync_batchnorm:
            module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
        module = module.to(self.device)
        if self.plan.channels_last:
            module = module.to(memory_format=torch.channels_last)
        return module

    def generator(self) -> nn.Module:
        """A new generator as the plan says, transformed by each regularizer, on the device."""
        return self._place(build_generator(self.plan, self.registry, self.regularizers))

    def discriminator(self) -> nn.Module:
        """A new discriminator as the plan says, transformed by each regularizer, on the device."""
        module = build_part(self.registry, "discriminator", self.plan.discriminator,
                            self.plan.spec, conditioning=self.plan.conditioning)
        for _, regularizer in self.regularizers:
            module = regularizer.wrap_discriminator(module)
        return self._place(module)

    @cached_property
    def loss(self) -> Loss:
        return build_part(self.registry, "loss", self.plan.loss)

    @cached_property
    def regularizers(self) -> list[tuple[str, Regularizer]]:
        """``(name, regularizer)`` for the plan's regularizers, then its extra terms."""
        return build_regularizers(self.plan, self.registry)

    def g_optimizer(self, params: Iterable[Any]) -> torch.optim.Optimizer:
        return make_optimizer(self.plan.g_optimizer, params)

    def d_optimizer(self, params: Iterable[Any]) -> torch.optim.Optimizer:
        return make_optimizer(self.plan.d_optimizer, params)


def build_method(kit: PartsKit) -> Any:
    """The plan's method (a :class:`ganzoo.method.Method`), built with ``kit``'s parts."""
    return build_part(kit.registry, "method", kit.plan.method, kit)
