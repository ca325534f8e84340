"""ProGAN (plugin ganzoo_progan): the recipe keeps the paper's settings; the parts build for
sides 4·2^k and refuse others with a hint; equalized learning rate, pixel norm and the
minibatch stddev do what the paper says; fading a stage in starts from the previous stage's
output and ends at the new block's; the schedule grows by images shown; the averaged G
stands where the trained one does; the recipe trains, resumes exactly across a phase
boundary and samples.  Tiny nets, a few steps."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from ganzoo.api import DataSpec, IncompatibleError, OptimizerSpec, PartChoice, PartsKit, load_run
from ganzoo.plugins import get_registry
from ganzoo.training.build import build_method
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan
from ganzoo_progan.drift import Drift
from ganzoo_progan.growth import Schedule, enlarge, fade_reals, shrink
from ganzoo_progan.layers import EqualizedConv2d, EqualizedLinear, minibatch_stddev, pixel_norm
from ganzoo_progan.method import SMALL_PHASE
from ganzoo_progan.networks import ProGANDiscriminator, ProGANGenerator
from run_checks import resumes_exactly

TINY = {"channels": 4}
#: digits (8 px: stages 4 and 8 px), 4 images a step, a phase every 2 steps
SETTINGS: dict[str, Any] = {"dataset": "digits", "batch_size": 4, "latent_dim": 8,
                            "generator_options": TINY, "discriminator_options": TINY,
                            "method_options": {"phase_images": 8}}


def _plan(model: str = "progan", dataset: str = "digits", **settings: Any) -> Any:
    return resolve_plan(TrainConfig(model, dataset, **settings), get_registry())


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "progan").load()
    assert "arXiv:1710.10196" in recipe.paper and recipe.notes
    assert recipe.loss == "wasserstein" and recipe.method == "progan"
    assert recipe.regularizers == (PartChoice("gradient-penalty", {"weight": 10.0}), "drift")
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 1e-3, (0.0, 0.99))
    assert (recipe.n_critic, recipe.latent_dim, set(recipe.generator)) == (1, {"image": 512},
                                                                          {"image"})
    for dataset, batch in (("cifar10", 64), ("celeba", 32)):
        plan = _plan(dataset=dataset)
        assert plan.generator.options["channels"] == plan.discriminator.options["channels"] == 512
        assert plan.method.options["phase_images"] == 800_000
        assert (plan.batch_size, plan.latent_dim) == (batch, 512)
        assert plan.regularizers[1] == PartChoice("drift", {"epsilon": 0.001})
    small = _plan(dataset="mnist-5k", image_size=32)  # CPU-sized on small one-channel images
    assert small.generator.options["channels"] == 32
    assert small.method.options["phase_images"] == SMALL_PHASE


@pytest.mark.parametrize("side, stages", [(8, 1), (16, 2), (32, 3)])
def test_parts_build_for_sides_four_times_a_power_of_two(side, stages):
    spec = DataSpec((3, side, side))
    G, D = ProGANGenerator(spec, latent_dim=16, **TINY), ProGANDiscriminator(spec, **TINY)
    assert len(G.blocks) == len(D.blocks) == stages and len(G.to_rgb) == stages + 1
    for stage in range(stages + 1):  # at every stage: data-sized images, one score each
        G.growth.set(stage)
        D.growth.set(stage)
        images = G(torch.randn(5, 16))
        assert images.shape == (5, 3, side, side) and images.abs().max() <= 1
        assert D(images).shape == (5,)
    G.growth.set(0)  # a 4×4 image, enlarged by repeating pixels
    images = G(torch.randn(2, 16))
    assert torch.equal(images, enlarge(images[..., ::side // 4, ::side // 4], side))


@pytest.mark.parametrize("part", [ProGANGenerator, ProGANDiscriminator])
def test_parts_refuse_other_sides_points_and_conditions_with_a_hint(part):
    options = {"latent_dim": 8} if part is ProGANGenerator else {}
    with pytest.raises(IncompatibleError, match="--image-size 32"):
        part(DataSpec((1, 28, 28)), **options)
    with pytest.raises(IncompatibleError, match="--image-size"):
        part(DataSpec((3, 32, 16)), **options)
    with pytest.raises(IncompatibleError, match="points model"):
        part(DataSpec((2,)), **options)
    with pytest.raises(IncompatibleError, match="unconditional"):
        part(DataSpec((1, 8, 8), num_classes=10), conditioning="class", **options)


def test_equalized_layers_keep_unit_normal_weights_scaled_by_hes_constant():
    torch.manual_seed(0)
    conv, linear = EqualizedConv2d(64, 64, 3), EqualizedLinear(512, 256, gain=1.0)
    for layer, fan_in, gain in ((conv, 64 * 9, math.sqrt(2)), (linear, 512, 1.0)):
        assert layer.weight.mean().abs() < 0.02 and abs(layer.weight.std() - 1) < 0.02
        assert layer.scale == pytest.approx(gain / math.sqrt(fan_in))
        assert not layer.bias.any()
    x = torch.randn(2, 64, 5, 5)
    assert torch.allclose(conv(x), F.conv2d(x, conv.weight * math.sqrt(2 / 576), padding=1))
    G = ProGANGenerator(DataSpec((1, 16, 16)), latent_dim=8, **TINY)
    D = ProGANDiscriminator(DataSpec((1, 16, 16)), **TINY)
    layers = [m for net in (G, D) for m in net.modules() if hasattr(m, "weight")]
    assert layers and all(isinstance(m, (EqualizedConv2d, EqualizedLinear)) for m in layers)


def test_pixel_norm_gives_each_pixel_a_unit_feature_vector_and_g_ignores_the_scale_of_z():
    x = torch.randn(3, 7, 4, 4) * torch.rand(3, 1, 4, 4) * 10
    assert torch.allclose(pixel_norm(x).pow(2).mean(dim=1), torch.ones(3, 4, 4), atol=1e-5)
    G = ProGANGenerator(DataSpec((1, 16, 16)), latent_dim=8, **TINY).eval()
    z = torch.randn(4, 8)
    assert torch.allclose(G(z), G(5 * z), atol=1e-5)  # z is pixel-normed first


def test_minibatch_stddev_appends_each_groups_mean_deviation():
    x = torch.randn(8, 3, 4, 4)
    y = minibatch_stddev(x, group_size=4)
    assert y.shape == (8, 4, 4, 4) and torch.equal(y[:, :3], x)
    for first in (0, 1):  # groups are samples i, i + 2, i + 4, i + 6
        group = x[first::2]
        expected = group.std(dim=0, unbiased=False).mean()
        assert torch.allclose(y[first::2, 3], expected.expand(4, 4, 4), atol=1e-5)


def test_fading_in_starts_at_the_previous_stage_and_ends_at_the_new_block():
    torch.manual_seed(0)
    spec = DataSpec((3, 16, 16))
    G = ProGANGenerator(spec, latent_dim=8, **TINY)
    D = ProGANDiscriminator(spec, **TINY)
    z, x = torch.randn(4, 8), torch.rand(4, 3, 16, 16) * 2 - 1

    def outputs(*state: int) -> tuple[torch.Tensor, torch.Tensor]:
        G.growth.set(*state)
        D.growth.set(*state)
        return G(z), D(x)

    previous, new = outputs(1), outputs(2)
    assert not torch.equal(previous[0], new[0]) and not torch.equal(previous[1], new[1])
    for fresh, ends in zip(outputs(2, 0, 8), previous):  # α = 0
        assert torch.equal(fresh, ends)
    for done, ends in zip(outputs(2, 8, 8), new):  # α = 1
        assert torch.equal(done, ends)
    halfway = outputs(2, 4, 8)[0]  # G mixes the two images half and half
    assert torch.allclose(halfway, (previous[0] + new[0]) / 2, atol=1e-6)


def test_real_images_are_shrunk_and_faded_as_gs_output():
    x = torch.rand(2, 1, 16, 16)
    assert torch.equal(fade_reals(x, 2, None), x)
    coarse, fine = enlarge(shrink(x, 4), 16), enlarge(shrink(x, 8), 16)
    assert torch.equal(fade_reals(x, 1, None), fine)
    assert torch.allclose(fade_reals(x, 1, torch.tensor(0.0)), coarse)  # 16→8→4 vs 16→4
    assert torch.allclose(fade_reals(x, 1, torch.tensor(0.25)), 0.75 * coarse + 0.25 * fine)


def test_the_schedule_fades_each_stage_in_then_holds_it():
    schedule = Schedule(100, first=0, last=3)
    expected = {0: (0, 0, 0), 99: (0, 0, 0), 100: (1, 0, 100), 150: (1, 50, 100),
                200: (1, 0, 0), 300: (2, 0, 100), 599: (3, 99, 100), 600: (3, 0, 0),
                10**9: (3, 0, 0)}
    assert {n: schedule.at(n) for n in expected} == expected
    assert Schedule(100, first=2, last=3).at(0) == (2, 0, 0)
    assert Schedule(100, first=2, last=3).at(150) == (3, 50, 100)


def test_drift_is_epsilon_times_the_mean_squared_real_score():
    D = ProGANDiscriminator(DataSpec((1, 8, 8)), **TINY)
    real = torch.rand(4, 1, 8, 8)
    term = Drift(epsilon=0.001).d_term(D, real, real, None)
    assert torch.allclose(term, 0.001 * D(real).pow(2).mean())


def test_the_method_refuses_parts_that_do_not_grow_and_bad_start_sides():
    registry = get_registry()
    for settings in ({"generator": "dcgan", "generator_options": {"base_channels": 4}},
                     {"method_options": {"start_side": 12}},
                     {"method_options": {"start_side": 16}}):
        plan = _plan(**{**SETTINGS, **settings})
        with pytest.raises(IncompatibleError, match="progan"):
            build_method(PartsKit(plan, registry))


def _growth_state(tensors: dict[str, torch.Tensor], net: str) -> tuple[int, int, int]:
    return tuple(int(tensors[f"{net}.growth.{k}"]) for k in ("stage", "faded", "fade_length"))


def test_progan_trains_resumes_exactly_across_a_phase_boundary_and_samples(tmp_path):
    # steps at 0, 4, 8, 12 images: two at 4 px, then 8 px fading in from the resumed step
    resumed, tensors = resumes_exactly("progan", tmp_path, **SETTINGS)
    assert resumed.d_steps == 4
    for net in ("generator", "discriminator", "ema"):  # the average stands where G does
        assert _growth_state(tensors, net) == (1, 4, 8)
    assert tensors["ema.growth.stage"].dtype == torch.int64
    state = load_checkpoint(tmp_path / "split" / "checkpoints" / "last.pt")
    assert state["method"] == {"images": 16}
    # Adam's moments were reset when 8 px started fading in: two steps since
    assert {int(s["step"]) for s in state["optimizers"]["discriminator"]["state"].values()} == {2}
    run = load_run(tmp_path / "split")
    assert run.generator.growth.now() == (1, True) and float(run.generator.growth.alpha()) == 0.5
    samples = run.sample(3)
    assert samples.shape == (3, 1, 8, 8) and torch.isfinite(samples).all()
