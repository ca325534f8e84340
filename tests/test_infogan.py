"""InfoGAN (plugin ganzoo_infogan): the recipe keeps the paper's settings and presets; the
generator declares noise plus named codes as its latent space; the discriminator scores as
the contract says and has a Q head in the codes' layout; the codes' likelihood is the
paper's; the method adds it on generated samples for D (and Q) and G, refuses parts whose
codes disagree, and on ring8 its categorical code comes to pick the mode; the recipe trains,
resumes exactly and samples with a code swept or fixed from the command line.  Tiny nets,
a few steps."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from ganzoo.api import (
    Code,
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
from ganzoo_infogan.codes import code_nll, info_codes, q_size
from ganzoo_infogan.discriminator import InfoGANDiscriminator
from ganzoo_infogan.generator import InfoGANGenerator
from ganzoo_infogan.method import InfoGAN
from run_checks import resumes_exactly

POINTS = DataSpec((2,), num_classes=8)
DIGITS = DataSpec((1, 8, 8), num_classes=10)
MNIST = DataSpec((1, 28, 28), num_classes=10)
TINY_POINTS = {"generator_options": {"hidden": 8}, "discriminator_options": {"hidden": 8}}
TINY_IMAGES = {"generator_options": {"base_channels": 4},
               "discriminator_options": {"base_channels": 4}}


def _recipe() -> Any:
    return get_registry().get("model", "infogan").load()


def test_the_recipe_has_the_papers_mnist_settings():
    recipe = _recipe()
    assert "arXiv:1606.03657" in recipe.paper and recipe.notes
    assert (recipe.loss, recipe.conditioning, recipe.n_critic) == ("non-saturating", "none", 1)
    assert recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.5, 0.999))
    assert recipe.g_optimizer == OptimizerSpec("adam", 1e-3, (0.5, 0.999))
    assert recipe.method == PartChoice("infogan", {"info_weight": 1.0, "continuous_weight": 1.0})
    assert (recipe.latent_dim["image"], recipe.batch_size["image"]) == (62, 128)
    G = InfoGANGenerator(MNIST, latent_dim=62, **recipe.generator_for("image").options)
    assert [(c.name, c.kind, c.size) for c in G.latent_space.codes.values()] == [
        ("c1", "categorical", 10), ("c2", "continuous", 1), ("c3", "continuous", 1)]
    widths = [m.out_channels for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert widths == [128, 64, 1]  # the paper's 7×7×128 → 14×14×64 → 28×28 G
    D = InfoGANDiscriminator(MNIST, **recipe.discriminator_for("image").options)
    assert [m.out_channels for m in D.features.modules()
            if isinstance(m, torch.nn.Conv2d)] == [64, 128]  # the paper's D/Q body
    ring8 = {"categories": 8, "continuous_codes": 0}  # one categorical code of 8 modes
    assert recipe.generator_for("points") == recipe.discriminator_for("points") == \
        PartChoice("infogan", ring8)
    assert info_codes("g", 1, 8, 0) == [Code("c1", "categorical", 8)]


@pytest.mark.parametrize("dataset, codes, noise", [("cifar10", (4, 10, 2), 124),
                                                   ("celeba", (10, 10, 0), 128)])
def test_presets_give_the_papers_32px_colour_codes(dataset, codes, noise):
    recipe = _recipe().for_data("image", dataset)
    g, d = recipe.generator_for("image").options, recipe.discriminator_for("image").options
    keys = ("categorical_codes", "categories", "continuous_codes")
    assert tuple(g[k] for k in keys) == tuple(d[k] for k in keys) == codes
    assert recipe.latent_dim["image"] == noise and recipe.batch_size["image"] == 128


def test_the_generator_declares_noise_then_codes_and_builds_for_points_and_images():
    G = InfoGANGenerator(POINTS, latent_dim=3, categorical_codes=2, categories=3,
                         continuous_codes=1, hidden=8)
    space = G.latent_space
    assert (space.noise_dim, space.dim, G.latent_dim) == (3, 10, 10)
    assert list(space.codes) == ["c1", "c2", "c3"]
    assert space.slices() == {"c1": slice(3, 6), "c2": slice(6, 9), "c3": slice(9, 10)}
    assert G(space.sample(5)).shape == (5, 2)
    G = InfoGANGenerator(DIGITS, latent_dim=4, base_channels=4)
    assert G(G.latent_space.sample(3)).shape == (3, 1, 8, 8)


def test_the_parts_refuse_what_they_cannot_build():
    with pytest.raises(IncompatibleError, match="at least one latent code"):
        InfoGANGenerator(POINTS, latent_dim=2, categorical_codes=0, continuous_codes=0)
    with pytest.raises(IncompatibleError, match="categories=1 is out of range"):
        InfoGANDiscriminator(POINTS, categories=1)
    with pytest.raises(IncompatibleError, match="unconditional.*acgan"):
        InfoGANGenerator(POINTS, latent_dim=2, conditioning="class")
    with pytest.raises(IncompatibleError, match="generator's option hidden does not apply"):
        InfoGANGenerator(DIGITS, latent_dim=2, hidden=8)
    with pytest.raises(IncompatibleError, match="option base_channels does not apply"):
        InfoGANDiscriminator(POINTS, base_channels=8)
    with pytest.raises(IncompatibleError, match="'fixed'.*'learned'"):
        InfoGANDiscriminator(POINTS, continuous_std="wide")


@pytest.mark.parametrize("spec, options", [(POINTS, {"hidden": 8}),
                                           (DIGITS, {"base_channels": 4}),
                                           (MNIST, {"base_channels": 4, "q_hidden": 0})])
@pytest.mark.parametrize("std, outputs", [("fixed", 12), ("learned", 14)])
def test_the_discriminator_scores_as_the_contract_says_and_q_predicts_beside(
        spec, options, std, outputs):
    D = InfoGANDiscriminator(spec, continuous_std=std, **options)
    assert q_size(D.codes, D.learned_std) == outputs
    x = torch.randn(5, *spec.shape)
    scores, q = D.heads(x)
    assert scores.shape == (5,) and q.shape == (5, outputs)
    D.eval()  # batchnorm: the same statistics for every call below
    assert torch.equal(D(x, None), D.heads(x)[0])


def test_the_codes_likelihood_is_cross_entropy_plus_gaussian_nll():
    codes = info_codes("test", 1, 3, 2)  # c1: 3 categories, c2 and c3 continuous
    c = torch.tensor([[0.0, 1, 0, 0.5, -1.0], [1, 0, 0, 0.0, 0.25]])
    q = torch.tensor([[0.1, 2.0, -1, 0.3, -0.5, 0.2, -0.1],
                      [0.4, 0.0, 0.3, 0.1, 0.5, 0.0, 0.3]])
    categorical, continuous = code_nll(q[:, :5], c, codes, learned_std=False)
    assert categorical.item() == pytest.approx(
        F.cross_entropy(q[:, :3], torch.tensor([1, 0])).item())
    error = c[:, 3:] - q[:, 3:5]
    assert continuous.item() == pytest.approx((0.5 * error**2).sum(1).mean().item())
    _, learned = code_nll(q, c, codes, learned_std=True)
    log_std = q[:, 5:]
    expected = (log_std + 0.5 * error**2 / log_std.exp() ** 2).sum(1).mean()
    assert learned.item() == pytest.approx(expected.item())
    # Q's log-likelihood is highest at the codes themselves
    assert code_nll(c * 50, c, codes[:1], False)[0] < 1e-6


def _method(info_weight: float = 1.0, continuous_weight: float = 1.0,
            **settings: Any) -> InfoGAN:
    registry = get_registry()
    settings = {**TINY_POINTS, **settings}
    config = TrainConfig("infogan", "ring8", batch_size=6, **settings)
    return InfoGAN(PartsKit(resolve_plan(config, registry), registry),
                   info_weight=info_weight, continuous_weight=continuous_weight)


CODES_2 = {"categories": 3, "continuous_codes": 1, "hidden": 8}


def test_the_step_adds_the_codes_nll_of_generated_samples_for_d_and_g():
    """Replay the step's draws: Q is scored on the codes G's samples were drawn with, D's
    term before D's update, G's on fresh codes after it; real samples are not Q's."""
    method = _method(2.0, 0.5, generator_options=CODES_2, discriminator_options=CODES_2)
    G, D = method.generator, method.discriminator
    G_before, D_before = copy.deepcopy(G), copy.deepcopy(D)
    real = torch.randn(6, 2)
    torch.manual_seed(3)
    values = method.step(lambda: (real, torch.arange(6)))
    torch.manual_seed(3)
    space = G.latent_space
    z_d, z_g = space.sample(6), space.sample(6)
    with torch.no_grad():
        expected_d = code_nll(D_before.heads(G_before(z_d))[1], z_d[:, 2:], D.codes, False)
        expected_g = code_nll(D.heads(G_before(z_g))[1], z_g[:, 2:], D.codes, False)
    assert values["info_d"].item() == pytest.approx(sum(expected_d).item(), rel=1e-5)
    assert values["info_g"].item() == pytest.approx(sum(expected_g).item(), rel=1e-5)
    assert set(values) == {"d_loss", "info_d", "g_loss", "info_g"}
    assert all(e > 0 for e in expected_d)  # both kinds of code counted


@pytest.mark.parametrize("weights, learns", [((0.0, 0.0), False), ((1.0, 0.0), True),
                                             ((0.0, 1.0), True)])
def test_q_learns_only_through_the_weighted_information_term(weights, learns):
    method = _method(*weights, generator_options=CODES_2, discriminator_options=CODES_2)
    head = method.discriminator.q[-1].weight
    before = head.detach().clone()
    method.step(lambda: (torch.randn(6, 2), torch.arange(6)))
    assert (not torch.equal(head, before)) is learns


def test_the_method_refuses_parts_without_codes_or_with_other_codes():
    with pytest.raises(IncompatibleError, match="needs that head.*--discriminator infogan"):
        _method(discriminator="mlp")
    with pytest.raises(IncompatibleError, match="declares none. Use --generator infogan"):
        _method(generator="mlp", generator_options={"hidden": 8})
    other = {**TINY_POINTS["discriminator_options"], "categories": 5}
    with pytest.raises(IncompatibleError, match=r"draws the codes c1 \(8 categories\).*"
                                                r"predicts c1 \(5 categories\).*--d-opt"):
        _method(discriminator_options=other)


def test_the_categorical_code_comes_to_pick_ring8s_modes(tmp_path):
    """ring8, 600 steps: L_I falls from log 8 (no information) to near 0 on both sides, and
    each value of c1 draws one mode; the 8 values cover 7 or 8 of the modes (InfoGAN may
    split a mode between two values: the bound is as tight either way)."""
    train("infogan", "ring8", steps=600, out=tmp_path, batch_size=64, log_every=1,
          sample_every=0)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    for name in ("info_d", "info_g"):
        values = [row[name] for row in rows]
        assert sum(values[:5]) / 5 > math.log(8) - 0.1
        assert sum(values[-20:]) / 20 < 0.05, name
    run = load_run(tmp_path)
    sweep = run.sweep("c1", rows=50)  # (rows, 8 values of c1, 2)
    modes = run.dataset("test").modes
    nearest = torch.cdist(sweep.flatten(0, 1).double(), modes.double()).argmin(1).view(50, 8)
    picked = nearest.mode(0).values  # the mode each value of c1 draws most
    assert (nearest == picked).double().mean() > 0.95 and len(set(picked.tolist())) >= 7


@pytest.mark.parametrize("dataset, shape, tiny", [("digits", (1, 8, 8), TINY_IMAGES),
                                                  ("ring8", (2,), TINY_POINTS)])
def test_infogan_trains_resumes_exactly_and_samples_with_codes(tmp_path, dataset, shape, tiny):
    resumed, split = resumes_exactly("infogan", tmp_path, dataset=dataset, batch_size=4, **tiny)
    assert {"info_d", "info_g"} <= set(resumed.last_losses)
    assert any(k.startswith("discriminator.q.") for k in split)
    run = load_run(tmp_path / "split")
    first = run.sample(3, codes={"c1": 1})
    assert first.shape == (3, *shape) and torch.isfinite(first).all()
    assert not torch.equal(first, run.sample(3, codes={"c1": 2}))


def test_sample_sweeps_a_code_as_a_strip_and_fixes_one(tmp_path, run_cli):
    train("infogan", "digits", steps=2, out=tmp_path / "run", batch_size=4, sample_every=0,
          **TINY_IMAGES)
    run = str(tmp_path / "run")
    strip = tmp_path / "c1.png"
    result = run_cli("sample", run, "--code", "c1", "-n", "3", "--out", str(strip))
    assert result.code == 0 and "10 values" in result.out
    assert Image.open(strip).size == (10 * (8 + 2) + 2, 3 * (8 + 2) + 2)  # 10 columns, 3 rows
    fixed = [tmp_path / f"c2-{v}.pt" for v in ("0.5", "-0.5")]
    for path, value in zip(fixed, ("0.5", "-0.5")):
        result = run_cli("sample", run, "--code", f"c2={value}", "-n", "4", "--out", str(path))
        assert result.code == 0
    half, minus_half = (torch.load(p) for p in fixed)
    assert torch.equal(half, load_run(run).sample(4, codes={"c2": 0.5}))
    assert not torch.equal(half, minus_half)
    result = run_cli("sample", run, "--code", "digit", "--out", str(strip))
    assert result.code == 2 and "its codes are: c1, c2, c3" in result.err
