"""Evaluation during training: the figures of a run over generator updates and time.

At the cadence the run options give (``--eval-every`` generator updates, and/or
``--eval-every-seconds`` of training), the loop measures the generator's moving average
(EMA) with the same metrics and protocol as ``ganzoo eval`` (:mod:`ganzoo.metrics.evaluate`)
and appends one record per evaluation to ``evaluations.jsonl`` in the run folder::

    {"step": 500, "generator_updates": 500, "images_seen": 32000, "train_seconds": 41.2,
     "figures": {"fid": {"fid": 12.3}, ...}, "measured_with": {"fid": {...}, ...}}

``figures`` holds each metric's values as ``eval.json`` does.  A fresh run is measured at
step 0 too, and every run at its last step, so a curve spans the whole run.

Measuring never changes training: every random state a run draws from is put back
afterwards (samples come from their own seeded generator anyway), the EMA weights are
only read, and ``train_seconds`` leaves out the time spent measuring, so a method is not
charged for it.  A resumed run first drops the records after its checkpoint's step, so an
interrupted-then-resumed run's curve equals an uninterrupted one's (with a cadence in
steps; one in seconds depends on the machine's speed by nature).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ganzoo.metrics.evaluate import (_as_json, _reference_split, evaluate, resolve_metrics,
                                     run_task)
from ganzoo.metrics.protocols import check_protocol
from ganzoo.plan import Plan
from ganzoo.registry import Registry
from ganzoo.training import checkpoint as ckpt
from ganzoo.training.build import plan_conditioning
from ganzoo.training.config import RunOptions
from ganzoo.training.metrics_log import read_rows, truncate_after

#: Every evaluation draws the same latent vectors, from this seed (as ``ganzoo eval``).
SAMPLE_SEED = 0


def read_evaluations(path: Path) -> list[dict[str, Any]]:
    """The intact records of an ``evaluations.jsonl`` (none when it does not exist)."""
    return read_rows(path) if path.exists() else []


class Evaluations:
    """Measures a run's EMA generator at its cadence and records the figures.

    Built in the main process before training starts, so that metrics which do not apply
    to the run are refused before its first step.
    """

    def __init__(self, plan: Plan, options: RunOptions, registry: Registry,
                 device: torch.device, path: Path):
        self.plan, self.options, self.registry, self.device, self.path = (
            plan, options, registry, device, path)
        self.every, self.every_seconds = options.eval_every, options.eval_every_seconds
        check_protocol(options.eval_protocol)
        self.metrics = resolve_metrics(
            registry, options.eval_metrics, plan.spec, plan.conditioning,
            f"the run in {options.run_dir} (--eval-metrics)")
        self.info = registry.get("dataset", plan.dataset).load()
        self.split = _reference_split(self.info)
        self._reference: Any = None
        self.last: dict[str, Any] | None = None  # the latest record

    def start(self, step: int, resumed: bool) -> None:
        """Drop the records after ``step`` of a resumed run (a fresh run starts empty)."""
        if resumed:
            truncate_after(self.path, step)
        else:
            self.path.unlink(missing_ok=True)
        records = read_evaluations(self.path)
        self.last = records[-1] if records else None

    def due(self, step: int, train_seconds: float, last_step: int) -> bool:
        """Whether to measure after generator update ``step`` (``last_step``: the run's
        end, always measured)."""
        if self.last is not None and self.last["step"] == step:
            return False
        if step == 0 or step == last_step or (self.every and step % self.every == 0):
            return True
        since = train_seconds - (self.last["train_seconds"] if self.last else 0.0)
        return bool(self.every_seconds) and since >= self.every_seconds

    def measure(self, generator: torch.nn.Module, step: int, images_seen: int,
                train_seconds: float) -> dict[str, Any]:
        """Measure ``generator`` (the EMA copy, in eval mode) and append its record; every
        random state is as it was before."""
        rng = ckpt.rng_state(self.device)
        try:
            with torch.no_grad():
                figures = self._figures(generator, step)
        finally:
            ckpt.set_rng_state(rng)
        record = {
            "step": step,
            "generator_updates": step,
            "images_seen": images_seen,
            "train_seconds": round(train_seconds, 3),
            "figures": {name: result["values"] for name, result in figures.items()},
            "measured_with": {name: result["measured_with"] for name, result in figures.items()},
        }
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        self.last = record
        return record

    def _figures(self, generator: torch.nn.Module, step: int) -> dict[str, dict[str, Any]]:
        from ganzoo.training.run import LoadedRun

        plan, options = self.plan, self.options
        run = LoadedRun(options.run_dir, plan, options.data_root, plan.spec,
                        plan_conditioning(plan), generator, self.device, step, self.registry)
        if self._reference is None:
            self._reference = run.dataset(self.split)
        task = run_task(run, self.info, self.split, self._reference,
                        num_samples=options.eval_samples, device=str(self.device),
                        seed=SAMPLE_SEED, protocol=options.eval_protocol)
        results = evaluate(task, self.metrics, skip_errors=options.eval_metrics is None,
                           extra={"model": plan.model, "checkpoint_step": step,
                                  "during_training": True})
        # a metric that cannot be computed here is reported once, then left out
        self.metrics = [(name, metric) for name, metric in self.metrics if name in results]
        return _as_json(results)
