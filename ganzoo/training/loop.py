"""The one generic training loop.

It never looks at a model's name: what differs between GANs lives in their parts (networks,
loss, regularizers, conditioning, optimizers), all resolved by :mod:`ganzoo.training.build`.
Per generator step it makes ``n_critic`` discriminator updates, each on a fresh batch, then
one generator update on the last real batch (with D's parameters frozen, so that no weight
gradients are computed for D), then updates the generator's moving average.

The step is the hot path: it does what a hand-written loop does and nothing more.  Losses
are read back from the device (``.item()``) only at log steps, where they are also checked
for NaN/inf; the progress bar costs one clock read per step.  Only the main process writes
files or draws the progress bar.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch
from rich.console import Console

from ganzoo import distributed, plots
from ganzoo.data.batches import Batcher
from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.parts import Regularizer
from ganzoo.registry import Registry
from ganzoo.training import checkpoint as ckpt
from ganzoo.training.build import Parts, build_parts, plan_run
from ganzoo.training.config import TrainConfig
from ganzoo.training.ema import GeneratorEMA
from ganzoo.training.previews import Previews
from ganzoo.training.progress import TrainingProgress
from ganzoo.training.run import RunPaths, check_run_folder, run_paths, run_record, write_json

CHECKPOINT_FORMAT = 1


@dataclass
class RunResult:
    """What a call to :func:`train` did.

    ``steps``/``d_steps`` count generator/discriminator updates of the whole run (resumed
    runs included); ``wall_time_s`` is this call's duration, set-up included;
    ``images_per_s`` is real images fed to the discriminator per second of this call's
    training steps.
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


def _every(value: int, steps: int, parts: int, cap: int) -> int:
    """A user's cadence, or about ``parts`` times per run, at most every ``cap`` steps."""
    return value if value > 0 else max(1, min(cap, math.ceil(steps / parts)))


def _overrides(reg: Regularizer, method: str) -> bool:
    return getattr(type(reg), method) is not getattr(Regularizer, method)


class _Interrupt:
    """Turns the first Ctrl-C into a request to stop at the next step boundary.

    A second Ctrl-C interrupts at once (the previous handler is back by then).
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)

    def __enter__(self) -> "_Interrupt":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


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


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop log rows written after the checkpoint a run resumes from."""
    if not path.exists():
        return
    rows = [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line)["step"] <= step]
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")


class _Session:
    """One call's worth of training state: parts, data, averages, logs, outputs."""

    def __init__(self, config: TrainConfig, parts: Parts, batches: Batcher, ema: GeneratorEMA,
                 paths: RunPaths, device: torch.device, previews: Previews | None):
        self.config, self.parts, self.batches, self.ema = config, parts, batches, ema
        self.paths, self.device, self.previews = paths, device, previews
        self.main = distributed.is_main_process()
        self.step = 0
        self.d_steps = 0
        self.saved_step: int | None = None
        self.elapsed_base = 0.0  # seconds spent by earlier calls (a resumed run)
        self.started = time.perf_counter()
        self.names = [c.name for c in (*parts.plan.regularizers, *parts.plan.extra_terms)]

    def elapsed(self) -> float:
        """Wall time of the whole run so far, earlier calls included."""
        return self.elapsed_base + time.perf_counter() - self.started

    def state(self) -> dict[str, Any]:
        p = self.parts
        return {
            "format": CHECKPOINT_FORMAT,
            "step": self.step,
            "d_steps": self.d_steps,
            "elapsed_s": self.elapsed(),
            "generator": p.generator.state_dict(),
            "discriminator": p.discriminator.state_dict(),
            "ema": self.ema.state_dict(),
            "g_optimizer": p.g_optimizer.state_dict(),
            "d_optimizer": p.d_optimizer.state_dict(),
            "batches": self.batches.state_dict(),
            "rng": ckpt.rng_state(self.device),
        }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("format") != CHECKPOINT_FORMAT:
            raise GanzooError(
                f"{self.paths.checkpoint} was written by another checkpoint format "
                f"({state.get('format')!r}); start a new run with another --out."
            )
        p = self.parts
        p.generator.load_state_dict(state["generator"])
        p.discriminator.load_state_dict(state["discriminator"])
        self.ema.load_state_dict(state["ema"])
        p.g_optimizer.load_state_dict(state["g_optimizer"])
        p.d_optimizer.load_state_dict(state["d_optimizer"])
        self.batches.load_state_dict(state["batches"])
        ckpt.set_rng_state(state["rng"])
        self.step, self.d_steps = int(state["step"]), int(state["d_steps"])
        self.elapsed_base = float(state["elapsed_s"])

    def save(self) -> None:
        if self.main:
            ckpt.save_checkpoint(self.state(), self.paths.checkpoint)
        self.saved_step = self.step

    def draw(self, path: Path) -> None:
        if self.main and self.previews is not None:
            self.previews.save(self.ema.module, path, title=f"step {self.step}")


def _check_finite(losses: dict[str, float], step: int, session: _Session) -> None:
    bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
    if not bad:
        return
    plan = session.parts.plan
    kept = (f"The last good checkpoint in {session.paths.root} was kept."
            if session.paths.checkpoint.exists() else "No checkpoint was written.")
    raise GanzooError(
        f"Training diverged at step {step}: "
        + ", ".join(f"{k} = {v}" for k, v in bad.items())
        + f". Try a lower learning rate (now --lr-g {plan.g_optimizer.lr:g} --lr-d "
        f"{plan.d_optimizer.lr:g}), e.g. half of it, in a new run (another --out). {kept}"
    )


def train(config: TrainConfig, *, registry: Registry | None = None, progress: bool = True,
          console: Console | None = None) -> RunResult:
    """Train one run as ``config`` says; see the module docstring and :mod:`.run`."""
    started = time.perf_counter()
    if registry is None:
        from ganzoo.plugins import get_registry

        registry = get_registry()
    device = distributed.resolve_device(config.device)
    plan = plan_run(config, registry)
    paths = run_paths(config)
    main = distributed.is_main_process()
    resuming = check_run_folder(paths, config)

    ckpt.seed_everything(config.seed)
    parts = build_parts(plan, registry, device)
    channels_last = config.channels_last and plan.spec.is_image
    if channels_last:
        parts.generator.to(memory_format=torch.channels_last)
        parts.discriminator.to(memory_format=torch.channels_last)
    dataset = plan.dataset.build(root=config.data_root, download=config.download,
                                 split="train", image_size=config.image_size)
    batches = Batcher(dataset, plan.batch_size, device=device, seed=config.seed,
                      channels_last=channels_last)
    ema = GeneratorEMA(parts.generator, plan.recipe.ema_decay)
    previews = Previews(parts.conditioning, plan.spec, dataset, config.seed, device) if main else None
    session = _Session(config, parts, batches, ema, paths, device, previews)
    if resuming:
        session.restore(ckpt.load_checkpoint(paths.checkpoint))
    start_step = session.step

    if main and (session.step < config.steps or not resuming):
        paths.samples.mkdir(parents=True, exist_ok=True)
        write_json(paths.config, run_record(config, plan, registry, device))
        if resuming:
            _truncate_metrics(paths.metrics, start_step)
        else:
            paths.metrics.unlink(missing_ok=True)
    params = {
        "generator": sum(p.numel() for p in parts.generator.parameters()),
        "discriminator": sum(p.numel() for p in parts.discriminator.parameters()),
    }

    images_per_step = plan.batch_size * plan.n_critic
    bar = TrainingProgress(config.steps, start_step, enabled=progress and main,
                           console=console, images_per_step=images_per_step,
                           description=plan.recipe.name)
    metrics = open(paths.metrics, "a", encoding="utf-8") if main else None
    loop_started = time.perf_counter()
    try:
        with bar, _Interrupt() as interrupt, _intra_op_threads(plan.spec):
            last_losses = _run(session, config, bar, metrics, interrupt)
            if session.saved_step != session.step and (
                    interrupt.requested or not paths.checkpoint.exists()):
                # Ctrl-C while pictures were drawn, or a 0-step run: leave a run to resume
                session.save()
    finally:
        if metrics is not None:
            metrics.close()
    loop_time = time.perf_counter() - loop_started

    if main and not interrupt.requested and session.step > start_step:
        session.draw(paths.final_sample)
        plots.save_loss_curves(paths.metrics, paths.losses)
    done = session.step - start_step
    return RunResult(
        run_dir=paths.root,
        steps=session.step,
        d_steps=session.d_steps,
        wall_time_s=time.perf_counter() - started,
        images_per_s=done * images_per_step / loop_time if loop_time > 0 else 0.0,
        params=params,
        last_losses=last_losses,
        interrupted=interrupt.requested,
        start_step=start_step,
    )


def _run(session: _Session, config: TrainConfig, bar: TrainingProgress, metrics: Any,
         interrupt: _Interrupt) -> dict[str, float]:
    """Train from ``session.step`` to ``config.steps``; returns the last logged losses."""
    parts = session.parts
    plan = parts.plan
    G, D, loss = parts.generator, parts.discriminator, parts.loss
    g_opt, d_opt = parts.g_optimizer, parts.d_optimizer
    split, latents = parts.conditioning.split, parts.conditioning.latents
    batches, ema, device = session.batches, session.ema, session.device
    n_critic, batch_size = plan.n_critic, plan.batch_size
    named = list(zip(session.names, parts.regularizers))
    d_regs = [(n, r.d_term) for n, r in named if _overrides(r, "d_term")]
    g_regs = [(n, r.g_term) for n, r in named if _overrides(r, "g_term")]
    after_d: list[Callable[[Any], None]] = [r.after_d_step for _, r in named
                                            if _overrides(r, "after_d_step")]
    needs_real = loss.needs_real_scores_for_g
    d_params = [p for p in D.parameters() if p.requires_grad]

    total = config.steps
    log_every = _every(config.log_every, total, 200, 100)
    sample_every = _every(config.sample_every, total, 4, 5000)
    checkpoint_every = _every(config.checkpoint_every, total, 4, 5000)

    d_terms: list[Any] = [None] * len(d_regs)
    g_terms: list[Any] = [None] * len(g_regs)
    last: dict[str, float] = {}
    shown: dict[str, float] = {}  # what the progress bar displays between log steps
    window = (session.step, time.perf_counter())
    clock = time.perf_counter
    G.train()
    D.train()

    step = session.step
    while step < total and not interrupt.requested:
        for _ in range(n_critic):
            real, cond = split(next(batches))
            with torch.no_grad():
                fake = G(latents(batch_size, device), cond)
            d_loss = loss.d_loss(D(real, cond), D(fake, cond))
            d_total = _plus_terms(d_loss, d_regs, d_terms, D, real, fake, cond)
            d_opt.zero_grad(set_to_none=True)
            d_total.backward()
            d_opt.step()
            for act in after_d:
                act(D)

        for p in d_params:  # G's update needs gradients through D, not D's own
            p.requires_grad_(False)
        fake = G(latents(batch_size, device), cond)
        g_loss = loss.g_loss(D(fake, cond), D(real, cond) if needs_real else None)
        g_total = _plus_terms(g_loss, g_regs, g_terms, fake, real, cond)
        g_opt.zero_grad(set_to_none=True)
        g_total.backward()
        g_opt.step()
        for p in d_params:
            p.requires_grad_(True)
        ema.update()

        step += 1
        session.step = step
        session.d_steps += n_critic
        sample_now = step % sample_every == 0
        save_now = step % checkpoint_every == 0 or step == total or interrupt.requested
        if step % log_every == 0 or sample_now or save_now:
            now = clock()
            last = _losses(d_loss, g_loss, d_regs, d_terms, g_regs, g_terms)
            _check_finite(last, step, session)
            if metrics is not None:
                speed = (step - window[0]) * n_critic * batch_size / (now - window[1])
                row = {"step": step, **last, "images_per_s": round(speed, 1),
                       "elapsed_s": round(session.elapsed(), 3)}
                metrics.write(json.dumps(row) + "\n")
                metrics.flush()
            if sample_now:
                session.draw(session.paths.sample_at(step))
            if save_now:
                session.save()
            window = (step, clock())
            shown = {"d_loss": last["d_loss"], "g_loss": last["g_loss"]}
        if clock() >= bar.next_show:
            bar.show(step, shown)
    bar.show(step, shown)
    return last


def _plus_terms(total: Any, regs: list[Any], store: list[Any], *args: Any) -> Any:
    """``total`` plus each regularizer term (``regs`` holds ``(name, term_fn)``); each term
    is kept in ``store`` for logging."""
    for i, (_, term_fn) in enumerate(regs):
        term = term_fn(*args)
        store[i] = term
        if term is not None:
            total = total + term
    return total


def _losses(d_loss: Any, g_loss: Any, d_regs: list[Any], d_terms: list[Any],
            g_regs: list[Any], g_terms: list[Any]) -> dict[str, float]:
    """The step's losses and regularizer terms (by registered name) as floats."""
    values = {"d_loss": float(d_loss.item()), "g_loss": float(g_loss.item())}
    for (name, _), term in zip(d_regs, d_terms):
        if term is not None:
            values[name] = float(term.item())
    for (name, _), term in zip(g_regs, g_terms):
        if term is not None:
            values[f"{name}_g" if name in values else name] = float(term.item())
    return values
