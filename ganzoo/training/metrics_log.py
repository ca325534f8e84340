"""``metrics.jsonl``: the run folder's own log, one JSON object per logged step.

It is the ``jsonl`` tracker, always on: the loss curves, the bench and ``--resume`` read it.
A resumed run first drops the rows written after the checkpoint it resumes from, so the log
of an interrupted-then-resumed run matches an uninterrupted one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from ganzoo.hookspecs import hookimpl
from ganzoo.lifecycle import RunInfo

FILENAME = "metrics.jsonl"


def _step_of(line: str) -> int | None:
    try:
        return int(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError):
        return None  # a torn or foreign line: dropped


def truncate_after(path: Path, step: int) -> None:
    """Keep only the rows up to ``step`` (and no torn lines)."""
    if not path.exists():
        return
    kept = [line for line in path.read_text(encoding="utf-8").splitlines()
            if (s := _step_of(line)) is not None and s <= step]
    path.write_text("".join(r + "\n" for r in kept), encoding="utf-8")


class JsonlTracker:
    """Writes each logged step as one line of ``RUN_DIR/metrics.jsonl``."""

    def __init__(self) -> None:
        self._file: IO[str] | None = None

    @hookimpl
    def ganzoo_run_started(self, run: RunInfo) -> None:
        path = run.run_dir / FILENAME
        if run.resumed:
            truncate_after(path, run.start_step)
        else:
            path.unlink(missing_ok=True)
        self._file = open(path, "a", encoding="utf-8")

    @hookimpl
    def ganzoo_step_logged(self, run: RunInfo, step: int, values: dict[str, float]) -> None:
        assert self._file is not None
        self._file.write(json.dumps({"step": step, **values}) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
