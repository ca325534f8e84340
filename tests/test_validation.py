"""Bad input to ``ganzoo train`` ends in a one-paragraph error (exit 2) before anything is
written, never in "Unexpected error" (exit 1), a traceback, a silently ignored setting or a
half-made run folder: seeds, learning rates, part options (types, ranges, absurd sizes),
--image-size on points, unconditional models on paired data, damaged image files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError, IncompatibleError
from ganzoo.part_options import OptionRange
from ganzoo.plugins import get_registry
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan


def refused(run_cli, tmp_path: Path, *args: str) -> str:
    """Run ``ganzoo train ARGS`` into ``tmp_path/run``; assert a clean refusal that left no
    run folder, and return the message."""
    run = tmp_path / "run"
    result = run_cli("train", *args, "--steps", "1", "--no-progress", "--out", str(run))
    assert result.code == 2, result.out + result.err
    assert "Unexpected error" not in result.err and "Traceback" not in result.err
    assert not run.exists(), sorted(p.name for p in run.rglob("*"))
    return " ".join(result.err.split())  # one paragraph, whatever the terminal wrapped


# ------------------------------------------------------------------ seeds, learning rates

@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_outside_what_numpy_takes_is_refused_with_the_range(run_cli, tmp_path, seed):
    message = refused(run_cli, tmp_path, "gan", "--dataset", "ring8", "--seed", seed)
    assert "--seed" in message and "0<=x<=4294967295" in message


@pytest.mark.parametrize("flag", ["--lr-g", "--lr-d"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_learning_rates_must_be_finite(run_cli, tmp_path, flag, value):
    message = refused(run_cli, tmp_path, "gan", "--dataset", "ring8", flag, value)
    assert f"{flag}" in message and "not a finite number" in message


def test_ema_decay_of_one_is_refused_it_would_never_average(run_cli, tmp_path):
    assert "--ema-decay" in refused(run_cli, tmp_path, "gan", "--dataset", "ring8",
                                    "--ema-decay", "1")


def test_ema_decay_replaces_the_recipes_in_the_plan():
    registry = get_registry()
    assert resolve_plan(TrainConfig("gan", "ring8"), registry).ema_decay == 0.999
    assert resolve_plan(TrainConfig("gan", "ring8", ema_decay=0.99), registry).ema_decay == 0.99


@pytest.mark.parametrize("text, match", [
    ('seed = -1', "seed = -1 is out of range"),
    (f'seed = {2**32}', f"seed = {2**32} is out of range"),
    ('lr-g = nan', "lr-g = nan is out of range: nan is not a finite number"),
    ('lr-d = inf', "lr-d = inf is out of range: inf is not a finite number"),
    ('ema-decay = 1.5', "ema-decay = 1.5 is out of range"),
])
def test_config_files_numbers_are_checked_like_flags(run_cli, tmp_path, text, match):
    config = tmp_path / "request.toml"
    config.write_text(f'model = "gan"\ndataset = "ring8"\n{text}\n')
    assert match in refused(run_cli, tmp_path, "--config", str(config))


@pytest.mark.parametrize("settings, match", [
    ({"seed": -1}, "from 0 to 4294967295"),
    ({"seed": 2**32}, "from 0 to 4294967295"),
    ({"lr_g": float("nan")}, "--lr-g must be a finite number above 0"),
    ({"lr_d": float("inf")}, "--lr-d must be a finite number above 0"),
    ({"ema_decay": 1.0}, r"--ema-decay must lie in \[0, 1\)"),
    ({"ema_decay": float("nan")}, r"--ema-decay must lie in \[0, 1\)"),
])
def test_the_python_api_refuses_them_too(settings, match):
    with pytest.raises(GanzooError, match=match):
        resolve_plan(TrainConfig("gan", "ring8", **settings), get_registry())


# ------------------------------------------------------------------ part options

@pytest.mark.parametrize("args, match", [
    (["--reg", "gradient-penalty:weight=abc"],
     "The gradient-penalty regularizer option weight takes a number, not 'abc'"),
    (["--g-opt", "hidden=1.5"], "The mlp generator option hidden takes an integer, not 1.5"),
    (["--d-opt", "norm=5"], "The mlp discriminator option norm takes a string, not 5"),
    (["--d-opt", "depth=true"], "The mlp discriminator option depth takes an integer, not True"),
])
def test_an_option_of_the_wrong_type_is_refused(run_cli, tmp_path, args, match):
    assert match in refused(run_cli, tmp_path, "wgan-gp", "--dataset", "ring8", *args)


@pytest.mark.parametrize("model, dataset, args, match", [
    ("wgan-gp", "ring8", ["--reg", "gradient-penalty:weight=-1"],
     "weight=-1 is out of range: weight must be a finite number ≥ 0"),
    ("wgan-gp", "ring8", ["--reg", "gradient-penalty:weight=nan"], "weight=nan is out of range"),
    ("gan", "ring8", ["--reg", "r1:gamma=-0.5"], "gamma=-0.5 is out of range"),
    ("wgan", "ring8", ["--reg", "weight-clipping:clip=0"],
     "clip=0 is out of range: clip must be a finite number > 0"),
    ("gan", "ring8", ["--reg", "spectral-norm:n_power_iterations=0"],
     "n_power_iterations=0 is out of range: n_power_iterations must be an integer from 1 to 100"),
    ("gan", "ring8", ["--g-opt", "hidden=0"],
     "The mlp generator option hidden=0 is out of range: hidden must be an integer from 1 to 8192"),
    ("gan", "ring8", ["--g-opt", "hidden=-1"], "hidden=-1 is out of range"),
    ("gan", "ring8", ["--d-opt", "depth=0"],
     "The mlp discriminator option depth=0 is out of range: depth must be an integer from 1 to 16"),
    ("gan", "ring8", ["--g-opt", f"hidden={10**9}"], f"hidden={10**9} is out of range"),
    ("dcgan", "digits", ["--d-opt", "base_channels=100000"],
     "The dcgan discriminator option base_channels=100000 is out of range: base_channels "
     "must be an integer from 1 to 512"),
    ("pix2pix", "edges2digits", ["--g-opt", "dropout=1.5"],
     "The unet generator option dropout=1.5 is out of range"),
    ("pix2pix", "edges2digits", ["--d-opt", "n_layers=0"],
     "The patchgan discriminator option n_layers=0 is out of range"),
])
def test_an_option_out_of_range_is_refused_before_anything_is_built(
        run_cli, tmp_path, model, dataset, args, match):
    assert match in refused(run_cli, tmp_path, model, "--dataset", dataset, *args)


def test_a_hand_edited_recorded_plan_is_refused_by_the_part_itself(run_cli, tmp_path):
    printed = run_cli("train", "gan", "--dataset", "ring8", "--print-config")
    assert printed.code == 0, printed.err
    record = json.loads(printed.out)
    record["plan"]["generator"]["options"]["hidden"] = 0  # not re-resolved: trained as it is
    edited = tmp_path / "config.json"
    edited.write_text(json.dumps(record))
    assert "hidden=0 is out of range" in refused(run_cli, tmp_path, "--config", str(edited))


@pytest.mark.parametrize("kind, name, options", [
    ("generator", "mlp", {"latent_dim": 2, "hidden": 0}),
    ("discriminator", "mlp", {"depth": -1}),
    ("generator", "dcgan", {"latent_dim": 2, "base_channels": 10**6}),
    ("regularizer", "gradient-penalty", {"weight": float("nan")}),
    ("regularizer", "l1", {"weight": -100}),
])
def test_parts_check_their_own_options_when_built_directly(kind, name, options):
    builder = get_registry().get(kind, name).load()
    args = () if kind == "regularizer" else (DataSpec((1, 16, 16)),)
    with pytest.raises(IncompatibleError, match="is out of range"):
        builder(*args, **options)


def test_option_ranges_admit_finite_numbers_of_the_right_kind():
    widths = OptionRange(1, 8, integer=True)
    assert widths.admits(1) and widths.admits(8)
    assert not any(widths.admits(v) for v in (0, 9, 2.0, True, "2", None))
    weights = OptionRange(0)
    assert weights.admits(0) and weights.admits(2.5) and weights.admits(10**400)
    assert not any(weights.admits(v) for v in (-1e-9, float("nan"), float("inf")))
    assert not OptionRange(0, low_open=True).admits(0)


def test_out_of_memory_is_explained_not_reported_as_a_bug(run_cli, tmp_path, monkeypatch):
    import ganzoo.training.loop as loop

    def allocate(*_, **__):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't "
                           "allocate memory: you tried to allocate 4000000000000 bytes.")

    monkeypatch.setattr(loop, "train", allocate)
    result = run_cli("train", "gan", "--dataset", "ring8", "--out", str(tmp_path / "run"))
    assert result.code == 2 and "Out of memory on cpu" in result.err
    assert "--batch-size" in result.err and "Unexpected error" not in result.err


# ------------------------------------------------------------------ data

def test_image_size_on_points_is_refused_not_ignored(run_cli, tmp_path):
    message = refused(run_cli, tmp_path, "gan", "--dataset", "ring8", "--image-size", "32")
    assert "--image-size applies to images" in message and "'ring8'" in message


@pytest.mark.parametrize("model", ["gan", "dcgan", "wgan-gp"])
def test_an_unconditional_model_on_paired_data_is_refused(run_cli, tmp_path, model):
    message = refused(run_cli, tmp_path, model, "--dataset", "edges2digits")
    assert "would learn only the inputs" in message
    assert "Use pix2pix" in message and "an unpaired dataset" in message


def write_damaged_images(folder: Path) -> list[str]:
    """A damaged PNG (a flipped byte: a bad checksum), a truncated one, an empty file and
    text named .jpg; returns their names."""
    good = folder / "good.png"
    Image.new("RGB", (8, 8), (200, 10, 10)).save(good)
    data = bytearray(good.read_bytes())
    data[data.index(b"IDAT") + 6] ^= 0xFF
    (folder / "flipped.png").write_bytes(bytes(data))
    (folder / "truncated.png").write_bytes(good.read_bytes()[:40])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a picture")
    return ["flipped.png", "truncated.png", "empty.png", "notes.jpg"]


def test_damaged_images_are_named_before_training_and_the_folder_stays_usable(run_cli, tmp_path):
    data = tmp_path / "photos"
    for split in ("train", "test"):
        (data / split).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (12, 10), (0, 40 * i, 0)).save(data / split / f"{i}.png")
    bad = write_damaged_images(data / "train")
    run = tmp_path / "run"
    args = ("train", "dcgan", "--dataset", "image-folder", "--data-root", str(data),
            "--image-size", "8", "--batch-size", "2", "--steps", "1", "--no-progress",
            "--out", str(run))
    result = run_cli(*args)
    message = " ".join(result.err.split())
    assert result.code == 2 and "Unexpected error" not in message, message
    assert "cannot use 4 of its files (not readable images)" in message
    assert all(name in message for name in bad) and "an empty file" in message
    assert not run.exists()  # the lock's folder is removed again: nothing was written
    for name in bad:
        (data / "train" / name).unlink()
    assert run_cli(*args).code == 0  # nothing half-made blocks the next start


@pytest.mark.parametrize("setting, value", [
    ("batch_size", -1), ("n_critic", -2), ("latent_dim", 0), ("steps", -5), ("image_size", 0),
])
def test_the_python_api_checks_the_numbers_the_cli_checks(tmp_path, setting, value):
    from ganzoo.api import train

    with pytest.raises(GanzooError, match="must be a whole number"):
        train("gan", "ring8", out=tmp_path / "run", **{setting: value})
    assert not (tmp_path / "run").exists()
