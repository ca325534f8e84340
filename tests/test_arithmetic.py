"""Latent vector arithmetic (`ganzoo sample --arithmetic`, `--save-latents`) and GIF walks."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from ganzoo import arithmetic
from ganzoo.api import Describer, GanzooError, train
from ganzoo.latents import LatentSpace
from ganzoo.training.run import load_run

TINY = {"base_channels": 4}


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "cgan-digits"
    train("cgan", "digits", steps=2, out=out, batch_size=8, generator_options=TINY,
          discriminator_options=TINY)
    return out


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "gan-ring8"
    train("gan", "ring8", steps=2, out=out, batch_size=16)
    return out


# -- parsing -----------------------------------------------------------------------------

def test_expressions_parse_into_signed_terms():
    terms = arithmetic.parse_expression("3,7,12 - 5, 9 + 20")
    assert [(t.sign, t.indices) for t in terms] == [(1, (3, 7, 12)), (-1, (5, 9)), (1, (20,))]
    words = arithmetic.parse_expression("- thick seven + a thin one, leaning-left")
    assert [(t.sign, t.text, t.indices) for t in words] == [
        (-1, "thick seven", None), (1, "a thin one, leaning-left", None)]


@pytest.mark.parametrize("text, problem", [
    ("3 - + 4", "two operators in a row"), ("3 +", "ends with an operator"),
    ("  ", "no terms"), ("3-4", "neither a list of sample indices"),
    ("3 4", "neither a list of sample indices")])
def test_bad_expressions_are_clear_errors(text, problem):
    with pytest.raises(GanzooError, match=problem) as caught:
        arithmetic.parse_expression(text)
    assert "spaces around them" in str(caught.value)


# -- the maths, on an identity generator -------------------------------------------------

def identity_run(dim: int = 4, num_classes: int = 0) -> SimpleNamespace:
    """A stand-in for a LoadedRun whose generator returns its latent vector."""
    return SimpleNamespace(
        latent_space=LatentSpace(dim), num_classes=num_classes, run_dir=Path("toy"),
        plan=SimpleNamespace(model="toy", dataset="toy", conditioning="none"),
        generate=lambda z, cond, truncation=None: z.clone())


def test_each_term_is_the_mean_of_its_exemplars(tmp_path):
    run = identity_run()
    z = torch.randn(8, 4, generator=torch.Generator().manual_seed(3))
    arithmetic.save_latents(tmp_path / "z.pt", z, None, run, seed=0, truncation=None, codes={})
    result = arithmetic.arithmetic(run, "0,1,2 - 3 + 4,5", latents_file=tmp_path / "z.pt")
    expected = z[:3].mean(0) - z[3] + z[4:6].mean(0)
    assert torch.allclose(result.results[0], expected, atol=1e-6)
    assert result.labels == ["0,1,2", "- 3", "+ 4,5"] and result.label is None
    noise = result.results[1:] - expected
    assert len(noise) == arithmetic.VARIANTS - 1
    assert 0 < noise.abs().max() <= arithmetic.NOISE
    exemplars, means, results = arithmetic.decode(run, result)
    assert torch.equal(exemplars[1], z[3:4]) and torch.equal(results, result.results)
    assert torch.allclose(means[0], z[:3].mean(0))


def test_models_with_other_conditions_are_refused():
    run = identity_run()
    run.plan.conditioning = "text"
    with pytest.raises(GanzooError, match="also takes text conditions"):
        arithmetic.arithmetic(run, "0")


def test_variants_leave_named_codes_alone():
    out = arithmetic.variants(torch.zeros(6), noise_dim=4, seed=1)
    assert out[:, 4:].abs().max() == 0 and out[1:, :4].abs().min() > 0


def test_classes_of_the_terms_must_cancel_to_one():
    def term(sign: int, label: int) -> arithmetic.Resolved:
        return arithmetic.Resolved(arithmetic.Term(sign, "x"), torch.zeros(1, 2), label)

    assert arithmetic.result_class([term(1, 7), term(-1, 7), term(1, 1)]) == 1
    with pytest.raises(GanzooError, match="cancel to one"):
        arithmetic.result_class([term(1, 7), term(1, 1)])


# -- saved latents through the CLI -------------------------------------------------------

def test_saved_latents_round_trip(run_cli, dcgan_run, tmp_path):
    z_file = tmp_path / "z.pt"
    made = run_cli("sample", str(dcgan_run), "-n", "12", "--out", str(tmp_path / "grid.pt"),
                   "--save-latents", str(z_file))
    assert made.code == 0, made.err
    saved = torch.load(z_file, weights_only=True)
    assert saved["format"] == 1 and saved["labels"] is None
    assert torch.equal(saved["index"], torch.arange(12)) and saved["latents"].shape == (12, 100)
    run = load_run(dcgan_run)
    grid = torch.load(tmp_path / "grid.pt")
    assert torch.allclose(run.generate(saved["latents"], None), grid, atol=1e-6)

    result = run_cli("sample", str(dcgan_run), "--arithmetic", "0,1,2 - 3 + 4",
                     "--latents", str(z_file), "--out", str(tmp_path / "sum.pt"))
    assert result.code == 0, result.err
    z = saved["latents"]
    expected = run.generate(arithmetic.variants(z[:3].mean(0) - z[3] + z[4], 100), None)
    assert torch.allclose(torch.load(tmp_path / "sum.pt"), expected, atol=1e-6)
    picture = run_cli("sample", str(dcgan_run), "--arithmetic", "0,1,2 - 3 + 4",
                      "--latents", str(z_file), "--out", str(tmp_path / "sum.png"))
    assert picture.code == 0, picture.err
    with Image.open(tmp_path / "sum.png") as img:
        assert img.format == "PNG"


def test_saved_latent_mistakes_are_clear(run_cli, dcgan_run, gan_run, tmp_path):
    z_file = tmp_path / "z.pt"
    assert run_cli("sample", str(dcgan_run), "-n", "4", "--out", str(tmp_path / "g.png"),
                   "--save-latents", str(z_file)).code == 0
    cases = [
        (["--arithmetic", "0 + 9", "--latents", str(z_file)], "has no sample 9"),
        (["--arithmetic", "0 + 1"], "--latents z.pt"),
        (["--arithmetic", "0", "--latents", str(tmp_path / "none.pt")], "No saved latents"),
        (["--latents", str(z_file)], "add --arithmetic"),
        (["--arithmetic", "0", "--latents", str(z_file), "--class", "1"], "drop --class"),
    ]
    for args, message in cases:
        result = run_cli("sample", str(dcgan_run), *args, "--out", str(tmp_path / "x.pt"))
        assert result.code != 0 and message in result.err, (args, result.err)
    other = run_cli("sample", str(gan_run), "--arithmetic", "0", "--latents", str(z_file),
                    "--out", str(tmp_path / "x.pt"))
    assert other.code != 0 and "have 100 entries" in other.err


def test_saved_latents_keep_classes_for_conditional_models(run_cli, cgan_run, tmp_path):
    z_file = tmp_path / "z.pt"
    assert run_cli("sample", str(cgan_run), "-n", "20", "--out", str(tmp_path / "g.png"),
                   "--save-latents", str(z_file)).code == 0
    labels = torch.load(z_file, weights_only=True)["labels"]
    assert torch.equal(labels, torch.arange(20) % 10)  # the grid's column per class
    # samples 3 and 13 show class 3, 7 and 17 class 7: 3 - 3 + 7 leaves class 7
    ok = run_cli("sample", str(cgan_run), "--arithmetic", "3,13 - 3 + 7,17",
                 "--latents", str(z_file), "--out", str(tmp_path / "sum.pt"))
    assert ok.code == 0, ok.err
    mixed = run_cli("sample", str(cgan_run), "--arithmetic", "3,4", "--latents", str(z_file),
                    "--out", str(tmp_path / "x.pt"))
    assert mixed.code != 0 and "mixes classes [3, 4]" in mixed.err


# -- described terms ---------------------------------------------------------------------

def brightness_describer() -> Describer:
    """The digits' words, with "thickness" read cheaply as above/below the median ink."""
    from ganzoo_digits import attributes

    def levels(images: torch.Tensor) -> dict[str, torch.Tensor]:
        ink = images.flatten(1).mean(1)
        return {"thickness": (ink > ink.median()).long()}

    return Describer(attributes.parse, levels, "digit", attributes.DIGIT_NAMES)


def test_the_digits_plugin_describes_mnist_only():
    describer = arithmetic.describer_for("mnist-5k")
    assert describer.parse("a thick seven") == {"digit": 7, "thickness": 1}
    levels = describer.levels(torch.full((2, 1, 28, 28), -1.0))
    assert set(levels) == {"thickness", "slant"} and levels["thickness"].shape == (2,)
    with pytest.raises(GanzooError, match="--save-latents z.pt"):
        arithmetic.describer_for("ring8")


def test_described_arithmetic(run_cli, dcgan_run, tmp_path, monkeypatch):
    undescribed = run_cli("sample", str(dcgan_run), "--arithmetic", "thick seven",
                          "--out", str(tmp_path / "x.pt"))
    assert undescribed.code != 0 and "describes samples of 'digits'" in undescribed.err

    monkeypatch.setattr(arithmetic, "describer_for", lambda dataset: brightness_describer())
    seen = {}

    def classes(run, images):  # a cheap stand-in for the domain CNN: sample i shows digit i % 10
        seen["n"] = len(images)
        return torch.arange(len(images)) % 10, torch.ones(len(images))

    monkeypatch.setattr(arithmetic, "domain_classes", classes)
    expression = "thick seven - thin seven + thin one"
    result = run_cli("sample", str(dcgan_run), "--arithmetic", expression, "-n", "200",
                     "--out", str(tmp_path / "sum.pt"))
    assert result.code == 0, result.err
    assert seen["n"] == 200 and torch.load(tmp_path / "sum.pt").shape == (9, 1, 8, 8)

    run = load_run(dcgan_run)
    done = arithmetic.arithmetic(run, expression, pool=200)
    z, _ = run.draw(200)
    ink = run.generate(z, None).flatten(1).mean(1)
    thick = ink > ink.median()
    for term, digit, want in zip(done.terms, (7, 7, 1), (True, False, False)):
        rows = [int((z == row).all(1).nonzero()) for row in term.latents]
        assert all(r % 10 == digit and bool(thick[r]) == want for r in rows)

    few = run_cli("sample", str(dcgan_run), "--arithmetic", expression, "-n", "20",
                  "--out", str(tmp_path / "x.pt"))
    assert few.code != 0 and "of the 20 samples drawn" in few.err and "-n 80" in few.err


def test_described_arithmetic_on_a_conditional_model(cgan_run, monkeypatch):
    monkeypatch.setattr(arithmetic, "describer_for", lambda dataset: brightness_describer())
    run = load_run(cgan_run)
    done = arithmetic.arithmetic(run, "thick seven - thin seven + thin one", pool=40)
    assert [t.label for t in done.terms] == [7, 7, 1] and done.label == 1
    _, _, results = arithmetic.decode(run, done)
    assert torch.allclose(results, run.generate(done.results, torch.ones(9, dtype=torch.long)))
    with pytest.raises(GanzooError, match="must name its class"):
        arithmetic.arithmetic(run, "thick", pool=40)


# -- walks as GIFs -----------------------------------------------------------------------

def frames(path: Path) -> tuple[int, tuple[int, int], int]:
    """A looping GIF's frames, size, and length in ms (PIL merges a frame identical to
    the one before into it, adding up their times)."""
    with Image.open(path) as img:
        assert img.format == "GIF" and img.info.get("loop") == 0
        length = 0
        for k in range(img.n_frames):
            img.seek(k)
            length += img.info["duration"]
        return img.n_frames, img.size, length


def test_walks_as_gifs(run_cli, dcgan_run, gan_run, tmp_path):
    made = run_cli("sample", str(dcgan_run), "--interpolate", "-n", "4", "--steps", "5",
                   "--out", str(tmp_path / "walk.gif"))
    assert made.code == 0, made.err
    # 5 steps forth, 3 back; a 2×2 grid of 8-px images with 2-px padding
    assert frames(tmp_path / "walk.gif") == (8, (2 + 2 * 10, 2 + 2 * 10), 800)
    points = run_cli("sample", str(gan_run), "--interpolate", "-n", "3", "--steps", "4",
                     "--out", str(tmp_path / "points.gif"))
    assert points.code == 0, points.err
    assert frames(tmp_path / "points.gif") == (6, (500, 500), 600)
    still = run_cli("sample", str(dcgan_run), "--out", str(tmp_path / "grid.gif"))
    assert still.code != 0 and "add --interpolate" in still.err


def test_a_swept_code_as_a_gif(run_cli, tmp_path):
    run_dir = tmp_path / "infogan"
    train("infogan", "grid25", steps=2, out=run_dir, batch_size=16)
    made = run_cli("sample", str(run_dir), "--code", "c1", "-n", "3",
                   "--out", str(tmp_path / "sweep.gif"))
    assert made.code == 0, made.err
    assert frames(tmp_path / "sweep.gif")[1:] == ((500, 500), (25 + 23) * 100)  # 25 categories
