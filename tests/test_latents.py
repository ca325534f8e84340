"""Latent spaces: what a generator's z is (plain noise, or noise plus named codes), the
truncation trick for every model, fixing and sweeping codes (`ganzoo sample --truncation`,
`--code`), a generator's declared space reaching the training step, and `--method-opt`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from ganzoo.api import GanzooError, PartChoice, Recipe, Regularizer, hookimpl, load_plugins, train
from ganzoo.api import Code, LatentSpace
from ganzoo.latents import latent_space, truncate
from ganzoo.training.run import load_run
from ganzoo_gan.mlp import MLPGenerator

CODES = (Code("digit", "categorical", 3), Code("slant", "continuous"))


def test_plain_noise_is_drawn_as_before_from_the_same_stream():
    space = LatentSpace(5)
    assert space.dim == 5 and not space.codes
    drawn = space.sample(4, "cpu", torch.Generator().manual_seed(3))
    assert torch.equal(drawn, torch.randn(4, 5, generator=torch.Generator().manual_seed(3)))


def test_codes_follow_the_noise_one_hot_or_uniform():
    space = LatentSpace(4, CODES)
    z = space.sample(500, generator=torch.Generator().manual_seed(0))
    assert z.shape == (500, 8) and space.slices() == {"digit": slice(4, 7), "slant": slice(7, 8)}
    digit, slant = z[:, 4:7], z[:, 7]
    assert torch.equal(digit.sum(1), torch.ones(500)) and set(digit.unique().tolist()) == {0, 1}
    assert set(digit.argmax(1).tolist()) == {0, 1, 2}
    assert slant.min() >= -1 and slant.max() <= 1 and slant.std() > 0.4


def test_codes_can_be_fixed_and_bad_values_or_names_are_refused_clearly():
    space = LatentSpace(4, CODES)
    z = space.sample(6, codes={"digit": 2, "slant": 1.5})
    assert torch.equal(z[:, 4:7], torch.tensor([[0.0, 0, 1]]).expand(6, 3))
    assert torch.equal(z[:, 7], torch.full((6,), 1.5))
    with pytest.raises(GanzooError, match="whole number from 0 to 2, not 3"):
        space.sample(2, codes={"digit": 3})
    with pytest.raises(GanzooError, match="no latent code 'tilt'; its codes are: digit, slant"):
        space.sample(2, codes={"tilt": 0})
    with pytest.raises(GanzooError, match="plain noise"):
        LatentSpace(4).code("digit")
    assert space.code("digit").values(5) == [0.0, 1.0, 2.0]
    assert space.code("slant").values(5) == [-2.0, -1.0, 0.0, 1.0, 2.0]


def test_truncation_keeps_the_noise_within_the_threshold_reproducibly():
    space = LatentSpace(64, CODES)
    a = space.sample(200, generator=torch.Generator().manual_seed(1), truncation=0.5)
    b = space.sample(200, generator=torch.Generator().manual_seed(1), truncation=0.5)
    assert torch.equal(a, b)
    assert a[:, :64].abs().max() <= 0.5 and a[:, :64].std() > 0.2  # noise only: codes keep theirs
    assert a[:, 67].abs().max() > 0.5
    with pytest.raises(GanzooError, match="above 0"):
        truncate(torch.zeros(2), 0.0)


def test_a_generator_declares_its_space_through_wrappers():
    class Coded(nn.Module):
        latent_space = LatentSpace(2, CODES)

    class Wrapper(nn.Module):
        def __init__(self, module: nn.Module):
            super().__init__()
            self.module = module

    assert latent_space(Wrapper(Coded()), 9) is Coded.latent_space
    assert latent_space(nn.Linear(2, 2), 9).dim == 9
    assert latent_space(nn.Linear(2, 2), 0) is None  # pix2pix: no latent vector


# --- a plugin generator with codes, trained by the built-in adversarial step -------------

class CodedGenerator(nn.Module):
    """An mlp generator whose z ends in a 3-way categorical and one continuous code; it
    records every z it is given, so the test sees what the training step drew."""

    def __init__(self, spec: Any, *, latent_dim: int, conditioning: str = "none"):
        super().__init__()
        self.latent_space = LatentSpace(latent_dim, CODES)
        self.body = MLPGenerator(spec, latent_dim=self.latent_space.dim, hidden=8)
        self.seen: list[torch.Tensor] = []

    def forward(self, z: torch.Tensor, cond: Any = None) -> torch.Tensor:
        self.seen.append(z.detach().clone())
        return self.body(z, cond)


class Orthogonal(Regularizer):
    """A G-side penalty on G's weights, kept through wrap_generator (as BigGAN's)."""

    def wrap_generator(self, generator: nn.Module) -> nn.Module:
        self.weights = [p for p in generator.parameters() if p.dim() == 2]
        generator.wrapped_by_test = True
        return generator

    def g_term(self, fake: Any, real: Any, cond: Any) -> torch.Tensor:
        return sum((w @ w.T - torch.eye(len(w))).pow(2).sum() for w in self.weights) * 1e-4


class CodedPlugin:
    @staticmethod
    @hookimpl
    def ganzoo_register_generators(registry: Any) -> None:
        registry.add("generator", "coded-mlp", CodedGenerator, summary="test: codes")

    @staticmethod
    @hookimpl
    def ganzoo_register_regularizers(registry: Any) -> None:
        registry.add("regularizer", "test-orthogonal", Orthogonal, summary="test")

    @staticmethod
    @hookimpl
    def ganzoo_register_models(registry: Any) -> None:
        registry.add_model(Recipe(
            name="coded", summary="test: a generator with codes", paper="-",
            loss="non-saturating", generator={"points": "coded-mlp"},
            discriminator={"points": PartChoice("mlp", {"hidden": 8})},
            regularizers=("test-orthogonal",), batch_size={"points": 16}))


@pytest.fixture(scope="module")
def coded_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    plugins = load_plugins(extra=[("coded", CodedPlugin)])
    out = tmp_path_factory.mktemp("runs") / "coded"
    result = train("coded", "ring8", steps=3, out=out, registry=plugins.registry,
                   hooks=plugins.manager)
    return plugins, result


def test_the_training_step_draws_from_the_generators_space(coded_run):
    plugins, result = coded_run
    assert "test-orthogonal_g" in result.last_losses or "test-orthogonal" in result.last_losses
    run = load_run(result.run_dir, registry=plugins.registry)
    assert getattr(run.generator, "wrapped_by_test", False)  # loaded as it was trained
    seen = [z for z in run.generator.seen]  # the EMA copy: empty until sampled
    assert seen == []
    run.sample(4, codes={"digit": 1})
    z = run.generator.seen[-1]
    assert z.shape == (4, 2 + 4) and torch.equal(z[:, 2:5].argmax(1), torch.ones(4).long())


def test_a_sweep_varies_one_code_and_keeps_the_rest(coded_run):
    plugins, result = coded_run
    run = load_run(result.run_dir, registry=plugins.registry)
    strips = run.sweep("digit", rows=2, codes={"slant": 0.5})
    assert strips.shape == (2, 3, 2)
    z = run.generator.seen[-1].view(2, 3, -1)
    assert torch.equal(z[:, :, 2:5].argmax(2), torch.tensor([[0, 1, 2], [0, 1, 2]]))
    assert torch.equal(z[:, 0, :2], z[:, 2, :2]) and torch.all(z[..., 5] == 0.5)
    assert run.sweep("slant", rows=1, steps=4).shape == (1, 4, 2)


# --- the command line ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def gan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "gan"
    train("gan", "ring8", steps=2, out=out, batch_size=16)
    return out


def test_sample_truncation_works_for_every_model_and_is_reproducible(gan_run, run_cli, tmp_path):
    args = ("sample", str(gan_run), "-n", "50", "--truncation", "0.5")
    assert run_cli(*args, "--out", str(tmp_path / "a.pt")).code == 0
    assert run_cli(*args, "--out", str(tmp_path / "b.pt")).code == 0
    assert run_cli("sample", str(gan_run), "-n", "50", "--out", str(tmp_path / "c.pt")).code == 0
    a, b, c = (torch.load(tmp_path / f"{k}.pt") for k in "abc")
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert load_run(gan_run).latents(50, truncation=0.5).abs().max() <= 0.5
    bad = run_cli(*args[:-1], "0", "--out", str(tmp_path / "d.png"))
    assert bad.code != 0 and "0" in bad.err


def test_sample_code_flags_are_checked(gan_run, run_cli, tmp_path):
    out = str(tmp_path / "x.png")
    result = run_cli("sample", str(gan_run), "--code", "digit", "--out", out)
    assert result.code == 2 and "no latent code 'digit'" in result.err
    assert "Traceback" not in result.err
    result = run_cli("sample", str(gan_run), "--code", "a", "--code", "b", "--out", out)
    assert result.code == 2 and "one code at a time" in result.err
    result = run_cli("sample", str(gan_run), "--code", "slant=wide", "--out", out)
    assert result.code == 2 and "NAME=NUMBER" in result.err
    result = run_cli("sample", str(gan_run), "--code", "a", "--interpolate", "--out", out)
    assert result.code == 2 and "pick one" in result.err


def test_image_to_image_models_refuse_truncation_and_codes(tmp_path):
    tiny = {"base_channels": 4}
    train("pix2pix", "edges2digits", steps=1, out=tmp_path / "p2p", batch_size=2,
          generator_options=tiny, discriminator_options=tiny)
    run = load_run(tmp_path / "p2p")
    assert run.latents(2) is None and run.latent_space is None
    with pytest.raises(GanzooError, match="no latent vector"):
        run.latents(2, truncation=0.5)
    with pytest.raises(GanzooError, match="no latent codes to vary"):
        run.sweep("digit", rows=1)


def test_method_options_come_from_the_command_line(run_cli):
    result = run_cli("train", "acgan", "--dataset", "ring8", "--method-opt", "aux_weight=0.25",
                     "--print-config")
    assert result.code == 0 and '"aux_weight": 0.25' in result.out
    result = run_cli("train", "acgan", "--dataset", "ring8", "--method-opt", "aux_wieght=1",
                     "--print-config")
    assert result.code == 2 and "has no option 'aux_wieght'" in result.err
    result = run_cli("train", "acgan", "--dataset", "ring8", "--method-opt", "aux_weight=-1",
                     "--print-config")
    assert result.code == 2 and "aux_weight" in result.err


def test_truncated_samples_of_a_batchnorm_generator_use_standing_statistics(tmp_path):
    tiny = {"base_channels": 4}
    train("dcgan", "digits", steps=2, out=tmp_path / "dcgan", batch_size=8,
          generator_options=tiny, discriminator_options=tiny)
    run = load_run(tmp_path / "dcgan")
    assert run.truncated_generator(None) is run.generator
    standing = run.truncated_generator(0.5)
    assert standing is not run.generator and run.truncated_generator(0.5) is standing
    norms = [(a, b) for a, b in zip(run.generator.modules(), standing.modules())
             if isinstance(a, nn.BatchNorm2d)]
    assert norms and not standing.training
    # re-estimated on truncated noise; the run's own generator keeps its statistics
    assert all(not torch.equal(a.running_var, b.running_var) for a, b in norms)
    assert torch.equal(run.sample(8, truncation=0.5), run.sample(8, truncation=0.5))
    assert not torch.equal(run.sample(8, truncation=0.5), run.sample(8))
