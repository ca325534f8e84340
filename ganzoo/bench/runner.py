"""Train and evaluate every cell of a bench, recording each outcome as it comes.

Each cell goes through the same generic path, whatever the model: ``train()`` into its run
folder, then ``evaluate_run()``.  A cell that raises is recorded as failed and the bench goes
on; Ctrl-C, SIGTERM or SIGHUP records the cell as interrupted and stops.  Finished cells are
skipped on a re-run, and an interrupted one resumes from its checkpoint.  The output folder
is locked for the bench's life (and each cell's run folder by its training), so that two
benches never write one folder.
"""

from __future__ import annotations

import shlex
import shutil
import signal
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ganzoo.bench.cells import (
    IMAGES, REAL, TRAINED, Cell, Settings, check_part_options, grid, train_config)
from ganzoo.bench.results import FAILED, INTERRUPTED, OK, ResultsStore
from ganzoo.errors import GanzooError
from ganzoo.interrupts import Stopped, signal_name, stop_signal, stop_signals_raise
from ganzoo.lifecycle import Lifecycle
from ganzoo.locking import LOCK_FILES, folder_lock
from ganzoo.metrics.protocols import check_protocol
from ganzoo.recipe import parse_part
from ganzoo.registry import Registry


EXECUTORS = ("local", "ray")


@dataclass
class BenchRequest:
    """One invocation: the grid to cover and the settings every cell shares."""

    models: list[str]
    datasets: list[str]
    seeds: int
    settings: Settings
    out: Path
    device: str = "cpu"
    references: bool = True
    #: trackers (``NAME[:key=value]``) for every trained cell; they don't change figures
    trackers: tuple[str, ...] = ()
    #: cells run at once, each in its own worker process (:mod:`ganzoo.bench.workers`)
    jobs: int = 1
    #: ``local`` (this machine, ``jobs`` at once) or ``ray`` (:mod:`ganzoo.bench.ray_cells`)
    executor: str = "local"
    #: the Ray cluster to submit to (``None``: start a local Ray)
    address: str | None = None
    #: other generators' samples measured as rows (``NAME=PATH`` or ``NAME@DATASET=PATH``)
    images: tuple[str, ...] = ()
    cells: list[Cell] = field(init=False)

    def __post_init__(self) -> None:
        self.cells = grid(self.models, self.datasets, self.seeds, references=self.references,
                          images=self.images)

    def command(self) -> str:
        """The ``ganzoo bench`` command line that repeats (or resumes) this request."""
        s = self.settings
        parts = [f"ganzoo bench --models {','.join(self.models)}",
                 f"--datasets {','.join(self.datasets)}", f"--seeds {self.seeds}"]
        if s.steps is not None:
            parts.append(f"--steps {s.steps}")
        if s.batch_size is not None:
            parts.append(f"--batch-size {s.batch_size}")
        if s.metrics is not None:
            parts.append(f"--metrics {','.join(s.metrics)}")
        if s.num_samples is not None:
            parts.append(f"--num-samples {s.num_samples}")
        if s.eval_every is not None:
            parts.append(f"--eval-every {s.eval_every}")
        if s.protocol is not None:
            parts.append(f"--protocol {s.protocol}")
        if s.image_size is not None:
            parts.append(f"--image-size {s.image_size}")
        parts += [f"--g-opt {k}={v}" for k, v in s.generator_options.items()]
        parts += [f"--d-opt {k}={v}" for k, v in s.discriminator_options.items()]
        if self.device != "cpu":
            parts.append(f"--device {self.device}")
        if not self.references:
            parts.append("--no-references")
        parts += [f"--include-images {shlex.quote(i)}" for i in self.images]
        parts += [f"--tracker {shlex.quote(t)}" for t in self.trackers]
        if self.jobs > 1:
            parts.append(f"--jobs {self.jobs}")
        if self.executor != "local":
            parts.append(f"--executor {self.executor}")
        if self.address:
            parts.append(f"--address {shlex.quote(self.address)}")
        return " ".join([*parts, f"--out {shlex.quote(str(self.out))}"])


def validate(request: BenchRequest, registry: Registry) -> None:
    """Refuse unknown names and impossible numbers before anything trains."""
    if not request.models:
        raise GanzooError("No models given. Name at least one, e.g. --models dcgan,wgan.")
    if not request.datasets:
        raise GanzooError("No datasets given. Name at least one, e.g. --datasets mnist-5k.")
    for model in request.models:
        registry.get("model", model)
    kinds = {registry.get("dataset", d).load().spec.kind for d in request.datasets}
    if request.settings.image_size is not None and "image" not in kinds:
        raise GanzooError(
            f"--image-size resizes image datasets, but {', '.join(request.datasets)} hold "
            "points; drop --image-size or add an image dataset such as mnist-5k."
        )
    for metric in request.settings.metrics or ():
        registry.get("metric", metric)
    for tracker in request.trackers:
        registry.get("tracker", parse_part(tracker, "--tracker").name)
    if request.seeds < 1:
        raise GanzooError(f"--seeds must be at least 1 (got {request.seeds}).")
    if request.jobs < 1:
        raise GanzooError(f"--jobs must be at least 1 (got {request.jobs}).")
    if request.executor not in EXECUTORS:
        raise GanzooError(
            f"Unknown --executor {request.executor!r}; use {' or '.join(EXECUTORS)}."
        )
    if request.executor == "ray" and request.jobs > 1:
        raise GanzooError(
            "--jobs is for the local executor; with --executor ray the cluster runs as many "
            "cells at once as its CPUs (or GPUs, with --device cuda) allow."
        )
    if request.address and request.executor != "ray":
        raise GanzooError("--address names a Ray cluster: add --executor ray.")
    for flag, value in (("--steps", request.settings.steps),
                        ("--batch-size", request.settings.batch_size),
                        ("--eval-every", request.settings.eval_every),
                        ("--image-size", request.settings.image_size)):
        if value is not None and value < 1:
            raise GanzooError(f"{flag} must be at least 1 (got {value}).")
    if request.settings.num_samples is not None and request.settings.num_samples < 2:
        raise GanzooError(
            f"--num-samples must be at least 2 (got {request.settings.num_samples})."
        )
    check_protocol(request.settings.protocol)
    _check_images(request, registry)
    check_part_options(request.cells, request.settings, registry)


def _check_images(request: BenchRequest, registry: Registry) -> None:
    """Refuse --include-images whose files are missing or whose dataset holds no images."""
    for cell in request.cells:
        if cell.kind != IMAGES:
            continue
        if not Path(cell.source or "").exists():
            raise GanzooError(
                f"--include-images {cell.model}: {cell.source} does not exist. Give a folder "
                "of PNG/JPEG files or an .npz file."
            )
        spec = registry.get("dataset", cell.dataset).load().spec
        if not spec.is_image:
            raise GanzooError(
                f"--include-images {cell.model}={cell.source} would be measured on "
                f"{cell.dataset!r}, which holds {spec.describe()}, not images. Name the image "
                f"dataset it belongs to: --include-images {cell.model}@DATASET={cell.source}."
            )


def flatten(
    evaluation: dict[str, dict[str, Any]], directions: dict[str, Mapping[str, str]]
) -> tuple[dict[str, float], dict[str, str], dict[str, Any]]:
    """``{metric: {values, measured_with}}`` as flat figures, which way each is better
    (``lower``, ``higher`` or ``""`` for a qualifier such as a std), and each metric's record.

    A figure keeps its own name unless two metrics report the same one, in which case it
    is qualified as ``metric/figure``.
    """
    figures: dict[str, float] = {}
    better: dict[str, str] = {}
    for (metric, name), key in _flat_names(evaluation).items():
        figures[key] = float(evaluation[metric]["values"][name])
        better[key] = directions.get(metric, {}).get(name, "")
    measured_with = {metric: result["measured_with"] for metric, result in evaluation.items()}
    return figures, better, measured_with


def figure_metrics(evaluation: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The metric behind each flat figure of ``flatten``, recorded in the row so the report
    finds the protocol a figure was measured under (``measured_with[metric]``)."""
    return {key: metric for (metric, _), key in _flat_names(evaluation).items()}


def _flat_names(evaluation: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    counts: dict[str, int] = {}
    for result in evaluation.values():
        for name in result["values"]:
            counts[name] = counts.get(name, 0) + 1
    return {(metric, name): name if counts[name] == 1 else f"{metric}/{name}"
            for metric, result in evaluation.items() for name in result["values"]}


class BenchRunner:
    """Runs the cells of one request against one output folder."""

    def __init__(
        self,
        request: BenchRequest,
        registry: Registry,
        console: Console,
        progress: bool = True,
        hooks: Any = None,
        store: ResultsStore | None = None,
    ):
        self.request = request
        self.registry = registry
        self.events = Lifecycle(hooks)
        self.console = console
        self.show_progress = progress
        self.store = store or ResultsStore.open(request.out, request.settings)

    @property
    def pending(self) -> list[Cell]:
        return [c for c in self.request.cells if not self.store.is_done(c)]

    def run(self) -> list[dict[str, Any]]:
        """Run every unfinished cell; return all rows of the output folder."""
        pending = self.pending
        done = len(self.request.cells) - len(pending)
        if done:
            self.console.print(
                f"[dim]{done} of {len(self.request.cells)} cells already finished in "
                f"{self.request.out}; skipping them.[/]"
            )
        if self.request.executor == "ray" or (self.request.jobs > 1 and len(pending) > 1):
            from ganzoo.bench.ray_cells import run_on_ray
            from ganzoo.bench.workers import run_in_workers

            with self._progress(len(pending)) as show:
                try:
                    if self.request.executor == "ray":
                        run_on_ray(self, pending, show, self.request.address)
                    else:
                        run_in_workers(self, pending, show)
                finally:
                    self.store.sort([cell.key for cell in self.request.cells])
            return self.store.rows
        with self._progress(len(pending)) as show:
            for index, cell in enumerate(pending):
                show(index, cell.describe())
                if self.show_progress:
                    self.console.print(f"[bold]▶ {cell.describe()}[/]")
                try:
                    row = self.run_cell(cell)
                except KeyboardInterrupt as exc:
                    self.record(cell, exc.row)  # type: ignore[attr-defined]
                    raise
                self.record(cell, row)
        return self.store.rows

    def record(self, cell: Cell, row: dict[str, Any]) -> None:
        """Keep a cell's outcome (this process alone writes the folder's rows) and tell the
        lifecycle hooks."""
        if row["status"] == FAILED:
            self.console.print(f"[red]✗ {cell.describe()}: {row['error']}[/]", soft_wrap=True)
        self.store.record(row)
        self.events.fire("ganzoo_bench_cell_finished", out=self.request.out, row=row)

    def run_cell(self, cell: Cell) -> dict[str, Any]:
        """Train and evaluate one cell; a failure becomes the row's error.  A stop signal
        propagates with the interrupted row attached (``exc.row``) for the caller to keep."""
        row = self.base_row(cell)
        started = time.perf_counter()
        try:
            if cell.kind == REAL:
                evaluation = self._evaluate_real(cell)
            elif cell.kind == IMAGES:
                evaluation = self._evaluate_images(cell)
            else:
                run_dir = self._train(cell, row)
                evaluation = self._evaluate_run(run_dir)
            row["figures"], row["better"], row["measured_with"] = flatten(
                evaluation, self._directions(evaluation)
            )
            row["figure_metric"] = figure_metrics(evaluation)
            row["status"] = OK
        except KeyboardInterrupt as exc:
            row.update(status=INTERRUPTED, error=f"interrupted by {signal_name(stop_signal(exc))}")
            exc.row = self.finish_row(row, started)  # type: ignore[attr-defined]
            raise
        except Exception as exc:  # noqa: BLE001 - one failing cell must not stop the bench
            row.update(status=FAILED, error=f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, GanzooError):
                row["traceback"] = traceback.format_exc()
        return self.finish_row(row, started)

    def base_row(self, cell: Cell) -> dict[str, Any]:
        run_dir = cell.run_dir(self.request.out)
        return {
            "cell": cell.key,
            "kind": cell.kind,
            "label": cell.label,
            "model": cell.model,
            "dataset": cell.dataset,
            "seed": cell.seed if cell.kind != REAL else None,
            "status": None,
            "budget": None,
            "images_per_s": None,
            "params": None,
            "figures": {},
            "better": {},
            "measured_with": {},
            "figure_metric": {},
            "run_dir": str(run_dir.relative_to(self.request.out)) if run_dir else None,
            "device": self.request.device,
            "error": None,
        }

    def _directions(self, evaluation: dict[str, Any]) -> dict[str, Mapping[str, str]]:
        from ganzoo.metrics.evaluate import load_metric

        return {name: load_metric(self.registry, name).figures for name in evaluation}

    @staticmethod
    def finish_row(row: dict[str, Any], started: float) -> dict[str, Any]:
        row["cell_time_s"] = round(time.perf_counter() - started, 3)
        row["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return row

    def _train(self, cell: Cell, row: dict[str, Any]) -> Path:
        """Train (or resume) the cell's run; the untrained reference stops at step 0."""
        from ganzoo.training.loop import hold_run_folder

        run_dir = cell.run_dir(self.request.out)
        assert run_dir is not None
        with hold_run_folder(run_dir):  # no one else may train into the cell meanwhile
            return self._train_locked(cell, row, run_dir)

    def _train_locked(self, cell: Cell, row: dict[str, Any], run_dir: Path) -> Path:
        from ganzoo.training.loop import train
        from ganzoo.training.run import prepare_run

        checkpoint = run_dir / "checkpoints" / "last.pt"
        if not checkpoint.exists():  # a bench-owned folder of an attempt that never started
            for entry in run_dir.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.name not in LOCK_FILES:
                    entry.unlink()
        settings = self.request.settings
        data_kind = self.registry.get("dataset", cell.dataset).load().spec.kind
        config = train_config(cell, settings, data_kind, self.request.out,
                              device=self.request.device, trackers=self.request.trackers,
                              resume=checkpoint.exists())
        # a resumed cell adds this call's time to what its earlier attempt recorded
        earlier = (self.store.row(cell) or {}) if config.resume else {}
        plan, options = prepare_run(config, self.registry)
        result = train(plan, options, registry=self.registry, hooks=self.events.manager,
                       console=self.console,
                       progress=self.show_progress and cell.kind == TRAINED, config=config)
        row["budget"] = {
            "steps": config.steps,
            "generator_updates": result.steps,
            "discriminator_updates": result.d_steps,
            "n_critic": plan.n_critic,
            "batch_size": plan.batch_size,
            # measuring during training (--eval-every) is not charged to the model
            "wall_time_s": round((earlier.get("budget") or {}).get("wall_time_s", 0.0)
                                 + result.wall_time_s - result.eval_time_s, 3),
        }
        trained_now = result.steps > result.start_step
        row["images_per_s"] = (
            round(result.images_per_s, 2) if trained_now else earlier.get("images_per_s")
        )
        row["params"] = dict(result.params)
        if result.interrupted:
            raise Stopped(result.interrupted_by or signal.SIGINT)
        return run_dir

    def _metric_options(self) -> dict[str, Any]:
        """What every evaluation of this bench shares: the same metrics, measured alike."""
        settings = self.request.settings
        return {
            "metrics": list(settings.metrics) if settings.metrics is not None else None,
            "num_samples": settings.num_samples,
            "protocol": settings.protocol,
            "device": self.request.device,
            "registry": self.registry,
            "progress": self.show_progress,
            "console": self.console,
        }

    def _evaluate_run(self, run_dir: Path) -> dict[str, dict[str, Any]]:
        from ganzoo.metrics.evaluate import evaluate_run

        return evaluate_run(run_dir, **self._metric_options())

    def _evaluate_real(self, cell: Cell) -> dict[str, dict[str, Any]]:
        from ganzoo.metrics.evaluate import evaluate_real

        return evaluate_real(cell.dataset, image_size=self._image_size(cell),
                             **self._metric_options())

    def _evaluate_images(self, cell: Cell) -> dict[str, dict[str, Any]]:
        from ganzoo.metrics.evaluate import evaluate_images

        return evaluate_images(cell.source, cell.dataset, image_size=self._image_size(cell),
                               **self._metric_options())

    def _image_size(self, cell: Cell) -> int | None:
        kind = self.registry.get("dataset", cell.dataset).load().spec.kind
        return self.request.settings.image_size_for(kind)

    @contextmanager
    def _progress(self, total: int) -> Iterator[Callable[[int, str], None]]:
        """A bar over cells; yields ``show(finished, what)``, called as cells start or end.

        Training and evaluation draw their own bars on the same console, nested below it.
        """
        if not (self.show_progress and total):
            yield lambda finished, what: None
            return
        bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]bench[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("cells · {task.description}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        task = bar.add_task("", total=total)

        def show(finished: int, what: str) -> None:
            bar.update(task, completed=finished, description=what)

        with bar:
            yield show
            bar.update(task, completed=total, description="done")


BENCH_IN_USE = ("Wait for it to finish, or stop it (Ctrl-C or 'kill PID': it records where "
                "it was) and re-run it to resume; or choose another --out.")


def run_bench(
    request: BenchRequest,
    *,
    registry: Registry | None = None,
    console: Console | None = None,
    progress: bool = True,
    hooks: Any = None,
) -> list[dict[str, Any]]:
    """Run the bench, write its reports under ``request.out`` and return every row.

    Lifecycle hooks fire through ``hooks`` (default: the installed plugins' manager).
    ``request.out`` is locked for the bench's life: a folder another bench writes is refused.
    """
    from ganzoo.bench.report import write_reports
    from ganzoo.bench.table import print_tables
    from ganzoo.plugins import default_plugins

    if registry is None or hooks is None:
        plugins = default_plugins()
        registry = registry or plugins.registry
        hooks = hooks or plugins.manager
    console = console or Console()
    validate(request, registry)
    if (request.jobs > 1 or request.executor != "local") and \
            registry is not default_plugins().registry:
        raise GanzooError(
            "jobs > 1 and the ray executor run cells in other processes, which load the "
            "installed plugins; the registry given here cannot reach them. Run with jobs=1, "
            "or install the plugins it holds."
        )
    with folder_lock(request.out, what="a bench", advice=BENCH_IN_USE), stop_signals_raise():
        runner = BenchRunner(request, registry, console, progress, hooks)
        try:
            rows = runner.run()
        finally:
            write_reports(request.out, runner.store.rows, request, registry)
            runner.events.fire("ganzoo_bench_finished", out=request.out,
                               rows=runner.store.rows)
    kinds = [registry.get("dataset", r["dataset"]).load().spec.kind for r in rows]
    print_tables(console, rows,
                 caption=f"mean ± std over seeds · {request.settings.describe(kinds)}")
    console.print(f"Report: {request.out / 'report.html'} (and report.md, results.jsonl, "
                  "results.csv)")
    return rows
