"""The bench runner: grid, rows, files, aggregation, failures, resume and refusals.

One tiny real bench (gan on ring8, a few steps, two seeds) is shared by the tests that read
its output; the others patch ``train`` to fail or to prove it is not called.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ganzoo.bench.cells import (
    DEFAULT_STEPS, REAL, TRAINED, UNTRAINED, Settings, default_batch_size)
from ganzoo.bench.results import SettingsMismatchError
from ganzoo.bench.runner import BenchRequest, run_bench
from ganzoo.bench.summary import Stat, group_rows, summary_table
from ganzoo.errors import UnknownNameError

STEPS = 30
SETTINGS = Settings(steps=STEPS, num_samples=500)


def _request(out: Path, models: list[str], seeds: int = 1, references: bool = False,
             settings: Settings = SETTINGS) -> BenchRequest:
    return BenchRequest(models=models, datasets=["ring8"], seeds=seeds, settings=settings,
                        out=out, references=references)


def _bench(request: BenchRequest) -> tuple[list[dict[str, Any]], str]:
    console = Console(file=io.StringIO(), width=200)
    rows = run_bench(request, console=console, progress=False)
    return rows, console.file.getvalue()  # type: ignore[attr-defined]


def _rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]



@pytest.fixture(scope="module")
def tiny_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    _bench(_request(out, ["gan"], seeds=2, references=True))
    return out


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace ``train`` by a spy that fails the test if the bench trains anything."""
    calls: list[Any] = []

    def spy(plan: Any, options: Any, **kwargs: Any) -> Any:
        calls.append((plan, options))
        raise AssertionError(f"train() called for {plan.model} on {plan.dataset}")

    monkeypatch.setattr("ganzoo.training.loop.train", spy)
    return calls


def test_tiny_bench_writes_one_row_per_cell(tiny_bench: Path) -> None:
    rows = {r["cell"]: r for r in _rows(tiny_bench)}
    assert set(rows) == {"real-ring8", "gan-ring8-seed0-untrained", "gan-ring8-seed0",
                         "gan-ring8-seed1"}
    assert all(r["status"] == "ok" and r["error"] is None for r in rows.values())
    trained = rows["gan-ring8-seed1"]
    assert trained["kind"] == TRAINED and trained["seed"] == 1
    assert trained["budget"]["generator_updates"] == STEPS
    assert trained["budget"]["discriminator_updates"] == STEPS  # gan: one D step per G step
    assert trained["params"]["generator"] > 0 and trained["images_per_s"] > 0
    assert (tiny_bench / trained["run_dir"] / "checkpoints" / "last.pt").exists()
    assert rows["gan-ring8-seed0-untrained"]["budget"]["generator_updates"] == 0
    for row in rows.values():
        assert row["figures"] and set(row["measured_with"])
        assert all(isinstance(v, float) for v in row["figures"].values())
    # the true distribution covers every mode; its row is the floor the others are read by
    assert rows["real-ring8"]["kind"] == REAL


def test_tiny_bench_writes_csv_and_reports(tiny_bench: Path) -> None:
    with open(tiny_bench / "results.csv", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [r["cell"] for r in lines] == [r["cell"] for r in _rows(tiny_bench)]
    figures = set(_rows(tiny_bench)[-1]["figures"])
    assert figures <= set(lines[0])
    md = (tiny_bench / "report.md").read_text()
    html = (tiny_bench / "report.html").read_text()
    for text in (md, html):
        assert "Budget" in text and "generator updates" in text
        assert "How figures were measured" in text and "torch" in text
        assert "gan (untrained)" in text and "real data" in text
    assert "<table>" in html and "<script" not in html
    pngs = sorted(p.name for p in (tiny_bench / "figures").iterdir())
    assert "gan-ring8-seed0-samples.png" in pngs and "gan-ring8-seed0-losses.png" in pngs
    for name in pngs:
        assert f"figures/{name}" in md and f"figures/{name}" in html


def test_rerun_skips_finished_cells(tiny_bench: Path, no_training: list[Any],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def no_eval(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a finished cell was evaluated again")

    monkeypatch.setattr("ganzoo.metrics.evaluate.evaluate_run", no_eval)
    before = _rows(tiny_bench)
    rows, output = _bench(_request(tiny_bench, ["gan"], seeds=2, references=True))
    assert no_training == []
    assert rows == before == _rows(tiny_bench)
    assert "already finished" in output and "ring8" in output


def test_changed_settings_are_refused(tiny_bench: Path, no_training: list[Any]) -> None:
    changed = Settings(steps=STEPS + 1, num_samples=500)
    with pytest.raises(SettingsMismatchError, match="steps: 30 → 31"):
        _bench(_request(tiny_bench, ["gan"], settings=changed))


def test_failing_cells_are_recorded_and_the_others_go_on(tmp_path: Path) -> None:
    # pix2pix translates paired images: it cannot build for 2-D points
    rows, output = _bench(_request(tmp_path, ["pix2pix", "gan"]))
    by_model = {r["model"]: r for r in rows}
    assert by_model["pix2pix"]["status"] == "failed"
    assert "IncompatibleError" in by_model["pix2pix"]["error"]
    assert by_model["gan"]["status"] == "ok" and by_model["gan"]["figures"]
    assert "pix2pix-ring8-seed0" in output
    assert "did not finish" in (tmp_path / "report.md").read_text()


def test_a_crashing_train_is_recorded_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("out of memory, say")

    monkeypatch.setattr("ganzoo.training.loop.train", crash)
    rows, _ = _bench(_request(tmp_path, ["gan"], seeds=2))
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert rows[0]["error"] == "RuntimeError: out of memory, say"
    assert "Traceback" in rows[0]["traceback"]


def test_ctrl_c_records_the_cell_and_stops(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def interrupted(plan: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(plan)
        raise KeyboardInterrupt

    monkeypatch.setattr("ganzoo.training.loop.train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _bench(_request(tmp_path, ["gan"], seeds=3))
    assert len(calls) == 1  # the bench stopped at the first cell
    assert [r["status"] for r in _rows(tmp_path)] == ["interrupted"]
    assert (tmp_path / "report.md").exists()


def test_an_interrupted_cell_resumes_from_its_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganzoo.training import loop

    real_train = loop.train
    options_seen: list[Any] = []

    def ctrl_c_at_step_10(plan: Any, options: Any, **kwargs: Any) -> Any:
        # what train() returns when Ctrl-C stops it at a step boundary
        result = real_train(plan, replace(options, steps=10), **kwargs)
        return replace(result, interrupted=True)

    def spy(plan: Any, options: Any, **kwargs: Any) -> Any:
        options_seen.append(options)
        return real_train(plan, options, **kwargs)

    monkeypatch.setattr(loop, "train", ctrl_c_at_step_10)
    with pytest.raises(KeyboardInterrupt):
        _bench(_request(tmp_path, ["gan"]))
    first = _rows(tmp_path)[0]
    assert first["status"] == "interrupted" and first["budget"]["generator_updates"] == 10

    monkeypatch.setattr(loop, "train", spy)
    rows, _ = _bench(_request(tmp_path, ["gan"]))
    assert [o.resume for o in options_seen] == [True]
    assert rows[0]["status"] == "ok" and rows[0]["budget"]["generator_updates"] == STEPS
    assert rows[0]["budget"]["wall_time_s"] > first["budget"]["wall_time_s"]


def test_unknown_model_is_refused_before_training(tmp_path: Path,
                                                  no_training: list[Any]) -> None:
    with pytest.raises(UnknownNameError, match="'gan'"):
        _bench(_request(tmp_path, ["gan", "gann"]))
    assert not (tmp_path / "results.jsonl").exists()


def test_cli_reports_unknown_names_in_one_paragraph(run_cli: Any, tmp_path: Path,
                                                    no_training: list[Any]) -> None:
    result = run_cli("bench", "--models", "dcgan,wgann", "--out", str(tmp_path / "b"))
    assert result.code == 2
    assert "Unknown model 'wgann'" in result.err and "'wgan'" in result.err
    assert "Traceback" not in result.err


def _row(model: str, seed: int, fid: float | None, status: str = "ok") -> dict[str, Any]:
    return {"cell": f"{model}-d-seed{seed}", "kind": TRAINED, "label": model, "model": model,
            "dataset": "d", "seed": seed, "status": status, "error": None,
            "figures": {} if fid is None else {"fid": fid, "fid_spread": 0.1},
            "better": {"fid": "lower", "fid_spread": ""}, "measured_with": {},
            "budget": {"generator_updates": 10, "discriminator_updates": 50,
                       "wall_time_s": 2.0 + seed},
            "images_per_s": 100.0 * (seed + 1), "params": {"generator": 1500,
                                                             "discriminator": 2_000_000}}


def test_figures_are_mean_and_sample_std_over_finished_seeds() -> None:
    rows = [_row("a", 0, 10.0), _row("a", 1, 14.0), _row("a", 2, None, status="failed"),
            _row("b", 0, 3.0), {**_row("u", 0, 99.0), "kind": UNTRAINED, "label": "u (untrained)"}]
    groups = group_rows(rows)
    assert [g.label for g in groups] == ["a", "b", "u (untrained)"]
    a = groups[0]
    assert a.seeds == "2/3"
    assert a.figure("fid") == Stat(12.0, pytest.approx(2.8284271), 2)
    assert a.images_per_s == Stat(150.0, pytest.approx(70.710678), 2)
    assert groups[1].figure("fid") == Stat(3.0, None, 1)  # one seed: no spread to report
    header, lines = summary_table(groups)
    assert header[:4] == ["model", "seeds ok", "fid ↓", "images/s"]  # qualifiers left out
    assert lines[0][:3] == ["a", "2/3", "12 ± 2.8"]
    assert lines[1][2] == "3"
    assert "1.5k" in lines[0] and "2M" in lines[0] and "10 / 50" in lines[0]
    assert Stat.of([]) is None


def test_cli_gives_every_model_the_same_budget_and_part_options(
    run_cli: Any, tmp_path: Path, no_training: list[Any]
) -> None:
    result = run_cli("bench", "--models", "gan,wgan-gp", "--datasets", "ring8", "--steps", "7",
                     "--g-opt", "hidden=8", "--no-references", "--quiet",
                     "--out", str(tmp_path))
    assert result.code == 2 and "None of the 2 trained cells finished" in result.err  # the spy
    assert [(p.model, o.steps, p.batch_size, p.generator.options["hidden"])
            for p, o in no_training] == [("gan", 7, 256, 8), ("wgan-gp", 7, 256, 8)]  # points: 256
    assert [r["status"] for r in _rows(tmp_path)] == ["failed", "failed"]  # the spy raised
    assert "--g-opt hidden=8" in (tmp_path / "report.md").read_text()


def test_cli_default_budget_follows_the_kind_of_data(
    run_cli: Any, tmp_path: Path, no_training: list[Any]
) -> None:
    result = run_cli("bench", "--models", "gan", "--datasets", "ring8,mnist-5k",
                     "--no-references", "--quiet", "--out", str(tmp_path))
    assert result.code == 2, result.err  # the spy failed every cell
    assert [(p.dataset, o.steps, p.batch_size) for p, o in no_training] == [
        ("ring8", DEFAULT_STEPS["points"], default_batch_size("points")),
        ("mnist-5k", DEFAULT_STEPS["image"], default_batch_size("image"))]


def test_image_size_resizes_image_data_only_and_is_recorded(
    run_cli: Any, tmp_path: Path, no_training: list[Any]
) -> None:
    result = run_cli("bench", "--models", "sngan", "--datasets", "ring8,mnist-5k",
                     "--image-size", "32", "--no-references", "--quiet", "--out", str(tmp_path))
    assert result.code == 2, result.err  # the spy failed every cell
    assert [(p.dataset, p.image_size) for p, _ in no_training] == [
        ("ring8", None), ("mnist-5k", 32)]
    report = (tmp_path / "report.md").read_text()
    assert "--image-size 32" in report and "images resized to 32×32" in report
    again = run_cli("bench", "--models", "sngan", "--datasets", "ring8,mnist-5k",
                    "--no-references", "--quiet", "--out", str(tmp_path))
    assert again.code != 0 and "image_size: 32 → default" in again.err


def test_image_size_without_image_data_is_refused(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("bench", "--models", "gan", "--datasets", "ring8", "--image-size", "32",
                     "--out", str(tmp_path / "b"))
    assert result.code == 2 and "--image-size resizes image datasets" in result.err
    assert not (tmp_path / "b").exists()


def test_a_misspelled_part_option_is_refused_before_the_out_folder_records_it(
    run_cli: Any, tmp_path: Path, no_training: list[Any]
) -> None:
    out = tmp_path / "bench"
    args = ["bench", "--models", "gan,wgan-gp", "--datasets", "ring8", "--steps", "7",
            "--no-references", "--quiet", "--out", str(out)]
    typo = run_cli(*args, "--g-opt", "hiddn=8")
    assert typo.code == 2 and "has no option 'hiddn'" in typo.err
    assert "Nothing was run" in typo.err and no_training == []
    assert not (out / "bench.json").exists()
    fixed = run_cli(*args, "--g-opt", "hidden=8")  # the folder takes the corrected settings
    assert "other settings" not in fixed.err and len(no_training) == 2


def test_a_bench_where_every_trained_cell_failed_exits_non_zero_and_can_be_retried(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganzoo.training import loop

    real_train = loop.train

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("out of memory, say")

    args = ["bench", "--models", "gan", "--datasets", "ring8", "--steps", "10",
            "--num-samples", "200", "--no-references", "--quiet", "--out", str(tmp_path)]
    monkeypatch.setattr(loop, "train", crash)
    failed = run_cli(*args)
    assert failed.code == 2 and "None of the 1 trained cells finished" in failed.err
    monkeypatch.setattr(loop, "train", real_train)
    assert run_cli(*args).code == 0
    assert [r["status"] for r in _rows(tmp_path)] == ["ok"]


def test_a_rerun_removes_leftover_temporary_files_and_reads_a_torn_metrics_log(
    tiny_bench: Path, no_training: list[Any]
) -> None:
    leftovers = [tiny_bench / ".results.jsonl.1f2e3d.tmp",
                 tiny_bench / "figures" / ".gan-ring8-seed0-samples.png.4c5b6a.tmp"]
    for leftover in leftovers:
        leftover.write_bytes(b"killed mid-write")
    with open(tiny_bench / "runs" / "gan-ring8-seed0" / "metrics.jsonl", "ab") as log:
        log.write(b'{"step": 31, "d_lo\x00\x00')  # newer than its loss curves: redrawn
    _bench(_request(tiny_bench, ["gan"], seeds=2, references=True))
    assert not any(p.exists() for p in leftovers)
    assert (tiny_bench / "figures" / "gan-ring8-seed0-losses.png").stat().st_mtime >= (
        tiny_bench / "runs" / "gan-ring8-seed0" / "metrics.jsonl").stat().st_mtime
