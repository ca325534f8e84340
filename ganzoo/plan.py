"""The fully resolved plan of one run: every choice that decides its numbers, as data.

A plan is resolved once, where a run is asked for (the CLI, the bench, the Python API), from
the recipe's defaults for the kind of data and the user's overrides; every part carries
every builder option (defaults filled in).  It is saved in the run folder, and sampling,
evaluation, ``--resume`` and the bench rebuild a run from that record, never from today's
defaults, so a changed default cannot change or break an old run.

A plan holds no torch objects and round-trips through JSON (:meth:`Plan.to_dict`,
:meth:`Plan.from_dict`).  ``format`` is bumped whenever the layout changes; a newer one is
refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.recipe import OptimizerSpec, PartChoice

PLAN_FORMAT = 1
#: How a run's steps compute (:mod:`ganzoo.training.precision`).
PRECISIONS = ("fp32", "bf16", "fp16")


def _choice_dict(choice: PartChoice) -> dict[str, Any]:
    return {"name": choice.name, "options": dict(choice.options)}


def _choice(data: Mapping[str, Any]) -> PartChoice:
    if not isinstance(data["name"], str):
        raise TypeError(f"a part name must be a string, not {data['name']!r}")
    return PartChoice(data["name"], dict(data.get("options") or {}))


def _optimizer_dict(spec: OptimizerSpec) -> dict[str, Any]:
    return {"name": spec.name, "lr": spec.lr, "betas": list(spec.betas),
            "weight_decay": spec.weight_decay}


def _optimizer(data: Mapping[str, Any]) -> OptimizerSpec:
    return OptimizerSpec(data["name"], float(data["lr"]), tuple(data["betas"]),  # type: ignore[arg-type]
                         float(data["weight_decay"]))


def _spec_dict(spec: DataSpec) -> dict[str, Any]:
    data = {"shape": list(spec.shape), "num_classes": spec.num_classes, "paired": spec.paired,
            "input_shape": list(spec.input_shape) if spec.input_shape else None}
    if spec.captioned:
        data["captioned"] = True  # recorded only when set: older plans stay as they were
    return {**data, "unpaired": True} if spec.unpaired else data  # older plans stay as they were


def _spec(data: Mapping[str, Any]) -> DataSpec:
    inp = data.get("input_shape")
    return DataSpec(tuple(data["shape"]), int(data["num_classes"]), bool(data["paired"]),
                    tuple(inp) if inp else None, bool(data.get("unpaired", False)),
                    captioned=bool(data.get("captioned", False)))


@dataclass(frozen=True)
class Plan:
    """Everything that makes a run the run it is (not where it is written or for how long)."""

    model: str
    paper: str
    dataset: str
    spec: DataSpec
    image_size: int | None
    conditioning: str
    method: PartChoice
    generator: PartChoice
    discriminator: PartChoice
    loss: PartChoice
    regularizers: tuple[PartChoice, ...]
    extra_terms: tuple[PartChoice, ...]
    g_optimizer: OptimizerSpec
    d_optimizer: OptimizerSpec
    n_critic: int
    batch_size: int
    latent_dim: int
    ema_decay: float
    seed: int
    precision: str = "fp32"
    channels_last: bool = True
    #: batchnorm statistics over the whole batch under torchrun (SyncBatchNorm)
    sync_batchnorm: bool = False
    format: int = PLAN_FORMAT

    @property
    def all_regularizers(self) -> tuple[PartChoice, ...]:
        """The swappable regularizers and the method's own extra terms, in that order."""
        return (*self.regularizers, *self.extra_terms)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-able data (what ``config.json`` records under ``"plan"``)."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, PartChoice):
                value = _choice_dict(value)
            elif isinstance(value, OptimizerSpec):
                value = _optimizer_dict(value)
            elif isinstance(value, DataSpec):
                value = _spec_dict(value)
            elif f.name in ("regularizers", "extra_terms"):
                value = [_choice_dict(c) for c in value]
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "the plan") -> "Plan":
        """A plan from :meth:`to_dict`'s output (``where`` names it in errors); a newer
        format, or a damaged plan (a field missing, of the wrong type or out of range), is
        refused with a clear message."""
        found = data.get("format") if isinstance(data, Mapping) else None
        if isinstance(found, int) and found > PLAN_FORMAT:
            raise GanzooError(
                f"{where} has format {found}, which this ganzoo (plan format {PLAN_FORMAT}) "
                "does not know: it was written by a newer ganzoo. Upgrade ganzoo "
                "(pip install -U torch-ganzoo) to use it."
            )
        try:
            plan = cls._parse(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GanzooError(
                f"{where} is damaged or incomplete ({type(exc).__name__}: {exc}). Use a run's "
                "config.json as ganzoo wrote it, or its \"plan\" section unchanged."
            ) from None
        return plan

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> "Plan":
        values = dict(data)
        for key in ("method", "generator", "discriminator", "loss"):
            values[key] = _choice(values[key])
        for key in ("regularizers", "extra_terms"):
            values[key] = tuple(_choice(c) for c in values[key])
        for key in ("g_optimizer", "d_optimizer"):
            values[key] = _optimizer(values[key])
        values["spec"] = _spec(values["spec"])
        known = {f.name for f in fields(cls)}
        plan = cls(**{k: v for k, v in values.items() if k in known})
        plan._check()
        return plan

    def _check(self) -> None:
        """The scalars a run relies on, of the right type and in range (ValueError)."""
        counts = {"format": (self.format, 1), "n_critic": (self.n_critic, 1),
                  "batch_size": (self.batch_size, 1), "latent_dim": (self.latent_dim, 0),
                  "seed": (self.seed, 0)}
        for name, (value, least) in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be a whole number ≥ {least}, not {value!r}")
        if not isinstance(self.ema_decay, (int, float)) or not 0 <= self.ema_decay <= 1:
            raise ValueError(f"ema_decay must lie in [0, 1], not {self.ema_decay!r}")
        for name in ("model", "dataset", "conditioning", "precision"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, "
                             f"not {self.precision!r}")

    def describe(self) -> dict[str, str]:
        """One line per field, as the plan table of ``ganzoo train`` shows it."""
        regs = ", ".join(r.describe() for r in self.regularizers) or "none"
        rows = {
            "model": f"{self.model} — {self.paper}",
            "dataset": f"{self.dataset} ({self.spec.describe()})",
            "method": self.method.describe(),
            "generator": self.generator.describe(),
            "discriminator": self.discriminator.describe(),
            "loss": self.loss.describe(),
            "regularizers": regs,
        }
        if self.extra_terms:
            rows["extra terms"] = ", ".join(t.describe() for t in self.extra_terms)
        rows["optimizers"] = (f"G {self.g_optimizer.describe()}; "
                              f"D {self.d_optimizer.describe()}")
        rows["schedule"] = (f"{self.n_critic} D update(s) per step, batch {self.batch_size}, "
                            f"latent {self.latent_dim}, EMA {self.ema_decay:g}, "
                            f"{self.precision}")
        return rows
