"""Turning a recipe, a dataset and the user's overrides into ready-to-train parts.

Everything that can be refused is refused here, before the first step: unknown names,
a recipe with no default architecture for this kind of data, a conditioning the data can't
provide, a part that can't build for the data's shape.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ganzoo.data.spec import DatasetInfo, DataSpec
from ganzoo.errors import IncompatibleError
from ganzoo.recipe import OptimizerSpec, PartChoice, Recipe, parse_part
from ganzoo.registry import Registry
from ganzoo.training.config import TrainConfig


@dataclass(frozen=True)
class Plan:
    """The resolved choices of a run, known before any torch object exists."""

    recipe: Recipe
    dataset: DatasetInfo
    spec: DataSpec
    generator: PartChoice
    discriminator: PartChoice
    loss: PartChoice
    regularizers: tuple[PartChoice, ...]
    extra_terms: tuple[PartChoice, ...]
    latent_dim: int
    batch_size: int
    n_critic: int
    g_optimizer: OptimizerSpec
    d_optimizer: OptimizerSpec

    def describe(self) -> dict[str, Any]:
        return {
            "recipe": self.recipe.name,
            "paper": self.recipe.paper,
            "dataset": self.dataset.name,
            "data": self.spec.describe(),
            "conditioning": self.recipe.conditioning,
            "generator": self.generator.describe(),
            "discriminator": self.discriminator.describe(),
            "loss": self.loss.describe(),
            "regularizers": [r.describe() for r in self.regularizers],
            "extra_terms": [r.describe() for r in self.extra_terms],
            "latent_dim": self.latent_dim,
            "batch_size": self.batch_size,
            "n_critic": self.n_critic,
            "g_optimizer": self.g_optimizer.describe(),
            "d_optimizer": self.d_optimizer.describe(),
        }


def _pick(
    registry: Registry, kind: str, user_name: str | None, default: PartChoice | None,
    recipe: Recipe, spec: DataSpec, dataset: str, options: dict[str, Any] | None = None,
) -> PartChoice:
    """The user's part if named (keeping the recipe's options for the same part), else the
    default; the user's ``options`` are laid over either."""
    if user_name is not None:
        registry.get(kind, user_name)  # unknown names fail here, with suggestions
        if default is None or default.name != user_name:
            default = PartChoice(user_name)
    elif default is None:
        kinds = ", ".join(sorted(recipe.generator)) or "none"
        raise IncompatibleError(
            f"Model {recipe.name!r} has no default {kind} for {spec.kind} data "
            f"(dataset {dataset!r}); it trains on: {kinds}. Pick another dataset, or name an "
            f"architecture with --{kind} (see 'ganzoo list {kind}')."
        )
    if options:
        return PartChoice(default.name, {**default.options, **options})
    return default


def _user_regularizer(text: str, recipe: Recipe) -> PartChoice:
    """A ``--reg NAME[:key=value]``; the recipe's own options stay under the user's."""
    choice = parse_part(text)
    for default in recipe.regularizer_choices:
        if default.name == choice.name:
            return PartChoice(choice.name, {**default.options, **choice.options})
    return choice


def plan_run(config: TrainConfig, registry: Registry) -> Plan:
    """Resolve the recipe's defaults and the user's overrides for this dataset."""
    recipe: Recipe = registry.get("model", config.model).load()
    dataset: DatasetInfo = registry.get("dataset", config.dataset).load()
    spec = dataset.spec_for(config.image_size)

    generator = _pick(registry, "generator", config.generator,
                      recipe.generator_for(spec.kind), recipe, spec, dataset.name,
                      config.generator_options)
    discriminator = _pick(registry, "discriminator", config.discriminator,
                          recipe.discriminator_for(spec.kind), recipe, spec, dataset.name,
                          config.discriminator_options)
    loss = _pick(registry, "loss", config.loss, recipe.loss_choice, recipe, spec, dataset.name)
    if config.regularizers is None:
        regularizers = recipe.regularizer_choices
    else:
        regularizers = tuple(_user_regularizer(text, recipe) for text in config.regularizers)
    for choice in (*regularizers, *recipe.extra_term_choices):
        registry.get("regularizer", choice.name)

    g_opt, d_opt = recipe.g_optimizer, recipe.d_optimizer
    if config.lr_g is not None:
        g_opt = replace(g_opt, lr=config.lr_g)
    if config.lr_d is not None:
        d_opt = replace(d_opt, lr=config.lr_d)
    return Plan(
        recipe=recipe,
        dataset=dataset,
        spec=spec,
        generator=generator,
        discriminator=discriminator,
        loss=loss,
        regularizers=regularizers,
        extra_terms=recipe.extra_term_choices,
        latent_dim=config.latent_dim or recipe.latent_dim.get(spec.kind, 100),
        batch_size=config.batch_size or recipe.batch_size.get(spec.kind, 64),
        n_critic=config.n_critic or recipe.n_critic,
        g_optimizer=g_opt,
        d_optimizer=d_opt,
    )


def _build(registry: Registry, kind: str, choice: PartChoice, *args: Any, **kwargs: Any) -> Any:
    builder = registry.get(kind, choice.name).load()
    try:
        return builder(*args, **kwargs, **dict(choice.options))
    except TypeError as exc:
        raise IncompatibleError(
            f"The {kind} {choice.name!r} could not be built with options "
            f"{dict(choice.options) or '{}'}: {exc}. Check 'ganzoo info {choice.name}'."
        ) from exc


def make_optimizer(spec: OptimizerSpec, params: Any) -> Any:
    import torch

    if spec.name == "adam":
        return torch.optim.Adam(params, lr=spec.lr, betas=spec.betas, weight_decay=spec.weight_decay)
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.name == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, weight_decay=spec.weight_decay)
    raise IncompatibleError(f"Unknown optimizer {spec.name!r}; use adam, rmsprop or sgd.")


@dataclass
class Parts:
    """Built, ready-to-train parts of one run."""

    plan: Plan
    generator: Any
    discriminator: Any
    loss: Any
    regularizers: list[Any]
    conditioning: Any
    g_optimizer: Any
    d_optimizer: Any


def build_generator(plan: Plan, registry: Registry) -> Any:
    """The generator alone (on the CPU), as sampling from a saved run needs it."""
    return _build(registry, "generator", plan.generator, plan.spec,
                  latent_dim=plan.latent_dim, conditioning=plan.recipe.conditioning)


def build_parts(plan: Plan, registry: Registry, device: Any = "cpu") -> Parts:
    """Build networks, loss, regularizers and optimizers for a plan, on ``device``."""
    from ganzoo.training.conditioning import make_conditioning

    conditioning = make_conditioning(
        plan.recipe.conditioning, plan.spec, plan.latent_dim, plan.dataset.name
    )
    kind = plan.recipe.conditioning
    generator = build_generator(plan, registry)
    discriminator = _build(registry, "discriminator", plan.discriminator, plan.spec,
                           conditioning=kind)
    loss = _build(registry, "loss", plan.loss)
    regularizers = [_build(registry, "regularizer", c) for c in (*plan.regularizers, *plan.extra_terms)]
    for reg in regularizers:
        discriminator = reg.wrap_discriminator(discriminator)
    generator, discriminator = generator.to(device), discriminator.to(device)
    return Parts(
        plan=plan,
        generator=generator,
        discriminator=discriminator,
        loss=loss,
        regularizers=regularizers,
        conditioning=conditioning,
        g_optimizer=make_optimizer(plan.g_optimizer, generator.parameters()),
        d_optimizer=make_optimizer(plan.d_optimizer, discriminator.parameters()),
    )
