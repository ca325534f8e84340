"""Every recipe trains through the one loop on points and on images, resumes from its run
folder, and samples from the saved run; swapped parts train too.  Tiny nets, few steps."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from ganzoo.plugins import get_registry
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.config import TrainConfig
from ganzoo.api import train
from ganzoo.training.run import load_run

POINT_RECIPES = ["dcgan", "lsgan", "wgan", "wgan-gp", "cgan"]
TINY = {"base_channels": 4}



def train_and_resume(out: Path, **settings: Any):
    """Train 2 steps, then resume the run folder to 3: every part's state must round-trip."""
    config = dict(steps=2, out=out, sample_every=100, checkpoint_every=100, **settings)
    first = train(TrainConfig(**config), progress=False)
    assert first.steps == 2 and all(math.isfinite(v) for v in first.last_losses.values())
    resumed = train(TrainConfig(**{**config, "steps": 3, "resume": True}), progress=False)
    assert (resumed.start_step, resumed.steps) == (2, 3)
    assert all(math.isfinite(v) for v in resumed.last_losses.values())
    return resumed


def test_every_recipe_is_registered_with_its_paper():
    registry = get_registry()
    for name in [*POINT_RECIPES, "pix2pix"]:
        recipe = registry.get("model", name).load()
        assert recipe.paper and "20" in recipe.paper and recipe.notes


@pytest.mark.parametrize("model", POINT_RECIPES)
def test_recipe_trains_on_points_with_mlp_parts(model, tmp_path):
    result = train_and_resume(tmp_path / "run", model=model, dataset="ring8", batch_size=16)
    run = load_run(result.run_dir)
    assert run.plan.generator.name == run.plan.discriminator.name == "mlp"
    if model == "cgan":
        assert run.sample(4, labels=3).shape == (4, 2)
    assert run.sample(5).shape == (5, 2)


@pytest.mark.parametrize("model", POINT_RECIPES)
def test_recipe_trains_on_images_with_conv_parts(model, tmp_path):
    result = train_and_resume(tmp_path / "run", model=model, dataset="digits", batch_size=8,
                              generator_options=TINY, discriminator_options=TINY)
    run = load_run(result.run_dir)
    assert run.plan.generator.name == "dcgan"
    samples = run.sample(3, labels=7) if model == "cgan" else run.sample(3)
    assert samples.shape == (3, 1, 8, 8) and samples.abs().max() <= 1
    assert torch.equal(samples, run.sample(3, labels=7) if model == "cgan" else run.sample(3))


def test_pix2pix_trains_on_paired_images_and_translates_inputs(tmp_path):
    result = train_and_resume(tmp_path / "run", model="pix2pix", dataset="edges2digits",
                              batch_size=2, generator_options=TINY, discriminator_options=TINY)
    assert "l1" in result.last_losses
    run = load_run(result.run_dir)
    assert run.latents(2) is None
    inputs = torch.rand(2, 1, 28, 28) * 2 - 1
    assert run.sample(2, inputs=inputs).shape == (2, 1, 28, 28)


def test_swapped_loss_and_regularizer_train_and_resume(tmp_path):
    """The issue's example swap: hinge loss with a spectrally normalized discriminator."""
    result = train_and_resume(tmp_path / "run", model="dcgan", dataset="digits", batch_size=8,
                              loss="hinge", regularizers=("spectral-norm",),
                              generator_options=TINY, discriminator_options=TINY)
    saved = load_checkpoint(result.run_dir / "checkpoints" / "last.pt")["networks"]["discriminator"]
    assert any(key.endswith("parametrizations.weight.original") for key in saved)


def test_gradient_penalty_term_is_logged_with_a_layer_normed_dcgan(tmp_path):
    result = train_and_resume(tmp_path / "run", model="dcgan", dataset="digits", batch_size=8,
                              regularizers=("r1",), generator_options=TINY,
                              discriminator_options={**TINY, "norm": "layer"})
    assert result.last_losses["r1"] >= 0
