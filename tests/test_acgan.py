"""AC-GAN (plugin ganzoo_acgan): the recipe keeps the paper's settings; the acgan
discriminator returns real/fake scores as the contract says and class logits beside them;
the acgan method adds the class cross-entropy — D's on real samples with their labels and
on generated ones with the labels drawn for them, G's on its samples — logs it, and learns
it on a separable toy case; the recipe trains, resumes exactly and samples a given class.
Tiny nets, a few steps."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from ganzoo.api import (
    DataSpec,
    IncompatibleError,
    OptimizerSpec,
    PartChoice,
    PartsKit,
    load_run,
    train,
)
from ganzoo.plugins import get_registry
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan
from ganzoo_acgan.discriminator import ACGANDiscriminator
from ganzoo_acgan.method import ACGAN
from run_checks import resumes_exactly

POINTS = DataSpec((2,), num_classes=8)
DIGITS = DataSpec((1, 8, 8), num_classes=10)
TINY_POINTS = {"generator_options": {"hidden": 8}, "discriminator_options": {"hidden": 8}}
TINY_IMAGES = {"generator_options": {"base_channels": 4},
               "discriminator_options": {"base_channels": 4}}


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "acgan").load()
    assert "arXiv:1610.09585" in recipe.paper and recipe.notes
    assert (recipe.loss, recipe.conditioning, recipe.n_critic) == ("non-saturating", "class", 1)
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.5, 0.999))
    assert recipe.method == PartChoice("acgan", {"aux_weight": 1.0})
    assert (recipe.batch_size["image"], recipe.latent_dim["image"]) == (100, 100)
    for kind, generator in (("points", "mlp"), ("image", "dcgan")):
        assert recipe.discriminator_for(kind).name == "acgan"
        assert recipe.generator_for(kind).name == generator


@pytest.mark.parametrize("spec, options", [(POINTS, {"hidden": 8}),
                                           (DIGITS, {"base_channels": 4}),
                                           (DataSpec((1, 28, 28), 10), {"base_channels": 4})])
def test_the_discriminator_scores_as_the_contract_says_and_classifies_beside(spec, options):
    D = ACGANDiscriminator(spec, **options)
    x = torch.randn(5, *spec.shape)
    scores, logits = D.heads(x)
    assert scores.shape == (5,) and logits.shape == (5, spec.num_classes)
    D.eval()  # batchnorm: the same statistics for every call below
    labels = torch.randint(spec.num_classes, (5,))
    assert torch.equal(D(x, labels), D.heads(x)[0])  # D(x, cond) is the score head
    assert torch.equal(D(x, labels), D(x, (labels + 1) % spec.num_classes))  # cond unused


def test_the_discriminator_refuses_what_it_cannot_build_for():
    with pytest.raises(IncompatibleError, match="needs class labels.*--discriminator dcgan"):
        ACGANDiscriminator(DataSpec((1, 8, 8)), conditioning="none")
    with pytest.raises(IncompatibleError, match="pix2pix"):
        ACGANDiscriminator(DIGITS, conditioning="image")
    with pytest.raises(IncompatibleError, match="hidden does not apply"):
        ACGANDiscriminator(DIGITS, hidden=8)
    with pytest.raises(IncompatibleError, match="base_channels does not apply"):
        ACGANDiscriminator(POINTS, base_channels=8)


def _method(aux_weight: float = 1.0, **settings: Any) -> ACGAN:
    registry = get_registry()
    config = TrainConfig("acgan", "ring8", batch_size=6, **{**TINY_POINTS, **settings})
    return ACGAN(PartsKit(resolve_plan(config, registry), registry), aux_weight=aux_weight)


def test_the_step_adds_the_class_cross_entropy_of_real_and_generated_samples():
    """Replay the step's random draws: D is scored on the real labels and on uniformly drawn
    labels for the fakes (not the real batch's), G on fresh drawn labels after D's update."""
    method = _method()
    G, D = method.generator, method.discriminator
    real, labels = torch.randn(6, 2), torch.tensor([0, 1, 2, 3, 4, 5])
    G_before, D_before = copy.deepcopy(G), copy.deepcopy(D)
    torch.manual_seed(3)
    values = method.step(lambda: (real, labels))
    torch.manual_seed(3)
    draws = [(torch.randint(8, (6,)), torch.randn(6, 2)) for _ in range(2)]
    with torch.no_grad():
        (d_labels, d_z), (g_labels, g_z) = draws
        expected_d = (F.cross_entropy(D_before.heads(real)[1], labels)
                      + F.cross_entropy(D_before.heads(G_before(d_z, d_labels))[1], d_labels))
        expected_g = F.cross_entropy(D.heads(G_before(g_z, g_labels))[1], g_labels)
    assert not torch.equal(d_labels, labels)
    assert values["aux_d"].item() == pytest.approx(expected_d.item(), rel=1e-5)
    assert values["aux_g"].item() == pytest.approx(expected_g.item(), rel=1e-5)
    assert set(values) == {"d_loss", "aux_d", "g_loss", "aux_g"}


@pytest.mark.parametrize("aux_weight, learns", [(0.0, False), (1.0, True)])
def test_the_class_head_learns_only_through_the_weighted_aux_loss(aux_weight, learns):
    method = _method(aux_weight)
    head = method.discriminator.classifier.weight
    before = head.detach().clone()
    method.step(lambda: (torch.randn(6, 2), torch.arange(6)))
    assert (not torch.equal(head, before)) is learns


def test_the_method_refuses_a_discriminator_without_a_class_head():
    with pytest.raises(IncompatibleError, match="needs a class head.*--discriminator acgan"):
        _method(discriminator="mlp")


def _losses(run_dir: Path) -> dict[str, list[float]]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {key: [row[key] for row in rows if key in row] for key in ("aux_d", "aux_g")}


def test_the_aux_loss_is_logged_and_learned_on_a_separable_toy_case(tmp_path):
    """ring8's labels are its mode indices: classes a line can separate."""
    train("acgan", "ring8", steps=60, out=tmp_path, batch_size=64, log_every=1, lr_g=5e-3,
          lr_d=5e-3, generator_options={"hidden": 32}, discriminator_options={"hidden": 32})
    for name, values in _losses(tmp_path).items():
        assert len(values) == 60
        first, last = sum(values[:5]) / 5, sum(values[-5:]) / 5
        assert last < 0.25 * first, (name, first, last)



@pytest.mark.parametrize("dataset, shape, tiny", [("digits", (1, 8, 8), TINY_IMAGES),
                                                  ("ring8", (2,), TINY_POINTS)])
def test_acgan_trains_resumes_exactly_and_samples_a_class(tmp_path, dataset, shape, tiny):
    resumed, split = resumes_exactly("acgan", tmp_path, dataset=dataset, batch_size=4, **tiny)
    assert {"aux_d", "aux_g"} <= set(resumed.last_losses)
    assert any(k.startswith("discriminator.classifier.") for k in split)
    run = load_run(tmp_path / "split")
    samples = run.sample(3, labels=7)
    assert samples.shape == (3, *shape) and torch.isfinite(samples).all()
    assert not torch.equal(samples, run.sample(3, labels=2))
