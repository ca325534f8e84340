"""The one generic training loop.

It never looks at a model's name, nor at what a step does: the plan's method (a registered
:class:`ganzoo.method.Method`) owns its networks, optimizers and step.  The loop owns the
rest: batches, the generator's moving average, logging, lifecycle hooks (trackers), sample
pictures, atomic checkpoints, exact resume and interruption.

The step is the hot path: losses are read back from the device (``.item()``) only at log
steps, where they are also checked for NaN/inf; the progress bar costs one clock read per
step.  Only the main process writes files, fires hooks or draws the progress bar.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ContextManager, Iterator

import pluggy
import torch
from rich.console import Console

from ganzoo import distributed, plots
from ganzoo.data.batches import Batcher
from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.interrupts import StopRequest
from ganzoo.lifecycle import Lifecycle, RunInfo
from ganzoo.locking import LOCK_FILE, folder_lock
from ganzoo.plan import Plan
from ganzoo.plugins import default_plugins
from ganzoo.recipe import PartChoice
from ganzoo.registry import Registry
from ganzoo.training import checkpoint as ckpt
from ganzoo.training.build import PartsKit, build_method, build_part, plan_conditioning
from ganzoo.training.config import RunOptions, TrainConfig
from ganzoo.training.ema import GeneratorEMA
from ganzoo.training.evaluations import Evaluations
from ganzoo.training.metrics_log import JsonlTracker
from ganzoo.training.precision import Precision, compile_networks
from ganzoo.training.previews import Previews
from ganzoo.training.progress import TrainingProgress
from ganzoo.training.run import (RunPaths, check_run_folder, remove_leftovers, run_record,
                                 write_json)


@dataclass
class RunResult:
    """What a call to :func:`train` did.

    ``steps``/``d_steps`` count generator/discriminator updates of the whole run (resumed
    runs included); ``wall_time_s`` is this call's duration, set-up included;
    ``images_per_s`` is real images fed to the discriminator per second of this call's
    training steps.  ``interrupted`` says the run stopped early, at a checkpoint, because
    of the signal ``interrupted_by`` (SIGINT, SIGTERM or SIGHUP).  ``eval_time_s`` is the
    part of ``wall_time_s`` spent measuring the generator during training (``--eval-every``),
    which ``images_per_s`` leaves out.
    """

    run_dir: Path
    steps: int
    d_steps: int
    wall_time_s: float
    images_per_s: float
    params: dict[str, int]
    last_losses: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False
    start_step: int = 0
    interrupted_by: int | None = None
    eval_time_s: float = 0.0


def _every(value: int, steps: int, parts: int, cap: int) -> int:
    """A user's cadence, or about ``parts`` times per run, at most every ``cap`` steps."""
    return value if value > 0 else max(1, min(cap, math.ceil(steps / parts)))


def hold_run_folder(run_dir: Path, *, create: bool = True) -> ContextManager[None]:
    """The run folder's lock (see :func:`ganzoo.locking.folder_lock`), held by the main
    process: the one that writes the folder."""
    if not distributed.is_main_process():
        return nullcontext()
    return folder_lock(run_dir, what="a training run", create=create, advice=(
        "Wait for it to finish, or stop it (Ctrl-C or 'kill PID': it saves a checkpoint) "
        "and continue it with --resume; or train into another --out."))


@contextmanager
def locked_run_folder(paths: RunPaths, resume: bool) -> Iterator[bool]:
    """Hold the run folder's lock for the block; yields whether there is a run to resume.

    The folder is checked under the lock, where no other process can change it; a folder
    without a lock file is checked first as well, so that a folder which is not a run
    folder is refused untouched.  Under torchrun only the main process checks and tells the
    others: their own look could see the files it has begun to write.
    """
    if not distributed.is_main_process():
        yield distributed.from_main(None)
        return
    if not (paths.root / LOCK_FILE).exists():
        check_run_folder(paths, resume)
    with hold_run_folder(paths.root):
        remove_leftovers(paths)
        yield distributed.from_main(check_run_folder(paths, resume))


@contextmanager
def _intra_op_threads(spec: DataSpec) -> Iterator[None]:
    """Train point data on one intra-op thread: its tiny matrices gain nothing from more,
    and on a CPU shared with another process extra threads made each step 5-10× slower."""
    threads = torch.get_num_threads()
    if not spec.is_image:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _trackers(choices: tuple[PartChoice, ...], registry: Registry) -> list[tuple[str, object]]:
    """The always-on ``metrics.jsonl`` log, then each chosen tracker (once per entry, however
    its name was written)."""
    trackers: list[tuple[str, object]] = [("jsonl", JsonlTracker())]
    for choice in choices:
        name = registry.get("tracker", choice.name).name
        if name not in dict(trackers):
            trackers.append((name, build_part(registry, "tracker", choice)))
    return trackers


class _Session:
    """One call's worth of training state: method, data, average, outputs, hooks."""

    def __init__(self, plan: Plan, method: Any, precision: Precision, batches: Batcher,
                 ema: GeneratorEMA, paths: RunPaths, device: torch.device,
                 previews: Previews | None, events: Lifecycle):
        self.plan, self.method, self.batches, self.ema = plan, method, batches, ema
        self.precision = precision
        self.paths, self.device, self.previews, self.events = paths, device, previews, events
        self.main = distributed.is_main_process()
        self.step = 0
        self.d_steps = 0
        self.saved_step: int | None = None
        self.elapsed_base = 0.0  # seconds spent by earlier calls (a resumed run)
        self.started = time.perf_counter()
        self.info: RunInfo | None = None
        self.evaluations: Evaluations | None = None  # the main process's, with --eval-every
        self.eval_seconds = 0.0  # spent measuring in this call

    def elapsed(self) -> float:
        """Wall time of the whole run so far, earlier calls included, time spent measuring
        the generator (:meth:`evaluate`) left out."""
        return self.elapsed_base + time.perf_counter() - self.started - self.eval_seconds

    def evaluate(self, last_step: int) -> float:
        """Measure the EMA generator if the cadence says so (``last_step``: the run's end,
        always measured) and tell the lifecycle hooks; returns the seconds it took."""
        evaluations = self.evaluations
        if evaluations is None or not evaluations.due(self.step, self.elapsed(), last_step):
            return 0.0
        started = time.perf_counter()
        images = self.step * self.plan.batch_size * self.method.batches_per_step
        record = evaluations.measure(self.ema.module, self.step, images, self.elapsed())
        self.events.fire("ganzoo_run_evaluated", run=self.info, step=self.step,
                         figures=record["figures"])
        spent = time.perf_counter() - started
        self.eval_seconds += spent
        return spent

    def restore(self) -> None:
        path = self.paths.checkpoint
        self.step, self.d_steps, self.elapsed_base = ckpt.unpack(
            ckpt.load_checkpoint(path), method=self.method, precision=self.precision,
            ema=self.ema, batches=self.batches, path=path)

    def save(self) -> None:
        """Checkpoint (the main process writes; under torchrun every process takes part, as
        each one's random state is kept)."""
        rng = distributed.gathered(ckpt.rng_state(self.device))
        if self.main:
            state = ckpt.pack(step=self.step, d_steps=self.d_steps, elapsed_s=self.elapsed(),
                              method=self.method, precision=self.precision, ema=self.ema,
                              batches=self.batches, rng=rng)
            ckpt.save_checkpoint(state, self.paths.checkpoint)
            self.events.fire("ganzoo_checkpoint_saved", run=self.info, step=self.step,
                             path=self.paths.checkpoint)
        self.saved_step = self.step

    def draw(self, path: Path) -> None:
        if self.main and self.previews is not None:
            self.previews.save(self.ema.module, path, title=f"step {self.step}")
            self.events.fire("ganzoo_samples_drawn", run=self.info, step=self.step, path=path)


def _check_finite(losses: dict[str, float], step: int, session: _Session) -> None:
    bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
    if not bad:
        return
    plan = session.plan
    kept = (f"The last good checkpoint in {session.paths.root} was kept."
            if session.paths.checkpoint.exists() else "No checkpoint was written.")
    raise GanzooError(
        f"Training diverged at step {step}: "
        + ", ".join(f"{k} = {v}" for k, v in bad.items())
        + f". Try a lower learning rate (now --lr-g {plan.g_optimizer.lr:g} --lr-d "
        f"{plan.d_optimizer.lr:g}), e.g. half of it, in a new run (another --out). {kept}"
    )


def train(plan: Plan, options: RunOptions, *, registry: Registry | None = None,
          hooks: pluggy.PluginManager | None = None, progress: bool = True,
          console: Console | None = None, config: TrainConfig | None = None) -> RunResult:
    """Train ``plan`` as ``options`` say, into ``options.run_dir``.

    ``options.resume`` continues the run from its checkpoint.  ``config``, the request the
    plan was resolved from (if any), is recorded beside the plan in ``config.json``.
    Lifecycle hooks fire through ``hooks`` (default: the installed plugins' manager).
    The run folder is locked for the call: a folder another process trains into is
    refused.  SIGINT, SIGTERM and SIGHUP stop the run at the next step boundary, with a
    checkpoint (see :mod:`ganzoo.interrupts`).
    """
    paths = RunPaths(options.run_dir)
    with locked_run_folder(paths, options.resume) as resuming:
        return _train(plan, options, paths, resuming, registry=registry, hooks=hooks,
                      progress=progress, console=console, config=config)


def _train(plan: Plan, options: RunOptions, paths: RunPaths, resuming: bool, *,
           registry: Registry | None, hooks: pluggy.PluginManager | None, progress: bool,
           console: Console | None, config: TrainConfig | None) -> RunResult:
    started = time.perf_counter()
    if registry is None or hooks is None:
        plugins = default_plugins()
        registry = registry or plugins.registry
        hooks = hooks or plugins.manager
    device = distributed.resolve_device(options.device)
    main = distributed.is_main_process()
    # trackers are checked before anything is built or written; metrics.jsonl must not fail
    trackers = _trackers(options.trackers, registry) if main else []
    events = Lifecycle(hooks if main else None, trackers, required=("jsonl",))

    ckpt.seed_everything(plan.seed)
    kit = PartsKit(plan, registry, device)
    method = build_method(kit)
    dataset = registry.get("dataset", plan.dataset).load().build(
        root=options.data_root, download=options.download, split="train",
        image_size=plan.image_size)
    batches = Batcher(dataset, plan.batch_size, device=device, seed=plan.seed,
                      channels_last=plan.channels_last)
    ema = GeneratorEMA(method.generator, plan.ema_decay)  # an eager copy, before compiling
    if options.compile:
        compile_networks(method.networks().values(), device)
    conditioning = plan_conditioning(plan)
    previews = (Previews(conditioning, conditioning.latent_space(method.generator), plan.spec,
                         dataset, plan.seed, device) if main else None)
    session = _Session(plan, method, kit.precision, batches, ema, paths, device, previews,
                       events)
    if main and options.evaluates:  # metrics that do not apply are refused before training
        session.evaluations = Evaluations(plan, options, registry, device, paths.evaluations)
    if resuming:
        session.restore()
    start_step = session.step

    if main and (session.step < options.steps or not resuming):
        paths.samples.mkdir(parents=True, exist_ok=True)
        write_json(paths.config, run_record(config, plan, registry, device))
    if session.evaluations is not None:
        session.evaluations.start(start_step, resuming)
    params = {name: sum(p.numel() for p in net.parameters())
              for name, net in method.networks().items()}

    images_per_step = plan.batch_size * method.batches_per_step
    bar = TrainingProgress(options.steps, start_step, enabled=progress and main,
                           console=console, images_per_step=images_per_step,
                           description=plan.model)
    session.info = RunInfo(plan, paths.root, start_step, options.steps, resuming)
    loop_started = time.perf_counter()
    with events:
        events.fire("ganzoo_run_started", run=session.info)
        with bar, StopRequest() as interrupt, _intra_op_threads(plan.spec):
            last_losses = _run(session, options, bar, interrupt)
            if distributed.from_main(session.saved_step != session.step and (
                    interrupt.requested or not paths.checkpoint.exists())):
                # a signal while pictures were drawn, or a 0-step run: leave a run to resume
                session.save()
        loop_time = time.perf_counter() - loop_started - session.eval_seconds
        # a signal that arrives once the last step is done does not stop a finished run
        stopped_early = interrupt.requested and session.step < options.steps

        if main and not stopped_early and session.step > start_step:
            session.draw(paths.final_sample)
            plots.save_loss_curves(paths.metrics, paths.losses)
        done = session.step - start_step
        result = RunResult(
            run_dir=paths.root,
            steps=session.step,
            d_steps=session.d_steps,
            wall_time_s=time.perf_counter() - started,
            images_per_s=done * images_per_step / loop_time if loop_time > 0 else 0.0,
            params=params,
            last_losses=last_losses,
            interrupted=stopped_early,
            start_step=start_step,
            interrupted_by=interrupt.signum if stopped_early else None,
            eval_time_s=session.eval_seconds,
        )
        events.fire("ganzoo_run_finished", run=session.info, result=result)
    return result


def _run(session: _Session, options: RunOptions, bar: TrainingProgress,
         interrupt: StopRequest) -> dict[str, float]:
    """Train from ``session.step`` to ``options.steps``; returns the last logged losses."""
    method, ema, events = session.method, session.ema, session.events
    autocast = session.precision.autocast
    next_batch = session.batches.__next__
    per_step = method.batches_per_step
    images_per_step = per_step * session.plan.batch_size

    total = options.steps
    log_every = _every(options.log_every, total, 200, 100)
    sample_every = _every(options.sample_every, total, 4, 5000)
    checkpoint_every = _every(options.checkpoint_every, total, 4, 5000)

    last: dict[str, float] = {}
    shown: dict[str, float] = {}  # what the progress bar displays between log steps
    window = (session.step, time.perf_counter())
    clock = time.perf_counter
    method.train()

    step = session.step
    evaluating = session.evaluations is not None
    if step == 0:
        session.evaluate(total)  # where the curve starts: the untrained generator
    stop = False
    while step < total and not stop:
        with autocast():
            values = method.step(next_batch)
        ema.update()
        # under torchrun a signal may reach some processes only: all stop at the same step
        stop = distributed.any_process(interrupt.requested, session.device)

        step += 1
        session.step = step
        session.d_steps += per_step
        if evaluating:  # before this step's checkpoint: a run resumed from it has the record
            window = (window[0], window[1] + session.evaluate(total))  # speed leaves it out
        sample_now = step % sample_every == 0
        save_now = step % checkpoint_every == 0 or step == total or stop
        if step % log_every == 0 or sample_now or save_now:
            now = clock()
            values = distributed.mean_over_processes(values)
            last = {name: float(value.item()) for name, value in values.items()}
            _check_finite(last, step, session)
            speed = (step - window[0]) * images_per_step / (now - window[1])
            events.fire("ganzoo_step_logged", run=session.info, step=step,
                        values={**last, "images_per_s": round(speed, 1),
                                "elapsed_s": round(session.elapsed(), 3)})
            if sample_now:
                session.draw(session.paths.sample_at(step))
            if save_now:
                session.save()
            window = (step, clock())
            shown = {k: last[k] for k in ("d_loss", "g_loss") if k in last}
        if clock() >= bar.next_show:
            bar.show(step, shown)
    bar.show(step, shown)
    return last
