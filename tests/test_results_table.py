"""benchmarks/results_table.py: published figures beside ganzoo's mean ± std over seeds, read
from bench folders, written between the markers of docs/results.md."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results_table():
    spec = importlib.util.spec_from_file_location("results_table",
                                                  ROOT / "benchmarks" / "results_table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _row(kind: str, dataset: str, model: str | None, seed: int | None, modes: float,
         hq: float, status: str = "ok", key: str = "modes") -> dict:
    cell = f"real-{dataset}" if kind == "real" else f"{model}-{dataset}-seed{seed}"
    cell += "-untrained" if kind == "untrained" else ""
    return {"cell": cell, "kind": kind, "model": model, "dataset": dataset, "seed": seed,
            "status": status, "figures": {key: modes, "high_quality_pct": hq},
            "figure_metric": {key: "mode-coverage", "high_quality_pct": "mode-coverage"}}


@pytest.fixture
def bench(tmp_path: Path) -> Path:
    """A bench folder as `ganzoo bench --models gan --datasets ring8 --seeds 3 --steps 500`
    leaves it (the rows' fields the script reads), with one failed cell."""
    out = tmp_path / "bench-toy"
    out.mkdir()
    (out / "bench.json").write_text(json.dumps({"settings": {"steps": 500}}))
    rows = [_row("real", "ring8", None, None, 8, 98.8),
            _row("trained", "ring8", "gan", 0, 6, 90.0),
            _row("trained", "ring8", "gan", 1, 7, 92.0, key="mode-coverage/modes"),
            _row("trained", "ring8", "gan", 2, 8, 94.0),
            _row("trained", "ring8", "pacgan", 0, 0, 0.0, status="failed"),
            _row("untrained", "ring8", "gan", 0, 0, 0.0)]
    (out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def _line(text: str, dataset: str, model: str) -> str:
    (line,) = [l for l in text.splitlines() if f"| {dataset} | {model} |" in l]
    return line


def test_mean_and_std_over_seeds_beside_the_published_figure(results_table, bench, capsys):
    results_table.main([str(bench)])
    text = capsys.readouterr().out
    gan = _line(text, "ring8", "gan")
    assert "7.0 ± 1.0 / 92.0 ± 2.0 (3 seeds)" in gan  # seeds 6, 7, 8 and 90, 92, 94 %
    assert "6.3 ± 0.5 / 98.2 ± 0.2" in gan and "PacGAN Table 1" in gan
    assert "500 G updates × batch 256" in gan  # the folder's budget, default batch
    assert "| 8.0 / 98.8 | held-out split |" in _line(text, "ring8", "real data")
    # a failed cell counts for nothing; its published row stays
    assert "not run in the folders given" in _line(text, "ring8", "pacgan")
    assert "not run here: needs a GPU and the files" in _line(text, "cifar10", "sngan")
    # figures measured before the script, whose folder is gone, are shown as recorded
    stacked = _line(text, "stacked-mnist", "dcgan")
    assert "99 / 3.40" in stacked and "895.7 ± 32 / 0.86 ± 0.15 (3 seeds; recorded" in stacked
    assert "untrained" not in text and "Bench folders read: `bench-toy`" in text


def test_update_rewrites_only_between_the_markers(results_table, bench, tmp_path):
    doc = tmp_path / "results.md"
    doc.write_text("# Results\n\nintro\n\n<!-- results-table -->\nold table\n"
                   "<!-- /results-table -->\n\n## Stacked MNIST\n\nprose kept\n")
    results_table.main([str(bench), "--update", str(doc)])
    text = doc.read_text()
    assert "old table" not in text and text.startswith("# Results\n\nintro\n\n")
    assert text.endswith("<!-- /results-table -->\n\n## Stacked MNIST\n\nprose kept\n")
    assert "7.0 ± 1.0 / 92.0 ± 2.0 (3 seeds)" in text
    results_table.main([str(bench), "--update", str(doc)])
    assert doc.read_text() == text  # regenerating gives the same document


def test_a_folder_that_is_not_a_bench_is_refused(results_table, tmp_path):
    with pytest.raises(SystemExit, match="not a bench output folder"):
        results_table.main([str(tmp_path)])
