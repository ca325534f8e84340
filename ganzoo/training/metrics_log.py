"""``metrics.jsonl``: the run folder's own log, one JSON object per logged step.

It is the ``jsonl`` tracker, always on: the loss curves, the bench and ``--resume`` read it.
A resumed run first drops the rows written after the checkpoint it resumes from, so the log
of an interrupted-then-resumed run matches an uninterrupted one.  A process killed mid-write
(or a crash that leaves NUL bytes) can tear a line: readers skip such lines, and a resumed
run drops them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from ganzoo.files import atomic_write_text
from ganzoo.hookspecs import hookimpl
from ganzoo.lifecycle import RunInfo

FILENAME = "metrics.jsonl"


def parse_row(line: str) -> dict[str, Any] | None:
    """A log line as its row, or ``None`` for a torn or foreign line (not a JSON object
    with an integer ``step``)."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    if not isinstance(row, dict) or type(row.get("step")) is not int:
        return None
    return row


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The intact rows of a metrics log, in order."""
    return [row for line in _lines(path) if (row := parse_row(line)) is not None]


def truncate_after(path: Path, step: int) -> None:
    """Keep only the rows up to ``step`` (and no torn lines)."""
    if not path.exists():
        return
    kept = [line for line in _lines(path)
            if (row := parse_row(line)) is not None and row["step"] <= step]
    atomic_write_text(path, "".join(line + "\n" for line in kept))


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
