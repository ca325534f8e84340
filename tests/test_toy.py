"""The 2-D mixtures are the papers' (PacGAN's and GDPP's code; WGAN-GP's toy code, scaled),
mode coverage judges each against its own std, and the mlp options that build PacGAN's toy
nets (batchnorm in G, maxout in D) work and leave the default nets as they were."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from ganzoo.api import DataSpec, IncompatibleError, check_options
from ganzoo.metrics.coverage import mode_coverage
from ganzoo.plugins import get_registry
from ganzoo_gan.mlp import Maxout, MLPDiscriminator, MLPGenerator

POINTS = DataSpec(shape=(2,))


def mixture(name: str, split: str = "test"):
    return get_registry().get("dataset", name).load().build(split=split)


def test_ring_and_grid_have_the_geometry_of_pacgans_experiments():
    """fjxmlzn/PacGAN synthetic_data_experiments/2DRing_GAN&PacGAN/config.py and
    2DGrid_GAN&PacGAN/config.py: means (cos 2πi/8, sin 2πi/8), std 0.01; means
    {-4, -2, 0, 2, 4}², std 0.05."""
    ring = mixture("ring8")
    angles = [i * 2 * math.pi / 8 for i in range(8)]
    expected = torch.tensor([[math.cos(a), math.sin(a)] for a in angles])
    assert torch.allclose(ring.modes, expected.float(), atol=1e-7) and ring.std == 0.01
    grid = mixture("grid25")
    expected = torch.tensor(list(itertools.product(range(-4, 5, 2), repeat=2)))
    assert torch.equal(grid.modes, expected.float()) and grid.std == 0.05
    for data in (ring, grid):  # the points are drawn around their modes with that std
        points, labels = data.tensors
        spread = (points - data.modes[labels]).std(dim=0)
        assert torch.allclose(spread, torch.full((2,), data.std), rtol=0.05)


@pytest.mark.parametrize("name, base, scale", [("ring8-wgangp", "ring8", 2 / 1.414),
                                               ("grid25-wgangp", "grid25", 1 / 2.828)])
def test_wgangp_variants_are_the_same_shapes_scaled_as_gan_toy_py(name, base, scale):
    """gan_toy.py: 8gaussians radius 2, std 0.02, then /1.414; 25gaussians /2.828."""
    data, reference = mixture(name), mixture(base)
    assert torch.allclose(data.modes, reference.modes * scale, atol=1e-6)
    assert data.std == pytest.approx(reference.std * scale)
    # the same spacing-to-std ratio: the true mixture scores alike under mode coverage
    assert mode_coverage(data.tensors[0][:2500], data.modes, data.std)["modes"] == len(data.modes)


def test_the_splits_are_seeded_and_differ():
    assert torch.equal(mixture("grid25", "train").tensors[0], mixture("grid25", "train").tensors[0])
    assert not torch.equal(mixture("ring8", "train").tensors[0][:100],
                           mixture("ring8", "test").tensors[0][:100])


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_high_quality_is_within_three_of_the_datasets_own_std(name):
    data = mixture(name)
    mode = data.modes[:1]
    inside = mode + torch.tensor([[2.9 * data.std, 0.0]])
    outside = mode + torch.tensor([[3.1 * data.std, 0.0]])
    assert mode_coverage(inside, data.modes, data.std)["high_quality_pct"] == 100.0
    assert mode_coverage(outside, data.modes, data.std)["high_quality_pct"] == 0.0


def test_default_mlp_nets_are_unchanged():
    """Plans recorded before the new options rebuild the same layers (and state dict keys)."""
    g = MLPGenerator(POINTS, latent_dim=2, hidden=8)
    assert [type(m).__name__ for m in g.net] == ["Linear", "ReLU"] * 3 + ["Linear"]
    d = MLPDiscriminator(POINTS, hidden=8)
    assert [type(m).__name__ for m in d.net] == ["Linear", "LeakyReLU"] * 3 + ["Linear"]
    assert sorted(d.state_dict()) == sorted(f"net.{i}.{p}" for i in (0, 2, 4, 6)
                                            for p in ("weight", "bias"))


def test_batchnorm_generator_as_in_pacgan():
    g = MLPGenerator(POINTS, latent_dim=2, hidden=16, depth=4, norm="batch")
    kinds = [type(m).__name__ for m in g.net]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU"] * 4 + ["Linear"]
    assert g(torch.randn(8, 2)).shape == (8, 2)


def test_maxout_discriminator_takes_the_largest_piece():
    unit = Maxout(3, 2, pieces=5)
    x = torch.randn(4, 3)
    pieces = unit.linear(x).view(4, 2, 5)
    assert torch.equal(unit(x), pieces.max(dim=2).values)
    d = MLPDiscriminator(DataSpec(shape=(4,)), hidden=16, depth=3, maxout=5)  # packs of 2
    assert sum(isinstance(m, Maxout) for m in d.net) == 3
    assert d(torch.randn(6, 4)).shape == (6,)


def test_bad_options_are_refused_with_what_to_do():
    with pytest.raises(IncompatibleError, match="norm must be one of 'none', 'batch'"):
        MLPGenerator(POINTS, latent_dim=2, norm="layer")
    with pytest.raises(IncompatibleError, match="maxout units take no normalization"):
        MLPDiscriminator(POINTS, maxout=5, norm="layer")
    with pytest.raises(IncompatibleError, match="norm must be one of 'none', 'layer'"):
        MLPDiscriminator(POINTS, norm="batch")
    with pytest.raises(Exception, match="maxout"):
        check_options("mlp discriminator", MLPDiscriminator.option_ranges, maxout=-1)
