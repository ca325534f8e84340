"""The id of a tracker's run, kept in the ganzoo run folder, so that ``--resume`` continues
the same MLflow or W&B run instead of starting a second one."""

from __future__ import annotations

from ganzoo.api import RunInfo, atomic_write_text


def stored_run_id(run: RunInfo, filename: str) -> str | None:
    """The id stored by the run this one resumes; ``None`` for a new run."""
    path = run.run_dir / filename
    if not run.resumed or not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def store_run_id(run: RunInfo, filename: str, run_id: str) -> None:
    atomic_write_text(run.run_dir / filename, run_id + "\n")
