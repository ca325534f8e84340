"""Measuring images from outside ganzoo (``ganzoo eval --images``, ``bench --include-images``),
named protocols, and the domain extractor's accuracy target.

Everything runs on the bundled 8×8 ``digits`` with the domain extractor, trained once into a
temporary cache shared by the module; the torch hub points at an empty folder so Inception
weights a developer may have installed are not picked up.  The "generator" whose samples
are measured is the held-out training split itself, saved in each input format: read back
exactly, it must measure the real-data floor.
"""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from rich.console import Console

from ganzoo.api import evaluate_images
from ganzoo.bench.cells import IMAGES, Settings
from ganzoo.bench.runner import BenchRequest, run_bench
from ganzoo.cli.main import main
from ganzoo.errors import GanzooError
from ganzoo.metrics import features
from ganzoo.metrics.evaluate import evaluate_real
from ganzoo.metrics.protocols import PROTOCOLS
from ganzoo.plugins import get_registry


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ganzoo-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANZOO_CACHE", str(root))
        mp.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch-home")))
        mp.delenv("GANZOO_INCEPTION_WEIGHTS", raising=False)
        mp.delenv(features.TARGET_ENV, raising=False)
        yield root


@pytest.fixture(scope="module")
def held_out() -> np.ndarray:
    """The digits' held-out (train) split as uint8 N×H×W×C, in the order evaluate_real
    draws from."""
    images = get_registry().get("dataset", "digits").load().build(split="train").tensors[0]
    return ((images + 1) * 127.5).round().permute(0, 2, 3, 1).numpy().astype(np.uint8)


@pytest.fixture(scope="module")
def floor(cache) -> float:
    return evaluate_real("digits", ["fid"], progress=False)["fid"]["values"]["fid"]


def fid(source: Path, **options) -> dict:
    return evaluate_images(source, "digits", ["fid"], progress=False, **options)["fid"]


def save_npz(path: Path, array: np.ndarray) -> Path:
    np.savez(path, images=array)
    return path


def save_pngs(folder: Path, array: np.ndarray) -> Path:
    folder.mkdir()
    for i, image in enumerate(array[..., 0]):
        Image.fromarray(image).save(folder / f"{i:05d}.png")
    return folder


@pytest.mark.parametrize("form", ["png", "uint8 NHWC", "float [-1, 1] NCHW", "float [0, 1]"])
def test_real_digits_in_any_form_measure_the_real_data_floor(form, held_out, floor, tmp_path):
    if form == "png":
        source, values = save_pngs(tmp_path / "pngs", held_out), "uint8 0..255"
    elif form == "uint8 NHWC":
        source, values = save_npz(tmp_path / "a.npz", held_out), "uint8 0..255"
    elif form == "float [-1, 1] NCHW":
        array = held_out.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1
        source, values = save_npz(tmp_path / "a.npz", array), "float [-1, 1]"
    else:
        source, values = save_npz(tmp_path / "a.npz", held_out / np.float32(255)), "float [0, 1]"
    result = fid(source)
    assert result["values"]["fid"] == pytest.approx(floor, rel=1e-3, abs=1e-3)
    record = result["measured_with"]
    assert record["protocol"] == "offline-domain" and record["model"] == "images"
    images = record["images"]
    assert images["values"] == values and images["count"] == len(held_out)
    assert images["path"] == str(source.resolve()) and len(images["sha256"]) == 64
    assert images["conversions"] == [] and record["num_generated"] == 360


def test_noise_measures_far_worse_than_real_digits(floor, tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (400, 8, 8, 1), dtype=np.uint8)
    assert fid(save_pngs(tmp_path / "noise", noise))["values"]["fid"] > 20 * max(floor, 0.5)


def test_images_are_converted_to_the_dataset_and_the_conversion_recorded(held_out, floor,
                                                                         tmp_path):
    rgb16 = np.repeat(np.repeat(np.repeat(held_out, 3, axis=3), 2, axis=1), 2, axis=2)
    record = fid(save_npz(tmp_path / "rgb16.npz", rgb16))
    assert record["measured_with"]["images"]["conversions"] == [
        "RGB → gray (ITU-R BT.601 luma)", "resized 16×16 → 8×8 (bilinear, antialiased)"]
    assert record["values"]["fid"] < 10 * max(floor, 0.5)


@pytest.mark.parametrize("array, message", [
    (np.zeros((10, 8, 8), np.uint8), "N×H×W×C or N×C×H×W"),
    (np.zeros((10, 3, 8, 3), np.uint8), "ambiguous"),
    (np.zeros((10, 8, 8, 2), np.uint8), "ambiguous"),
    (np.full((10, 8, 8, 1), 2.0, np.float32), "floats from"),
    (np.zeros((10, 8, 8, 1), np.int32), "int32"),
    (np.zeros((10, 8, 6, 1), np.uint8), "aspect ratio"),
])
def test_bad_arrays_are_refused(array, message, tmp_path, cache):
    with pytest.raises(GanzooError, match=message):
        fid(save_npz(tmp_path / "bad.npz", array))


def test_bad_sources_are_refused(tmp_path, held_out, cache):
    two = tmp_path / "two.npz"
    np.savez(two, a=held_out, b=held_out)
    with pytest.raises(GanzooError, match="exactly one"):
        fid(two)
    (tmp_path / "empty").mkdir()
    with pytest.raises(GanzooError, match="No PNG or JPEG"):
        fid(tmp_path / "empty")
    mixed = save_pngs(tmp_path / "mixed", held_out[:3])
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(mixed / "z.png")
    with pytest.raises(GanzooError, match="differ in size"):
        fid(mixed)
    with pytest.raises(GanzooError, match="neither"):
        fid(tmp_path / "missing.npz")
    with pytest.raises(GanzooError, match="holds 100 images; this measurement draws 360"):
        fid(save_npz(tmp_path / "few.npz", held_out[:100]))
    assert fid(save_npz(tmp_path / "few.npz", held_out[:100]),
               num_samples=100)["measured_with"]["num_generated"] == 100


def test_eval_command_measures_images_and_stores_them(held_out, tmp_path, cache, capsys):
    out = tmp_path / "figures.json"
    main(["eval", "--images", str(save_npz(tmp_path / "a.npz", held_out)), "--dataset",
          "digits", "--metrics", "fid,kid", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "protocol: offline-domain" in printed and "figures.json" in printed
    stored = json.loads(out.read_text())
    assert set(stored) == {"fid", "kid"}
    assert stored["kid"]["measured_with"]["images"]["count"] == len(held_out)


@pytest.mark.parametrize("args, message", [
    (["--images", "x.npz"], "--images needs --dataset"),
    (["--dataset", "digits"], "--dataset goes with --images"),
    (["run", "--images", "x.npz", "--dataset", "digits"], "not both"),
    ([], "Give a RUN_DIR"),
])
def test_eval_command_refuses_bad_combinations(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", *args])
    assert exit_info.value.code != 0
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_unknown_protocol_is_refused_with_the_names(held_out, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--images", str(save_npz(tmp_path / "a.npz", held_out)), "--dataset",
              "digits", "--protocol", "inceptoin"])
    err = capsys.readouterr().err.replace("\n", " ")
    assert "Unknown measuring protocol 'inceptoin'" in err
    assert all(name in err for name in PROTOCOLS)


def test_inception_legacy_without_weights_is_refused(held_out, tmp_path, cache):
    with pytest.raises(GanzooError, match="inception-legacy protocol needs"):
        fid(save_npz(tmp_path / "a.npz", held_out), protocol="inception-legacy")


def test_clean_protocol_says_what_to_install_and_where_the_file_goes(
        held_out, tmp_path, cache, monkeypatch):
    source = save_npz(tmp_path / "a.npz", held_out)
    monkeypatch.setitem(sys.modules, "cleanfid", None)  # not installed
    with pytest.raises(GanzooError, match=r"pip install 'torch-ganzoo\[clean\]'"):
        fid(source, protocol="clean")
    monkeypatch.setitem(sys.modules, "cleanfid", types.ModuleType("cleanfid"))
    with pytest.raises(GanzooError, match="inception-2015-12-05.pt, not found") as refused:
        fid(source, protocol="clean")
    assert features.CLEAN_URL in str(refused.value)


def test_the_accuracy_target_is_recorded_and_an_extractor_below_it_refused(
        held_out, tmp_path, cache, monkeypatch):
    source = save_npz(tmp_path / "a.npz", held_out)
    record = fid(source)["measured_with"]
    assert record["extractor_accuracy_target"] == 0.95  # declared by the digits registration
    assert record["extractor_val_accuracy"] >= 0.95
    [cached] = (cache / "extractors").glob("*.pt")
    saved = torch.load(cached, weights_only=True)
    assert saved["info"]["accuracy_target"] == 0.95
    monkeypatch.setenv(features.TARGET_ENV, "0.999")
    with pytest.raises(GanzooError, match="below its target of 0.999") as refused:
        fid(source)
    assert f"rm {cached}" in str(refused.value) and features.TARGET_ENV in str(refused.value)
    monkeypatch.setenv(features.TARGET_ENV, "0.5")
    assert fid(source)["measured_with"]["extractor_accuracy_target"] == 0.5
    monkeypatch.setenv(features.TARGET_ENV, "high")
    with pytest.raises(GanzooError, match="between 0 and 1"):
        fid(source)


def test_bench_measures_included_images_as_their_own_row(held_out, tmp_path, cache):
    source = save_npz(tmp_path / "a.npz", held_out)
    request = BenchRequest(
        models=["gan"], datasets=["digits"], seeds=1, references=False,
        settings=Settings(steps=2, metrics=("fid",), protocol="offline-domain"),
        out=tmp_path / "bench", images=(f"held-out={source}",))
    rows = run_bench(request, console=Console(file=io.StringIO(), width=200), progress=False)
    [row] = [r for r in rows if r["kind"] == IMAGES]
    assert row["status"] == "ok" and row["label"] == "held-out (images)"
    assert row["measured_with"]["fid"]["protocol"] == "offline-domain"
    assert row["measured_with"]["fid"]["images"]["sha256"]
    assert "held-out (images)" in (tmp_path / "bench" / "report.md").read_text()
    assert f"--include-images held-out={source}" in request.command()
    assert "--protocol offline-domain" in request.command()


@pytest.mark.parametrize("images, message", [
    ("nameless", "NAME=PATH or NAME@DATASET=PATH"),
    ("x@mnist-5k=a.npz", "not among --datasets"),
    ("x=missing.npz", "does not exist"),
])
def test_bench_refuses_bad_included_images(images, message, tmp_path, cache):
    with pytest.raises(GanzooError, match=message):
        request = BenchRequest(models=["gan"], datasets=["digits"], seeds=1, references=False,
                               settings=Settings(steps=2), out=tmp_path / "b", images=(images,))
        run_bench(request, console=Console(file=io.StringIO()), progress=False)


def test_bench_refuses_images_on_point_data(held_out, tmp_path, cache):
    source = save_npz(tmp_path / "a.npz", held_out)
    request = BenchRequest(models=["gan"], datasets=["digits", "ring8"], seeds=1,
                           references=False, settings=Settings(steps=2), out=tmp_path / "b",
                           images=(f"x={source}",))
    with pytest.raises(GanzooError, match="x@DATASET="):
        run_bench(request, console=Console(file=io.StringIO()), progress=False)


def fake_cleanfid(monkeypatch: pytest.MonkeyPatch, weights: Path) -> list[tuple[int, ...]]:
    """clean-fid's API as ganzoo calls it (the package and its network are not available
    offline): a resizer to 299×299 floats and a network taking them, which records the
    batches it reads."""
    seen: list[tuple[int, ...]] = []

    class InceptionV3W(torch.nn.Module):
        def __init__(self, path: str, download: bool = True, resize_inside: bool = False):
            super().__init__()
            assert not download and Path(path, features.CLEAN_FILE) == weights

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append(tuple(x.shape))
            # 48 features, not 2,048: FID's matrix square root stays cheap
            return torch.nn.functional.adaptive_avg_pool2d(x, 4).flatten(1)

    def build_resizer(mode: str):
        assert mode == "clean"
        return lambda image: torch.nn.functional.interpolate(
            torch.from_numpy(image).permute(2, 0, 1)[None].float(), size=(299, 299),
            mode="bicubic")[0].permute(1, 2, 0).numpy()

    modules = {"cleanfid": types.ModuleType("cleanfid"),
               "cleanfid.inception_torchscript": types.ModuleType("inception_torchscript"),
               "cleanfid.resize": types.ModuleType("resize")}
    modules["cleanfid"].__version__ = "0.1.35"
    modules["cleanfid.inception_torchscript"].InceptionV3W = InceptionV3W
    modules["cleanfid.resize"].build_resizer = build_resizer
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv(features.CLEAN_ENV, str(weights))
    return seen


def test_clean_protocol_measures_through_clean_fid_and_refuses_is(
        held_out, tmp_path, cache, monkeypatch):
    weights = tmp_path / features.CLEAN_FILE
    weights.write_bytes(b"a TorchScript file")
    seen = fake_cleanfid(monkeypatch, weights)
    source = save_npz(tmp_path / "a.npz", held_out)
    result = fid(source, protocol="clean", num_samples=100)
    record = result["measured_with"]
    assert record["protocol"] == "clean"
    assert record["extractor"] == "inception-v3 (clean-fid 0.1.35)"
    assert record["feature_layer"] == "2048" and "bicubic" in record["resize"]
    assert seen and all(shape[1:] == (3, 299, 299) for shape in seen)  # RGB, resized
    with pytest.raises(GanzooError, match="'is' is not measured under the clean protocol"):
        evaluate_images(source, "digits", ["is"], progress=False, protocol="clean")
