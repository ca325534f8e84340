"""cGAN with a projection discriminator (plugin ganzoo_cgan_pd): the recipe keeps the
paper's settings; the projection D is ψ(φ(x)) + ⟨embed(y), φ(x)⟩, so its output moves with
the label by exactly the embeddings' difference; the recipe's spectral norm reaches every
layer of D, the embedding included; conditional batchnorm gives each class its own gain and
bias and is G's only way to see the class; the recipe trains, resumes exactly and samples a
given class.  Tiny nets, a few steps."""

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
from ganzoo_cgan_pd.conditional_norm import ConditionalBatchNorm2d
from ganzoo_cgan_pd.generator import CBNGenerator
from ganzoo_cgan_pd.projection import ProjectionDiscriminator
from run_checks import resumes_exactly

POINTS = DataSpec((2,), num_classes=8)
DIGITS = DataSpec((1, 8, 8), num_classes=10)
TINY_POINTS = {"generator_options": {"hidden": 8}, "discriminator_options": {"hidden": 8}}
TINY_IMAGES = {"generator_options": {"base_channels": 4},
               "discriminator_options": {"base_channels": 4}}


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "cgan-pd").load()
    assert "arXiv:1802.05637" in recipe.paper and recipe.notes
    assert (recipe.loss, recipe.regularizers, recipe.conditioning) == (
        "hinge", ("spectral-norm",), "class")
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.0, 0.9))
    assert (recipe.n_critic, recipe.batch_size["image"], recipe.latent_dim["image"]) == (5, 64, 128)
    assert recipe.method == "adversarial"
    assert (recipe.generator_for("image").name, recipe.discriminator_for("image").name) == (
        "cbn-dcgan", "projection")
    assert (recipe.generator_for("points").name, recipe.discriminator_for("points").name) == (
        "mlp", "projection")


@pytest.mark.parametrize("spec, options", [(POINTS, {"hidden": 8}),
                                           (DIGITS, {"base_channels": 4}),
                                           (DataSpec((1, 28, 28), 10), {"base_channels": 4})])
def test_the_projection_moves_the_score_by_the_label_embeddings(spec, options):
    D = ProjectionDiscriminator(spec, **options)
    x = torch.randn(4, *spec.shape)
    y0, y1 = torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long)
    with torch.no_grad():
        h = D.features(x)
        unconditional = D.score(h).squeeze(1)
        e = D.embed.weight
        assert torch.allclose(D(x, y0), unconditional + h @ e[0], atol=1e-5)
        assert torch.allclose(D(x, y1) - D(x, y0), h @ (e[1] - e[0]), atol=1e-5)
    assert not torch.allclose(D(x, y0), D(x, y1))  # the label changes the output


def test_projection_refuses_unlabeled_data_and_other_kinds_options():
    with pytest.raises(IncompatibleError, match="needs class labels"):
        ProjectionDiscriminator(DataSpec((2,)), conditioning="none")
    with pytest.raises(IncompatibleError, match="depth does not apply"):
        ProjectionDiscriminator(DIGITS, depth=2)


def _parts(dataset: str, **settings: Any) -> PartsKit:
    registry = get_registry()
    return PartsKit(resolve_plan(TrainConfig("cgan-pd", dataset, **settings), registry),
                    registry)


@pytest.mark.parametrize("dataset, tiny", [("digits", TINY_IMAGES), ("ring8", TINY_POINTS)])
def test_spectral_norm_reaches_every_layer_of_d_the_embedding_included(dataset, tiny):
    D = _parts(dataset, **tiny).discriminator()
    layers = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert D.embed in layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())


def test_conditional_batchnorm_gives_each_class_its_gain_and_bias():
    cbn = ConditionalBatchNorm2d(3, num_classes=4)
    x = torch.randn(8, 3, 5, 5)
    plain = nn.functional.batch_norm(x, None, None, training=True)
    labels = torch.tensor([0, 1, 2, 3] * 2)
    assert torch.allclose(cbn(x, labels), plain, atol=1e-6)  # starts as plain batchnorm
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.arange(1.0, 13.0).view(4, 3))
        cbn.bias.weight.copy_(-torch.arange(12.0).view(4, 3))
    out = cbn(x, labels)
    for i, y in enumerate(labels.tolist()):
        gain, bias = cbn.gain.weight[y], cbn.bias.weight[y]
        assert torch.allclose(out[i], plain[i] * gain[:, None, None] + bias[:, None, None],
                              atol=1e-5)


def test_the_generator_sees_the_class_only_through_conditional_batchnorm():
    G = CBNGenerator(DataSpec((1, 28, 28), 10), latent_dim=16, base_channels=4)
    assert G.net[0].in_channels == 16  # z alone: no one-hot label at the input
    norms = [m for m in G.modules() if isinstance(m, (nn.BatchNorm2d, ConditionalBatchNorm2d))]
    assert norms and all(isinstance(m, ConditionalBatchNorm2d) or not m.affine for m in norms)
    z = torch.randn(4, 16).repeat(2, 1)
    labels = torch.tensor([1] * 4 + [2] * 4)
    images = G(z, labels)
    assert images.shape == (8, 1, 28, 28)
    assert torch.equal(images[:4], images[4:])  # gains and biases start equal for all classes
    with torch.no_grad():
        for cbn in G.modules():
            if isinstance(cbn, ConditionalBatchNorm2d):
                cbn.gain.weight[2].mul_(1.5)
    images = G(z, labels)
    assert not torch.allclose(images[:4], images[4:])


def test_the_generator_refuses_unlabeled_data():
    with pytest.raises(IncompatibleError, match="--generator dcgan"):
        CBNGenerator(DataSpec((1, 8, 8)), latent_dim=8, conditioning="none")



@pytest.mark.parametrize("dataset, shape, tiny", [("digits", (1, 8, 8), TINY_IMAGES),
                                                  ("ring8", (2,), TINY_POINTS)])
def test_cgan_pd_trains_resumes_exactly_and_samples_a_class(tmp_path, dataset, shape, tiny):
    resumed, split = resumes_exactly("cgan-pd", tmp_path, dataset=dataset, batch_size=4, **tiny)
    assert resumed.d_steps == 20
    assert any(k.startswith("discriminator.embed.parametrizations") for k in split)
    run = load_run(tmp_path / "split")
    samples = run.sample(3, labels=7)
    assert samples.shape == (3, *shape) and torch.isfinite(samples).all()
    assert not torch.equal(samples, run.sample(3, labels=2))
