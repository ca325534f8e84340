"""From what the user asked (:class:`TrainConfig`) to the fully resolved :class:`Plan`.

Everything that can be refused is refused here, before anything is built or written:
unknown names, a recipe with no default architecture for this kind of data, a conditioning
the data can't provide (or data the recipe would misuse: paired data for an unconditional
model), an option a part does not take or a value out of its type or range, a seed or
learning rate that NumPy or torch would refuse.  Every part's options are filled in with the
builder's own defaults (and its data-dependent ones, ``defaults_for(spec)``), so the plan
records exactly what was built and an old run rebuilds the same even after a default
changes.
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import replace
from functools import partial
from typing import Any

from ganzoo.data.spec import DatasetInfo, DataSpec
from ganzoo.errors import GanzooError, IncompatibleError
from ganzoo.part_options import check_option_types, check_options
from ganzoo.plan import PRECISIONS, Plan
from ganzoo.recipe import PartChoice, Recipe, parse_part
from ganzoo.registry import Registry
from ganzoo.training.config import TrainConfig

#: Builder arguments the core passes itself, per kind; the rest are the part's options.
#: ``registry`` reaches network builders that declare it (a part wrapping another by name).
CORE_ARGUMENTS: dict[str, frozenset[str]] = {
    "generator": frozenset({"spec", "latent_dim", "conditioning", "registry"}),
    "discriminator": frozenset({"spec", "conditioning", "registry"}),
    "method": frozenset({"kit"}),
}

#: The largest seed: NumPy's and Python's generators take seeds from 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def builder_options(builder: Any, kind: str) -> tuple[dict[str, Any], bool]:
    """A builder's keyword options with their defaults (``inspect.Parameter.empty`` when
    required), and whether it also takes arbitrary ``**options``."""
    skip = CORE_ARGUMENTS.get(kind, frozenset())
    params = inspect.signature(builder).parameters.values()
    options = {p.name: p.default for p in params
               if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in skip}
    return options, any(p.kind is p.VAR_KEYWORD for p in params)


def resolve_part(registry: Registry, kind: str, choice: PartChoice, spec: DataSpec) -> PartChoice:
    """``choice`` with every option filled in: the builder's defaults, then its defaults for
    this data (``defaults_for(spec)``), then the recipe's and user's options, each checked
    against the builder's declared types and ``option_ranges``.

    A part that wraps another by name (PacGAN's ``packed`` discriminator) fills in the inner
    part's options too, with ``resolve_options(options, spec, resolve)``: ``resolve(kind,
    choice, spec)`` is this function, so the plan records every option of every part."""
    entry = registry.get(kind, choice.name)  # a qualified PLUGIN:NAME is recorded as NAME
    builder = entry.load()
    declared, open_ended = builder_options(builder, kind)
    unknown = sorted(set(choice.options) - set(declared))
    if unknown and not open_ended:
        takes = ", ".join(sorted(declared)) or "no options"
        raise IncompatibleError(
            f"The {kind} {choice.name!r} has no option {', '.join(map(repr, unknown))}; it "
            f"takes: {takes}. Check 'ganzoo info {choice.name}'."
        )
    options = {k: v for k, v in declared.items()
               if v is not inspect.Parameter.empty and _jsonable(v)}
    defaults_for = getattr(builder, "defaults_for", None)
    if callable(defaults_for):
        options.update(defaults_for(spec))
    options.update(choice.options)
    _check_values(kind, entry.name, builder, options)
    nested = getattr(builder, "resolve_options", None)
    if callable(nested):
        options = nested(options, spec, partial(resolve_part, registry))
    return PartChoice(entry.name, options)


def _check_values(kind: str, name: str, builder: Any, options: dict[str, Any]) -> None:
    """Options of the types the builder declares, within its ``option_ranges``: a bad value
    is refused here rather than mid-run (``weight=abc``) or silently (``hidden=0``)."""
    part = f"{name} {kind}"
    check_option_types(part, builder, options)
    check_options(part, getattr(builder, "option_ranges", {}), **options)


def check_plan_options(plan: Plan, registry: Registry) -> None:
    """Every part option of a plan that is not resolved here (a recorded one, perhaps edited
    by hand) checked as :func:`resolve_part` checks them, before anything is built."""
    parts = [("method", plan.method), ("generator", plan.generator),
             ("discriminator", plan.discriminator), ("loss", plan.loss)]
    parts += [("regularizer", choice) for choice in plan.all_regularizers]
    for kind, choice in parts:
        builder = registry.get(kind, choice.name).load()
        _check_values(kind, choice.name, builder, dict(choice.options))


def _pick(
    registry: Registry, kind: str, user_name: str | None, default: PartChoice | None,
    recipe: Recipe, spec: DataSpec, dataset: str, options: dict[str, Any] | None = None,
) -> PartChoice:
    """The user's part if named (keeping the recipe's options for the same part), else the
    default; the user's ``options`` are laid over either."""
    if user_name is not None:
        user_name = registry.get(kind, user_name).name  # unknown names fail with suggestions
        if default is None or default.name != user_name:
            default = PartChoice(user_name)
    elif default is None:
        kinds = ", ".join(sorted(getattr(recipe, kind))) or "none"
        raise IncompatibleError(
            f"Model {recipe.name!r} has no default {kind} for {spec.kind} data "
            f"(dataset {dataset!r}); it trains on: {kinds}. Pick another dataset, or name an "
            f"architecture with --{kind} (see 'ganzoo list {kind}')."
        )
    return _with_options(default, options)


def _with_options(choice: PartChoice, options: dict[str, Any] | None) -> PartChoice:
    """``choice`` with the user's ``options`` laid over its own."""
    return PartChoice(choice.name, {**choice.options, **options}) if options else choice


def _user_regularizer(text: str, recipe: Recipe, registry: Registry) -> PartChoice:
    """A ``--reg NAME[:key=value]``; the recipe's own options stay under the user's."""
    choice = parse_part(text)
    choice = PartChoice(registry.get("regularizer", choice.name).name, choice.options)
    for default in recipe.regularizer_choices:
        if default.name == choice.name:
            return PartChoice(choice.name, {**default.options, **choice.options})
    return choice


def _check_numbers(config: TrainConfig) -> None:
    """A seed NumPy can take and finite, positive learning rates (torch refuses NaN only
    once the optimizer is built; inf trains to NaN)."""
    if not 0 <= config.seed <= MAX_SEED:
        raise GanzooError(
            f"The seed must be an integer from 0 to {MAX_SEED} (2**32 - 1, the range NumPy's "
            f"generator takes), not {config.seed}."
        )
    if config.precision not in PRECISIONS:
        raise GanzooError(
            f"--precision must be one of {', '.join(PRECISIONS)}, not {config.precision!r}."
        )
    for flag, lr in (("--lr-g", config.lr_g), ("--lr-d", config.lr_d)):
        if lr is not None and not (math.isfinite(lr) and lr > 0):
            raise GanzooError(f"{flag} must be a finite number above 0, not {lr}.")
    if config.ema_decay is not None and not 0 <= config.ema_decay < 1:
        raise GanzooError(f"--ema-decay must lie in [0, 1), not {config.ema_decay}: 0 keeps "
                          "the latest weights, 0.999 averages over about 1,000 updates.")
    counts = {"--steps": (config.steps, 0), "--batch-size": (config.batch_size, 1),
              "--n-critic": (config.n_critic, 1), "--latent-dim": (config.latent_dim, 1),
              "--image-size": (config.image_size, 1)}
    for flag, (value, least) in counts.items():  # the CLI's types check these; the API too
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < least):
            raise GanzooError(f"{flag} must be a whole number ≥ {least}, not {value!r}.")


def _given(value: int | None, default: int) -> int:
    """The user's number when given (``None``: not given), else the recipe's."""
    return default if value is None else value


def _check_pairing(recipe: Recipe, spec: DataSpec, dataset: str) -> None:
    """An unconditional or class-conditional model on paired data would learn the inputs
    and ignore the targets: refuse it rather than train on the wrong side."""
    if spec.paired and recipe.conditioning != "image":
        raise IncompatibleError(
            f"Dataset {dataset!r} holds (input, target) image pairs, but model "
            f"{recipe.name!r} does not take an input image ({recipe.conditioning!r} "
            "conditioning), so it would learn only the inputs. Use pix2pix (or another model "
            "with image conditioning) on paired data, or an unpaired dataset for this model."
        )
    if spec.unpaired and recipe.conditioning != "unpaired":
        raise IncompatibleError(
            f"Dataset {dataset!r} holds two unpaired image domains (A, B), but model "
            f"{recipe.name!r} ({recipe.conditioning!r} conditioning) would learn only domain "
            "A. Use cyclegan on unpaired data, or a single-domain dataset for this model."
        )


def resolve_plan(config: TrainConfig, registry: Registry) -> Plan:
    """The recipe's preset for this kind of data, the user's overrides, every option filled."""
    from ganzoo.training.conditioning import make_conditioning

    _check_numbers(config)
    dataset: DatasetInfo = registry.get("dataset", config.dataset).load()
    spec = dataset.spec_for(config.image_size)
    recipe: Recipe = registry.get("model", config.model).load().for_data(spec.kind, dataset.name)
    _check_pairing(recipe, spec, dataset.name)

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
        regularizers = tuple(_user_regularizer(text, recipe, registry)
                             for text in config.regularizers)

    g_opt, d_opt = recipe.g_optimizer, recipe.d_optimizer
    if config.lr_g is not None:
        g_opt = replace(g_opt, lr=config.lr_g)
    if config.lr_d is not None:
        d_opt = replace(d_opt, lr=config.lr_d)
    latent_dim = _given(config.latent_dim, recipe.latent_dim.get(spec.kind, 100))
    make_conditioning(recipe.conditioning, spec, latent_dim, dataset.name)  # refuse early

    def part(kind: str, choice: PartChoice) -> PartChoice:
        return resolve_part(registry, kind, choice, spec)

    plan = Plan(
        model=recipe.name,
        paper=recipe.paper,
        dataset=dataset.name,
        spec=spec,
        image_size=config.image_size,
        conditioning=recipe.conditioning,
        method=part("method", _with_options(recipe.method_choice, config.method_options)),
        generator=part("generator", generator),
        discriminator=part("discriminator", discriminator),
        loss=part("loss", loss),
        regularizers=tuple(part("regularizer", r) for r in regularizers),
        extra_terms=tuple(part("regularizer", r) for r in recipe.extra_term_choices),
        g_optimizer=g_opt,
        d_optimizer=d_opt,
        n_critic=_given(config.n_critic, recipe.n_critic),
        batch_size=_given(config.batch_size, recipe.batch_size.get(spec.kind, 64)),
        latent_dim=latent_dim,
        ema_decay=recipe.ema_decay if config.ema_decay is None else config.ema_decay,
        seed=config.seed,
        precision=config.precision,
        sync_batchnorm=config.sync_batchnorm,
        channels_last=config.channels_last and spec.is_image,
    )
    # what is built now must be what the saved record rebuilds: round-trip it through JSON
    return Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
