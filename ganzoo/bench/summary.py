"""Rows grouped by model and dataset, each figure as mean ± std over seeds.

Both the console table and the written reports read these groups, so they always agree.
Within a dataset, groups are ordered floor to ceiling: the real data first, then the trained
models, then the untrained generators.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable

from ganzoo.bench.cells import REAL, TRAINED, UNTRAINED
from ganzoo.bench.results import OK

_KIND_ORDER = {REAL: 0, TRAINED: 1, UNTRAINED: 2}


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation of one figure over the seeds that finished."""

    mean: float
    std: float | None
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> "Stat | None":
        finite = [float(v) for v in values if v is not None and math.isfinite(v)]
        if not finite:
            return None
        std = statistics.stdev(finite) if len(finite) > 1 else None
        return cls(statistics.fmean(finite), std, len(finite))

    def format(self) -> str:
        """``mean ± std`` (just the mean when there is a single seed)."""
        text = format_number(self.mean)
        return text if self.std is None else f"{text} ± {format_number(self.std, 2)}"


def format_number(value: float, digits: int = 4) -> str:
    """A figure with ``digits`` significant digits, never in scientific notation above 1."""
    if value != 0 and abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


@dataclass
class Group:
    """All cells of one model (or reference) on one dataset."""

    kind: str
    label: str
    model: str | None
    dataset: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok_rows(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] == OK]

    @property
    def seeds(self) -> str:
        """``ok/total`` cells, e.g. ``2/3`` when one seed failed."""
        return f"{len(self.ok_rows)}/{len(self.rows)}"

    def figure(self, name: str) -> Stat | None:
        return Stat.of(r["figures"][name] for r in self.ok_rows if name in r["figures"])

    def figure_names(self) -> list[str]:
        names: dict[str, None] = {}
        for row in self.ok_rows:
            names.update(dict.fromkeys(row["figures"]))
        return list(names)

    @property
    def images_per_s(self) -> Stat | None:
        return Stat.of(r.get("images_per_s") for r in self.ok_rows)

    @property
    def wall_time_s(self) -> Stat | None:
        """Training wall time (the budget's outcome, not part of it)."""
        return Stat.of((r.get("budget") or {}).get("wall_time_s") for r in self.ok_rows)

    @property
    def params(self) -> dict[str, int]:
        for row in self.rows:
            if row.get("params"):
                return row["params"]
        return {}

    @property
    def budget(self) -> dict[str, Any]:
        for row in self.rows:
            if row.get("budget"):
                return row["budget"]
        return {}

    @property
    def errors(self) -> list[str]:
        return [f"{r['cell']}: {r['error']}" for r in self.rows if r["status"] != OK]


def group_rows(rows: Iterable[dict[str, Any]]) -> list[Group]:
    """Rows grouped by (dataset, kind, model); datasets and models keep the order they were
    first seen in (the order the user named them)."""
    groups: dict[tuple[str, str, str | None], Group] = {}
    datasets: dict[str, int] = {}
    for row in rows:
        datasets.setdefault(row["dataset"], len(datasets))
        key = (row["dataset"], row["kind"], row.get("model"))
        if key not in groups:
            groups[key] = Group(row["kind"], row["label"], row.get("model"), row["dataset"])
        groups[key].rows.append(row)
    order = {key: index for index, key in enumerate(groups)}  # first seen: the grid's order
    return [groups[key] for key in sorted(
        groups, key=lambda k: (datasets[k[0]], _KIND_ORDER.get(k[1], 3), order[k])
    )]


def by_dataset(groups: list[Group]) -> dict[str, list[Group]]:
    """Groups split per dataset (each dataset has its own figures), order kept."""
    split: dict[str, list[Group]] = {}
    for group in groups:
        split.setdefault(group.dataset, []).append(group)
    return split


def figure_names(groups: Iterable[Group]) -> list[str]:
    """The union of figures over ``groups``, in the order they were first reported."""
    names: dict[str, None] = {}
    for group in groups:
        names.update(dict.fromkeys(group.figure_names()))
    return list(names)


def format_count(value: int | None) -> str:
    """Parameter counts as ``1.23M`` / ``45.6k``."""
    if value is None:
        return "–"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return str(value)


def format_seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


_ARROWS = {"lower": "↓", "higher": "↑"}


def directions(groups: Iterable[Group]) -> dict[str, str]:
    """Which way each figure is better (``lower``/``higher``; ``""`` for qualifiers)."""
    better: dict[str, str] = {}
    for group in groups:
        for row in group.ok_rows:
            better.update(row.get("better") or {})
    return better


def summary_table(groups: list[Group]) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the comparison of ``groups`` (all on one dataset).

    Figures that only qualify another (a metric's own std over its subsets) are left to
    results.csv; the others are headed with an arrow pointing the better way.
    """
    better = directions(groups)
    names = [n for n in figure_names(groups) if better.get(n) != ""]
    header = ["model", "seeds ok", *(f"{n} {_ARROWS.get(better.get(n, ''), '')}".strip()
                                     for n in names),
              "images/s", "train time", "G params", "D params", "G / D updates"]
    rows = []
    for group in groups:
        stats = [group.figure(name) for name in names]
        speed, wall = group.images_per_s, group.wall_time_s
        budget, params = group.budget, group.params
        updates = (
            f"{budget['generator_updates']:,} / {budget['discriminator_updates']:,}"
            if budget else "–"
        )
        rows.append([
            group.label,
            group.seeds,
            *(s.format() if s else "–" for s in stats),
            f"{speed.mean:,.0f}" if speed else "–",
            format_seconds(wall.mean) if wall and group.kind == TRAINED else "–",
            format_count(params.get("generator")),
            format_count(params.get("discriminator")),
            updates,
        ])
    return header, rows
