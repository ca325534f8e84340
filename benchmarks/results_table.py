"""docs/results.md's table: each protocol's published figures beside ganzoo's, from benches.

Reads bench output folders (their ``bench.json`` and ``results.jsonl``), groups the finished
trained cells by dataset and model, and writes one Markdown table: for every protocol ganzoo
runs, the figure a paper published for a model beside ganzoo's mean ± std over seeds, with
the budget each folder was run under.  Protocols no folder covers keep their published rows
with a "not run here" cell, so the table always shows what there is to compare against.

    python benchmarks/results_table.py bench-toy bench-stacked            # print the table
    python benchmarks/results_table.py bench-toy --update docs/results.md   # rewrite it there

``--update`` replaces what lies between the ``<!-- results-table -->`` and
``<!-- /results-table -->`` lines of the file and leaves the rest of it as it was.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ganzoo.bench.cells import DEFAULT_STEPS, REAL, TRAINED, Settings, default_batch_size
from ganzoo.bench.results import OK, RESULTS_FILE, SETTINGS_FILE, read_rows, read_settings
from ganzoo.bench.summary import Stat

START, END = "<!-- results-table -->", "<!-- /results-table -->"


@dataclass(frozen=True)
class Protocol:
    """How a kind of result is measured: the datasets it runs on and the figures shown, each
    as ``(metric, figure, label, digits)``."""

    name: str
    datasets: tuple[str, ...]
    figures: tuple[tuple[str, str, str, int], ...]
    not_run: str = "not run in the folders given"


@dataclass(frozen=True)
class Published:
    """A paper's figures for the model ganzoo runs as ``model`` on ``dataset``."""

    dataset: str
    model: str
    values: tuple[str, ...]
    source: str


TOY = Protocol("2-D mixtures", ("ring8", "grid25"),
               (("mode-coverage", "modes", "modes", 1),
                ("mode-coverage", "high_quality_pct", "high quality %", 1)))
STACKED = Protocol("stacked MNIST", ("stacked-mnist",),
                   (("mode-count", "modes", "modes", 1),
                    ("mode-count", "reverse_kl", "KL to uniform", 2)))
CIFAR = Protocol("CIFAR-10", ("cifar10",),
                 (("is", "is_mean", "IS", 2), ("fid", "fid", "FID", 1)),
                 not_run="not run here: needs a GPU and the files")
PROTOCOLS = (TOY, STACKED, CIFAR)

_PACGAN_T1 = "PacGAN Table 1 ({}; 10 runs, ± s.e.)"
_GDPP_T1 = "GDPP Table 1 ({})"
PUBLISHED = (
    Published("ring8", "gan", ("6.3 ± 0.5", "98.2 ± 0.2"), _PACGAN_T1.format("GAN")),
    Published("ring8", "gan", ("1", "99.3"), _GDPP_T1.format("GAN")),
    Published("ring8", "pacgan", ("7.9 ± 0.1", "95.6 ± 2.0"), _PACGAN_T1.format("PacGAN2")),
    Published("ring8", "wgan-gp", ("6.8", "59.6"), _GDPP_T1.format("WGAN-GP")),
    Published("grid25", "gan", ("17.3 ± 0.8", "94.8 ± 0.7"), _PACGAN_T1.format("GAN")),
    Published("grid25", "gan", ("3.3", "0.5"), _GDPP_T1.format("GAN")),
    Published("grid25", "pacgan", ("23.8 ± 0.7", "91.3 ± 0.8"), _PACGAN_T1.format("PacGAN2")),
    Published("grid25", "wgan-gp", ("24.2", "28.7"), _GDPP_T1.format("WGAN-GP")),
    Published("stacked-mnist", "dcgan", ("99", "3.40"), "PacGAN Table 3 (DCGAN)"),
    Published("stacked-mnist", "pacgan", ("1,000", "0.06"), "PacGAN Table 3 (PacDCGAN2)"),
    Published("cifar10", "sngan", ("8.22 ± 0.05", "21.7 ± 0.21"),
              "SNGAN Table 3 (SN-GANs, ResNet)"),
    Published("cifar10", "wgan-gp", ("7.86 ± 0.07", "–"),
              "WGAN-GP Table 3 (ResNet; no FID published)"),
)


#: Figures measured before this script, whose bench folder was not kept: shown (and labelled
#: so) only when no folder given covers that dataset and model.
RECORDED_STACKED = "recorded in the stacked MNIST section below"
RECORDED = {
    ("stacked-mnist", "real data"): (("1,000", "0.02"), 1, "held-out split"),
    ("stacked-mnist", "dcgan"): (("895.7 ± 32", "0.86 ± 0.15"), 3,
                                 "1,500 G updates × batch 64"),
    ("stacked-mnist", "pacgan"): (("838.3 ± 43", "1.48 ± 0.31"), 3,
                                  "1,500 G updates × batch 64"),
}


@dataclass
class Folder:
    """One bench output folder: its settings and finished rows."""

    path: Path
    settings: Settings
    rows: list[dict[str, Any]]

    @classmethod
    def read(cls, path: Path) -> "Folder":
        if not (path / SETTINGS_FILE).exists():
            raise SystemExit(f"{path} is not a bench output folder (no {SETTINGS_FILE})")
        rows = [r for r in read_rows(path / RESULTS_FILE).values() if r["status"] == OK]
        return cls(path, read_settings(path / SETTINGS_FILE), rows)

    def budget(self, data_kind: str) -> str:
        steps = self.settings.steps or DEFAULT_STEPS[data_kind]
        batch = self.settings.batch_size or default_batch_size(data_kind)
        return f"{steps:,} G updates × batch {batch}"


def _figure(row: dict[str, Any], metric: str, figure: str) -> float | None:
    """The figure ``figure`` of ``metric`` in a row, whatever name the bench flattened it to."""
    for key, value in row["figures"].items():
        if row["figure_metric"].get(key) == metric and key.split("/")[-1] == figure:
            return value
    return None


def _show(stat: Stat | None, digits: int) -> str:
    if stat is None:
        return "–"
    if stat.std is None:
        return f"{stat.mean:,.{digits}f}"
    return f"{stat.mean:,.{digits}f} ± {stat.std:,.{digits}f}"


@dataclass
class Measured:
    """ganzoo's figures for one model on one dataset, over the seeds that finished."""

    values: tuple[str, ...]
    seeds: int
    budget: str
    recorded: str = ""


def measured(folders: Iterable[Folder], protocol: Protocol) -> dict[tuple[str, str], Measured]:
    """``(dataset, model or "real data")`` → its figures, from the first folder holding it."""
    found: dict[tuple[str, str], Measured] = {}
    for folder in folders:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in folder.rows:
            if row["dataset"] in protocol.datasets and row["kind"] in (TRAINED, REAL):
                name = row["model"] if row["kind"] == TRAINED else "real data"
                groups.setdefault((row["dataset"], name), []).append(row)
        for key, rows in groups.items():
            if key in found:
                continue
            stats = [Stat.of(_figure(r, metric, figure) for r in rows)
                     for metric, figure, _, _ in protocol.figures]
            shown = tuple(_show(s, d) for s, (_, _, _, d) in zip(stats, protocol.figures))
            kind = "image" if protocol is not TOY else "points"
            budget = "held-out split" if key[1] == "real data" else folder.budget(kind)
            found[key] = Measured(shown, len(rows), budget)
    for key, (values, seeds, budget) in RECORDED.items():
        if key[0] in protocol.datasets and key not in found:
            found[key] = Measured(values, seeds, budget, RECORDED_STACKED)
    return found


def _published_cell(entries: list[Published]) -> str:
    return "<br>".join(f"{' / '.join(p.values)} ({p.source})" for p in entries) or "–"


def protocol_rows(protocol: Protocol, folders: list[Folder]) -> list[str]:
    """The table's lines for one protocol: every model measured or published, per dataset."""
    got = measured(folders, protocol)
    labels = " / ".join(label for _, _, label, _ in protocol.figures)
    lines = []
    for dataset in protocol.datasets:
        published = [p for p in PUBLISHED if p.dataset == dataset]
        models = [m for d, m in got if d == dataset and m != "real data"]
        models += dict.fromkeys(p.model for p in published if p.model not in models)
        if (dataset, "real data") in got:
            models.insert(0, "real data")
        for model in models:
            mine = got.get((dataset, model))
            entries = [p for p in published if p.model == model]
            ganzoo = protocol.not_run
            if mine:
                notes = [f"{mine.seeds} seed{'s' * (mine.seeds > 1)}"] * (model != "real data")
                notes += [mine.recorded] * bool(mine.recorded)
                ganzoo = " / ".join(mine.values) + (f" ({'; '.join(notes)})" if notes else "")
            budget = mine.budget if mine else "–"
            lines.append(f"| {protocol.name} | {dataset} | {model} | {labels} | "
                         f"{_published_cell(entries)} | {ganzoo} | {budget} |")
    return lines


def table(folders: list[Folder]) -> str:
    """The whole Markdown table, every protocol in turn."""
    header = ["| protocol | dataset | model | figures | published | ganzoo (mean ± std over "
              "seeds) | ganzoo's budget |", "|---|---|---|---|---|---|---|"]
    body = [line for protocol in PROTOCOLS for line in protocol_rows(protocol, folders)]
    sources = ", ".join(f"`{f.path.name}`" for f in folders) or "none"
    return "\n".join([*header, *body, "", f"Bench folders read: {sources}."]) + "\n"


def update(path: Path, text: str) -> None:
    """Replace the table between the markers in ``path``."""
    document = path.read_text(encoding="utf-8")
    if START not in document or END not in document:
        raise SystemExit(f"{path} has no {START} ... {END} lines to put the table between")
    before, rest = document.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{START}\n{text}{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="bench output folders")
    parser.add_argument("--update", type=Path, metavar="FILE",
                        help="write the table between the markers of FILE instead of printing")
    args = parser.parse_args(argv)
    text = table([Folder.read(path) for path in args.folders])
    if args.update:
        update(args.update, text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
