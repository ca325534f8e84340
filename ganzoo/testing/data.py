"""Contracts of datasets and metrics.

- A dataset builds each split it declares (or says which files are missing), and yields
  what its spec promises: finite floating tensors of its shape (images in [-1, 1]), class
  labels below ``num_classes``, input images of ``input_shape`` for paired data.
- A metric says which data it applies to, and measures real data standing in for a
  generator: figures it declares (``figures``), finite, with a record of how it measured.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ganzoo.data.spec import DatasetInfo
from ganzoo.errors import DatasetUnavailableError
from ganzoo.metrics.base import Measurement, Metric, MetricTask
from ganzoo.registry import Entry, Registry
from ganzoo.testing.cases import ContractError, NotChecked, require
from ganzoo.testing.samples import SAMPLES

#: items of each split that are checked (all of them would take too long for big data)
ITEMS = 64
#: real datasets a metric is computed on, with the conditioning of runs on them
METRIC_DATA = (("ring8", "none"), ("digits", "none"), ("edges2digits", "image"),
               ("stacked-mnist", "none"))
METRIC_SAMPLES = 200
DIRECTIONS = ("lower", "higher", "")


def check_dataset(registry: Registry, entry: Entry) -> str:
    info = entry.load()
    require(isinstance(info, DatasetInfo), f"it registered a {type(info).__name__}, not a "
            "DatasetInfo (registry.add_dataset(DatasetInfo(...)))")
    require(bool(info.splits), "it declares no splits")
    checked, missing = [], []
    for split in info.splits:
        try:
            dataset = info.build(split=split)
        except DatasetUnavailableError as exc:
            missing.append(f"{split} ({str(exc).split('. ')[0]})")
            continue
        count = len(dataset)
        require(count > 0, f"its {split!r} split is empty")
        for index in range(min(ITEMS, count)):
            _check_item(info, split, index, dataset[index])
        checked.append(f"{split} ({count:,} items)")
    if not checked:
        raise NotChecked("no split could be built here: " + "; ".join(missing))
    note = "checked " + ", ".join(checked)
    return note + (f"; absent here: {'; '.join(missing)}" if missing else "")


def _check_item(info: DatasetInfo, split: str, index: int, item: Any) -> None:
    spec, where = info.spec, f"item {index} of split {split!r}"
    require(isinstance(item, (tuple, list)) and item and all(isinstance(t, Tensor) for t in item),
            f"{where} is {type(item).__name__}; items are tuples of tensors: (x,), (x, label) "
            "or (input, target)")
    if spec.paired:
        require(len(item) == 2, f"{where} has {len(item)} tensors; paired data yields "
                "(input, target)")
        _check_values(f"the input of {where}", item[0], spec.input_shape)
        _check_values(f"the target of {where}", item[1], spec.shape)
        return
    _check_values(where, item[0], spec.shape)
    if spec.num_classes:
        require(len(item) >= 2, f"{where} has no label, but the spec declares "
                f"{spec.num_classes} classes")
        label = item[1]
        require(label.dim() == 0 and not label.is_floating_point(),
                f"the label of {where} is not an integer scalar tensor ({label.dtype}, "
                f"shape {tuple(label.shape)})")
        require(0 <= int(label) < spec.num_classes,
                f"the label of {where} is {int(label)}, outside 0..{spec.num_classes - 1}")


def _check_values(where: str, x: Tensor, shape: tuple[int, ...] | None) -> None:
    """Shape and dtype as declared, finite; images in [-1, 1] (points are coordinates)."""
    require(tuple(x.shape) == tuple(shape or ()),
            f"{where} has shape {tuple(x.shape)}, but the spec declares {shape}")
    require(x.is_floating_point(), f"{where} has dtype {x.dtype}; samples are floating point")
    low, high = float(x.min()), float(x.max())
    require(math.isfinite(low) and math.isfinite(high), f"{where} holds NaN or inf")
    if x.dim() == 3:
        require(-1 - 1e-5 <= low and high <= 1 + 1e-5,
                f"{where} spans [{low:.3g}, {high:.3g}]; images lie in [-1, 1]")


def check_metric(registry: Registry, entry: Entry) -> str:
    target = entry.load()
    metric = target() if isinstance(target, type) else target
    require(isinstance(metric, Metric), f"it registered a {type(metric).__name__}, not a "
            "ganzoo Metric subclass (from ganzoo.api import Metric)")
    figures = dict(metric.figures)
    require(bool(figures) and all(d in DIRECTIONS for d in figures.values()),
            f"its figures {figures} must name each figure with 'lower', 'higher' or ''")
    for sample in SAMPLES:
        answer = metric.applies_to(sample.spec, sample.conditioning)
        require(isinstance(answer, bool), f"applies_to({sample.label}) returned "
                f"{answer!r}, not True or False")
    for dataset, conditioning in METRIC_DATA:
        if (("dataset", dataset) in registry
                and metric.applies_to(registry.get("dataset", dataset).load().spec, conditioning)):
            return _measures_real_data(metric, figures, registry, dataset, conditioning)
    names = ", ".join(name for name, _ in METRIC_DATA)
    raise NotChecked(f"it applies to none of {names}, so it was not computed here")


def _task(registry: Registry, dataset: str, conditioning: str) -> MetricTask:
    """Real data standing in for a generator: held-out training samples, or for paired
    data the test targets slightly perturbed (so translation figures stay finite)."""
    info: DatasetInfo = registry.get("dataset", dataset).load()
    reference = info.build(split="test")
    train = info.build(split="train")

    def sampler(n: int) -> Tensor:
        if conditioning == "image":
            targets = torch.stack([reference[i][1] for i in range(min(n, len(reference)))])
            noise = torch.randn(targets.shape, generator=torch.Generator().manual_seed(0))
            return (targets + 0.05 * noise).clamp(-1, 1)
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))
        return torch.stack([train[int(i)][0] for i in order[:n]])

    return MetricTask(sampler=sampler, reference=reference, spec=info.spec,
                      conditioning=conditioning, dataset=dataset, split="test",
                      num_samples=METRIC_SAMPLES, train_data=lambda: train)


def _measures_real_data(metric: Metric, figures: dict[str, str], registry: Registry,
                        dataset: str, conditioning: str) -> str:
    task = _task(registry, dataset, conditioning)
    task.requested = (metric,)
    result = metric.compute(task)
    require(isinstance(result, Measurement), f"compute returned a {type(result).__name__}, "
            "not a Measurement")
    unknown = sorted(set(result.values) - set(figures))
    require(bool(result.values) and not unknown,
            f"on {dataset} it reported {sorted(result.values)}, which are not among the "
            f"figures it declares ({sorted(figures)})")
    bad = {k: v for k, v in result.values.items()
           if not isinstance(v, (int, float)) or not math.isfinite(v)}
    require(not bad, f"on {dataset} its figures {bad} are not finite numbers")
    record = result.measured_with
    if not {"dataset", "reference_split"} <= set(record):
        raise ContractError(
            f"on {dataset} its record of how it measured ({sorted(record)}) lacks the dataset "
            "and reference split: build it with task.record(...)")
    shown = ", ".join(f"{k} {v:.4g}" for k, v in result.values.items())
    return f"real {dataset} data measured: {shown}"
