"""The ``wandb`` tracker: a Weights & Biases run, offline unless asked otherwise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ganzoo.api import RunInfo, hookimpl
from ganzoo_trackers.naming import evaluation_values, metric_name
from ganzoo_trackers.optional import import_optional
from ganzoo_trackers.run_ids import store_run_id, stored_run_id

RUN_ID_FILE = "wandb_run_id"


class WandbTracker:
    """The plan as the run's config, each logged value and evaluation with its step, sample
    pictures.

    ``mode`` defaults to ``$WANDB_MODE``, else ``offline``: nothing leaves the machine, and
    ``wandb sync RUN_DIR/wandb/offline-run-*`` uploads it later. ``dir`` (default: the run
    folder) is where wandb writes its ``wandb/`` folder.
    """

    def __init__(self, project: str = "ganzoo", mode: str | None = None,
                 dir: str | None = None) -> None:  # noqa: A002 - wandb's own name
        self._wandb = import_optional("wandb", tracker="wandb", package="wandb")
        self._project = str(project)  # --tracker options arrive parsed: project=2024 is an int
        self._mode = mode or os.environ.get("WANDB_MODE") or "offline"
        self._dir = dir
        self._run: Any = None

    @hookimpl
    def ganzoo_run_started(self, run: RunInfo) -> None:
        run_id = stored_run_id(run, RUN_ID_FILE)
        self._run = self._wandb.init(
            project=self._project, mode=self._mode, dir=self._dir or str(run.run_dir),
            name=run.run_dir.name, config=run.plan.to_dict(),
            id=run_id, resume="allow" if run_id else None,
        )
        store_run_id(run, RUN_ID_FILE, self._run.id)

    @hookimpl
    def ganzoo_step_logged(self, step: int, values: dict[str, float]) -> None:
        self._run.log({metric_name(k): v for k, v in values.items()}, step=step)

    @hookimpl
    def ganzoo_run_evaluated(self, step: int, figures: dict[str, dict[str, float]]) -> None:
        self._run.log(evaluation_values(figures), step=step)

    @hookimpl
    def ganzoo_samples_drawn(self, step: int, path: Path) -> None:
        self._run.log({"samples": self._wandb.Image(str(path))}, step=step)

    @hookimpl
    def ganzoo_run_finished(self, result: Any) -> None:
        if result.interrupted:
            self._run.mark_preempting()  # W&B's state for a run that will be resumed
        self._finish(1 if result.interrupted else 0)

    def close(self) -> None:
        self._finish(1)  # only if the run did not finish

    def _finish(self, exit_code: int) -> None:
        if self._run is not None:
            self._run.finish(exit_code=exit_code)
            self._run = None
