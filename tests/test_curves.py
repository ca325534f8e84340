"""Evaluation during training (``--eval-every``) and the bench report's curves.

Tiny dcgan runs on mnist-5k (4 channels, batches of 8, FID on 100 samples every 2 steps)
are shared by the run tests: one measured, one not (same weights), one interrupted after
step 2 and resumed (same curve).  One tiny bench checks the report's charts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo import plots
from ganzoo.api import (GanzooError, Measurement, Metric, MetricNotApplicableError, MetricTask,
                        hookimpl, train)
from ganzoo.plugins import load_plugins
from ganzoo.testing.runs import checkpoint_tensors
from ganzoo.training.evaluations import read_evaluations

SETTINGS: dict[str, Any] = dict(
    batch_size=8, sample_every=0, checkpoint_every=2,
    generator_options={"base_channels": 4}, discriminator_options={"base_channels": 4})
MEASURED = dict(eval_every=2, eval_samples=100, eval_metrics=("fid",))
EVALUATED: list[tuple[int, dict[str, dict[str, float]]]] = []


class Noise(Metric):
    """A metric that draws from every global random generator a run uses."""

    name = "noise"
    figures = {"noise": ""}

    def applies_to(self, spec: Any, conditioning: str) -> bool:
        return True

    def compute(self, task: MetricTask) -> Measurement:
        value = torch.rand(()).item() + random.random() + float(np.random.rand())
        return Measurement({"noise": value}, task.record())


class Listener:
    """A plugin with a metric that draws random numbers, recording each evaluation hook."""

    @staticmethod
    @hookimpl
    def ganzoo_register_metrics(registry: Any) -> None:
        registry.add("metric", "noise", Noise, summary="test: random numbers")

    @staticmethod
    @hookimpl
    def ganzoo_run_evaluated(step: int, figures: dict[str, dict[str, float]]) -> None:
        EVALUATED.append((step, figures))


def _train(out: Path, steps: int = 4, resume: bool = False, **settings: Any) -> Any:
    return train("dcgan", "mnist-5k", out=out, steps=steps, resume=resume,
                 **SETTINGS, **settings)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("curves")
    EVALUATED.clear()
    plugins = load_plugins(extra=[("listener", Listener)])
    _train(root / "measured", registry=plugins.registry, hooks=plugins.manager,
           **{**MEASURED, "eval_metrics": ("fid", "noise"), "eval_protocol": "offline-domain"})
    _train(root / "plain")
    _train(root / "split", steps=2, **MEASURED)
    # what a run killed after an evaluation at step 3 (checkpoint at 2) leaves: a record
    # after the checkpoint, and a torn line
    with open(root / "split" / "evaluations.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps({"step": 3, "figures": {"fid": {"fid": -1.0}}}) + "\n{\"st")
    _train(root / "split", resume=True, **MEASURED)
    return root


def test_a_run_records_its_figures_at_the_cadence(runs: Path) -> None:
    records = read_evaluations(runs / "measured" / "evaluations.jsonl")
    assert [r["step"] for r in records] == [0, 2, 4]
    assert [r["generator_updates"] for r in records] == [0, 2, 4]
    assert [r["images_seen"] for r in records] == [0, 16, 32]
    seconds = [r["train_seconds"] for r in records]
    assert seconds == sorted(seconds)
    for record in records:
        assert list(record["figures"]) == ["fid", "noise"]
        assert record["figures"]["fid"]["fid"] > 0
        how = record["measured_with"]["fid"]
        assert how["num_generated"] == 100 and how["checkpoint_step"] == record["step"]
        assert how["protocol"] == "offline-domain"  # the run's eval_protocol
    assert [(step, figures) for step, figures in EVALUATED] == [
        (r["step"], r["figures"]) for r in records]
    assert not (runs / "plain" / "evaluations.jsonl").exists()


def test_measuring_leaves_training_untouched(runs: Path) -> None:
    measured, plain = checkpoint_tensors(runs / "measured"), checkpoint_tensors(runs / "plain")
    assert measured.keys() == plain.keys()
    for key, value in measured.items():
        assert value.equal(plain[key]), key


def test_a_resumed_run_has_the_curve_of_an_uninterrupted_one(runs: Path) -> None:
    whole = read_evaluations(runs / "measured" / "evaluations.jsonl")
    split = read_evaluations(runs / "split" / "evaluations.jsonl")
    assert [r["step"] for r in split] == [0, 2, 4]  # the record after the checkpoint dropped
    for a, b in zip(split, whole):
        assert a["figures"]["fid"]["fid"] == pytest.approx(b["figures"]["fid"]["fid"], abs=1e-6)


def test_a_bench_draws_every_model_against_updates_and_seconds(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[list[str]] = []
    draw = plots.save_curves
    monkeypatch.setattr(plots, "save_curves",
                        lambda *args, **kwargs: drawn.append(draw(*args, **kwargs)) or drawn[-1])
    result = run_cli(
        "bench", "--models", "dcgan,lsgan", "--datasets", "mnist-5k", "--seeds", "2",
        "--steps", "4", "--batch-size", "8", "--num-samples", "100", "--metrics", "fid",
        "--g-opt", "base_channels=4", "--d-opt", "base_channels=4", "--eval-every", "2",
        "--no-references", "--quiet", "--out", str(tmp_path))
    assert result.code == 0, result.err
    assert drawn == [["dcgan", "lsgan"], ["dcgan", "lsgan"]]  # vs updates, vs seconds
    html = (tmp_path / "report.html").read_text()
    assert "--eval-every 2" in (tmp_path / "report.md").read_text()
    pictures = [line.split('src="')[1].split('"')[0] for line in html.split("<img")[1:]]
    curves = [p for p in pictures if "curves-" in p]
    assert curves == ["figures/curves-mnist-5k-updates.png",
                      "figures/curves-mnist-5k-seconds.png"]
    for picture in pictures:
        with Image.open(tmp_path / picture) as image:
            image.verify()
    assert 'alt="fid against generator updates · mnist-5k · dcgan, lsgan"' in html


def test_a_cadence_in_seconds_and_the_cli(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("train", "gan", "--dataset", "ring8", "--steps", "3", "--batch-size", "16",
                     "--g-opt", "hidden=8", "--d-opt", "hidden=8", "--eval-every-seconds",
                     "1e-9", "--eval-samples", "100", "--eval-metrics", "mode-coverage",
                     "--no-progress", "--out", str(tmp_path / "run"))
    assert result.code == 0, result.err
    assert "mode-coverage on 100 samples" in result.out and "evaluations.jsonl" in result.out
    records = read_evaluations(tmp_path / "run" / "evaluations.jsonl")
    assert [r["step"] for r in records] == [0, 1, 2, 3]  # every step is past 1 ns
    assert all(set(r["figures"]) == {"mode-coverage"} for r in records)


def test_a_metric_that_does_not_apply_is_refused_before_training(tmp_path: Path) -> None:
    with pytest.raises(MetricNotApplicableError, match="'fid' does not apply"):
        train("gan", "ring8", out=tmp_path, steps=2, eval_every=1, eval_metrics=("fid",))
    assert not (tmp_path / "checkpoints").exists()


def test_an_unknown_protocol_is_refused_before_training(tmp_path: Path) -> None:
    with pytest.raises(GanzooError, match="Unknown measuring protocol 'fast'"):
        train("gan", "ring8", out=tmp_path, steps=2, eval_every=1, eval_protocol="fast")
    assert not (tmp_path / "checkpoints").exists()
