"""`ganzoo sample` and `load_run`: pictures, raw samples, classes, input images, latent walks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.plugins import get_registry
from ganzoo.training.config import TrainConfig
from ganzoo.api import train
from ganzoo.training.run import load_run, slerp



def trained(tmp: Path, model: str, dataset: str, **settings) -> Path:
    out = tmp / f"{model}-{dataset}"
    train(TrainConfig(model=model, dataset=dataset, out=out, **settings),
          registry=get_registry(), progress=False)
    return out


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory) -> Path:
    return trained(tmp_path_factory.mktemp("runs"), "gan", "ring8", steps=6, batch_size=32)


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory) -> Path:
    return trained(tmp_path_factory.mktemp("runs"), "cgan", "ring8", steps=6, batch_size=32)


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory) -> Path:
    return trained(tmp_path_factory.mktemp("runs"), "pix2pix", "edges2digits", steps=2,
                   batch_size=2, generator_options={"base_channels": 4},
                   discriminator_options={"base_channels": 4})


def is_png(path: Path) -> bool:
    with Image.open(path) as img:
        return img.format == "PNG"


def test_png_pt_and_npy_outputs(run_cli, gan_run, tmp_path):
    for name in ("grid.png", "raw.pt", "raw.npy"):
        result = run_cli("sample", str(gan_run), "-n", "10", "--out", str(tmp_path / name))
        assert result.code == 0, result.err
    assert is_png(tmp_path / "grid.png")
    pt = torch.load(tmp_path / "raw.pt", weights_only=True)
    assert pt.shape == (10, 2) and torch.isfinite(pt).all()
    assert np.array_equal(np.load(tmp_path / "raw.npy"), pt.numpy())  # same default seed


def test_seed_decides_the_samples(gan_run):
    run = load_run(gan_run)
    assert torch.equal(run.sample(5, seed=1), run.sample(5, seed=1))
    assert not torch.equal(run.sample(5, seed=1), run.sample(5, seed=2))


def test_unknown_format_and_folder_are_clear_errors(run_cli, gan_run, tmp_path):
    bad = run_cli("sample", str(gan_run), "--out", str(tmp_path / "x.jpg"))
    assert bad.code != 0 and ".png" in bad.err
    missing = run_cli("sample", str(tmp_path), "--out", str(tmp_path / "x.png"))
    assert missing.code != 0 and "not a ganzoo run folder" in missing.err


def test_class_conditional_sampling(run_cli, cgan_run, gan_run, tmp_path):
    for k in ("3", "4"):
        result = run_cli("sample", str(cgan_run), "--class", k, "-n", "20",
                         "--out", str(tmp_path / f"class{k}.pt"))
        assert result.code == 0, result.err
    three, four = (torch.load(tmp_path / f"class{k}.pt") for k in (3, 4))
    assert three.shape == (20, 2) and not torch.equal(three, four)  # same latents, other class
    assert run_cli("sample", str(cgan_run), "--out", str(tmp_path / "all.png")).code == 0

    out_of_range = run_cli("sample", str(cgan_run), "--class", "8", "--out", str(tmp_path / "x.pt"))
    assert out_of_range.code != 0 and "8 classes" in out_of_range.err
    unconditional = run_cli("sample", str(gan_run), "--class", "1", "--out", str(tmp_path / "x.pt"))
    assert unconditional.code != 0 and "class-conditional" in unconditional.err


def test_interpolation_strips(run_cli, gan_run, cgan_run, tmp_path):
    result = run_cli("sample", str(gan_run), "--interpolate", "-n", "3", "--steps", "5",
                     "--out", str(tmp_path / "walks.pt"))
    assert result.code == 0, result.err
    walks = torch.load(tmp_path / "walks.pt")
    assert walks.shape == (3, 5, 2)
    run = load_run(gan_run)
    ends = run.latents(6, seed=0)
    assert torch.allclose(walks[:, 0], run.generate(ends[:3], None), atol=1e-6)
    assert torch.allclose(walks[:, -1], run.generate(ends[3:], None), atol=1e-6)
    for run_dir in (gan_run, cgan_run):
        assert run_cli("sample", str(run_dir), "--interpolate",
                       "--out", str(tmp_path / "walks.png")).code == 0
        assert is_png(tmp_path / "walks.png")


def test_slerp_keeps_endpoints_and_norms():
    a, b = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path[0, 0], a[0]) and torch.allclose(path[0, -1], b[0], atol=1e-6)
    assert torch.allclose(path.norm(dim=-1), torch.ones(1, 5))


def test_image_to_image_sampling_from_an_input_file(run_cli, pix2pix_run, gan_run, tmp_path):
    edge = Image.new("L", (40, 40))
    edge.paste(255, (10, 10, 30, 30))
    edge.save(tmp_path / "edge.png")
    result = run_cli("sample", str(pix2pix_run), "--input", str(tmp_path / "edge.png"),
                     "--out", str(tmp_path / "out.pt"))
    assert result.code == 0, result.err
    out = torch.load(tmp_path / "out.pt")
    assert out.shape == (1, 1, 28, 28) and out.abs().max() <= 1
    assert run_cli("sample", str(pix2pix_run), "--input", str(tmp_path / "edge.png"),
                   "--out", str(tmp_path / "pair.png")).code == 0

    no_input = run_cli("sample", str(pix2pix_run), "--out", str(tmp_path / "x.png"))
    assert no_input.code != 0 and "--input" in no_input.err
    not_i2i = run_cli("sample", str(gan_run), "--input", str(tmp_path / "edge.png"),
                      "--out", str(tmp_path / "x.png"))
    assert not_i2i.code != 0 and "image-to-image" in not_i2i.err


@pytest.mark.parametrize("inside", ["checkpoints/last.pt", "checkpoints/other.npy",
                                    "samples/final.png", "losses.png"])
def test_sample_never_writes_into_the_runs_own_files(run_cli, gan_run, inside):
    target = gan_run / inside
    before = target.read_bytes() if target.exists() else None
    result = run_cli("sample", str(gan_run), "-n", "4", "--out", str(target))
    assert result.code == 2 and "one of the run's own files" in result.err
    assert (target.read_bytes() if target.exists() else None) == before
    assert load_run(gan_run).step == 6


def test_sample_to_a_folder_or_below_a_file_is_a_clear_error(run_cli, gan_run, tmp_path):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "a-file").write_text("")
    for out, named in ((tmp_path / "folder.png", "folder.png"),
                       (tmp_path / "a-file" / "grid.png", "a-file")):
        result = run_cli("sample", str(gan_run), "--out", str(out))
        assert result.code == 2, result.err
        assert "Unexpected" not in result.err and named in result.err
    assert "a file is in the way" in result.err
