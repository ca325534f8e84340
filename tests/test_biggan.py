"""BigGAN (plugin ganzoo_biggan): the recipe keeps the paper's settings and its cifar10
preset the authors' CIFAR-10 script's; the parts build for sides 4·2^k and refuse other
data with a hint; z is split into one chunk per stage and every block's batchnorms see the
one shared class embedding beside their chunk; self-attention keeps the shape; every conv
and linear layer of G and D is spectrally normalized (G's class embedding excepted); the
orthogonal term is zero for orthogonal filters, positive otherwise, and its gradient
reaches G's raw weights; the recipe trains, resumes exactly, samples a class and samples
with --truncation.  Tiny nets, a few steps."""

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
from ganzoo_biggan.attention import SelfAttention
from ganzoo_biggan.discriminator import BigGANDiscriminator
from ganzoo_biggan.generator import BigGANGenerator, chunk_sizes
from ganzoo_biggan.orthogonal import Orthogonal, weight_matrices
from ganzoo_biggan.spectral import SpectralNormalization
from ganzoo_cgan_pd.conditional_norm import ModulatedBatchNorm2d
from ganzoo_sngan.blocks import UpBlock
from run_checks import resumes_exactly

TINY = {"channels": 4}
TINY_G = {"channels": 4, "embedding_dim": 6}
DIGITS = DataSpec((1, 8, 8), num_classes=10)


def _plan(dataset: str, **settings: Any):
    return resolve_plan(TrainConfig("biggan", dataset, **settings), get_registry())


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "biggan").load()
    assert "arXiv:1809.11096" in recipe.paper and recipe.notes
    assert (recipe.loss, recipe.regularizers, recipe.conditioning) == (
        "hinge", ("spectral-norm", "orthogonal"), "class")
    assert recipe.g_optimizer == OptimizerSpec("adam", 5e-5, (0.0, 0.999))
    assert recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.0, 0.999))
    assert (recipe.n_critic, recipe.latent_dim["image"], recipe.ema_decay) == (2, 120, 0.9999)
    assert "points" not in recipe.generator  # image data only


def test_the_cifar10_preset_is_the_authors_cifar_script():
    plan = _plan("cifar10")
    for part in (plan.generator, plan.discriminator):
        assert (part.name, part.options["channels"], part.options["attention"]) == (
            "biggan", 256, 0)
    assert (plan.batch_size, plan.n_critic, plan.latent_dim) == (50, 4, 128)
    assert plan.g_optimizer == plan.d_optimizer == OptimizerSpec("adam", 2e-4, (0.0, 0.999))
    assert [r.name for r in plan.regularizers] == ["spectral-norm", "orthogonal"]
    small = _plan("mnist-5k", image_size=32)  # one-channel digits: CPU-sized nets
    assert (small.generator.options["channels"], small.generator.options["attention"]) == (32, 16)
    with pytest.raises(IncompatibleError, match="no labels"):
        _plan("celeba")


@pytest.mark.parametrize("side, blocks", [(8, 1), (16, 2), (32, 3)])
def test_the_parts_build_for_sides_four_times_a_power_of_two(side, blocks):
    spec = DataSpec((3, side, side), num_classes=5)
    G = BigGANGenerator(spec, latent_dim=12, **TINY_G)
    D = BigGANDiscriminator(spec, **TINY)
    assert sum(isinstance(m, UpBlock) for m in G.modules()) == blocks  # 4 → side
    labels = torch.tensor([0, 1, 2, 3, 4])
    images = G(torch.randn(5, 12), labels)
    assert images.shape == (5, 3, side, side) and images.abs().max() <= 1
    assert D(images, labels).shape == (5,)


@pytest.mark.parametrize("part", [BigGANGenerator, BigGANDiscriminator])
def test_the_parts_refuse_other_data_with_a_hint(part):
    options = {"latent_dim": 8} if part is BigGANGenerator else {}
    with pytest.raises(IncompatibleError, match="--image-size 32.*--generator cbn-dcgan"):
        part(DataSpec((1, 28, 28), num_classes=10), **options)
    with pytest.raises(IncompatibleError, match="--image-size"):
        part(DataSpec((3, 32, 16), num_classes=10), **options)
    with pytest.raises(IncompatibleError, match="builds for images"):
        part(DataSpec((2,), num_classes=8), **options)
    with pytest.raises(IncompatibleError, match="needs class labels.*sngan-resnet"):
        part(DataSpec((1, 8, 8)), conditioning="none", **options)
    with pytest.raises(IncompatibleError, match="attention block on maps [0-9, ]+ pixels.*not 32"):
        part(DataSpec((1, 16, 16), num_classes=10), attention=32, **options)


def test_the_generator_refuses_a_latent_too_short_to_split():
    with pytest.raises(IncompatibleError, match="at least 4, not 3"):
        BigGANGenerator(DataSpec((1, 32, 32), num_classes=10), latent_dim=3)


def test_z_is_split_into_one_chunk_per_stage_beside_the_shared_class_embedding():
    assert chunk_sizes(120, 4) == [30, 30, 30, 30]  # the paper's z at 32 px: 3 blocks
    assert chunk_sizes(128, 3) == [43, 43, 42]
    G = BigGANGenerator(DataSpec((1, 16, 16), num_classes=10), latent_dim=11, **TINY_G)
    assert G.chunks == [4, 4, 3] and G.project.in_features == 4
    assert [m for m in G.modules() if isinstance(m, nn.Embedding)] == [G.embed]
    seen: list[torch.Tensor] = []
    for norm in G.modules():
        if isinstance(norm, ModulatedBatchNorm2d):
            norm.register_forward_hook(lambda _m, inputs, _out: seen.append(inputs[1]))
    z, labels = torch.randn(6, 11), torch.arange(6)
    G(z, labels)
    shared = G.embed(labels)
    assert len(seen) == 4  # two batchnorms in each of the two up blocks
    for block, (first, second) in enumerate(zip(seen[::2], seen[1::2])):
        chunk = z[:, 4 + 4 * block: 4 + 4 * block + G.chunks[block + 1]]
        for cond in (first, second):
            assert torch.equal(cond, torch.cat([shared, chunk], 1))


def test_the_class_embedding_is_shared_by_every_block():
    """One table feeds every block: a class's row moves every conditional batchnorm."""
    G = BigGANGenerator(DataSpec((1, 16, 16), num_classes=10), latent_dim=12, **TINY_G)
    G.eval()  # running statistics: each sample's output depends on its own inputs only
    z, labels = torch.randn(2, 12), torch.tensor([3, 5])
    before = G(z, labels)
    with torch.no_grad():
        G.embed.weight[3] += 1.0
    after = G(z, labels)
    assert not torch.allclose(before[0], after[0]) and torch.equal(before[1], after[1])


def test_self_attention_keeps_the_shape_and_starts_as_the_identity():
    block = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(block(x), x)  # γ starts at 0
    with torch.no_grad():
        block.gamma.fill_(1.0)
    out = block(x)
    assert out.shape == x.shape and not torch.allclose(out, x)
    tiny = SelfAttention(4)  # fewer than 8 channels keep one query/key map
    assert tiny(torch.randn(2, 4, 4, 4)).shape == (2, 4, 4, 4)


@pytest.mark.parametrize("part", ["generator", "discriminator"])
def test_self_attention_sits_at_half_the_side_by_default(part):
    spec = DataSpec((1, 32, 32), num_classes=10)
    net = (BigGANGenerator(spec, latent_dim=8, **TINY_G) if part == "generator"
           else BigGANDiscriminator(spec, **TINY))
    sides: list[int] = []
    for block in net.modules():
        if isinstance(block, SelfAttention):
            block.register_forward_hook(lambda _m, inputs, _o: sides.append(inputs[0].shape[-1]))
    labels = torch.arange(2)
    net(torch.randn(2, 8) if part == "generator" else torch.randn(2, 1, 32, 32), labels)
    assert sides == [16]


def _sn_layers(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def test_every_conv_and_linear_layer_of_g_and_d_is_spectrally_normalized():
    kit = PartsKit(_plan("digits", generator_options=TINY_G, discriminator_options=TINY),
                   get_registry())
    G, D = kit.generator(), kit.discriminator()
    for net in (G, D):
        layers = _sn_layers(net)
        assert len(layers) > 10 and all(parametrize.is_parametrized(m, "weight") for m in layers)
        assert any(isinstance(m, SelfAttention) for m in net.modules())
    assert D.embed in _sn_layers(D)  # the projection's class embedding too
    assert not parametrize.is_parametrized(G.embed)  # G's is not, as in the authors' code
    torch.manual_seed(0)
    for _ in range(100):  # power iteration: one step per training forward pass
        G(torch.randn(4, G.latent_dim), torch.arange(4))
    G.eval()
    for layer in _sn_layers(G):  # W / σ(W) has spectral norm 1
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=1e-2)


def test_gs_spectral_norm_holds_when_its_vectors_are_averaged():
    """The EMA copy's u is an average of unit vectors, so shorter than 1: G renormalizes it
    with a power step in eval mode too (torch's spectral_norm would divide by 0.3·σ)."""
    G = BigGANGenerator(DIGITS, latent_dim=8, **TINY_G)
    torch.manual_seed(0)
    for _ in range(50):
        G(torch.randn(4, 8), torch.arange(4))
    G.eval()
    with torch.no_grad():
        for norm in G.modules():
            if isinstance(norm, SpectralNormalization):
                norm.u.mul_(0.3)
    for layer in _sn_layers(G):
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=1e-2)


def test_the_orthogonal_term_is_zero_for_orthogonal_filters_and_positive_otherwise():
    net = nn.Sequential(nn.Linear(16, 4), nn.Conv2d(3, 5, 3))
    reg = Orthogonal(weight=1e-4)
    reg.wrap_generator(net)
    with torch.no_grad():
        for layer in net:
            nn.init.orthogonal_(layer.weight)  # rows (filters) orthonormal
            layer.weight.mul_(3.0)  # their norms are not penalized
    assert reg.g_term(None, None, None).item() == pytest.approx(0.0, abs=1e-9)
    with torch.no_grad():
        net[0].weight[1] += net[0].weight[0]  # two filters no longer orthogonal
    assert reg.g_term(None, None, None).item() > 1e-4


def test_the_orthogonal_term_reaches_gs_raw_weights_but_not_its_embedding():
    G = BigGANGenerator(DIGITS, latent_dim=8, **TINY_G)
    reg = Orthogonal(weight=1e-4)
    reg.wrap_generator(G)
    assert reg.matrices == weight_matrices(G) and len(reg.matrices) == len(_sn_layers(G))
    assert all(p.requires_grad and p.dim() >= 2 for p in reg.matrices)
    torch.manual_seed(0)
    with torch.no_grad():  # off orthogonal init, where wide layers' term is exactly 0
        for p in reg.matrices:
            p.add_(0.1 * torch.randn_like(p))
    reg.g_term(None, None, None).backward()
    assert all(p.grad is not None for p in reg.matrices)
    # a one-filter layer (the image head, attention's 1-map query/key) has no pair to decorrelate
    assert all(p.grad.abs().sum() > 0 for p in reg.matrices if len(p) > 1)
    assert G.embed.weight.grad is None
    w = G.project.parametrizations.weight.original.detach()
    off = w @ w.T - torch.diag(torch.diag(w @ w.T))
    expected = 4e-4 * off @ w  # d/dW β‖WWᵀ ⊙ (1 − I)‖²_F; BigGAN-PyTorch's step is half
    assert torch.allclose(G.project.parametrizations.weight.original.grad, expected, atol=1e-7)


def test_biggan_trains_resumes_exactly_samples_a_class_and_truncates(tmp_path, run_cli):
    resumed, split = resumes_exactly("biggan", tmp_path, dataset="digits", batch_size=4,
                                     generator_options=TINY_G, discriminator_options=TINY)
    assert resumed.d_steps == 8 and "orthogonal" in resumed.last_losses
    for net in ("generator", "discriminator"):
        assert any(k.startswith(net) and k.endswith("parametrizations.weight.original")
                   for k in split)
    run = load_run(tmp_path / "split")
    samples = run.sample(3, labels=7)
    assert samples.shape == (3, 1, 8, 8) and torch.isfinite(samples).all()
    assert not torch.equal(samples, run.sample(3, labels=2))
    truncated = run.sample(3, labels=7, truncation=0.5)
    assert truncated.shape == (3, 1, 8, 8) and not torch.equal(truncated, samples)
    assert run.latents(50, truncation=0.5).abs().max() <= 0.5
    out = tmp_path / "truncated.png"
    result = run_cli("sample", str(tmp_path / "split"), "-n", "8", "--truncation", "0.5",
                     "--out", str(out))
    assert result.code == 0, result.err
    assert out.stat().st_size > 0
