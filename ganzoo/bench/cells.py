"""The bench's grid of cells and the settings that make their figures comparable.

A cell is one model trained on one dataset with one seed, in its own run folder
``OUT/runs/<model>-<dataset>-seed<k>``.  Two kinds of reference cell sit beside them so that
figures can be read: the real held-out data measured against the reference split (the floor
a perfect generator would reach) and each model's generator before any update (the ceiling
of a useless one).

The *settings* are what decide a cell's figures: the budget (generator updates, batch size)
and how figures are measured (metrics, number of samples).  One output folder holds one set
of settings, so every row in it was produced under the same budget; the grid itself (models,
datasets, seeds) may grow between runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ganzoo.recipe import Recipe

TRAINED = "trained"
UNTRAINED = "untrained"
REAL = "real"

BUDGET_DEFINITION = (
    "Every model gets the same number of generator updates (--steps) on batches of the "
    "same size (--batch-size; by default ganzoo's default for the kind of data, 64 images "
    "or 256 points, whatever each recipe would pick). Each generator update follows the "
    "recipe's n_critic discriminator updates, so discriminator updates (steps × n_critic) "
    "and wall time differ between models; both are recorded beside the figures. Untrained "
    "rows are the same generators at step 0."
)


def default_batch_size(data_kind: str) -> int:
    """The batch size every model gets on this kind of data unless --batch-size is given:
    the core's default (a recipe's ``batch_size`` before the recipe overrides it)."""
    batch_size = next(f for f in fields(Recipe) if f.name == "batch_size")
    return batch_size.default_factory()[data_kind]  # type: ignore[misc]


@dataclass(frozen=True)
class Settings:
    """What must be equal for two cells' figures to be compared.

    ``batch_size`` ``None`` means :func:`default_batch_size` of each dataset's kind.  The
    part options are given to every model's generator / discriminator builder (e.g. a
    smaller ``base_channels`` for all convolutional models).
    """

    steps: int
    batch_size: int | None = None
    metrics: tuple[str, ...] | None = None
    num_samples: int | None = None
    generator_options: dict[str, Any] = field(default_factory=dict)
    discriminator_options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["metrics"] = list(self.metrics) if self.metrics is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Settings":
        metrics = data.get("metrics")
        return cls(
            steps=int(data["steps"]),
            batch_size=data.get("batch_size"),
            metrics=tuple(metrics) if metrics is not None else None,
            num_samples=data.get("num_samples"),
            generator_options=dict(data.get("generator_options") or {}),
            discriminator_options=dict(data.get("discriminator_options") or {}),
        )

    def differences(self, other: "Settings") -> list[str]:
        """Human-readable ``name: theirs → ours`` lines for every setting that differs."""
        mine, theirs = self.to_json(), other.to_json()
        def show(value: Any) -> str:
            return "default" if value is None else repr(value)

        return [
            f"{key}: {show(theirs[key])} → {show(mine[key])}"
            for key in mine
            if mine[key] != theirs[key]
        ]


@dataclass(frozen=True)
class Cell:
    """One entry of the grid; ``kind`` is trained, untrained (step 0) or real data."""

    kind: str
    dataset: str
    model: str | None = None
    seed: int = 0

    @property
    def key(self) -> str:
        """A stable name: the row key in results.jsonl and the run folder's name."""
        if self.kind == REAL:
            return f"real-{self.dataset}"
        base = f"{self.model}-{self.dataset}-seed{self.seed}"
        return base if self.kind == TRAINED else f"{base}-{UNTRAINED}"

    @property
    def label(self) -> str:
        """How the cell's group is named in tables and reports."""
        if self.kind == REAL:
            return "real data (held-out)"
        return self.model if self.kind == TRAINED else f"{self.model} (untrained)"

    def run_dir(self, out: Path) -> Path | None:
        """The run folder this cell trains into; real-data cells have none."""
        return None if self.kind == REAL else out / "runs" / self.key

    def describe(self) -> str:
        if self.kind == REAL:
            return f"real data · {self.dataset}"
        what = "untrained " if self.kind == UNTRAINED else ""
        return f"{what}{self.model} · {self.dataset} · seed {self.seed}"


def grid(
    models: list[str], datasets: list[str], seeds: int, *, references: bool = True
) -> list[Cell]:
    """Every cell of the bench, references first per dataset (they are quick to measure)."""
    cells: list[Cell] = []
    for dataset in datasets:
        if references:
            cells.append(Cell(REAL, dataset))
            cells.extend(Cell(UNTRAINED, dataset, model, 0) for model in models)
        cells.extend(
            Cell(TRAINED, dataset, model, seed) for model in models for seed in range(seeds)
        )
    return cells
