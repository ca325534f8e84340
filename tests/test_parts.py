"""Swappable parts on their own: loss math, what each regularizer does, the shape contracts
of every generator and discriminator, and the combinations refused before training."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.data.spec import DatasetInfo, DataSpec
from ganzoo.errors import IncompatibleError
from ganzoo.plugins import get_registry
from ganzoo.registry import Registry
from ganzoo.training.build import PartsKit, build_method
from ganzoo.training.resolve import resolve_plan
from ganzoo.training.config import TrainConfig


def part(kind: str, name: str):
    return get_registry().get(kind, name).load()


# ----------------------------------------------------------------------------- losses

LOG2 = math.log(2)


@pytest.mark.parametrize("name, real, fake, d_expected, g_expected", [
    ("minimax", [0.0, 0.0], [0.0, 0.0], 2 * LOG2, -LOG2),
    ("non-saturating", [0.0, 0.0], [0.0, 0.0], 2 * LOG2, LOG2),
    ("least-squares", [1.0, 1.0], [0.0, 0.0], 0.0, 0.5),
    ("least-squares", [0.0, 2.0], [1.0, 1.0], 0.5 * (1.0 + 1.0), 0.0),
    ("wasserstein", [1.0, 3.0], [0.0, 2.0], -1.0, -1.0),
    ("hinge", [0.5, 2.0], [-2.0, 0.5], 0.25 + 0.75, 0.75),
])
def test_loss_values_on_known_scores(name, real, fake, d_expected, g_expected):
    loss = part("loss", name)()
    real, fake = torch.tensor(real), torch.tensor(fake)
    assert loss.d_loss(real, fake).item() == pytest.approx(d_expected, abs=1e-6)
    assert loss.g_loss(fake, real).item() == pytest.approx(g_expected, abs=1e-6)


# ------------------------------------------------------------------------ regularizers

class LinearCritic(nn.Module):
    """D(x) = w·x: its input gradient is w for every sample; it records the cond it got."""

    def __init__(self, w: list[float]):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))
        self.seen_cond: object = "never called"

    def forward(self, x, cond=None):
        self.seen_cond = cond
        return x @ self.w


def test_gradient_penalty_vanishes_for_a_1_lipschitz_critic_and_sees_the_condition():
    gp = part("regularizer", "gradient-penalty")()
    assert gp.weight == 10.0
    real, fake, cond = torch.randn(16, 2), torch.randn(16, 2), torch.arange(16)
    critic = LinearCritic([0.6, 0.8])
    assert gp.d_term(critic, real, fake, cond).item() == pytest.approx(0.0, abs=1e-10)
    assert critic.seen_cond is cond

    steep = LinearCritic([0.0, 3.0])  # ‖∇D‖ = 3 everywhere: 10·(3 − 1)² = 40
    term = gp.d_term(steep, real, fake, None)
    assert term.item() == pytest.approx(40.0)
    term.backward()  # the penalty trains D: it pulls the slope back towards 1
    assert steep.w.grad[1].item() == pytest.approx(10 * 2 * (3 - 1))


def test_r1_penalizes_squared_gradients_on_real_data():
    r1 = part("regularizer", "r1")(gamma=4.0)
    critic = LinearCritic([2.0, 0.0])
    real = torch.randn(8, 2)
    assert r1.d_term(critic, real, torch.full((8, 2), float("nan")), None).item() == pytest.approx(0.5 * 4.0 * 4.0)
    assert part("regularizer", "r1")().gamma == 10.0


@pytest.mark.parametrize("name", ["gradient-penalty", "r1"])
def test_gradient_penalties_refuse_a_batchnorm_discriminator(name):
    spec = DataSpec((1, 16, 16))
    reg = part("regularizer", name)()
    batchnormed = part("discriminator", "dcgan")(spec, conditioning="none", base_channels=4)
    with pytest.raises(IncompatibleError, match="norm=layer"):
        reg.wrap_discriminator(batchnormed)
    layer_normed = part("discriminator", "dcgan")(spec, conditioning="none", base_channels=4,
                                                  norm="layer")
    assert reg.wrap_discriminator(layer_normed) is layer_normed


def test_weight_clipping_bounds_every_parameter_after_a_d_step():
    clip = part("regularizer", "weight-clipping")()
    assert clip.clip == 0.01
    d = part("discriminator", "mlp")(DataSpec((2,)), conditioning="none")
    with torch.no_grad():
        for p in d.parameters():
            p.mul_(100)
    clip.after_d_step(d)
    assert max(p.abs().max().item() for p in d.parameters()) <= 0.01
    assert all(p.abs().max().item() == pytest.approx(0.01) for p in d.parameters())


def test_spectral_norm_makes_every_layer_spectral_norm_one():
    d = part("discriminator", "dcgan")(DataSpec((1, 16, 16)), conditioning="none",
                                       base_channels=4, norm="none")
    d = part("regularizer", "spectral-norm")(n_power_iterations=20).wrap_discriminator(d)
    x = torch.randn(4, 1, 16, 16)
    for _ in range(3):  # power iterations run in training forward passes
        d(x)
    layers = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    for m in layers:
        sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=1e-3)


def test_l1_term_is_weighted_l1_to_the_target_and_needs_an_image_to_image_model():
    l1 = part("regularizer", "l1")()
    fake, target = torch.randn(3, 1, 8, 8), torch.randn(3, 1, 8, 8)
    assert l1.g_term(fake, target, None).item() == pytest.approx(100 * F.l1_loss(fake, target).item())
    with pytest.raises(IncompatibleError, match="image-to-image"):
        l1.wrap_discriminator(part("discriminator", "mlp")(DataSpec((2,)), conditioning="none"))
    paired = DataSpec((1, 8, 8), paired=True, input_shape=(1, 8, 8))
    patchgan = part("discriminator", "patchgan")(paired, conditioning="image", base_channels=4)
    assert l1.wrap_discriminator(patchgan) is patchgan


# ----------------------------------------------------------------------- shape contracts

@pytest.mark.parametrize("size", [8, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("conditioning", ["none", "class"])
def test_dcgan_shapes(size, channels, conditioning):
    spec = DataSpec((channels, size, size), num_classes=10)
    g = part("generator", "dcgan")(spec, latent_dim=16, conditioning=conditioning, base_channels=4)
    d = part("discriminator", "dcgan")(spec, conditioning=conditioning, base_channels=4)
    labels = torch.tensor([0, 9, 3]) if conditioning == "class" else None
    x = g(torch.randn(3, 16), labels)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    assert d(x, labels).shape == (3,)
    assert (g.latent_dim, g.out_shape, d.in_shape) == (16, spec.shape, spec.shape)
    expected_classes = 10 if conditioning == "class" else 0
    assert g.num_classes == d.num_classes == expected_classes


def test_class_conditional_dcgan_depends_on_the_label():
    spec = DataSpec((1, 28, 28), num_classes=10)
    g = part("generator", "dcgan")(spec, latent_dim=8, conditioning="class", base_channels=4).eval()
    z = torch.randn(1, 8).expand(2, 8)
    a, b = g(z, torch.tensor([1, 7]))
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("size", [8, 28, 32, 64])
@pytest.mark.parametrize("channels", [(1, 1), (1, 3), (3, 3)])
def test_unet_and_patchgan_shapes(size, channels):
    cin, cout = channels
    spec = DataSpec((cout, size, size), paired=True, input_shape=(cin, size, size))
    g = part("generator", "unet")(spec, latent_dim=0, conditioning="image", base_channels=4)
    d = part("discriminator", "patchgan")(spec, conditioning="image", base_channels=4)
    inputs = torch.rand(2, cin, size, size) * 2 - 1
    out = g(None, inputs)
    assert out.shape == (2, cout, size, size) and out.abs().max() <= 1
    scores = d(out, inputs)
    assert scores.dim() == 4 and scores.shape[:2] == (2, 1) and scores.shape[-1] >= 1
    assert (g.latent_dim, g.out_shape, g.cond_channels) == (0, spec.shape, cin)
    assert (d.in_shape, d.cond_channels) == (spec.shape, cin)


def test_patchgan_default_patch_follows_the_paper_share_of_the_image():
    from ganzoo_pix2pix.patchgan import default_layers, receptive_field

    assert [receptive_field(n) for n in (1, 2, 3)] == [16, 34, 70]
    assert default_layers(256) == 3  # the paper's 70×70 PatchGAN
    assert default_layers(28) == 1


# ------------------------------------------------------------------------------ refusals

@pytest.mark.parametrize("builder, spec, options, match", [
    (("discriminator", "dcgan"), DataSpec((1, 28, 28)), {"image_size": 64},
     r"built for 64×64 but the data is 28×28; resize the data with --image-size 64"),
    (("generator", "dcgan"), DataSpec((1, 30, 30)), {}, r"supports 8, 14, 16, 28, 32"),
    (("generator", "dcgan"), DataSpec((1, 28, 32)), {}, "square"),
    (("generator", "dcgan"), DataSpec((2,)), {}, "mlp"),
    (("discriminator", "dcgan"), DataSpec((1, 28, 28)), {"norm": "group"}, "norm=batch"),
])
def test_dcgan_refuses_what_it_cannot_build(builder, spec, options, match):
    kind, name = builder
    extra = {"latent_dim": 8} if kind == "generator" else {}
    with pytest.raises(IncompatibleError, match=match):
        part(kind, name)(spec, conditioning="none", **extra, **options)


def test_dcgan_refuses_image_conditioning_pointing_to_pix2pix_parts():
    spec = DataSpec((1, 28, 28), paired=True, input_shape=(1, 28, 28))
    with pytest.raises(IncompatibleError, match="unet"):
        part("generator", "dcgan")(spec, latent_dim=8, conditioning="image")


def test_image_to_image_parts_refuse_unpaired_data_and_labels():
    with pytest.raises(IncompatibleError, match="paired"):
        part("generator", "unet")(DataSpec((1, 28, 28), num_classes=10), latent_dim=0,
                                  conditioning="image")
    with pytest.raises(IncompatibleError, match="class labels"):
        part("discriminator", "patchgan")(DataSpec((1, 28, 28), num_classes=10),
                                          conditioning="class")
    # Unconditional, it is an ordinary image discriminator that any recipe can swap in.
    d = part("discriminator", "patchgan")(DataSpec((3, 32, 32)), conditioning="none", base_channels=4)
    assert d.cond_channels == 0 and d(torch.randn(2, 3, 32, 32)).shape[0] == 2


def _random(shape):
    def build(**_):
        return torch.utils.data.TensorDataset(torch.rand(8, *shape) * 2 - 1)
    return build


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The installed parts and recipes plus small datasets made up for these tests."""
    reg = Registry()
    for e in get_registry():
        reg.add(e.kind, e.name, e.target, summary=e.summary, plugin=e.plugin)
    specs = {
        "unlabeled-28": DataSpec((1, 28, 28)),
        "labeled-28": DataSpec((1, 28, 28), num_classes=10),
        "labeled-points": DataSpec((2,), num_classes=8),
        "paired-28": DataSpec((1, 28, 28), paired=True, input_shape=(1, 28, 28)),
    }
    for name, spec in specs.items():
        reg.add("dataset", name, DatasetInfo(name, spec, builder=_random(spec.shape)), plugin="tests")
    return reg


def build(registry: Registry, **config):
    return build_method(PartsKit(resolve_plan(TrainConfig(**config), registry), registry))


@pytest.mark.parametrize("config, match", [
    ({"model": "cgan", "dataset": "unlabeled-28"}, "has no labels"),
    ({"model": "pix2pix", "dataset": "labeled-28"}, "not paired"),
    ({"model": "pix2pix", "dataset": "labeled-points"}, "no default generator"),
    ({"model": "dcgan", "dataset": "labeled-28", "generator_options": {"image_size": 64}},
     "--image-size 64"),
    ({"model": "wgan", "dataset": "labeled-28", "regularizers": ("gradient-penalty",)},
     "batch normalization"),
    ({"model": "dcgan", "dataset": "labeled-28", "regularizers": ("l1",)}, "image-to-image"),
])
def test_impossible_combinations_are_refused_before_training(registry, config, match):
    with pytest.raises(IncompatibleError, match=match):
        build(registry, **config)


def test_swapping_loss_and_regularizer_builds(registry):
    parts = build(registry, model="dcgan", dataset="labeled-28", loss="hinge",
                  regularizers=("spectral-norm",), generator_options={"base_channels": 4},
                  discriminator_options={"base_channels": 4})
    assert type(parts.loss).__name__ == "Hinge"
    assert any(hasattr(m, "parametrizations") for m in parts.discriminator.modules())
    gp = build(registry, model="dcgan", dataset="labeled-28", regularizers=("gradient-penalty",),
               discriminator_options={"norm": "layer", "base_channels": 4},
               generator_options={"base_channels": 4})
    assert not any(isinstance(m, nn.BatchNorm2d) for m in gp.discriminator.modules())


def test_wgan_gp_critic_has_no_batchnorm_by_default(registry):
    for dataset in ("labeled-28", "labeled-points"):
        parts = build(registry, model="wgan-gp", dataset=dataset)
        assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                       for m in parts.discriminator.modules())
