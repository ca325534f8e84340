"""The training progress bar: step, losses and speed, at no cost to the training step.

Rich's background refresh thread is off (on two cores it competes with the step for the
GIL); the loop calls :meth:`TrainingProgress.show` a few times a second, checked with one
clock read per step, and passes the losses it already read at its last log step.
"""

from __future__ import annotations

import math
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

REFRESH_S = 0.25
SPEED_WINDOW_S = 1.0


class TrainingProgress:
    """A rich progress bar, or nothing when disabled (``next_show`` stays infinite)."""

    def __init__(self, total: int, start: int, *, enabled: bool, console: Console | None,
                 images_per_step: int, description: str = "training"):
        self.images_per_step = images_per_step
        self.next_show = math.inf
        self._bar: Progress | None = None
        self._last = (start, time.perf_counter())
        self._speed = ""
        if not enabled:
            return
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TextColumn("{task.fields[losses]}"),
            TextColumn("{task.fields[speed]}"),
            TimeRemainingColumn(compact=True, elapsed_when_finished=True),
            console=console,
            auto_refresh=False,
            transient=False,
        )
        self._task = self._bar.add_task(description, total=total, completed=start,
                                        losses="", speed="")
        self.next_show = time.perf_counter()

    def __enter__(self) -> "TrainingProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()

    def show(self, step: int, losses: dict[str, float]) -> None:
        """Redraw with the current step, the last logged losses and the recent speed."""
        if self._bar is None:
            return
        now = time.perf_counter()
        last_step, last_time = self._last
        if step > last_step and now - last_time >= SPEED_WINDOW_S:
            rate = (step - last_step) / (now - last_time)
            self._speed = f"{rate:.1f} it/s {rate * self.images_per_step:,.0f} img/s"
            self._last = (step, now)
        text = " ".join(f"{k} {v:.3g}" for k, v in losses.items())
        self._bar.update(self._task, completed=step, losses=text, speed=self._speed)
        self._bar.refresh()
        self.next_show = now + REFRESH_S
