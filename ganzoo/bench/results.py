"""The bench's record on disk, and what lets a re-run resume.

``OUT/bench.json`` holds the settings the folder was started with; ``OUT/results.jsonl``
holds one row per cell (the latest outcome of that cell), rewritten atomically after every
cell so that an interrupted bench loses at most the cell it was in.  Opening a folder removes
the temporary files a killed bench left in it.  A cell whose row says
``ok`` is finished and skipped on a re-run; any other status is run again (an interrupted
cell resumes its training from its checkpoint).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganzoo.bench.cells import Cell, Settings
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write_text, make_folder, remove_temp_files

SETTINGS_FILE = "bench.json"
RESULTS_FILE = "results.jsonl"

OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"


class SettingsMismatchError(GanzooError):
    """The output folder was started with other settings; its figures would not compare."""


class ResultsStore:
    """Rows of one output folder, keyed by cell, in the order cells were first recorded."""

    def __init__(self, out: Path, settings: Settings, rows: dict[str, dict[str, Any]]):
        self.out = out
        self.settings = settings
        self._rows = rows

    @classmethod
    def open(cls, out: Path, settings: Settings) -> "ResultsStore":
        """Open (or start) ``out``; refuse if it was started with different settings.  Only
        while holding the folder's lock: it removes temporary files left there."""
        make_folder(out)
        remove_temp_files(out)
        settings_path = out / SETTINGS_FILE
        if settings_path.exists():
            recorded = read_settings(settings_path)
            changes = settings.differences(recorded)
            if changes:
                raise SettingsMismatchError(
                    f"{out} holds a bench started with other settings ({'; '.join(changes)}). "
                    "Figures under different budgets or measurements must not be mixed in one "
                    "report. Re-run with the recorded settings to resume or extend it, or "
                    "choose a new --out for the new settings."
                )
        else:
            atomic_write_text(settings_path,
                              json.dumps({"settings": settings.to_json()}, indent=2))
        return cls(out, settings, read_rows(out / RESULTS_FILE))

    def row(self, cell: Cell) -> dict[str, Any] | None:
        return self._rows.get(cell.key)

    def is_done(self, cell: Cell) -> bool:
        row = self.row(cell)
        return row is not None and row["status"] == OK

    def record(self, row: dict[str, Any]) -> None:
        """Keep ``row`` as its cell's outcome and rewrite results.jsonl."""
        self._rows[row["cell"]] = row
        self._write()

    def sort(self, keys: list[str]) -> None:
        """Put the rows of cells ``keys`` in that order, after rows of other cells (parallel
        cells finish in any order; the files should not depend on it)."""
        rank = {key: i for i, key in enumerate(keys)}
        self._rows = dict(sorted(self._rows.items(), key=lambda item: rank.get(item[0], -1)))
        self._write()

    def _write(self) -> None:
        text = "".join(json.dumps(r, sort_keys=False) + "\n" for r in self._rows.values())
        atomic_write_text(self.out / RESULTS_FILE, text)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows.values())


def read_settings(path: Path) -> Settings:
    """The settings a bench folder was started with."""
    try:
        return Settings.from_json(json.loads(path.read_text(encoding="utf-8"))["settings"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GanzooError(
            f"{path} is damaged ({type(exc).__name__}: {exc}). Choose a new --out, or "
            "delete that file to let this bench's settings be recorded again."
        ) from exc


def read_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The rows of a results.jsonl (the last row of a cell wins); none if it is missing."""
    rows: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows[row["cell"]] = row
        except (ValueError, KeyError, TypeError) as exc:
            raise GanzooError(
                f"{path} line {number} is not a result row ({type(exc).__name__}: {exc}). "
                "Remove that line (its cell will run again) or choose a new --out."
            ) from exc
    return rows
