"""A model is a recipe: a training method that names its parts, plus its paper.

The recipe is data only (no torch), so listing and validating it is cheap.  The architecture
is a separate axis: ``generator`` and ``discriminator`` map a kind of data (``"points"``,
``"image"``) to a default part name, and the user may override either.  ``presets`` change
any other field for one kind of data (wgan-gp's penalty weight on points, say) or for one
dataset by name (the paper's nets and batch on ``cifar10``, say).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Mapping

from ganzoo.errors import GanzooError

CONDITIONINGS = ("none", "class", "image", "unpaired", "text")


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by name (``adam``, ``rmsprop``, ``sgd``) with its settings."""

    name: str = "adam"
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"optimizer {self.name!r}: lr must be a finite number above 0, "
                             f"not {self.lr}")

    def describe(self) -> str:
        text = f"{self.name} lr={self.lr:g}"
        if self.name == "adam":
            text += f" betas=({self.betas[0]:g}, {self.betas[1]:g})"
        return text


@dataclass(frozen=True)
class PartChoice:
    """A part by registry name, with keyword options for its builder."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.options:
            return self.name
        opts = ", ".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.name}({opts})"


def parse_value(text: str) -> Any:
    """A command-line option value as int, float, bool or (otherwise) str."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_options(pairs: Iterable[str], flag: str) -> dict[str, Any]:
    """``key=value`` pairs (``--g-opt hidden=64``) as builder keyword options."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise GanzooError(
                f"{flag} expects key=value (e.g. {flag} hidden=64), not {pair!r}."
            )
        options[key] = parse_value(value.strip())
    return options


def parse_part(text: str, flag: str = "--reg") -> PartChoice:
    """``NAME`` or ``NAME:key=value[:key=value]`` (``gradient-penalty:weight=0.1``), where
    NAME may be qualified as ``PLUGIN:NAME`` (``regularizers:gradient-penalty:weight=0.1``).

    Options are the segments holding ``=``; the one or two segments before them are the
    name, which the registry resolves (names never contain ``:``).
    """
    segments = [segment.strip() for segment in text.split(":")]
    first_option = next((i for i, s in enumerate(segments) if "=" in s), len(segments))
    name, pairs = segments[:first_option], segments[first_option:]
    if not 1 <= len(name) <= 2 or not all(name) or any("=" not in p for p in pairs):
        raise GanzooError(
            f"{flag} expects NAME or NAME:key=value, where NAME may be PLUGIN:NAME (e.g. "
            f"{flag} gradient-penalty:weight=0.1 or {flag} regularizers:gradient-penalty), "
            f"not {text!r}."
        )
    return PartChoice(":".join(name), parse_options(pairs, flag))


def _choice(value: str | PartChoice) -> PartChoice:
    return value if isinstance(value, PartChoice) else PartChoice(value)


@dataclass(frozen=True)
class Recipe:
    """Everything that makes a GAN variant what it is, apart from the data.

    ``method`` is the registered training step (``adversarial``: ``n_critic``
    discriminator updates, then one generator update).  ``generator``/``discriminator``
    map data kinds to default parts; a kind that is missing means the recipe does not
    train on that kind of data by default (the user can still name a part).
    ``regularizers`` (terms, post-step actions, module transforms) can be swapped from the
    command line; ``extra_terms`` are regularizer parts that define the method itself
    (pix2pix's L1) and stay when the user swaps regularizers.  ``presets`` maps a data kind
    (``points``, ``image``) or a dataset name (``cifar10``) to replacements for any other
    field, applied by :meth:`for_data`: the kind's first, then the dataset's.
    """

    name: str
    summary: str
    paper: str
    loss: str | PartChoice
    generator: Mapping[str, str | PartChoice]
    discriminator: Mapping[str, str | PartChoice]
    regularizers: tuple[str | PartChoice, ...] = ()
    extra_terms: tuple[str | PartChoice, ...] = ()
    g_optimizer: OptimizerSpec = OptimizerSpec()
    d_optimizer: OptimizerSpec = OptimizerSpec()
    n_critic: int = 1
    conditioning: str = "none"
    latent_dim: Mapping[str, int] = field(
        default_factory=lambda: {"points": 2, "image": 100}
    )
    batch_size: Mapping[str, int] = field(
        default_factory=lambda: {"points": 256, "image": 64}
    )
    ema_decay: float = 0.999
    method: str | PartChoice = "adversarial"
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    notes: str = ""

    def __post_init__(self) -> None:
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(
                f"recipe {self.name!r}: conditioning must be one of {CONDITIONINGS}"
            )
        if self.n_critic < 1:
            raise ValueError(f"recipe {self.name!r}: n_critic must be at least 1")
        allowed = {f.name for f in fields(self)} - {"name", "presets"}
        for kind, preset in self.presets.items():
            unknown = sorted(set(preset) - allowed)
            if unknown:
                raise ValueError(
                    f"recipe {self.name!r}: presets[{kind!r}] sets unknown field(s) "
                    f"{', '.join(unknown)}; fields are {', '.join(sorted(allowed))}"
                )

    def for_data(self, data_kind: str, dataset: str | None = None) -> "Recipe":
        """This recipe with its preset for ``data_kind`` (``points``, ``image``) applied,
        then the one for ``dataset`` (a plain registry name) if it has one."""
        recipe = self
        for key in (data_kind, dataset):
            preset = self.presets.get(key) if key else None
            if preset:
                recipe = replace(recipe, **preset)
        return replace(recipe, presets={}) if recipe is not self else self

    @property
    def method_choice(self) -> PartChoice:
        return _choice(self.method)

    @property
    def loss_choice(self) -> PartChoice:
        return _choice(self.loss)

    @property
    def regularizer_choices(self) -> tuple[PartChoice, ...]:
        return tuple(_choice(r) for r in self.regularizers)

    @property
    def extra_term_choices(self) -> tuple[PartChoice, ...]:
        return tuple(_choice(r) for r in self.extra_terms)

    def generator_for(self, data_kind: str) -> PartChoice | None:
        value = self.generator.get(data_kind)
        return _choice(value) if value is not None else None

    def discriminator_for(self, data_kind: str) -> PartChoice | None:
        value = self.discriminator.get(data_kind)
        return _choice(value) if value is not None else None

    def describe(self) -> dict[str, Any]:
        """A plain dict for ``ganzoo info`` and run configs."""
        return {
            "name": self.name,
            "summary": self.summary,
            "paper": self.paper,
            "conditioning": self.conditioning,
            "method": self.method_choice.describe(),
            "loss": self.loss_choice.describe(),
            "regularizers": [r.describe() for r in self.regularizer_choices],
            "extra_terms": [r.describe() for r in self.extra_term_choices],
            "generator": {k: _choice(v).describe() for k, v in self.generator.items()},
            "discriminator": {k: _choice(v).describe() for k, v in self.discriminator.items()},
            "g_optimizer": self.g_optimizer.describe(),
            "d_optimizer": self.d_optimizer.describe(),
            "n_critic": self.n_critic,
            "latent_dim": dict(self.latent_dim),
            "batch_size": dict(self.batch_size),
            "ema_decay": self.ema_decay,
            "presets": {kind: "; ".join(f"{k} {_describe(v)}" for k, v in preset.items())
                        for kind, preset in self.presets.items()},
            "notes": self.notes,
        }


def _describe(value: Any) -> str:
    """A preset value as ``ganzoo info`` shows it."""
    if isinstance(value, (PartChoice, OptimizerSpec)):
        return value.describe()
    if isinstance(value, (tuple, list)):
        return ", ".join(_describe(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_describe(v)}" for k, v in value.items())
    return str(value)
