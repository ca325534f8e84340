"""The generic training loop, run folders, checkpoints, exact resume and `ganzoo train`."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image
from torch.utils.data import Dataset, TensorDataset

from ganzoo.data.batches import Batcher
from ganzoo.distributed import resolve_device
from ganzoo.errors import GanzooError
from ganzoo.hookspecs import hookimpl
from ganzoo.plugins import load_plugins
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.config import TrainConfig
from ganzoo.api import train
from ganzoo.training.run import load_run
from ganzoo_losses.losses import NonSaturating

#: When set to a step count, the ``sigint`` test loss sends SIGINT to this process at that
#: discriminator update, once.
SIGINT_AT: dict[str, int | None] = {"d_update": None}


class SigintLoss(NonSaturating):
    """Non-saturating, but presses Ctrl-C (in-process) at the chosen D update."""

    def __init__(self) -> None:
        self.calls = 0

    def d_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == SIGINT_AT["d_update"]:
            SIGINT_AT["d_update"] = None
            signal.raise_signal(signal.SIGINT)
        return super().d_loss(real_scores, fake_scores)


class NanLoss(NonSaturating):
    """Non-saturating until D update 12, NaN from then on (a diverging run)."""

    def __init__(self) -> None:
        self.calls = 0

    def d_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        loss = super().d_loss(real_scores, fake_scores)
        return loss * float("nan") if self.calls >= 12 else loss


class LossPlugin:
    @staticmethod
    @hookimpl
    def ganzoo_register_losses(registry: Any) -> None:
        registry.add("loss", "sigint", SigintLoss, summary="test: Ctrl-C at a chosen step")
        registry.add("loss", "nan-at-12", NanLoss, summary="test: diverges at D update 12")


@pytest.fixture(scope="module")
def registry():
    return load_plugins(extra=[("training-tests", LossPlugin)]).registry



def config(out: Path, **overrides: Any) -> TrainConfig:
    settings: dict[str, Any] = dict(model="gan", dataset="ring8", steps=20, batch_size=64,
                                    out=out, log_every=5, sample_every=10, checkpoint_every=10)
    settings.update(overrides)
    return TrainConfig(**settings)


def run(registry: Any, out: Path, **overrides: Any):
    return train(config(out, **overrides), registry=registry, progress=False)


def assert_same(a: Any, b: Any, where: str = "checkpoint") -> None:
    """Recursive exact equality of checkpoint contents (tensors with torch.equal)."""
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), f"{where} differs"
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {set(a) ^ set(b)} differ"
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where} lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def metrics(out: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_run_folder_holds_config_metrics_checkpoint_and_pictures(registry, tmp_path):
    out = tmp_path / "run"
    result = run(registry, out)

    assert (result.run_dir, result.steps, result.d_steps) == (out, 20, 20)
    assert not result.interrupted and result.images_per_s > 0 and result.wall_time_s > 0
    assert result.params["generator"] > 0 and result.params["discriminator"] > 0
    assert set(result.last_losses) == {"d_loss", "g_loss"}

    record = json.loads((out / "config.json").read_text())
    assert record["config"]["model"] == "gan" and record["seed"] == 0
    assert record["device"] == "cpu"
    assert record["plan"]["loss"]["name"] == "non-saturating" and record["plan"]["batch_size"] == 64
    assert set(record["versions"]) >= {"python", "torch", "ganzoo"}
    assert record["plugins"]["model:gan"]["plugin"] == "gan"

    rows = metrics(out)
    assert [r["step"] for r in rows] == [5, 10, 15, 20]
    assert all({"d_loss", "g_loss", "images_per_s", "elapsed_s"} <= set(r) for r in rows)
    assert rows[-1]["d_loss"] == pytest.approx(result.last_losses["d_loss"])

    for name in ("samples/step-000010.png", "samples/step-000020.png", "samples/final.png",
                 "losses.png"):
        with Image.open(out / name) as img:
            assert img.format == "PNG" and img.size[0] > 100
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["last.pt"]  # no temp files


def test_regularizer_terms_are_logged_by_name_and_critic_steps_counted(registry, tmp_path):
    result = run(registry, tmp_path / "run", loss="wasserstein",
                 regularizers=("gradient-penalty",), n_critic=3, steps=10)
    assert result.d_steps == 30
    rows = metrics(tmp_path / "run")
    assert all(r["gradient-penalty"] >= 0 for r in rows)


def test_checkpoint_is_plain_data_with_every_state(registry, tmp_path):
    run(registry, tmp_path / "run", steps=10)
    state = torch.load(tmp_path / "run/checkpoints/last.pt", weights_only=True)
    assert state["step"] == 10 and state["d_steps"] == 10
    assert state["format"] == 2
    assert set(state) >= {"networks", "optimizers", "method", "ema", "batches", "rng"}
    assert set(state["networks"]) == set(state["optimizers"]) == {"generator", "discriminator"}
    assert set(state["rng"]) >= {"python", "numpy", "torch"}
    assert state["ema"]["updates"] == 10


def test_ema_generator_is_an_average_not_the_raw_weights(registry, tmp_path):
    run(registry, tmp_path / "run")
    state = load_checkpoint(tmp_path / "run/checkpoints/last.pt")
    raw, ema = state["networks"]["generator"], state["ema"]["module"]
    assert raw.keys() == ema.keys()
    assert any(not torch.equal(raw[k], ema[k]) for k in raw)

    loaded = load_run(tmp_path / "run", registry=registry)
    assert not loaded.generator.training
    assert_same(loaded.generator.state_dict(), ema, "loaded generator")


@pytest.mark.parametrize("overrides", [{}, {"loss": "wasserstein", "n_critic": 3}],
                         ids=["n_critic=1", "wasserstein n_critic=3"])
def test_resume_continues_exactly(registry, tmp_path, overrides):
    whole = tmp_path / "whole"
    split = tmp_path / "split"
    run(registry, whole, steps=14, **overrides)
    run(registry, split, steps=7, **overrides)
    result = run(registry, split, steps=14, resume=True, **overrides)

    assert (result.start_step, result.steps) == (7, 14)
    a = load_checkpoint(whole / "checkpoints/last.pt")
    b = load_checkpoint(split / "checkpoints/last.pt")
    a.pop("elapsed_s"), b.pop("elapsed_s")
    assert_same(a, b)
    assert [r["step"] for r in metrics(split)] == [5, 7, 10, 14]


def test_interrupted_run_saves_a_checkpoint_and_resumes_exactly(registry, tmp_path):
    SIGINT_AT["d_update"] = 6
    stopped = run(registry, tmp_path / "split", loss="sigint", steps=12)
    assert stopped.interrupted and stopped.steps == 6
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert load_checkpoint(tmp_path / "split/checkpoints/last.pt")["step"] == 6
    assert not (tmp_path / "split/samples/final.png").exists()

    resumed = run(registry, tmp_path / "split", loss="sigint", steps=12, resume=True)
    whole = run(registry, tmp_path / "whole", loss="sigint", steps=12)
    assert not resumed.interrupted and not whole.interrupted
    a = load_checkpoint(tmp_path / "whole/checkpoints/last.pt")
    b = load_checkpoint(tmp_path / "split/checkpoints/last.pt")
    assert_same(a["networks"], b["networks"], "networks")
    assert_same(a["optimizers"], b["optimizers"], "optimizers")
    assert_same(a["ema"], b["ema"], "ema")


def test_nan_losses_stop_the_run_and_keep_the_last_good_checkpoint(registry, tmp_path):
    with pytest.raises(GanzooError, match="learning rate"):
        run(registry, tmp_path / "run", loss="nan-at-12", steps=30, checkpoint_every=10)
    state = load_checkpoint(tmp_path / "run/checkpoints/last.pt")
    assert state["step"] == 10
    assert all(torch.isfinite(t).all() for t in state["networks"]["generator"].values())


def test_existing_run_folder_is_refused_without_resume(registry, tmp_path):
    run(registry, tmp_path / "run", steps=5)
    with pytest.raises(GanzooError, match="--resume"):
        run(registry, tmp_path / "run", steps=5)
    with pytest.raises(GanzooError, match="different settings.*lr_g"):
        run(registry, tmp_path / "run", steps=10, resume=True, lr_g=1e-3)
    with pytest.raises(GanzooError, match="Nothing to resume"):
        run(registry, tmp_path / "fresh", steps=5, resume=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other/notes.txt").write_text("mine")
    with pytest.raises(GanzooError, match="not a ganzoo run folder"):
        run(registry, tmp_path / "other", steps=5)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(GanzooError, match="no CUDA GPU"):
        resolve_device("cuda")


class PlainDataset(Dataset):
    """A Dataset that is not a TensorDataset: takes the generic (DataLoader) path."""

    def __init__(self, data: TensorDataset):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> Any:
        return self.data[i]


def draw(batcher: Batcher, count: int) -> list[torch.Tensor]:
    return [next(batcher)[1] for _ in range(count)]


def test_batches_cover_each_epoch_and_resume_exactly():
    data = TensorDataset(torch.randn(10, 2), torch.arange(10))
    first = Batcher(data, 3, seed=1)
    seen = torch.cat(draw(first, 3))
    assert sorted(seen.tolist()) == sorted(set(seen.tolist()))  # no repeats within an epoch
    draw(first, 2)
    state = first.state_dict()
    expected = draw(first, 5)  # crosses epoch boundaries

    again = Batcher(data, 3, seed=1)
    again.load_state_dict(state)
    assert all(torch.equal(x, y) for x, y in zip(expected, draw(again, 5)))

    generic = Batcher(PlainDataset(data), 3, seed=1, num_workers=0)
    reference = Batcher(data, 3, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(draw(generic, 7), draw(reference, 7)))
    with pytest.raises(GanzooError, match="--batch-size"):
        Batcher(data, 11)


def test_image_batches_come_in_channels_last_format():
    images = TensorDataset(torch.randn(12, 3, 4, 4), torch.arange(12))
    x, labels = next(Batcher(images, 4, channels_last=True))
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(x, images.tensors[0][labels])


def test_train_command_plans_trains_and_summarizes(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli("train", "gan", "--dataset", "ring8", "--steps", "6", "--batch-size", "32",
                     "--reg", "none", "--g-opt", "hidden=16", "--out", str(out), "--no-progress")
    assert result.code == 0, result.err
    assert "non-saturating" in result.out and "Done" in result.out and "run" in result.out
    record = json.loads((out / "config.json").read_text())
    assert record["plan"]["generator"] == {"name": "mlp",
                                           "options": {"hidden": 16, "depth": 4, "norm": "batch"}}
    assert record["config"]["regularizers"] == []

    again = run_cli("train", "gan", "--dataset", "ring8", "--out", str(out))
    assert again.code != 0 and "--resume" in again.err


def test_train_command_suggests_close_names(run_cli):
    result = run_cli("train", "gann", "--dataset", "ring8")
    assert result.code != 0 and "'gan'" in result.err and "Traceback" not in result.err


def test_point_data_trains_on_one_thread_and_restores_the_setting(registry, tmp_path, monkeypatch):
    before = torch.get_num_threads()
    calls: list[int] = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (calls.append(n), original(n)))
    original(2)
    try:
        train(TrainConfig("gan", "ring8", steps=2, batch_size=16, out=tmp_path / "run"),
              registry=registry, progress=False)
        assert calls == [1, 2]
        assert torch.get_num_threads() == 2
    finally:
        original(before)


def test_a_checkpoint_with_wrong_keys_or_shapes_is_a_clear_error(registry, tmp_path, run_cli):
    from ganzoo.training.checkpoint import save_checkpoint

    out = tmp_path / "run"
    run(registry, out, steps=4, checkpoint_every=4)
    path = out / "checkpoints/last.pt"
    good = load_checkpoint(path)

    wrong_keys = {**good, "networks": {"generator": good["networks"]["generator"]}}
    save_checkpoint(wrong_keys, path)
    with pytest.raises(GanzooError, match="another kind of run"):
        run(registry, out, steps=8, resume=True)

    generator = dict(good["networks"]["generator"])
    first = next(iter(generator))
    generator[first] = torch.zeros(3, 3)
    save_checkpoint({**good, "networks": {**good["networks"], "generator": generator}}, path)
    with pytest.raises(GanzooError, match="does not fit"):
        run(registry, out, steps=8, resume=True)

    ema = {**good["ema"], "module": generator}
    save_checkpoint({**good, "ema": ema}, path)
    result = run_cli("sample", str(out), "-n", "4", "--out", str(tmp_path / "s.png"))
    assert result.code == 2 and "does not fit" in " ".join(result.err.split())


@pytest.mark.parametrize("damage", [
    lambda s: {k: v for k, v in s.items() if k != "rng"},
    lambda s: {k: v for k, v in s.items() if k != "batches"},
    lambda s: {**s, "networks": []},
    lambda s: {**s, "ema": {"updates": 1}},
    lambda s: [s],
])
def test_a_damaged_checkpoint_is_refused_by_name(registry, tmp_path, damage):
    from ganzoo.training.checkpoint import save_checkpoint

    out = tmp_path / "run"
    run(registry, out, steps=2, checkpoint_every=2)
    save_checkpoint(damage(load_checkpoint(out / "checkpoints/last.pt")),
                    out / "checkpoints/last.pt")
    with pytest.raises(GanzooError, match="is damaged"):
        run(registry, out, steps=4, resume=True)
    with pytest.raises(GanzooError, match="is damaged"):
        load_run(out, registry=registry)
