"""``ganzoo bench --jobs N`` and ``--executor ray``: cells in worker processes or Ray tasks
(a local Ray instance) give the rows one process gives, in the grid's order; a worker that
dies fails its cell only; a registry given in code is refused (workers load the installed
plugins).  Ctrl-C on a parallel bench: tests/test_faults.py."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ganzoo.api import GanzooError, load_plugins
from ganzoo.bench.cells import Settings
from ganzoo.bench.runner import BenchRequest, run_bench

SETTINGS = Settings(steps=30, num_samples=500)


def _bench(out: Path, models: list[str], jobs: int, **options: Any) -> str:
    request = BenchRequest(models=models, datasets=["ring8"], seeds=options.pop("seeds", 1),
                           settings=SETTINGS, out=out, jobs=jobs, **options)
    console = Console(file=io.StringIO(), width=200)
    run_bench(request, console=console, progress=False)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "one"
    _bench(out, ["gan"], jobs=1, seeds=2)
    return _rows(out)


def test_parallel_cells_give_the_rows_of_one_process_in_the_grids_order(tmp_path, one_process):
    _bench(tmp_path / "two", ["gan"], jobs=2, seeds=2)
    one, two = one_process, _rows(tmp_path / "two")
    assert [r["cell"] for r in two] == [r["cell"] for r in one] == [
        "real-ring8", "gan-ring8-seed0-untrained", "gan-ring8-seed0", "gan-ring8-seed1"]
    assert all(r["status"] == "ok" for r in two)
    assert [r["figures"] for r in two] == [r["figures"] for r in one]
    assert two[-1]["budget"]["generator_updates"] == 30
    text = _bench(tmp_path / "two", ["gan"], jobs=2, seeds=2)  # finished: nothing to run
    assert "4 of 4 cells already finished" in text
    assert "--jobs 2" in (tmp_path / "two" / "report.md").read_text()


def test_a_worker_that_dies_fails_its_cell_and_the_others_finish(
        tmp_path, write_module, site_dir, dist_info, fresh_plugins):
    write_module("dying_plugin", """
        import os, signal
        from ganzoo.api import PartChoice, Recipe, hookimpl

        def dying_generator(spec, *, latent_dim, conditioning="none"):
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would

        @hookimpl
        def ganzoo_register_generators(registry):
            registry.add("generator", "dying", dying_generator)

        @hookimpl
        def ganzoo_register_models(registry):
            registry.add_model(Recipe(
                name="dying", summary="test", paper="-", loss="non-saturating",
                generator={"points": "dying"},
                discriminator={"points": PartChoice("mlp", {"hidden": 8})}))
    """)
    dist_info(site_dir, "dying-plugin", "1.0", {"dying": "dying_plugin"})
    _bench(tmp_path / "out", ["gan", "dying"], jobs=2, references=False)
    rows = {r["cell"]: r for r in _rows(tmp_path / "out")}
    assert rows["gan-ring8-seed0"]["status"] == "ok"
    dead = rows["dying-ring8-seed0"]
    assert dead["status"] == "failed" and "killed by signal 9" in dead["error"]


def test_ray_tasks_give_the_rows_of_one_process(tmp_path, one_process):
    pytest.importorskip("ray")
    _bench(tmp_path / "ray", ["gan"], jobs=1, seeds=2, executor="ray")
    rows = _rows(tmp_path / "ray")
    assert [r["cell"] for r in rows] == [r["cell"] for r in one_process]
    assert [r["figures"] for r in rows] == [r["figures"] for r in one_process]
    assert "--executor ray" in (tmp_path / "ray" / "report.md").read_text()


def test_executor_options_are_checked(tmp_path, monkeypatch, run_cli):
    out = str(tmp_path / "out")
    result = run_cli("bench", "--models", "gan", "--datasets", "ring8", "--executor", "ray",
                     "--jobs", "2", "--out", out)
    assert result.code == 2 and "--jobs is for the local executor" in result.err
    result = run_cli("bench", "--models", "gan", "--datasets", "ring8", "--address",
                     "head:6379", "--out", out)
    assert result.code == 2 and "add --executor ray" in result.err
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    result = run_cli("bench", "--models", "gan", "--datasets", "ring8", "--steps", "1",
                     "--executor", "ray", "--out", out)
    assert result.code == 2 and "pip install 'torch-ganzoo[ray]'" in result.err


def test_a_registry_given_in_code_is_refused_with_jobs(tmp_path):
    request = BenchRequest(models=["gan"], datasets=["ring8"], seeds=1, settings=SETTINGS,
                           out=tmp_path / "out", jobs=2)
    with pytest.raises(GanzooError, match="registry given here cannot reach them"):
        run_bench(replace(request, jobs=1, executor="ray"), registry=load_plugins().registry,
                  progress=False)
    with pytest.raises(GanzooError, match="registry given here cannot reach them"):
        run_bench(request, registry=load_plugins().registry, progress=False)
    with pytest.raises(GanzooError, match="--jobs must be at least 1"):
        run_bench(replace(request, jobs=0), progress=False)
