"""`ganzoo export` and sampling an exported generator: the same images as the run, a card
that says what the model is and needs, and clear refusals of damaged or foreign files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from ganzoo.api import GanzooError, evaluate, export, load_generator, train
from ganzoo.export import card_path
from ganzoo.training.run import load_run, read_plan


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "cgan-ring8"
    train("cgan", "ring8", steps=2, out=out, batch_size=16)
    evaluate(out, ["mode-coverage"], num_samples=200)
    return out


@pytest.fixture(scope="module")
def dcgan_model(dcgan_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models") / "dcgan.safetensors"
    export(dcgan_run, out)
    return out


@pytest.fixture
def model_copy(dcgan_model, tmp_path) -> Path:
    """A copy of the exported dcgan (weights and card) that a test may damage."""
    copy = tmp_path / dcgan_model.name
    shutil.copy(dcgan_model, copy)
    shutil.copy(card_path(dcgan_model), card_path(copy))
    return copy


def sample_pair(run_cli, run: Path, model: Path, folder: Path, *args: str) -> tuple:
    """``ganzoo sample`` of the run and of its export, with the same arguments."""
    for source, name in ((run, "run.pt"), (model, "model.pt")):
        result = run_cli("sample", str(source), *args, "--out", str(folder / name))
        assert result.code == 0, result.err
    return (torch.load(folder / "run.pt", weights_only=True),
            torch.load(folder / "model.pt", weights_only=True))


def test_exported_dcgan_samples_the_same_images_as_its_run(run_cli, dcgan_run, dcgan_model,
                                                           tmp_path):
    for args in (("-n", "12", "--seed", "3"), ("-n", "6", "--truncation", "0.5"),
                 ("-n", "2", "--interpolate", "--steps", "4")):
        from_run, from_model = sample_pair(run_cli, dcgan_run, dcgan_model, tmp_path, *args)
        assert torch.equal(from_run, from_model), args
    assert run_cli("sample", str(dcgan_model), "-n", "8", "--out", str(tmp_path / "g.png")).code == 0
    assert (tmp_path / "g.png").stat().st_size > 0


def test_weights_are_plain_safetensors_and_load_generator_is_ready(dcgan_run, dcgan_model):
    run = load_run(dcgan_run)
    tensors = load_file(dcgan_model)  # no pickle: safetensors' own reader
    expected = run.generator.state_dict()
    assert tensors.keys() == expected.keys()
    assert all(torch.equal(tensors[k], expected[k]) for k in expected)
    with safe_open(dcgan_model, "pt") as handle:
        assert handle.metadata()["kind"] == "ganzoo generator"

    model = load_generator(dcgan_model)
    assert isinstance(model, torch.nn.Module) and not model.training
    assert model.latent_space.dim == 100 and model.num_classes == 0
    assert model.spec.shape == (1, 8, 8)
    z = torch.randn(3, 100)
    assert torch.equal(model(z), run.generator(z, None))
    assert torch.equal(model.sample(5, seed=1), run.sample(5, seed=1))


def test_conditional_model_samples_a_given_class(run_cli, cgan_run, tmp_path):
    model = tmp_path / "cgan.safetensors"
    assert run_cli("export", str(cgan_run), "--out", str(model)).code == 0
    from_run, from_model = sample_pair(run_cli, cgan_run, model, tmp_path, "--class", "3", "-n", "9")
    assert torch.equal(from_run, from_model) and from_model.shape == (9, 2)
    other = load_generator(model).sample(9, labels=4)
    assert not torch.equal(other, from_model)
    bad = run_cli("sample", str(model), "--class", "8", "--out", str(tmp_path / "x.pt"))
    assert bad.code != 0 and "out of range" in bad.err


def test_card_records_plan_data_budget_versions_and_figures(cgan_run, dcgan_model, tmp_path):
    card = json.loads(card_path(dcgan_model).read_text())
    assert card["weights"]["sha256"] == hashlib.sha256(dcgan_model.read_bytes()).hexdigest()
    assert card["weights"]["file"] == dcgan_model.name
    assert card["plan"]["generator"] == {"name": "dcgan",
                                         "options": {"base_channels": 4, "image_size": None}}
    assert card["data"]["dataset"] == "digits" and card["data"]["shape"] == [1, 8, 8]
    assert card["training"]["steps"] == 2 and card["training"]["images_seen"] == 16
    assert card["training"]["wall_time_s"] > 0
    generator = card["plugins"]["generator:dcgan"]
    assert generator["plugin"] == "dcgan" and generator["distribution"] == "torch-ganzoo"
    assert generator["version"] and card["needed_to_load"] == ["generator:dcgan"]
    assert card["evaluation"] == {}  # the dcgan run was never evaluated

    model = tmp_path / "cgan.safetensors"
    export(cgan_run, model)
    card = json.loads(card_path(model).read_text())
    from ganzoo.plugins import get_registry

    assert card["plan"] == read_plan(cgan_run, get_registry()).to_dict()
    figures = json.loads((cgan_run / "eval.json").read_text())
    assert card["evaluation"] == figures
    assert card["evaluation"]["mode-coverage"]["measured_with"]["checkpoint_step"] == 2


def test_missing_plugin_names_the_distribution_to_install(run_cli, model_copy, tmp_path):
    card = json.loads(card_path(model_copy).read_text())
    card["plan"]["generator"]["name"] = "fancy"
    card["plugins"]["generator:fancy"] = {"plugin": "fancy", "distribution": "ganzoo-fancy",
                                          "version": "1.2.0"}
    card_path(model_copy).write_text(json.dumps(card))
    result = run_cli("sample", str(model_copy), "--out", str(tmp_path / "x.png"))
    assert result.code != 0
    assert "generator 'fancy'" in result.err and "pip install 'ganzoo-fancy==1.2.0'" in result.err
    with pytest.raises(GanzooError, match="ganzoo-fancy"):
        load_generator(model_copy)


def test_damaged_or_mismatched_files_are_refused(run_cli, model_copy, tmp_path):
    out = str(tmp_path / "x.pt")
    card = json.loads(card_path(model_copy).read_text())
    data = bytearray(model_copy.read_bytes())
    data[-1] ^= 0xFF  # one weight changed
    model_copy.write_bytes(bytes(data))
    tampered = run_cli("sample", str(model_copy), "--out", out)
    assert tampered.code != 0 and "sha256" in tampered.err

    model_copy.write_bytes(bytes(data[:-1]) + bytes([data[-1] ^ 0xFF]))  # restored
    card["plan"]["generator"]["options"]["base_channels"] = 8  # a card for another network
    card_path(model_copy).write_text(json.dumps(card))
    mismatch = run_cli("sample", str(model_copy), "--out", out)
    assert mismatch.code != 0 and "do not fit the generator its card" in mismatch.err

    card_path(model_copy).unlink()
    no_card = run_cli("sample", str(model_copy), "--out", out)
    assert no_card.code != 0 and "No model card" in no_card.err
    missing = run_cli("sample", str(tmp_path / "none.safetensors"), "--out", out)
    assert missing.code != 0 and "No exported generator" in missing.err


def test_existing_files_need_force(run_cli, dcgan_run, tmp_path):
    out = tmp_path / "m.safetensors"
    assert run_cli("export", str(dcgan_run), "--out", str(out)).code == 0
    card_path(out).write_text("kept")
    again = run_cli("export", str(dcgan_run), "--out", str(out))
    assert again.code != 0 and "--force" in again.err and card_path(out).read_text() == "kept"
    assert run_cli("export", str(dcgan_run), "--out", str(out), "--force").code == 0
    assert json.loads(card_path(out).read_text())["kind"] == "ganzoo generator"
    wrong = run_cli("export", str(dcgan_run), "--out", str(tmp_path / "m.pt"))
    assert wrong.code != 0 and ".safetensors" in wrong.err
