"""The ``tensorboard`` tracker: TensorBoard event files, through torch's SummaryWriter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganzoo.api import RunInfo, hookimpl
from ganzoo_trackers.naming import evaluation_values, metric_name
from ganzoo_trackers.optional import import_optional


class TensorBoardTracker:
    """Scalars at each logged step and evaluation, the plan as text, sample pictures as
    images.

    Writes to ``RUN_DIR/tensorboard``, or to ``LOG_DIR/<run folder name>`` with
    ``log_dir=LOG_DIR`` so that one TensorBoard shows every run of a bench side by side.
    """

    def __init__(self, log_dir: str | None = None) -> None:
        self._tensorboard = import_optional("torch.utils.tensorboard",
                                            tracker="tensorboard", package="tensorboard")
        self._log_dir = Path(log_dir) if log_dir else None
        self._writer: Any = None

    @hookimpl
    def ganzoo_run_started(self, run: RunInfo) -> None:
        log_dir = (self._log_dir / run.run_dir.name if self._log_dir
                   else run.run_dir / "tensorboard")
        # A resumed run starts after its checkpoint's step and logs again what the
        # interrupted run logged after it: TensorBoard drops those older points.
        purge_step = run.start_step + 1 if run.resumed else None
        self._writer = self._tensorboard.SummaryWriter(str(log_dir), purge_step=purge_step)
        plan = json.dumps(run.plan.to_dict(), indent=2)
        # indented four spaces: a code block in TensorBoard's Markdown
        self._writer.add_text("plan", "    " + plan.replace("\n", "\n    "), run.start_step)

    @hookimpl
    def ganzoo_step_logged(self, step: int, values: dict[str, float]) -> None:
        for key, value in values.items():
            self._writer.add_scalar(metric_name(key), value, step)

    @hookimpl
    def ganzoo_run_evaluated(self, step: int, figures: dict[str, dict[str, float]]) -> None:
        for key, value in evaluation_values(figures).items():
            self._writer.add_scalar(key, value, step)

    @hookimpl
    def ganzoo_samples_drawn(self, step: int, path: Path) -> None:
        with Image.open(path) as picture:
            pixels = np.asarray(picture.convert("RGB"))
        self._writer.add_image("samples", pixels, step, dataformats="HWC")

    @hookimpl
    def ganzoo_checkpoint_saved(self) -> None:
        self._writer.flush()  # what a checkpoint can resume from is on disk too

    @hookimpl
    def ganzoo_run_finished(self) -> None:
        self.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
