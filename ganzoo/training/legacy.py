"""Reading run folders from before plans were recorded (``config.json`` format 1).

Such a folder holds the request and a *description* of what it resolved to: part names
with the options that differed from their defaults, optimizer lines, batch size, latent
size and critic steps.  Re-resolving the request alone would apply today's recipe defaults
(wgan-gp's penalty on points changed from 10 to 0.1, say), so the described choices are
laid over it; options a description leaves out are the builder's defaults.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Mapping

from ganzoo.plan import Plan
from ganzoo.recipe import OptimizerSpec, PartChoice, parse_value
from ganzoo.registry import Registry
from ganzoo.training.config import TrainConfig

_PART = re.compile(r"^\s*([^()\s]+)\s*(?:\((.*)\))?\s*$")
_OPTIMIZER = re.compile(r"^(\w+) lr=(\S+)(?: betas=\(([^,]+), ([^)]+)\))?$")


def _part(text: str) -> PartChoice:
    """``mlp(hidden=16, depth=3)`` as it was described, back into a choice."""
    match = _PART.match(text)
    if match is None:
        raise ValueError(f"cannot read the part {text!r}")
    name, options = match.groups()
    pairs = [p.partition("=") for p in options.split(", ")] if options else []
    return PartChoice(name, {k.strip(): parse_value(v.strip()) for k, _, v in pairs})


def _optimizer(text: str) -> OptimizerSpec:
    """``adam lr=0.0001 betas=(0, 0.9)`` as it was described, back into a spec."""
    match = _OPTIMIZER.match(text)
    if match is None:
        raise ValueError(f"cannot read the optimizer {text!r}")
    name, lr, beta1, beta2 = match.groups()
    betas = (float(beta1), float(beta2)) if beta1 is not None else OptimizerSpec().betas
    return OptimizerSpec(name, float(lr), betas)


def legacy_plan(record: Mapping[str, Any], registry: Registry) -> Plan:
    """The plan a format-1 run was trained with: its request re-resolved, with the parts,
    optimizers and schedule it described laid over today's defaults."""
    from ganzoo.training.resolve import resolve_part, resolve_plan

    plan = resolve_plan(TrainConfig.from_json(record["config"]), registry)
    described = record.get("plan") or {}
    if "g_optimizer" not in described:  # no description to go by
        return plan

    def part(kind: str, text: str) -> PartChoice:
        return resolve_part(registry, kind, _part(text), plan.spec)

    return replace(
        plan,
        generator=part("generator", described["generator"]),
        discriminator=part("discriminator", described["discriminator"]),
        loss=part("loss", described["loss"]),
        regularizers=tuple(part("regularizer", r) for r in described["regularizers"]),
        extra_terms=tuple(part("regularizer", r) for r in described["extra_terms"]),
        g_optimizer=_optimizer(described["g_optimizer"]),
        d_optimizer=_optimizer(described["d_optimizer"]),
        n_critic=int(described["n_critic"]),
        batch_size=int(described["batch_size"]),
        latent_dim=int(described["latent_dim"]),
    )
