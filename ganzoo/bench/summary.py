"""Rows grouped by model and dataset, each figure as mean ± std over seeds, with a confidence
interval and a significance test once enough seeds finished.

Both the console table and the written reports read these groups, so they always agree.
Within a dataset, groups are ordered floor to ceiling: the real data first, then the trained
models, then the untrained generators.  A figure measured under a named protocol (the metric's
``measured_with["protocol"]``) gets a column of its own per protocol, so figures of different
protocols never share a column.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable

from ganzoo.bench.cells import REAL, TRAINED, UNTRAINED
from ganzoo.bench.results import OK

_KIND_ORDER = {REAL: 0, TRAINED: 1, UNTRAINED: 2}

MIN_SEEDS = 3
"""Seeds a figure needs before it gets a confidence interval and takes part in the test."""
LEVEL = 0.95
"""Confidence of the intervals; differences are tested at 1 - LEVEL."""
BEST, SAME = "★", "≈"


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation of one figure over the seeds that finished.

    The confidence interval of the mean is Student's t interval, mean ± t(n-1) · std / √n,
    rather than a bootstrap over seeds: with the 3 to 10 seeds a bench affords, the bootstrap
    distribution of the mean has a handful of distinct values and its percentile interval
    stays inside [min, max] of the seeds, so it covers the true mean far less often than it
    claims (at most 75 % for 3 seeds).  The t interval is exact for normal seed-to-seed noise
    and honest about how little 3 seeds say.
    """

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

    @property
    def interval(self) -> tuple[float, float] | None:
        """The ``LEVEL`` confidence interval of the mean; None below ``MIN_SEEDS`` seeds."""
        if self.n < MIN_SEEDS or self.std is None:
            return None
        from scipy.stats import t

        half = float(t.ppf((1 + LEVEL) / 2, self.n - 1)) * self.std / math.sqrt(self.n)
        return self.mean - half, self.mean + half

    def format(self, wrap: bool = False) -> str:
        """``mean ± std [low, high]``: just the mean for a single seed, no interval below
        ``MIN_SEEDS`` seeds; ``wrap`` puts the interval on a line of its own."""
        text = format_number(self.mean)
        if self.std is None:
            return text
        text = f"{text} ± {format_number(self.std, 2)}"
        if self.interval is None:
            return text
        low, high = self.interval
        separator = "\n" if wrap else " "
        return f"{text}{separator}[{format_number(low)}, {format_number(high)}]"


def differ(a: Stat, b: Stat) -> bool:
    """Whether the means of ``a`` and ``b`` differ significantly (two-sided Welch's t-test at
    level 1 - ``LEVEL``), which needs ``MIN_SEEDS`` seeds on each side."""
    if min(a.n, b.n) < MIN_SEEDS or a.std is None or b.std is None:
        raise ValueError(f"a test needs {MIN_SEEDS} seeds on each side, got {a.n} and {b.n}")
    return welch_p(a, b) < 1 - LEVEL


def welch_p(a: Stat, b: Stat) -> float:
    """Two-sided p-value of Welch's t-test between the means of ``a`` and ``b`` (from their
    means, stds and counts; seeds that gave identical figures on both sides: 0 or 1)."""
    from scipy.stats import ttest_ind_from_stats

    assert a.std is not None and b.std is not None
    if a.std == 0 and b.std == 0:
        return 1.0 if a.mean == b.mean else 0.0
    return float(ttest_ind_from_stats(a.mean, a.std, a.n, b.mean, b.std, b.n,
                                      equal_var=False).pvalue)


@dataclass(frozen=True)
class Column:
    """One column of the comparison: a figure, measured under one protocol (None for rows
    that name none: points metrics and results written before protocols were recorded)."""

    figure: str
    protocol: str | None = None

    def title(self, better: str = "") -> str:
        """``fid [offline-domain] ↓``: name, protocol, arrow pointing the better way."""
        parts = [self.figure, f"[{self.protocol}]" if self.protocol else "",
                 _ARROWS.get(better, "")]
        return " ".join(p for p in parts if p)


def protocol_of(row: dict[str, Any], figure: str) -> str | None:
    """The protocol ``row``'s ``figure`` was measured under, through the figure's metric
    (``row["figure_metric"]``, absent from older rows: no protocol)."""
    metric = (row.get("figure_metric") or {}).get(figure)
    how = (row.get("measured_with") or {}).get(metric) if metric else None
    protocol = how.get("protocol") if isinstance(how, dict) else None
    return str(protocol) if protocol else None


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

    def figure(self, name: str, protocol: str | None = None) -> Stat | None:
        """``name`` over the finished seeds that measured it under ``protocol``."""
        return Stat.of(r["figures"][name] for r in self.ok_rows
                       if name in r["figures"] and protocol_of(r, name) == protocol)

    def columns(self) -> list[Column]:
        found: dict[Column, None] = {}
        for row in self.ok_rows:
            found.update(dict.fromkeys(Column(n, protocol_of(row, n)) for n in row["figures"]))
        return list(found)

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


def columns(groups: Iterable[Group]) -> list[Column]:
    """The union of (figure, protocol) over ``groups``, in the order first reported; a
    figure's columns stay side by side."""
    found: dict[Column, None] = {}
    for group in groups:
        found.update(dict.fromkeys(group.columns()))
    order = {c.figure: i for i, c in reversed(list(enumerate(found)))}
    return sorted(found, key=lambda c: order[c.figure])


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


def contenders(groups: list[Group]) -> list[bool]:
    """Which groups compete for the best figure: models, not the real data or untrained
    generators (the floor and ceiling they are read against)."""
    return [g.kind not in (REAL, UNTRAINED) for g in groups]


def compare(groups: list[Group], column: Column, better: str) -> tuple[list[Stat | None],
                                                                        list[str]]:
    """Each group's figure in ``column`` and its significance mark."""
    stats = [g.figure(column.figure, column.protocol) for g in groups]
    return stats, significance_marks(stats, contenders(groups), better)


def significance_marks(
    stats: list[Stat | None], competing: list[bool], better: str
) -> list[str]:
    """Per group, ``BEST`` for the best mean among the competing groups with ``MIN_SEEDS``
    seeds, ``SAME`` for those not significantly different from it (``differ``), ``""`` for
    the others, and for every group when fewer than two can be tested."""
    tested = [i for i, (s, c) in enumerate(zip(stats, competing))
              if c and s is not None and s.n >= MIN_SEEDS]
    marks = [""] * len(stats)
    if len(tested) < 2 or better not in _ARROWS:
        return marks
    sign = 1 if better == "lower" else -1
    best = min(tested, key=lambda i: sign * stats[i].mean)  # type: ignore[union-attr]
    marks[best] = BEST
    for i in tested:
        if i != best and not differ(stats[i], stats[best]):  # type: ignore[arg-type]
            marks[i] = SAME
    return marks


def statistics_note(groups: list[Group]) -> str:
    """What the intervals and marks of ``groups``' table mean (and when there are none), and
    how protocols split the columns."""
    cols = columns(groups)
    enough = any((s := g.figure(c.figure, c.protocol)) and s.n >= MIN_SEEDS
                 for g in groups for c in cols)
    level, alpha = f"{LEVEL:.0%}", f"{1 - LEVEL:.0%}"
    if enough:
        note = (
            f"With {MIN_SEEDS} or more finished seeds, [low, high] is the {level} confidence "
            f"interval of the mean (Student's t over seeds). Per column, {BEST} marks the "
            f"model with the best mean and {SAME} those whose difference from it is not "
            f"significant (two-sided Welch's t-test at the {alpha} level, each against the "
            f"best); models with fewer than {MIN_SEEDS} finished seeds get no interval and "
            "no mark: no test is made."
        )
    else:
        note = (f"No confidence interval or significance test: they need {MIN_SEEDS} or more "
                "finished seeds.")
    if any(c.protocol for c in cols):
        note += (" A column headed [name] holds only figures measured under that protocol "
                 "(see how figures were measured); figures of different protocols never "
                 "share a column.")
    return note


def summary_table(groups: list[Group], wrap: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the comparison of ``groups`` (all on one dataset).

    Figures that only qualify another (a metric's own std over its subsets) are left to
    results.csv; the others are headed with an arrow pointing the better way and carry the
    significance marks.  ``wrap`` puts each interval on a line of its own (console tables).
    """
    better = directions(groups)
    cols = [c for c in columns(groups) if better.get(c.figure) != ""]
    header = ["model", "seeds ok", *(c.title(better.get(c.figure, "")) for c in cols),
              "images/s", "train time", "G params", "D params", "G / D updates"]
    cells: list[list[str]] = []
    for col in cols:
        stats, marks = compare(groups, col, better.get(col.figure, ""))
        cells.append([" ".join(filter(None, (s.format(wrap) if s else "–", mark)))
                      for s, mark in zip(stats, marks)])
    rows = []
    for index, group in enumerate(groups):
        speed, wall = group.images_per_s, group.wall_time_s
        budget, params = group.budget, group.params
        updates = (
            f"{budget['generator_updates']:,} / {budget['discriminator_updates']:,}"
            if budget else "–"
        )
        rows.append([
            group.label,
            group.seeds,
            *(column[index] for column in cells),
            f"{speed.mean:,.0f}" if speed else "–",
            format_seconds(wall.mean) if wall and group.kind == TRAINED else "–",
            format_count(params.get("generator")),
            format_count(params.get("discriminator")),
            updates,
        ])
    return header, rows


_STAT_FIELDS = ["dataset", "model", "kind", "figure", "protocol", "better", "n", "mean", "std",
                "ci_low", "ci_high", "mark", "p_vs_best"]


def summary_csv(groups: list[Group]) -> str:
    """One line per group and figure: n, mean, std, confidence interval, significance mark
    and Welch's p-value against the best model (empty where no test is made)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, _STAT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for dataset, dataset_groups in by_dataset(groups).items():
        better, competing = directions(dataset_groups), contenders(dataset_groups)
        for col in columns(dataset_groups):
            stats, marks = compare(dataset_groups, col, better.get(col.figure, ""))
            best = stats[marks.index(BEST)] if BEST in marks else None
            for group, stat, mark, competes in zip(dataset_groups, stats, marks, competing):
                if stat is None:
                    continue
                tested = best is not None and competes and stat.n >= MIN_SEEDS
                low, high = stat.interval or (None, None)
                writer.writerow({
                    "dataset": dataset, "model": group.label, "kind": group.kind,
                    "figure": col.figure, "protocol": col.protocol,
                    "better": better.get(col.figure, ""), "n": stat.n, "mean": stat.mean,
                    "std": stat.std, "ci_low": low, "ci_high": high, "mark": mark,
                    "p_vs_best": welch_p(stat, best) if tested and mark != BEST else None,
                })
    return buffer.getvalue()
