"""The metric contract: what a metric receives, what it returns, and how it says so.

A metric is registered by name (kind ``"metric"``) as a :class:`Metric` subclass that can be
built without arguments.  It declares the data it applies to and computes figures from a
:class:`MetricTask` — a sampler of generated data and the real reference data — returning
a :class:`Measurement`: the figures, plus a record of how they were measured (extractor and
its weights' hash, sample counts, reference split...).  Figures without that record cannot
be compared, so every metric must fill it in.

Example (a third-party plugin)::

    class MeanGap(Metric):
        name = "mean-gap"
        figures = {"mean_gap": "lower"}

        def applies_to(self, spec, conditioning):
            return spec.kind == "points"

        def compute(self, task):
            n = task.sample_count(default=2500)
            fake = task.samples(n)
            real = task.reference_data(limit=n)
            gap = (fake.mean(0) - real.mean(0)).norm().item()
            return Measurement({"mean_gap": gap}, task.record(num_generated=n, num_real=len(real)))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping, TypeVar

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.spec import DataSpec
from ganzoo.errors import IncompatibleError

#: Reference sets larger than this are truncated (in their stored order): statistics of
#: 10,000 samples are the usual compromise between bias and cost.
MAX_REFERENCE = 10_000

T = TypeVar("T")


class MetricNotApplicableError(IncompatibleError):
    """A metric asked of a run whose data or conditioning it cannot measure."""


@dataclass
class Measurement:
    """Figures of one metric and the record of how they were measured."""

    values: dict[str, float]
    measured_with: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"values": dict(self.values), "measured_with": dict(self.measured_with)}


def _first_tensors(dataset: Dataset, index: int, limit: int) -> Tensor:
    """Element ``index`` of the first ``limit`` items, stacked (fast for a TensorDataset)."""
    tensors = getattr(dataset, "tensors", None)
    if tensors is not None:
        return tensors[index][:limit]
    count = min(limit, len(dataset))  # type: ignore[arg-type]
    return torch.stack([dataset[i][index] for i in range(count)])


@dataclass
class MetricTask:
    """What a metric is computed from.

    ``sampler(n)`` returns ``n`` generated samples in [-1, 1] on the CPU, always the same
    ones for the same ``n`` (it is seeded).  For an image-to-image run it returns the
    outputs for the first ``n`` reference inputs, so outputs and targets line up.
    ``reference`` is the real data of ``split``, shaped like the generated samples;
    ``train_data`` lazily builds the training split at its native size, for metrics that
    must learn something from real data (the domain feature extractor).  Samples and other
    shared work are memoized, so metrics computed together see the same generated set.
    """

    sampler: Callable[[int], Tensor]
    reference: Dataset
    spec: DataSpec
    conditioning: str = "none"
    dataset: str = ""
    split: str = "test"
    num_samples: int | None = None
    device: str = "cpu"
    seed: int = 0
    train_data: Callable[[], Dataset] | None = None
    inception_weights: Path | None = None
    cache_dir: Path | None = None
    #: the measuring protocol (:mod:`ganzoo.metrics.protocols`); ``None``: automatic
    protocol: str | None = None
    #: the accuracy the dataset declares its domain extractor must reach (``None``: default)
    extractor_target: float | None = None
    #: the metrics computed in this evaluation, so that a bridge to a library which
    #: computes several at once (torch-fidelity) can do them in one pass
    requested: tuple[Metric, ...] = ()
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per key for this task."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def samples(self, n: int) -> Tensor:
        """``n`` generated samples, drawn once and shared by every metric of this task."""
        return self.memo(("samples", n), lambda: self.sampler(n).detach().float().cpu())

    @property
    def reference_size(self) -> int:
        return min(len(self.reference), MAX_REFERENCE)  # type: ignore[arg-type]

    def sample_count(self, default: int) -> int:
        """The number of samples to generate: the user's choice, else the metric's default."""
        return self.num_samples if self.num_samples is not None else default

    def reference_data(self, limit: int = MAX_REFERENCE) -> Tensor:
        """Real samples to compare with: the targets of a paired dataset, else the data."""
        return _first_tensors(self.reference, 1 if self.spec.paired else 0, limit)

    def reference_inputs(self, limit: int = MAX_REFERENCE) -> Tensor:
        """The inputs of a paired (image-to-image) reference set."""
        if not self.spec.paired:
            raise MetricNotApplicableError(
                f"Dataset {self.dataset!r} is not paired: it has no inputs to translate."
            )
        return _first_tensors(self.reference, 0, limit)

    def record(self, **extra: Any) -> dict[str, Any]:
        """The part of a measurement record every metric shares, plus ``extra``."""
        return {"dataset": self.dataset, "reference_split": self.split, "seed": self.seed,
                **extra}


class Metric:
    """A registered metric.  Subclasses set the class attributes and implement both methods.

    Register the class (it is built without arguments), with its one-line summary::

        registry.add("metric", "mean-gap", "my_plugin.metrics:MeanGap", summary="...")

    ``figures`` maps each figure the metric reports to ``"lower"`` or ``"higher"`` (which
    is better), or ``""`` for figures that only qualify another (a standard deviation).
    """

    name: ClassVar[str] = ""
    figures: ClassVar[Mapping[str, str]] = {}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        """Whether this metric can measure a run on data ``spec`` with ``conditioning``
        (``"none"``, ``"class"`` or ``"image"``)."""
        raise NotImplementedError

    def compute(self, task: MetricTask) -> Measurement:
        """Figures for ``task``; user-caused failures raise a ``GanzooError``."""
        raise NotImplementedError
