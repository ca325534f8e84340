"""SNGAN (plugin ganzoo_sngan): the recipe keeps the paper's settings, the ResNet parts build
for sides 4·2^k and refuse others with a hint, every discriminator layer is spectrally
normalized once the recipe's regularizer wraps it, and the recipe trains, resumes exactly
and samples on images and on points.  Tiny nets, a few steps."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganzoo.api import DataSpec, IncompatibleError, OptimizerSpec, PartsKit, load_run
from ganzoo.plugins import get_registry
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan
from ganzoo_sngan.blocks import UpBlock
from ganzoo_sngan.resnet import ResNetDiscriminator, ResNetGenerator
from run_checks import resumes_exactly

TINY = {"channels": 4}


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "sngan").load()
    assert "arXiv:1802.05957" in recipe.paper and recipe.notes
    assert recipe.loss == "hinge" and recipe.regularizers == ("spectral-norm",)
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.0, 0.9))
    assert (recipe.n_critic, recipe.batch_size["image"], recipe.latent_dim["image"]) == (5, 64, 128)
    assert recipe.for_data("image").discriminator_for("image").name == "sngan-resnet"
    points = recipe.for_data("points").discriminator_for("points")
    assert (points.name, points.options) == ("mlp", {"norm": "none"})


@pytest.mark.parametrize("side, blocks", [(8, 1), (16, 2), (32, 3)])
def test_resnet_parts_build_for_sides_four_times_a_power_of_two(side, blocks):
    spec = DataSpec((3, side, side))
    G = ResNetGenerator(spec, latent_dim=16, **TINY)
    D = ResNetDiscriminator(spec, **TINY)
    assert sum(isinstance(m, UpBlock) for m in G.modules()) == blocks  # 4 → side
    images = G(torch.randn(5, 16))
    assert images.shape == (5, 3, side, side) and images.abs().max() <= 1
    assert D(images).shape == (5,)


def test_the_32_pixel_discriminator_is_the_papers():
    """Optimized block 32 → 16, a down block 16 → 8, two blocks at 8×8, ReLU, sum, linear."""
    D = ResNetDiscriminator(DataSpec((3, 32, 32)), channels=8)
    x = torch.randn(2, 3, 32, 32)
    sides = []
    for block in D.body[:-1]:
        x = block(x)
        sides.append(x.shape[-1])
    assert sides == [16, 8, 8, 8]
    assert D.score.in_features == 8


def test_default_widths_are_the_papers_except_small_grayscale_images():
    assert ResNetGenerator.defaults_for(DataSpec((3, 32, 32))) == {"channels": 256}
    assert ResNetDiscriminator.defaults_for(DataSpec((3, 32, 32))) == {"channels": 128}
    assert ResNetGenerator.defaults_for(DataSpec((1, 32, 32))) == {"channels": 32}
    assert ResNetDiscriminator.defaults_for(DataSpec((2,))) == {}


@pytest.mark.parametrize("part", [ResNetGenerator, ResNetDiscriminator])
def test_resnet_parts_refuse_other_sides_with_the_image_size_hint(part):
    options = {"latent_dim": 8} if part is ResNetGenerator else {}
    with pytest.raises(IncompatibleError, match="--image-size 32.*--generator dcgan"):
        part(DataSpec((1, 28, 28)), **options)
    with pytest.raises(IncompatibleError, match="--image-size"):
        part(DataSpec((3, 32, 16)), **options)
    with pytest.raises(IncompatibleError, match="mlp"):
        part(DataSpec((2,)), **options)
    with pytest.raises(IncompatibleError, match="unconditional"):
        part(DataSpec((1, 8, 8), num_classes=10), conditioning="class", **options)


def _wrapped_discriminator(**settings: Any) -> nn.Module:
    """D exactly as training builds it: from the resolved plan, wrapped by its regularizers."""
    registry = get_registry()
    plan = resolve_plan(TrainConfig("sngan", "digits", **settings), registry)
    return PartsKit(plan, registry).discriminator()


@pytest.mark.parametrize("settings", [
    {"discriminator_options": TINY},
    # SNGAN's "standard CNN", as the notes tell users to pick it
    {"generator": "dcgan", "discriminator": "dcgan",
     "discriminator_options": {"base_channels": 4, "norm": "none"}},
])
def test_every_discriminator_weight_is_spectrally_normalized(settings):
    torch.manual_seed(0)  # power iteration converges at a rate set by the random weights
    D = _wrapped_discriminator(**settings)
    layers = [m for m in D.modules() if "weight" in m._parameters or parametrize.is_parametrized(m)]
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())
    x = torch.randn(4, 1, 8, 8)
    for _ in range(100):  # power iteration: one step per training forward pass
        D(x)
    D.eval()
    for layer in layers:  # W / σ(W) has spectral norm 1
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=1e-3)



@pytest.mark.parametrize("dataset, shape, settings", [
    ("digits", (1, 8, 8), {"generator_options": TINY, "discriminator_options": TINY}),
    ("ring8", (2,), {"generator_options": {"hidden": 8}, "discriminator_options": {"hidden": 8}}),
])
def test_sngan_trains_resumes_exactly_and_samples(tmp_path, dataset, shape, settings):
    resumed, split = resumes_exactly("sngan", tmp_path, dataset=dataset, batch_size=4,
                                     **settings)
    assert resumed.d_steps == 20
    assert any(k.endswith("parametrizations.weight.original") for k in split)
    samples = load_run(tmp_path / "split").sample(3)
    assert samples.shape == (3, *shape) and torch.isfinite(samples).all()
