"""Nothing a metric loads can run code: crafted pickles planted in the metrics caches and
given as Inception weights are never unpickled.

Each crafted file creates a marker file when unpickled with full pickle — what
``torch.load(..., weights_only=False)`` would do — so a marker that exists means attacker
code ran inside ``ganzoo eval``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ganzoo.api import train
from ganzoo.cli.main import main
from ganzoo.errors import GanzooError
from ganzoo.metrics import features
from ganzoo.metrics.cache import load_array, load_saved
from ganzoo.metrics.features import INCEPTION_FILE, VerifiedInceptionV3
from ganzoo.training.config import TrainConfig


class Touch:
    """Unpickled with full pickle, this creates ``marker``: a crafted file's code, minus
    the harm."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def plant(path: Path, marker: Path) -> None:
    """A crafted file at ``path``, in the format torch.save writes (what torch-fidelity and
    the old cache read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": Touch(marker)}, path)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "code-ran"
    assert not path.exists()
    return path


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty ganzoo and torch caches (torch-fidelity's default cache root and the torch hub
    live under ``$TORCH_HOME``)."""
    roots = {"ganzoo": tmp_path / "ganzoo-cache", "torch": tmp_path / "torch-home"}
    monkeypatch.setenv("GANZOO_CACHE", str(roots["ganzoo"]))
    monkeypatch.setenv("TORCH_HOME", str(roots["torch"]))
    monkeypatch.delenv("GANZOO_INCEPTION_WEIGHTS", raising=False)
    return roots


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "gan-digits"
    train(TrainConfig(model="gan", dataset="digits", steps=2, out=out), progress=False)
    return out


def evaluate(run: Path, *args: str) -> dict:
    main(["eval", str(run), "--metrics", "fid,kid", "--num-samples", "100", *args])
    stored = json.loads((run / "eval.json").read_text())
    return {name: stored[name]["values"] for name in ("fid", "kid")}


def legacy_entries(homes: dict[str, Path], run: Path) -> list[Path]:
    """Where earlier ganzoo (its ``fidelity`` folder) and torch-fidelity (its default
    ``fidelity_cache``) kept the reference features and FID statistics, both read with full
    pickle: ``<input id>-<extractor>-features-<layer>.pt`` and ``…-stat-fid-<layer>.pt``."""
    extractor = "ganzoo-cnn-" + json.loads((run / "eval.json").read_text())[
        "fid"]["measured_with"]["extractor_sha256"]
    input_ids = {re.match(r"ganzoo-digits-test-[0-9a-f]{12}-[0-9a-f]{8}", p.name)[0]
                 for p in homes["ganzoo"].rglob("ganzoo-digits-test-*")}
    folders = (homes["ganzoo"] / "fidelity", homes["torch"] / "fidelity_cache")
    return [folder / f"{input_id}-{extractor}-{kind}-pool.pt" for input_id in input_ids
            for folder in folders for kind in ("features", "stat-fid")]


@pytest.mark.parametrize("cache", ["reference features", "domain extractor"])
def test_crafted_metrics_cache_entries_are_recomputed_never_run(run, homes, marker, cache):
    first = evaluate(run)
    written = [p for root in homes.values() for p in root.rglob("*") if p.is_file()]
    if cache == "domain extractor":
        planted = [p for p in written if p.parent.name == "extractors"]
    else:
        planted = [p for p in written if p.parent.name != "extractors"]
        planted += legacy_entries(homes, run)
    assert planted
    for path in planted:
        plant(path, marker)

    try:
        again: dict | SystemExit = evaluate(run)
    except SystemExit as exc:
        again = exc
    assert not marker.exists(), "a planted pickle ran"
    assert again == first
    assert load_array(next((homes["ganzoo"] / "features").glob("*.npz"))) is not None
    assert load_saved(next((homes["ganzoo"] / "extractors").glob("*.pt"))) is not None


def hub_weights(homes: dict[str, Path]) -> Path:
    return homes["torch"] / "hub" / "checkpoints" / INCEPTION_FILE


@pytest.mark.parametrize("given_by", ["--inception-weights", "GANZOO_INCEPTION_WEIGHTS",
                                      "torch hub"])
def test_crafted_inception_weights_are_refused_unread(run, homes, marker, given_by, tmp_path,
                                                      monkeypatch, capsys):
    weights = hub_weights(homes) if given_by == "torch hub" else tmp_path / "inception.pth"
    plant(weights, marker)
    args = ["--inception-weights", str(weights)] if given_by == "--inception-weights" else []
    if given_by == "GANZOO_INCEPTION_WEIGHTS":
        monkeypatch.setenv(given_by, str(weights))

    with pytest.raises(SystemExit) as exit_info:
        evaluate(run, *args)
    assert not marker.exists(), "a planted pickle ran"
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.replace("\n", " ")
    assert "not the standard FID weights" in message and "weights-inception-2015-12-05" in message


def test_inception_extractor_unpickles_only_the_bytes_it_checked(tmp_path, marker,
                                                                  monkeypatch):
    """The file may be swapped after ganzoo chose it: the extractor checks what it reads."""
    weights = tmp_path / INCEPTION_FILE
    plant(weights, marker)
    with pytest.raises(GanzooError, match="not the standard FID weights"):
        VerifiedInceptionV3("inception", ["2048"], feature_extractor_weights_path=str(weights))
    assert not marker.exists()

    standard = b"the standard weights, say"
    weights.write_bytes(standard)
    monkeypatch.setattr(features, "INCEPTION_SHA256", hashlib.sha256(standard).hexdigest())
    handed = []

    class Handed(Exception):
        """Enough: torch-fidelity's loader got its weights."""

    def load(source, **kwargs):
        handed.append(source.read())
        raise Handed

    monkeypatch.setattr(torch, "load", load)
    with pytest.raises(Handed):
        VerifiedInceptionV3("inception", ["2048"], feature_extractor_weights_path=str(weights))
    assert handed == [standard]


def object_npz(path: Path, marker: Path) -> None:
    np.savez(path, array=np.array([Touch(marker)], dtype=object))


def raw_pickle(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(Touch(marker)))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("craft", [plant, object_npz, raw_pickle])
def test_cache_readers_refuse_crafted_files(craft, tmp_path, marker):
    path = tmp_path / "entry.npz"
    craft(path, marker)
    assert load_array(path) is None
    assert load_saved(path) is None
    assert not marker.exists()
