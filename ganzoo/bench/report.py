"""The bench's files: results.csv, report.md and report.html, with PNGs in ``figures/``.

Everything here is rebuilt from the rows of results.jsonl, so a resumed or extended bench
reports every cell it holds, not only those of the last invocation.  Every file is written
atomically: a killed bench leaves the previous report whole.
"""

from __future__ import annotations

import csv
import io
import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo import __version__
from ganzoo.bench.cells import BUDGET_DEFINITION, REAL, TRAINED
from ganzoo.bench.document import Code, Document, Figure, Heading, Paragraph, Table
from ganzoo.bench.results import OK
from ganzoo.bench.summary import (
    Column, Group, by_dataset, group_rows, protocol_of, statistics_note, summary_csv,
    summary_table)
from ganzoo.files import atomic_write_bytes, atomic_write_text, remove_temp_files
from ganzoo.registry import Registry

if TYPE_CHECKING:
    from ganzoo.bench.runner import BenchRequest

FIGURES_DIR = "figures"
_CSV_FIELDS = ["cell", "kind", "model", "dataset", "seed", "status", "steps",
               "generator_updates", "discriminator_updates", "batch_size", "wall_time_s",
               "images_per_s", "params_generator", "params_discriminator"]
_PACKAGES = ("torch", "torchvision", "torch-fidelity", "numpy", "pluggy", "rich")


def write_reports(
    out: Path, rows: list[dict[str, Any]], request: "BenchRequest", registry: Registry
) -> None:
    """Write results.csv, summary.csv, the PNGs, report.md and report.html under ``out``
    (while holding the folder's lock: temporary files a killed bench left in ``figures/`` are
    removed)."""
    remove_temp_files(out / FIGURES_DIR)
    atomic_write_text(out / "results.csv", results_csv(rows), fsync=False)
    groups = group_rows(rows)
    atomic_write_text(out / "summary.csv", summary_csv(groups), fsync=False)
    document = build_document(out, groups, request, registry)
    atomic_write_text(out / "report.md", document.markdown(), fsync=False)
    atomic_write_text(out / "report.html", document.html(), fsync=False)


def results_csv(rows: list[dict[str, Any]]) -> str:
    """One flat line per cell: identity, budget, speed, sizes, every figure, error.  A figure
    measured under a named protocol has a column per protocol, as in the tables."""
    named = [{Column(k, protocol_of(row, k)).title(): v for k, v in row["figures"].items()}
             for row in rows]
    figures: dict[str, None] = {}
    for row_figures in named:
        figures.update(dict.fromkeys(row_figures))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [*_CSV_FIELDS, *figures, "run_dir", "error"],
                            lineterminator="\n")
    writer.writeheader()
    for row, row_figures in zip(rows, named):
        budget, params = row.get("budget") or {}, row.get("params") or {}
        writer.writerow({
            **{k: row.get(k) for k in ("cell", "kind", "model", "dataset", "seed", "status",
                                      "images_per_s", "run_dir", "error")},
            **{k: budget.get(k) for k in ("steps", "generator_updates",
                                         "discriminator_updates", "batch_size",
                                         "wall_time_s")},
            "params_generator": params.get("generator"),
            "params_discriminator": params.get("discriminator"),
            **row_figures,
        })
    return buffer.getvalue()


def build_document(
    out: Path, groups: list[Group], request: "BenchRequest", registry: Registry
) -> Document:
    settings = request.settings
    doc = Document("ganzoo bench")
    models = sorted({g.model for g in groups if g.model})
    datasets = list(by_dataset(groups))
    seeds = sorted({r["seed"] for g in groups for r in g.rows if g.kind == TRAINED})
    doc.add(Paragraph(
        f"Models: {', '.join(models) or '–'}. Datasets: {', '.join(datasets) or '–'}. "
        f"Seeds: {', '.join(map(str, seeds)) or '–'}. Written "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by ganzoo {__version__}."
    ))
    doc.add(Paragraph("Last command (re-run it to resume; add models, datasets or seeds to "
                      "extend the bench):"),
            Code(request.command()))
    doc.add(
        Heading("Budget"),
        Paragraph(BUDGET_DEFINITION),
        Paragraph(settings.describe(
            registry.get("dataset", d).load().spec.kind for d in datasets
        ).capitalize() + "."),
    )
    for part, options in (("generator", settings.generator_options),
                          ("discriminator", settings.discriminator_options)):
        if options:
            given = ", ".join(f"{k}={v}" for k, v in options.items())
            doc.add(Paragraph(f"Every model's {part} was built with {given}."))
    for dataset, dataset_groups in by_dataset(groups).items():
        header, lines = summary_table(dataset_groups)
        doc.add(
            Heading(dataset),
            Table(header, lines, caption=(
                "Figures are mean ± std over the seeds that finished (a single value when "
                "one did). 'real data' measures the held-out split against the reference "
                "split: the best a generator can do. 'untrained' is each generator at step "
                "0: what no learning gives. Train time and images/s are the training "
                "loop's own. " + statistics_note(dataset_groups)
            )),
        )
        images = _figures(out, dataset_groups)
        if images:
            doc.add(Figure(images))
        doc.add(*_curves(out, dataset, dataset_groups))
    failures = [r for g in groups for r in g.rows if r["status"] != OK]
    if failures:
        doc.add(Heading("Cells that did not finish"), Table(
            ["cell", "status", "error"],
            [[r["cell"], r["status"], r["error"] or ""] for r in failures],
            caption="Re-run the same command to retry them; finished cells are skipped.",
        ))
    doc.add(Heading("How figures were measured"), *_measurements(groups))
    doc.add(Heading("Environment"), Table(["component", "version"], _environment(
        registry, models, request.device)))
    doc.add(Paragraph(
        "Every cell is a row of results.jsonl (with how each figure was measured) and of "
        "results.csv; summary.csv holds each model's figures over seeds (n, mean, std, "
        "confidence interval, mark, Welch's p-value against the best); each trained cell's "
        "run folder is under runs/."
    ))
    return doc


def _figures(out: Path, groups: list[Group]) -> list[tuple[str, str]]:
    """Sample grid (or scatter) and loss curves of each model's first finished seed."""
    from ganzoo.plots import save_loss_curves

    folder = out / FIGURES_DIR
    images: list[tuple[str, str]] = []
    for group in groups:
        row = next((r for r in group.ok_rows if r.get("run_dir")), None)
        if group.kind == REAL or row is None:
            continue
        run_dir = out / row["run_dir"]
        where = f"{group.label}, seed {row['seed']}"
        samples = run_dir / "samples" / "final.png"
        if samples.exists():
            target = folder / f"{row['cell']}-samples.png"
            atomic_write_bytes(target, samples.read_bytes(), fsync=False)
            images.append((f"{FIGURES_DIR}/{target.name}", f"samples · {where}"))
        metrics_log = run_dir / "metrics.jsonl"
        if group.kind == TRAINED and metrics_log.exists():
            target = folder / f"{row['cell']}-losses.png"
            if not target.exists() or target.stat().st_mtime < metrics_log.stat().st_mtime:
                save_loss_curves(metrics_log, target)
            images.append((f"{FIGURES_DIR}/{target.name}", f"losses · {where}"))
    return images


#: The figure a dataset's curves show: the first of these that the evaluations hold, else
#: the first figure of their first metric.
MAIN_FIGURES = (("fid", "fid"), ("kid", "kid_mean"), ("mode-coverage", "modes"),
                ("mode-count", "modes"))
#: The curves' two x axes: (record key, axis label, file name part).
_CURVE_AXES = (("generator_updates", "generator updates", "updates"),
               ("train_seconds", "training seconds (measuring excluded)", "seconds"))


def _curves(out: Path, dataset: str, groups: list[Group]) -> list[Any]:
    """The main figure measured during training (``--eval-every``) against generator updates
    and against training seconds: every model on one chart, its seeds as a band.  Models
    without evaluations are absent; no chart when none has any."""
    from ganzoo.plots import save_curves
    from ganzoo.training.evaluations import read_evaluations
    from ganzoo.training.run import RunPaths

    runs: dict[str, list[list[dict[str, Any]]]] = {}
    for group in groups:
        for row in group.ok_rows if group.kind == TRAINED else ():
            records = read_evaluations(RunPaths(out / row["run_dir"]).evaluations)
            if records:
                runs.setdefault(group.label, []).append(records)
    held = [(metric, figure) for seeds in runs.values() for records in seeds
            for r in records for metric, values in r["figures"].items() for figure in values]
    if not held:
        return []
    metric, figure = next((m for m in MAIN_FIGURES if m in held), held[0])
    name = figure if figure == metric else f"{metric} {figure}"
    images = []
    for key, axis, part in _CURVE_AXES:
        series = {label: [[(r[key], r["figures"][metric][figure]) for r in records
                           if figure in r["figures"].get(metric, {})] for records in seeds]
                  for label, seeds in runs.items()}
        target = out / FIGURES_DIR / f"curves-{_file_part(dataset)}-{part}.png"
        labels = save_curves(series, target, xlabel=axis, ylabel=name,
                             title=f"{name} during training · {dataset}")
        images.append((f"{FIGURES_DIR}/{target.name}",
                       f"{name} against {axis} · {dataset} · {', '.join(labels)}"))
    samples = sorted({str(how.get("num_generated", "?")) for seeds in runs.values()
                      for records in seeds for r in records
                      if (how := r["measured_with"].get(metric)) is not None})
    return [Paragraph(
        f"{name} measured during training (--eval-every) on {' or '.join(samples)} generated "
        "samples, against generator updates and against training seconds (the time spent "
        "measuring left out): which model gets good first. Line: mean over seeds; band: "
        "min to max. Fewer samples than the table's make these figures biased (FID upwards): "
        "compare curves with each other; each run's evaluations.jsonl holds every figure."
    ), Figure(images)]


def _file_part(name: str) -> str:
    """``name`` as a safe part of a file name (a qualified ``plugin:name`` included)."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def _measurements(groups: list[Group]) -> list[Any]:
    """Per metric: the record its cells share, and which fields vary from cell to cell."""
    records: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        for row in group.ok_rows:
            for metric, how in row["measured_with"].items():
                records.setdefault(metric, []).append(how)
    if not records:
        return [Paragraph("No cell finished, so nothing was measured.")]
    blocks: list[Any] = []
    for metric, hows in records.items():
        first = hows[0]
        shared = {k: v for k, v in first.items() if all(k in h and h[k] == v for h in hows)}
        varying = sorted({k for h in hows for k in h} - set(shared))
        blocks += [Paragraph(f"{metric} ({len(hows)} cells):"),
                   Code(json.dumps(shared, indent=2, sort_keys=True, default=str))]
        if varying:
            blocks.append(Paragraph(
                f"Varying per cell (see results.jsonl): {', '.join(varying)}."
            ))
    return blocks


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _environment(registry: Registry, models: list[str], device: str) -> list[list[str]]:
    rows = [["ganzoo", __version__], ["python", platform.python_version()],
            ["platform", platform.platform()], ["device", device]]
    rows += [[p, _version(p)] for p in _PACKAGES]
    for model in models:
        if ("model", model) in registry:
            entry = registry.get("model", model)
            dist = entry.distribution
            origin = f"plugin {entry.plugin}" + (f" ({dist} {_version(dist)})" if dist else "")
            rows.append([f"model {model}", origin])
    return rows
