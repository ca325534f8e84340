"""Evaluating a run folder (or the real data itself) with registered metrics.

:func:`evaluate_run` loads a run's EMA generator, measures it against the dataset's ``test``
split and merges the figures into ``eval.json`` in the run folder (or another file), which
it checks can be written before measuring anything: figures are never computed to be lost.
:func:`evaluate_real` measures held-out real data (the training split) the same way: the
floor a perfect generator would reach.  :func:`evaluate_images` measures images from
anywhere (a folder or an ``.npz``) the same way, so another library's model can sit beside
ganzoo's.  All return ``{metric: {"values": {figure: float}, "measured_with": {...}}}``, which
is also the layout of ``eval.json``; image figures name their protocol
(:mod:`ganzoo.metrics.protocols`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import torch
from rich.console import Console
from rich.markup import escape
from torch import Tensor
from torch.utils.data import Dataset, TensorDataset

from ganzoo import __version__
from ganzoo.data.spec import DataSpec, DatasetInfo
from ganzoo.data.text import dataset_captions
from ganzoo.errors import GanzooError
from ganzoo.files import WriteError, atomic_write_text, check_writable
from ganzoo.metrics.base import Measurement, Metric, MetricNotApplicableError, MetricTask
from ganzoo.metrics.protocols import check_protocol
from ganzoo.registry import DISABLE_ENV, Entry, Registry

if TYPE_CHECKING:
    from ganzoo.rejection import RejectionSampler
    from ganzoo.training.run import LoadedRun

REFERENCE_SPLIT = "test"
HELD_OUT_SPLIT = "train"


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from ganzoo.plugins import get_registry

    return get_registry()


def _instance(entry: Entry) -> Metric:
    target = entry.load()
    return target() if isinstance(target, type) else target


def load_metric(registry: Registry, name: str) -> Metric:
    """The metric registered as ``name`` (unknown names fail with close matches)."""
    return _instance(registry.get("metric", name))


def _applies(entry: Entry, spec: Any, conditioning: str) -> bool:
    """Whether a metric applies; one that cannot say (it fails to load, or its
    ``applies_to`` raises) is left out with a warning naming its plugin, so a broken
    plugin cannot stop the other metrics."""
    try:
        return bool(_instance(entry).applies_to(spec, conditioning))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug, isolated
        Console(stderr=True).print(
            f"[yellow]Skipped the metric {escape(repr(entry.name))} of plugin "
            f"{escape(repr(entry.plugin))}:[/] it could not tell whether it applies "
            f"({escape(f'{type(exc).__name__}: {exc}')}). Report this to the plugin's "
            f"author, or disable the plugin with {DISABLE_ENV}={escape(entry.plugin)}.",
            soft_wrap=True, highlight=False)
        return False


def applicable_metrics(registry: Registry, spec: Any, conditioning: str) -> list[str]:
    """Names of every registered metric that can measure this kind of run."""
    return [e.name for e in registry.list("metric") if _applies(e, spec, conditioning)]


def resolve_metrics(
    registry: Registry, names: Iterable[str] | None, spec: Any, conditioning: str, what: str,
) -> list[tuple[str, Metric]]:
    """The named metrics (or every applicable one), refusing those that don't apply."""
    applicable = applicable_metrics(registry, spec, conditioning)
    if names is None:
        names = applicable
        if not names:
            raise MetricNotApplicableError(
                f"No installed metric applies to {what} ({spec.describe()}, conditioning "
                f"{conditioning!r}). Run 'ganzoo list metric' to see the metrics."
            )
    chosen = []
    for name in names:
        entry = registry.get("metric", name)
        if entry.name not in applicable:
            raise MetricNotApplicableError(
                f"The metric {name!r} does not apply to {what} ({spec.describe()}, "
                f"conditioning {conditioning!r}). Metrics that apply: "
                f"{', '.join(applicable) or 'none'}."
            )
        chosen.append((name, _instance(entry)))
    return chosen


def evaluate(
    task: MetricTask, metrics: list[tuple[str, Metric]], *,
    skip_errors: bool = False, console: Console | None = None, extra: dict[str, Any] | None = None,
) -> dict[str, Measurement]:
    """Compute ``metrics`` on one task; each record gains ``seconds`` and ``extra``.

    With ``skip_errors`` a metric that fails with a :class:`GanzooError` (no feature
    extractor for this data, say) is reported on ``console`` and left out; if every metric
    fails, that is an error naming each reason.
    """
    task.requested = tuple(metric for _, metric in metrics)
    results: dict[str, Measurement] = {}
    skipped: dict[str, list[str]] = {}  # reason -> metrics, so a shared cause prints once
    for name, metric in metrics:
        started = time.perf_counter()
        try:
            if console is not None:
                with console.status(f"Computing {name}…"):
                    measurement = metric.compute(task)
            else:
                measurement = metric.compute(task)
        except GanzooError as exc:
            if not skip_errors:
                raise
            skipped.setdefault(str(exc), []).append(name)
            continue
        measurement.measured_with.update(
            seconds=round(time.perf_counter() - started, 3), ganzoo=__version__, **(extra or {}))
        results[name] = measurement
    if metrics and not results:
        reasons = " ".join(f"{', '.join(names)}: {reason}" for reason, names in skipped.items())
        raise GanzooError(f"No metric could be computed, so nothing was stored. {reasons}")
    for reason, names in skipped.items():
        (console or Console(stderr=True)).print(
            f"[yellow]Skipped {', '.join(names)}:[/] {escape(reason)}", soft_wrap=True)
    return results


def _as_json(results: dict[str, Measurement]) -> dict[str, dict[str, Any]]:
    return {name: m.to_json() for name, m in results.items()}


def read_eval(path: Path) -> dict[str, dict[str, Any]]:
    """The figures stored in the ``eval.json`` at ``path`` (empty when there are none)."""
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        stored = exc
    if not isinstance(stored, dict):
        raise GanzooError(f"{path} is damaged ({stored}); delete it and evaluate again.")
    return stored


def write_eval(path: Path, results: dict[str, dict[str, Any]]) -> None:
    """Merge ``results`` into the ``eval.json`` at ``path`` atomically, keeping other
    metrics' figures."""
    merged = {**read_eval(path), **results}
    atomic_write_text(path, json.dumps(merged, indent=2) + "\n")


def _eval_file(run_dir: Path, out: Path | str | None) -> Path:
    """Where the figures go: the run's ``eval.json``, or ``out`` (never another of the
    run's own files); checked before measuring, so figures are never computed to be lost."""
    from ganzoo.training.run import RunPaths

    paths = RunPaths(run_dir)
    path = paths.eval if out is None else Path(out)
    if paths.owns(path) and path.resolve() != paths.eval.resolve():
        raise GanzooError(
            f"{path} is one of the run's own files; store the figures in another file, "
            "e.g. --out figures.json."
        )
    try:
        check_writable(path)
    except WriteError as exc:
        instead = "" if out is not None else (
            " Or store the figures in another file: --out FILE (ganzoo eval), out= "
            "(evaluate_run).")
        raise WriteError(f"{exc} Nothing was measured.{instead}") from exc
    read_eval(path)  # figures are merged into it: a damaged one is refused now, not after
    return path


def _reference_split(info: DatasetInfo) -> str:
    return REFERENCE_SPLIT if REFERENCE_SPLIT in info.splits else info.splits[0]


def _task(
    info: DatasetInfo, sampler: Callable[[int], Tensor], reference: Dataset, spec: Any,
    conditioning: str, split: str, *, data_root: Path | None, num_samples: int | None,
    device: str, seed: int, inception_weights: Path | str | None, cache_dir: Path | None,
    protocol: str | None = None,
) -> MetricTask:
    return MetricTask(
        sampler=sampler,
        reference=reference,
        spec=spec,
        conditioning=conditioning,
        dataset=info.name,
        split=split,
        num_samples=num_samples,
        device=device,
        seed=seed,
        train_data=lambda: info.build(root=data_root, split=HELD_OUT_SPLIT),
        inception_weights=Path(inception_weights) if inception_weights else None,
        cache_dir=cache_dir,
        protocol=protocol,
        extractor_target=info.extractor_accuracy_target,
    )


def run_task(
    run: LoadedRun, info: DatasetInfo, split: str, reference: Dataset, *,
    num_samples: int | None, device: str, seed: int, protocol: str | None = None,
    inception_weights: Path | str | None = None, cache_dir: Path | None = None,
) -> MetricTask:
    """The task measuring ``run``'s generator against ``reference`` (its dataset's
    ``split``): latent vectors drawn from ``seed``; an image-to-image run translates the
    reference inputs, so outputs and targets line up, and a text-to-image run draws sample
    ``i`` from the reference's caption ``i`` (cycling), so captions and samples line up."""
    def sampler(n: int) -> Tensor:
        if run.plan.conditioning == "image":
            return run.sample(n, inputs=task.reference_inputs(limit=n), seed=seed)
        if run.plan.conditioning == "text":
            captions = dataset_captions(reference)
            return run.sample(n, texts=[captions[i % len(captions)] for i in range(n)], seed=seed)
        return run.sample(n, seed=seed)

    task = _task(info, sampler, reference, run.spec, run.plan.conditioning, split,
                 data_root=run.data_root, num_samples=num_samples, device=device, seed=seed,
                 inception_weights=inception_weights, cache_dir=cache_dir, protocol=protocol)
    return task


def domain(dataset: Dataset, index: int) -> Dataset:
    """Domain A (``index`` 0) or B (1) of an unpaired dataset on its own, items ``(x,)`` or
    ``(x, label)``: the dataset's ``domains`` when it has them, else a ``TensorDataset`` of
    its images with their classes (``input_labels``, ``target_labels``) where known.  It
    keeps the dataset's ``true_partners`` (whether A[i] and B[i] are each other's
    translation)."""
    domains = getattr(dataset, "domains", None)
    if domains is not None:
        return domains[index]
    images = dataset.tensors[index]  # type: ignore[attr-defined]
    labels = getattr(dataset, ("input_labels", "target_labels")[index], None)
    view = TensorDataset(images) if labels is None else TensorDataset(images, labels)
    view.true_partners = getattr(dataset, "true_partners", False)  # type: ignore[attr-defined]
    return view


def _domain_spec(view: Dataset) -> DataSpec:
    """The spec of one domain: its image shape, and its classes when its items are labeled."""
    first = view[0]
    labels = getattr(view, "tensors", ())[1:]
    return DataSpec(tuple(first[0].shape), int(labels[0].max()) + 1 if labels else 0)


def unpaired_tasks(
    run: LoadedRun, info: DatasetInfo, split: str, reference: Dataset, *,
    num_samples: int | None, device: str, seed: int, protocol: str | None = None,
    inception_weights: Path | str | None = None, cache_dir: Path | None = None,
) -> dict[str, MetricTask]:
    """One task per direction of a model of unpaired data: ``AtoB`` translates the
    reference split's A images and compares with its B images, ``BtoA`` the other way;
    each domain's extractor (ganzoo's domain CNN) learns from that domain's training
    images."""
    from ganzoo.training.run import DIRECTIONS

    tasks = {}
    for direction, (source, target) in zip(DIRECTIONS, ((0, 1), (1, 0))):
        translator = run.translating(direction)
        inputs, targets = domain(reference, source), domain(reference, target)

        def sampler(n: int, translator: LoadedRun = translator,
                    inputs: Dataset = inputs) -> Tensor:
            count = min(n, len(inputs))  # type: ignore[arg-type]
            given = torch.stack([inputs[i][0] for i in range(count)])
            return translator.sample(count, inputs=given, seed=seed)

        task = _task(info, sampler, targets, _domain_spec(targets), "unpaired", split,
                     data_root=run.data_root, num_samples=num_samples, device=device,
                     seed=seed, inception_weights=inception_weights, cache_dir=cache_dir,
                     protocol=protocol)
        task.train_data = lambda target=target: domain(
            info.build(root=run.data_root, split=HELD_OUT_SPLIT), target)
        tasks[direction] = task
    return tasks


def _per_direction(found: dict[str, dict[str, Measurement]]) -> dict[str, Measurement]:
    """Each metric's figures of every direction as one measurement: figure ``fid`` of
    direction ``AtoB`` as ``fid_AtoB``; the first direction's record, with each other
    direction's under its name."""
    merged: dict[str, Measurement] = {}
    for direction, results in found.items():
        for name, measurement in results.items():
            values = {f"{k}_{direction}": v for k, v in measurement.values.items()}
            if name not in merged:
                merged[name] = Measurement(values, dict(measurement.measured_with))
            else:
                merged[name].values.update(values)
                merged[name].measured_with[direction] = measurement.measured_with
    return merged


def evaluate_run(
    run_dir: str | Path,
    metrics: list[str] | None = None,
    *,
    num_samples: int | None = None,
    device: str = "cpu",
    registry: Registry | None = None,
    progress: bool = True,
    seed: int = 0,
    inception_weights: Path | str | None = None,
    cache_dir: Path | None = None,
    console: Console | None = None,
    out: Path | str | None = None,
    protocol: str | None = None,
    rejection: bool = False,
) -> dict[str, dict[str, Any]]:
    """Measure a trained run against its dataset's test split; merge into ``eval.json``.

    ``metrics=None`` computes every registered metric that applies to the run's data and
    conditioning, leaving out (with a warning) those that cannot be computed here.  The
    figures go to ``out`` if given, else to the run folder's ``eval.json``.  ``protocol``
    names how image metrics measure (``None``: inception-legacy when its weights are
    present, else offline-domain).  A model of unpaired data is measured in each direction
    (figures ``fid_AtoB``, ``fid_BtoA``...: see :func:`unpaired_tasks`).  ``rejection``
    measures samples kept by discriminator rejection sampling (:mod:`ganzoo.rejection`)
    instead, stored as ``METRIC+drs`` beside the plain figures.
    """
    from ganzoo.training.run import load_run

    check_protocol(protocol)
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise GanzooError(
            f"No run folder at {run_dir}. Pass the folder a 'ganzoo train' run wrote "
            "(e.g. runs/dcgan-mnist-5k)."
        )
    eval_file = _eval_file(run_dir, out)
    registry = _registry(registry)
    run = load_run(run_dir, device=device, registry=registry)
    conditioning = run.plan.conditioning
    chosen = resolve_metrics(registry, metrics, run.spec, conditioning, f"run {run_dir}")
    info = registry.get("dataset", run.plan.dataset).load()
    split = _reference_split(info)
    settings: dict[str, Any] = dict(
        num_samples=num_samples, device=device, seed=seed, protocol=protocol,
        inception_weights=inception_weights, cache_dir=cache_dir)
    tasks = (unpaired_tasks(run, info, split, run.dataset(split), **settings)
             if conditioning == "unpaired" else
             {"": run_task(run, info, split, run.dataset(split), **settings)})
    console = console or Console(stderr=True)
    if rejection:
        drs = _rejection_sampler(run, seed, console if progress else None)
        tasks[""].sampler = lambda n: drs.sample(n, seed=seed)
    found = {direction: evaluate(
        task, chosen, skip_errors=metrics is None, console=console if progress else None,
        extra={"model": run.plan.model, "checkpoint_step": run.step})
        for direction, task in tasks.items()}
    results = found[""] if "" in found else _per_direction(found)
    if rejection:
        for measurement in results.values():
            measurement.measured_with["sampling"] = drs.record
        results = {f"{name}+drs": measurement for name, measurement in results.items()}
    figures = _as_json(results)
    write_eval(eval_file, figures)
    return figures


def _rejection_sampler(run: LoadedRun, seed: int, console: Console | None) -> RejectionSampler:
    """The run's calibrated rejection sampler, with a status line while it calibrates."""
    from ganzoo.rejection import rejection_sampler

    if console is None:
        return rejection_sampler(run, seed=seed)
    with console.status("Calibrating the discriminator for rejection sampling…"):
        return rejection_sampler(run, seed=seed)


def evaluate_real(
    dataset: str,
    metrics: list[str] | None = None,
    *,
    num_samples: int | None = None,
    device: str = "cpu",
    registry: Registry | None = None,
    progress: bool = True,
    seed: int = 0,
    inception_weights: Path | str | None = None,
    cache_dir: Path | None = None,
    data_root: Path | None = None,
    image_size: int | None = None,
    console: Console | None = None,
    protocol: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Measure held-out real data (the train split) as if a generator had drawn it.

    The figures are the floor a perfect generator would reach on this reference.  Real data
    is measured unconditionally, so input→output metrics (L1, PSNR, SSIM) do not apply.
    """
    check_protocol(protocol)
    registry = _registry(registry)
    info: DatasetInfo = registry.get("dataset", dataset).load()
    spec = info.spec_for(image_size)
    chosen = resolve_metrics(registry, metrics, spec, "none", f"the real data of {dataset!r}")
    split = _reference_split(info)
    reference = info.build(root=data_root, split=split, image_size=image_size)
    held_out = info.build(root=data_root, split=HELD_OUT_SPLIT, image_size=image_size)

    def sampler(n: int) -> Tensor:
        if n > len(held_out):
            raise GanzooError(
                f"Only {len(held_out)} held-out samples of {dataset!r} exist; ask for fewer "
                f"(got {n})."
            )
        order = torch.randperm(len(held_out), generator=torch.Generator().manual_seed(seed))
        data = getattr(held_out, "tensors", None)
        index = 1 if spec.paired else 0
        if data is not None:
            return data[index][order[:n]]
        return torch.stack([held_out[int(i)][index] for i in order[:n]])

    task = _task(info, sampler, reference, spec, "none", split, data_root=data_root,
                 num_samples=num_samples, device=device, seed=seed,
                 inception_weights=inception_weights, cache_dir=cache_dir, protocol=protocol)
    console = console or Console(stderr=True)
    results = evaluate(
        task, chosen, skip_errors=metrics is None, console=console if progress else None,
        extra={"model": "real data", "held_out_split": HELD_OUT_SPLIT},
    )
    return _as_json(results)


def evaluate_images(
    source: str | Path,
    dataset: str,
    metrics: list[str] | None = None,
    *,
    num_samples: int | None = None,
    device: str = "cpu",
    seed: int = 0,
    protocol: str | None = None,
    inception_weights: Path | str | None = None,
    cache_dir: Path | None = None,
    data_root: Path | None = None,
    image_size: int | None = None,
    console: Console | None = None,
    progress: bool = True,
    out: Path | str | None = None,
    registry: Registry | None = None,
) -> dict[str, dict[str, Any]]:
    """Measure images from anywhere against ``dataset``'s reference split, as a run would be.

    ``source`` is a folder of PNG/JPEG files or an ``.npz`` holding one array
    (:func:`ganzoo.metrics.images.read_images`), fitted to the dataset's channels and size.
    As many images are measured as a run's evaluation generates (the reference's size, or
    ``num_samples``), drawn by a seeded permutation; a source with fewer is refused rather
    than measured at a count no run is measured at.  Every record gains ``images``: the
    path, its content sha256, the count and how the images were read and converted.  The
    figures are merged into ``out`` when given.
    """
    from ganzoo.metrics.images import read_images

    check_protocol(protocol)
    if out is not None:
        check_writable(out)
        read_eval(Path(out))
    registry = _registry(registry)
    info: DatasetInfo = registry.get("dataset", dataset).load()
    spec = info.spec_for(image_size)
    if not spec.is_image:
        raise GanzooError(
            f"--images measures images, but dataset {dataset!r} holds {spec.describe()}; "
            "name an image dataset."
        )
    chosen = resolve_metrics(registry, metrics, spec, "none", f"images against {dataset!r}")
    loaded = read_images(source, spec)
    split = _reference_split(info)
    reference = info.build(root=data_root, split=split, image_size=image_size)

    def sampler(n: int) -> Tensor:
        if n > len(loaded.images):
            raise GanzooError(
                f"{source} holds {len(loaded.images)} images; this measurement draws {n} (as "
                f"many as a run's evaluation on {dataset!r}, so that figures compare). Provide "
                f"at least {n} images, or pass --num-samples {len(loaded.images)} and compare "
                "only with figures measured at that count."
            )
        order = torch.randperm(len(loaded.images), generator=torch.Generator().manual_seed(seed))
        return loaded.images[order[:n]]

    task = _task(info, sampler, reference, spec, "none", split, data_root=data_root,
                 num_samples=num_samples, device=device, seed=seed,
                 inception_weights=inception_weights, cache_dir=cache_dir, protocol=protocol)
    console = console or Console(stderr=True)
    results = evaluate(
        task, chosen, skip_errors=metrics is None, console=console if progress else None,
        extra={"model": "images", "images": loaded.record},
    )
    figures = _as_json(results)
    if out is not None:
        write_eval(Path(out), figures)
    return figures
