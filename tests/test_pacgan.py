"""PacGAN (plugin ganzoo_pacgan): packing puts m consecutive samples side by side along
channels (or coordinates) for any registered discriminator, refuses what it cannot pack
with a clear message, and the recipe — and any recipe given ``--discriminator packed`` —
trains, resumes exactly and samples.  Tiny nets, a few steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from ganzoo.api import (
    DataSpec,
    IncompatibleError,
    OptimizerSpec,
    UnknownNameError,
    load_run,
    train,
)
from ganzoo.plugins import get_registry
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo_pacgan.packing import PackedDiscriminator, pack_samples

TINY_POINTS = {"generator_options": {"hidden": 8}, "discriminator_options": {"hidden": 8}}
TINY_IMAGES = {"generator_options": {"base_channels": 4},
               "discriminator_options": {"base_channels": 4}}


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "pacgan").load()
    assert "arXiv:1712.04086" in recipe.paper and "maxout" in recipe.notes
    assert recipe.loss == "non-saturating" and recipe.n_critic == 1
    points = recipe.for_data("points")
    assert points.g_optimizer == points.d_optimizer == OptimizerSpec("adam", 1e-4, (0.8, 0.999))
    assert (points.batch_size["points"], points.latent_dim["points"]) == (200, 2)
    G, D = points.generator_for("points"), points.discriminator_for("points")
    assert (G.name, dict(G.options)) == ("mlp", {"hidden": 400, "depth": 4, "norm": "batch"})
    assert (D.name, dict(D.options)) == ("packed", {"inner": "mlp", "pack": 2, "hidden": 200,
                                                    "depth": 3, "maxout": 5})
    image = recipe.for_data("image")
    assert image.d_optimizer == OptimizerSpec("adam", 2e-4, (0.5, 0.999))
    assert image.batch_size["image"] % 2 == 0
    assert dict(image.discriminator_for("image").options) == {"inner": "dcgan", "pack": 2}


def test_packing_concatenates_consecutive_samples_along_channels():
    images = torch.arange(6 * 2 * 3 * 3, dtype=torch.float32).view(6, 2, 3, 3)
    packs = pack_samples(images, 3)
    assert packs.shape == (2, 6, 3, 3)
    assert torch.equal(packs[0], torch.cat([images[0], images[1], images[2]]))
    assert torch.equal(packs[1], torch.cat([images[3], images[4], images[5]]))
    points = torch.arange(8.0).view(4, 2)
    assert torch.equal(pack_samples(points, 2), torch.tensor([[0.0, 1, 2, 3], [4, 5, 6, 7]]))


def test_the_inner_discriminator_judges_the_packs():
    D = PackedDiscriminator(DataSpec((1, 8, 8)), pack=2, base_channels=4)
    seen = []
    D.inner.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    x = torch.randn(6, 1, 8, 8)
    assert D(x).shape == (3,) and D.in_shape == (1, 8, 8)
    assert torch.equal(seen[0], pack_samples(x, 2))
    assert D.inner.net[0].in_channels == 2          # a DCGAN built for 2× the channels

    on_points = PackedDiscriminator(DataSpec((2,)), pack=4, hidden=8)
    assert on_points.inner.net[0].in_features == 8  # an MLP for 4 points of 2 coordinates
    assert on_points(torch.randn(8, 2)).shape == (2,)


def test_a_batch_the_pack_does_not_divide_is_a_clear_error():
    D = PackedDiscriminator(DataSpec((2,)), pack=2, hidden=8)
    with pytest.raises(IncompatibleError, match="batch of 5, which is not a multiple of 2.*"
                                                "--batch-size 4"):
        D(torch.randn(5, 2))


def test_what_cannot_be_packed_is_refused_with_a_reason():
    with pytest.raises(IncompatibleError, match="unconditional.*'class'-conditional"):
        PackedDiscriminator(DataSpec((2,), num_classes=8), conditioning="class")
    for pack in (1, 9):
        with pytest.raises(IncompatibleError, match="pack=.*from 2 to 8"):
            PackedDiscriminator(DataSpec((2,)), pack=pack)
    with pytest.raises(UnknownNameError, match="Did you mean 'dcgan'"):
        PackedDiscriminator(DataSpec((1, 8, 8)), inner="dcgn")


def test_the_inner_default_depends_on_the_data():
    assert PackedDiscriminator.defaults_for(DataSpec((1, 28, 28))) == {"inner": "dcgan"}
    assert PackedDiscriminator.defaults_for(DataSpec((2,))) == {"inner": "mlp"}


def _train(out: Path, steps: int, resume: bool = False, **settings: Any) -> Any:
    return train(steps=steps, out=out, resume=resume, batch_size=8, checkpoint_every=100,
                 sample_every=100, **settings)


@pytest.mark.parametrize("dataset, tiny", [("ring8", TINY_POINTS), ("digits", TINY_IMAGES)])
def test_the_recipe_trains_resumes_exactly_and_samples(dataset, tiny, tmp_path):
    _train(tmp_path / "split", 2, model="pacgan", dataset=dataset, **tiny)
    _train(tmp_path / "split", 4, resume=True, model="pacgan", dataset=dataset, **tiny)
    _train(tmp_path / "whole", 4, model="pacgan", dataset=dataset, **tiny)
    a = load_checkpoint(tmp_path / "split/checkpoints/last.pt")
    b = load_checkpoint(tmp_path / "whole/checkpoints/last.pt")
    for name in ("generator", "discriminator"):
        assert a["networks"][name].keys() == b["networks"][name].keys()
        for key, value in a["networks"][name].items():
            assert torch.equal(value, b["networks"][name][key]), f"{name}.{key}"
    for key, value in a["ema"]["module"].items():
        assert torch.equal(value, b["ema"]["module"][key]), f"ema.{key}"
    run = load_run(tmp_path / "split")
    assert run.plan.discriminator.options["pack"] == 2
    shape = (2,) if dataset == "ring8" else (1, 8, 8)
    assert run.sample(5).shape == (5, *shape)


def test_any_recipe_packs_its_discriminator_from_the_command_line(run_cli, tmp_path):
    result = run_cli("train", "dcgan", "--dataset", "digits", "--discriminator", "packed",
                     "--d-opt", "pack=4", "--d-opt", "base_channels=4", "--g-opt",
                     "base_channels=4", "--batch-size", "8", "--steps", "1", "--out",
                     str(tmp_path / "run"))
    assert result.code == 0, result.err
    plan = json.loads((tmp_path / "run/config.json").read_text())["plan"]
    # the inner dcgan's own options are filled in and recorded too
    assert plan["discriminator"] == {"name": "packed", "options": {
        "inner": "dcgan", "pack": 4, "base_channels": 4, "norm": "batch", "image_size": None}}


def test_the_inner_discriminators_options_are_checked_when_the_plan_is_resolved(run_cli):
    result = run_cli("train", "gan", "--dataset", "ring8", "--discriminator", "packed",
                     "--d-opt", "hiddn=8", "--print-config")
    assert result.code == 2 and "discriminator 'mlp' has no option 'hiddn'" in result.err
    result = run_cli("train", "gan", "--dataset", "ring8", "--discriminator", "packed",
                     "--d-opt", "hidden=0", "--print-config")
    assert result.code == 2 and "hidden" in result.err


def test_a_gradient_penalty_trains_a_packed_critic_and_refuses_batchnorm(tmp_path):
    result = _train(tmp_path / "run", 2, model="wgan-gp", dataset="ring8",
                    discriminator="packed", discriminator_options={"hidden": 8})
    assert result.last_losses["gradient-penalty"] >= 0
    penalty = get_registry().get("regularizer", "gradient-penalty").load()()
    with pytest.raises(IncompatibleError, match="batch normalization"):
        penalty.wrap_discriminator(PackedDiscriminator(DataSpec((1, 28, 28)), base_channels=4))
