"""ganzoo's public API: what plugins and scripts import, and nothing they should not.

Everything here is stable across minor versions; anything imported from elsewhere in
``ganzoo`` may change.  Names are loaded on first use, so ``from ganzoo.api import Recipe,
hookimpl`` in a plugin module does not import torch (plugins must stay cheap to import)::

    from ganzoo.api import Recipe, OptimizerSpec, hookimpl          # a recipe plugin
    from ganzoo.api import Loss, Regularizer, Method, DataSpec      # parts (import torch)
    from ganzoo.api import train, sample, evaluate, bench            # scripts
    from ganzoo.api import export, load_generator                    # sharing a generator

    result = train("gan", "ring8", steps=500, out="runs/demo")
    pictures = sample("runs/demo", 64)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names used in signatures below; the rest load lazily
    from ganzoo.bench.cells import Settings
    from ganzoo.export import ExportedGenerator
    from ganzoo.registry import Registry
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import RunResult
    from ganzoo.training.run import LoadedRun

_EXPORTS: dict[str, str] = {
    # recipes and the plugin contract
    "hookimpl": "ganzoo.hookspecs",
    "Recipe": "ganzoo.recipe",
    "PartChoice": "ganzoo.recipe",
    "OptimizerSpec": "ganzoo.recipe",
    "PluginRegistrar": "ganzoo.registry",
    "Registry": "ganzoo.registry",
    "DatasetInfo": "ganzoo.data.spec",
    "DataSpec": "ganzoo.data.spec",
    "GanzooError": "ganzoo.errors",
    "IncompatibleError": "ganzoo.errors",
    "UnknownNameError": "ganzoo.errors",
    "DatasetUnavailableError": "ganzoo.errors",
    # loading plugins (a plugin's own tests)
    "load_plugins": "ganzoo.plugins",
    "PluginSet": "ganzoo.plugins",
    "PluginInfo": "ganzoo.plugins",
    # parts (these import torch)
    "Loss": "ganzoo.parts",
    "Regularizer": "ganzoo.parts",
    "Method": "ganzoo.method",
    "LatentSpace": "ganzoo.latents",
    "Code": "ganzoo.latents",
    "Batch": "ganzoo.method",
    "PartsKit": "ganzoo.training.build",
    "double_backward": "ganzoo.training.precision",
    "draw_local": "ganzoo.distributed",
    "local_rows": "ganzoo.distributed",
    "Metric": "ganzoo.metrics.base",
    "MetricTask": "ganzoo.metrics.base",
    "Measurement": "ganzoo.metrics.base",
    "MetricNotApplicableError": "ganzoo.metrics.base",
    "evaluate_images": "ganzoo.metrics.evaluate",
    # ganzoo's domain CNN of a labeled dataset (trained once, cached), as a classifier
    "domain_extractor": "ganzoo.metrics.features",
    "DomainFeatureExtractor": "ganzoo.metrics.features",
    "l1_error": "ganzoo.metrics.translation",
    "ssim": "ganzoo.metrics.translation",
    "RunInfo": "ganzoo.lifecycle",
    # building blocks for networks
    "init_normal_": "ganzoo.nn.init",
    "check_norm": "ganzoo.nn.norm",
    "norm2d": "ganzoo.nn.norm",
    "doubling_widths": "ganzoo.nn.widths",
    "BASE_CHANNELS": "ganzoo.nn.widths",
    # checking a part's options (``option_ranges``) before anything is built
    "OptionRange": "ganzoo.part_options",
    "check_options": "ganzoo.part_options",
    # building blocks for datasets: where files live, the missing-files error, [-1, 1] tensors
    "data_root": "ganzoo.data.images",
    "unavailable": "ganzoo.data.images",
    "check_split": "ganzoo.data.images",
    "to_unit_range": "ganzoo.data.images",
    # writing files a run keeps (temp file + rename: never half a file)
    "atomic_write_text": "ganzoo.files",
    # where measurement artefacts are cached ($GANZOO_CACHE, else ~/.cache/ganzoo)
    "cache_dir": "ganzoo.metrics.cache",
    "atomic_write_bytes": "ganzoo.files",
    "resize": "ganzoo.data.images",
    "square": "ganzoo.data.images",
    "read_rgb": "ganzoo.data.images",
    "image_sizes": "ganzoo.data.images",
    "bad_files_error": "ganzoo.data.images",
    "LazyImages": "ganzoo.data.images",
    # captions as character codes (text-conditioned models and captioned datasets)
    "CAPTION_LENGTH": "ganzoo.data.text",
    "CAPTION_ALPHABET": "ganzoo.data.text",
    "encode_captions": "ganzoo.data.text",
    "decode_captions": "ganzoo.data.text",
    "dataset_captions": "ganzoo.data.text",
    # runs
    "Plan": "ganzoo.plan",
    "TrainConfig": "ganzoo.training.config",
    "RunResult": "ganzoo.training.loop",
    "LoadedRun": "ganzoo.training.run",
    # describing a dataset's samples in words (the ganzoo_dataset_attributes hook)
    "Describer": "ganzoo.arithmetic",
    "BenchRequest": "ganzoo.bench.runner",
    "Settings": "ganzoo.bench.cells",
}

__all__ = sorted([*_EXPORTS, "train", "sample", "evaluate", "bench", "load_run", "export",
                  "load_generator"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ganzoo.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def train(model: str | TrainConfig, dataset: str | None = None, *, progress: bool = False,
          console: Any = None, registry: Registry | None = None, hooks: Any = None,
          **settings: Any) -> RunResult:
    """Train ``model`` on ``dataset`` (or as a :class:`TrainConfig` says), like
    ``ganzoo train``: the plan is resolved once (or read back with ``resume=True``) and
    saved in the run folder.  ``settings`` are TrainConfig fields (``steps``, ``out``,
    ``seed``, ``loss``, ``regularizers``, ``trackers``, ...).  ``registry`` and ``hooks``
    (a pluggy manager) default to the installed plugins'."""
    from ganzoo.plugins import default_plugins
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import hold_run_folder
    from ganzoo.training.loop import train as train_plan
    from ganzoo.training.run import prepare_run

    if isinstance(model, TrainConfig):
        if dataset is not None or settings:
            raise TypeError("train(config) takes no dataset or settings: set them in config")
        config = model
    else:
        if dataset is None:
            raise TypeError("train() needs a dataset name, e.g. train('gan', 'ring8')")
        config = TrainConfig(model=model, dataset=dataset, **settings)
    registry = registry or default_plugins().registry
    # like `ganzoo train`: a folder another process trains into is refused before it is read
    with hold_run_folder(config.run_dir, create=False):
        plan, options = prepare_run(config, registry)
        return train_plan(plan, options, registry=registry, hooks=hooks, progress=progress,
                          console=console, config=config)


def load_run(run_dir: str | Path, *, device: str = "cpu") -> LoadedRun:
    """A trained run's generator (EMA weights), rebuilt from the plan the run recorded."""
    from ganzoo.training.run import load_run as load

    return load(run_dir, device=device)


def sample(run_dir: str | Path, n: int = 64, *, device: str = "cpu", **options: Any) -> Any:
    """``n`` samples of a trained run as a CPU tensor (``labels=``, ``inputs=``, ``seed=``,
    ``truncation=``, ``codes=`` as :meth:`LoadedRun.sample` takes them)."""
    return load_run(run_dir, device=device).sample(n, **options)


def export(run_dir: str | Path, out: str | Path, *, force: bool = False) -> Path:
    """Write a run's (EMA) generator to ``out`` (``.safetensors``) with its model card
    beside it (``ganzoo export``); returns the card's path."""
    from ganzoo.export import export as export_run

    return export_run(run_dir, out, force=force)


def load_generator(path: str | Path, *, device: str = "cpu") -> ExportedGenerator:
    """An exported generator rebuilt from its card, in eval mode: call it as ``model(z,
    cond)``, or ``model.sample(n, seed=...)``; ``model.latent_space``, ``spec``,
    ``num_classes`` and ``card`` say what it takes and makes."""
    from ganzoo.export import load_generator as load

    return load(path, device=device)


def evaluate(run_dir: str | Path, metrics: list[str] | None = None, **options: Any) -> dict[str, Any]:
    """Measure a trained run (``ganzoo eval``); returns ``{metric: {values, measured_with}}``
    and merges it into the run's ``eval.json``."""
    from ganzoo.metrics.evaluate import evaluate_run

    options.setdefault("progress", False)
    return evaluate_run(run_dir, metrics=metrics, **options)


def bench(models: list[str], datasets: list[str], out: str | Path, *, seeds: int = 1,
          settings: Settings | None = None, progress: bool = False, **options: Any) -> list[dict[str, Any]]:
    """Train, evaluate and compare ``models`` on ``datasets`` (``ganzoo bench``); returns
    every row and writes the reports under ``out``."""
    from ganzoo.bench.cells import Settings
    from ganzoo.bench.runner import BenchRequest, run_bench

    request = BenchRequest(models=list(models), datasets=list(datasets), seeds=seeds,
                           settings=settings or Settings(), out=Path(out), **options)
    return run_bench(request, progress=progress)
