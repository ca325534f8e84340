"""The hooks a ganzoo plugin may implement, grouped by *when* they fire (as in pytest).

**Registration hooks** fire once, when plugins load: one per kind of thing a plugin can
register.  Each receives a :class:`ganzoo.registry.PluginRegistrar` that stamps what it
adds with the plugin's name::

    from ganzoo.api import hookimpl

    @hookimpl
    def ganzoo_register_losses(registry):
        registry.add("loss", "my-loss", "my_plugin.losses:MyLoss", summary="...")

Keep the plugin module cheap to import: register ``"module:attr"`` strings and import torch
inside the code they point to.

**Lifecycle hooks** fire during a run and a bench: run started, a step logged, a checkpoint
saved, samples drawn, the generator measured, run finished, a bench cell finished, a bench
finished.  Trackers (``--tracker``) are objects implementing these, registered for the
length of a run.  A lifecycle hook that raises is reported once and skipped for the rest
of the run: a broken tracker never stops training.

**Query hooks** are asked when a command needs a plugin's answer: which words describe a
dataset's samples (``ganzoo sample --arithmetic``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ganzoo.lifecycle import RunInfo
    from ganzoo.registry import PluginRegistrar

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- registration: once, at load ---------------------------------------------------------

@hookspec
def ganzoo_register_models(registry: PluginRegistrar) -> None:
    """Register recipes (``registry.add_model(Recipe(...))``)."""


@hookspec
def ganzoo_register_generators(registry: PluginRegistrar) -> None:
    """Register generator builders: ``build(spec, *, latent_dim, conditioning, **options)``."""


@hookspec
def ganzoo_register_discriminators(registry: PluginRegistrar) -> None:
    """Register discriminator builders: ``build(spec, *, conditioning, **options)``."""


@hookspec
def ganzoo_register_losses(registry: PluginRegistrar) -> None:
    """Register adversarial losses: classes implementing :class:`ganzoo.parts.Loss`."""


@hookspec
def ganzoo_register_regularizers(registry: PluginRegistrar) -> None:
    """Register regularizers: classes implementing :class:`ganzoo.parts.Regularizer`."""


@hookspec
def ganzoo_register_methods(registry: PluginRegistrar) -> None:
    """Register training methods (steps): classes implementing :class:`ganzoo.method.Method`."""


@hookspec
def ganzoo_register_datasets(registry: PluginRegistrar) -> None:
    """Register datasets (``registry.add_dataset(DatasetInfo(...))``)."""


@hookspec
def ganzoo_register_metrics(registry: PluginRegistrar) -> None:
    """Register metrics: classes implementing :class:`ganzoo.metrics.base.Metric`."""


@hookspec
def ganzoo_register_trackers(registry: PluginRegistrar) -> None:
    """Register trackers: classes whose instances implement lifecycle hooks (below)."""


# -- lifecycle: during a run and a bench -------------------------------------------------

@hookspec
def ganzoo_run_started(run: RunInfo) -> None:
    """A run starts or resumes: ``run.plan`` is its resolved plan, ``run.run_dir`` its folder,
    ``run.start_step`` where it starts and ``run.steps`` where it will stop."""


@hookspec
def ganzoo_step_logged(run: RunInfo, step: int, values: dict[str, float]) -> None:
    """A log step: losses, regularizer terms, ``images_per_s`` and ``elapsed_s`` (the run's
    time so far, measuring during training left out) as floats."""


@hookspec
def ganzoo_checkpoint_saved(run: RunInfo, step: int, path: Path) -> None:
    """A checkpoint was written (atomically) to ``path``."""


@hookspec
def ganzoo_samples_drawn(run: RunInfo, step: int, path: Path) -> None:
    """A picture of samples was written to ``path`` (PNG)."""


@hookspec
def ganzoo_run_evaluated(run: RunInfo, step: int, figures: dict[str, dict[str, float]]) -> None:
    """The generator's moving average was measured during training (``--eval-every``):
    ``figures`` is ``{metric: {figure: value}}``, as recorded in ``evaluations.jsonl``."""


@hookspec
def ganzoo_run_finished(run: RunInfo, result: Any) -> None:
    """The run stopped: ``result`` is its :class:`ganzoo.training.loop.RunResult`
    (``result.interrupted`` tells an interruption from the end of training)."""


@hookspec
def ganzoo_bench_cell_finished(out: Path, row: dict[str, Any]) -> None:
    """One bench cell ended (``row["status"]`` is ok, failed or interrupted)."""


@hookspec
def ganzoo_bench_finished(out: Path, rows: list[dict[str, Any]]) -> None:
    """A bench wrote its reports under ``out``; ``rows`` holds every cell's row."""


# -- queries: asked when a command needs a plugin's answer --------------------------------

@hookspec(firstresult=True)
def ganzoo_dataset_attributes(dataset: str) -> Any:
    """How samples of ``dataset`` are described in words, for ``ganzoo sample --arithmetic
    "thick seven - thin seven + thin one"``: a :class:`ganzoo.arithmetic.Describer` (from
    ``ganzoo.api``), or ``None`` for datasets the plugin does not describe; the first answer
    wins."""


#: hooks the core asks a question through (not fired during runs: trackers cannot take them)
QUERY_HOOKS: tuple[str, ...] = ("ganzoo_dataset_attributes",)


def _names(prefix: str, exclude: str = "") -> tuple[str, ...]:
    return tuple(n for n in list(globals()) if n.startswith(prefix) and
                 not (exclude and n.startswith(exclude)))


REGISTRATION_HOOKS: tuple[str, ...] = _names("ganzoo_register_")
LIFECYCLE_HOOKS: tuple[str, ...] = tuple(
    n for n in _names("ganzoo_", exclude="ganzoo_register_") if n not in QUERY_HOOKS)
HOOK_NAMES: tuple[str, ...] = REGISTRATION_HOOKS + LIFECYCLE_HOOKS + QUERY_HOOKS
