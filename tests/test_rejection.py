"""Discriminator rejection sampling: the acceptance rule keeps what D scores as data-like,
``ganzoo eval --drs`` stores its figures beside the plain ones, and models it cannot filter
are refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from ganzoo.api import train
from ganzoo.errors import IncompatibleError
from ganzoo.rejection import RejectionSampler, rejection_sampler
from ganzoo.training.run import load_run

SMALL = {"generator_options": {"hidden": 16}, "discriminator_options": {"hidden": 16}}


class _HalfBadRun:
    """A 'run' whose generator draws half its samples at a mode (0, 0) and half off it."""

    device = torch.device("cpu")

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        off = torch.rand(n, generator=torch.Generator().manual_seed(seed)) < 0.5
        return torch.where(off[:, None], torch.full((n, 2), 5.0), torch.zeros(n, 2))


class _Ratio(nn.Module):
    """log p_data/p_g: 0 at the mode, -3 off it."""

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return torch.where(x[:, 0] > 2.5, -3.0, 0.0)


def test_the_acceptance_rule_keeps_what_the_discriminator_finds_data_like():
    sampler = RejectionSampler(_HalfBadRun(), _Ratio(), max_logit=0.0)  # type: ignore[arg-type]
    kept = sampler.sample(1000, seed=3, batch_size=500)
    assert kept.shape == (1000, 2)
    assert (kept[:, 0] > 2.5).float().mean() < 0.01  # half the candidates were off the mode
    assert 0 < sampler.record["acceptance"] < 0.6
    assert torch.equal(kept, sampler.sample(1000, seed=3, batch_size=500))


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("drs") / "gan-ring8"
    train("gan", "ring8", steps=40, out=out, **SMALL)
    return out


def test_a_calibrated_sampler_draws_points_the_same_way_each_time(gan_run):
    run = load_run(gan_run)
    first = rejection_sampler(run, calibration_steps=5).sample(300, seed=1)
    again = rejection_sampler(run, calibration_steps=5).sample(300, seed=1)
    assert first.shape == (300, 2) and torch.equal(first, again)


def test_an_image_run_is_filtered_too(dcgan_run):
    """A convolutional discriminator with batchnorm, calibrated on real digits."""
    kept = rejection_sampler(load_run(dcgan_run), calibration_steps=3).sample(16, batch_size=64)
    assert kept.shape == (16, 1, 8, 8) and kept.abs().max() <= 1


def test_eval_drs_stores_its_figures_beside_the_plain_ones(gan_run, run_cli):
    assert run_cli("eval", str(gan_run), "--metrics", "mode-coverage").code == 0
    result = run_cli("eval", str(gan_run), "--metrics", "mode-coverage", "--drs")
    assert result.code == 0, result.err
    stored = json.loads((gan_run / "eval.json").read_text())
    assert {"mode-coverage", "mode-coverage+drs"} <= set(stored)
    sampling = stored["mode-coverage+drs"]["measured_with"]["sampling"]
    assert sampling["method"].startswith("discriminator rejection sampling")
    assert 0 < sampling["acceptance"] <= 1
    assert "sampling" not in stored["mode-coverage"]["measured_with"]


@pytest.mark.parametrize("model, reason", [
    ("cgan", "supports unconditional models; 'cgan' is class-conditioned"),
    ("pacgan", "needs one score per sample"),
])
def test_models_it_cannot_filter_are_refused_with_the_reason(tmp_path, model, reason):
    train(model, "ring8", steps=2, out=tmp_path / model, **SMALL)
    with pytest.raises(IncompatibleError, match=reason):
        rejection_sampler(load_run(tmp_path / model), calibration_steps=1)


def test_images_have_no_discriminator_to_filter_them(run_cli, tmp_path):
    result = run_cli("eval", "--images", str(tmp_path), "--dataset", "mnist-5k", "--drs")
    assert result.code == 2 and "--drs" in result.err


def test_sample_drs_writes_the_kept_points(gan_run, run_cli, tmp_path):
    out = tmp_path / "kept.npy"
    result = run_cli("sample", str(gan_run), "-n", "200", "--drs", "--out", str(out))
    assert result.code == 0, result.err
    import numpy as np

    assert np.load(out).shape == (200, 2)


@pytest.mark.parametrize("extra, match", [
    (["--interpolate"], "does not combine with"),
    (["--truncation", "0.5"], "does not combine with"),
])
def test_sample_drs_refuses_what_it_cannot_filter(gan_run, run_cli, tmp_path, extra, match):
    result = run_cli("sample", str(gan_run), "--drs", *extra, "--out", str(tmp_path / "x.png"))
    assert result.code == 2 and match in result.err
