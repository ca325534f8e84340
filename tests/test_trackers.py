"""The built-in trackers, driven through the lifecycle hooks as a run fires them, then read
back with each tool's own reader: TensorBoard's event accumulator, MLflow's client on a
local file store, and W&B's offline transaction log."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pluggy
import pytest
from PIL import Image

from ganzoo import hookspecs
from ganzoo.errors import GanzooError
from ganzoo.lifecycle import Lifecycle, RunInfo
from ganzoo.plugins import load_plugins
from ganzoo.registry import resolve

LONG_PAPER = "A paper title far longer than any MLflow parameter may be. " * 20


@dataclass(frozen=True)
class FakePlan:
    """What trackers use of a :class:`ganzoo.plan.Plan`."""

    model: str = "wgan-gp"
    dataset: str = "ring8"

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "dataset": self.dataset, "paper": LONG_PAPER,
                "generator": {"name": "mlp", "options": {"hidden": 64}},
                "regularizers": [{"name": "gradient-penalty", "options": {"weight": 10.0}}],
                "extra_terms": [], "latent_dim": 2, "precision": "fp32"}


def values(step: int, offset: float = 0.0) -> dict[str, float]:
    return {"d_loss": -step / 100 + offset, "g_loss": step / 50 + offset,
            "gradient-penalty": 0.5, "images_per_s": 1000.0, "elapsed_s": step / 10}


@pytest.fixture
def sample_png(tmp_path: Path) -> Path:
    path = tmp_path / "final.png"
    Image.new("RGB", (24, 16), (200, 10, 30)).save(path)
    return path


@contextmanager
def lifecycle(tracker: object) -> Iterator[Lifecycle]:
    """``tracker`` registered with a pluggy manager as for a run; a hook that fails (which
    :class:`Lifecycle` reports and skips) fails the test."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    failures: list[str] = []
    with Lifecycle(manager, [("under-test", tracker)], warn=failures.append) as events:
        yield events
    assert failures == []


def simulate(tracker: object, run: RunInfo, steps: list[int], sample: Path,
             checkpoint_at: int, interrupted: bool = False, offset: float = 0.0) -> None:
    """Fire a run's lifecycle hooks into ``tracker`` as the training loop does."""
    with lifecycle(tracker) as events:
        events.fire("ganzoo_run_started", run=run)
        for step in steps:
            events.fire("ganzoo_step_logged", run=run, step=step, values=values(step, offset))
            if step == checkpoint_at:
                events.fire("ganzoo_checkpoint_saved", run=run, step=step,
                            path=run.run_dir / "checkpoints" / "last.pt")
        events.fire("ganzoo_samples_drawn", run=run, step=steps[-1], path=sample)
        result = SimpleNamespace(steps=steps[-1], interrupted=interrupted, wall_time_s=1.0,
                                 last_losses=values(steps[-1], offset))
        events.fire("ganzoo_run_finished", run=run, result=result)


def run_info(run_dir: Path, start_step: int = 0, steps: int = 40) -> RunInfo:
    run_dir.mkdir(exist_ok=True)
    return RunInfo(FakePlan(), run_dir, start_step, steps, resumed=start_step > 0)


def unset_env(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Unset ``names`` for this test; set first so that monkeypatch restores them (and
    removes what a tracker sets) afterwards."""
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


TRACKER_TARGETS = {
    "tensorboard": "ganzoo_trackers.tensorboard_tracker:TensorBoardTracker",
    "mlflow": "ganzoo_trackers.mlflow_tracker:MlflowTracker",
    "wandb": "ganzoo_trackers.wandb_tracker:WandbTracker",
    "jsonl": "ganzoo.training.metrics_log:JsonlTracker",
}


def tracker_class(name: str) -> Callable[..., Any]:
    return resolve(TRACKER_TARGETS[name])


# ------------------------------------------------------------------- registration

def test_the_trackers_plugin_registers_every_tracker() -> None:
    registry = load_plugins().registry
    found = {e.name: (e.plugin, e.target) for e in registry.list("tracker")}
    for name, target in TRACKER_TARGETS.items():
        assert found.get(name) == ("trackers", target)


def test_loading_the_plugin_imports_no_tracker_library() -> None:
    code = ("import sys; from ganzoo.plugins import load_plugins; load_plugins(); "
            "print(sorted(m for m in ('tensorboard', 'mlflow', 'wandb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name, module, package", [
    ("tensorboard", "torch.utils.tensorboard", "tensorboard"),
    ("mlflow", "mlflow", "mlflow-skinny"),
    ("wandb", "wandb", "wandb"),
])
def test_a_missing_library_is_named_with_its_install_command(
        monkeypatch: pytest.MonkeyPatch, name: str, module: str, package: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(GanzooError) as error:
        tracker_class(name)()
    assert f"The {name} tracker needs the {package}" in str(error.value)
    assert f"pip install 'torch-ganzoo[{name}]'" in str(error.value)


# ------------------------------------------------------------------- tensorboard

def read_events(log_dir: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0,
                                                           "tensors": 0})
    events.Reload()
    return events


def scalars(events: Any, tag: str) -> tuple[list[int], list[float]]:
    """Steps and values of a scalar series (values as float32, hence ``approx``)."""
    points = events.Scalars(tag)
    return [e.step for e in points], [e.value for e in points]


def approx(expected: list[float]) -> Any:
    return pytest.approx(expected, rel=1e-6)


def test_tensorboard_scalars_plan_and_samples(tmp_path: Path, sample_png: Path) -> None:
    run = run_info(tmp_path / "run")
    simulate(tracker_class("tensorboard")(), run, [10, 20, 30, 40], sample_png, 20)

    events = read_events(run.run_dir / "tensorboard")
    assert scalars(events, "loss/d_loss") == ([10, 20, 30, 40], approx([-0.1, -0.2, -0.3, -0.4]))
    assert [e.value for e in events.Scalars("speed/images_per_s")] == [1000.0] * 4
    assert [e.value for e in events.Scalars("terms/gradient-penalty")] == [0.5] * 4
    assert "time/elapsed_s" in events.Tags()["scalars"]
    plan_text = events.Tensors("plan/text_summary")[0].tensor_proto.string_val[0].decode()
    assert '"gradient-penalty"' in plan_text
    (image,) = events.Images("samples")
    assert (image.step, image.width, image.height) == (40, 24, 16)


def test_tensorboard_resumed_run_replaces_points_after_its_checkpoint(
        tmp_path: Path, sample_png: Path) -> None:
    tensorboard = tracker_class("tensorboard")
    first = run_info(tmp_path / "run")
    simulate(tensorboard(), first, [10, 20, 30], sample_png, 20, interrupted=True)
    resumed = run_info(first.run_dir, start_step=20, steps=50)
    simulate(tensorboard(), resumed, [30, 40, 50], sample_png, 50, offset=1.0)

    events = read_events(first.run_dir / "tensorboard")
    assert scalars(events, "loss/d_loss") == ([10, 20, 30, 40, 50],
                                              approx([-0.1, -0.2, 0.7, 0.6, 0.5]))


def test_tensorboard_log_dir_option_keeps_one_folder_per_run(
        tmp_path: Path, sample_png: Path) -> None:
    run = run_info(tmp_path / "dcgan-digits")
    simulate(tracker_class("tensorboard")(log_dir=str(tmp_path / "tb")), run, [10], sample_png, 10)
    assert read_events(tmp_path / "tb" / "dcgan-digits").Scalars("loss/g_loss")[0].step == 10


# ------------------------------------------------------------------- mlflow

@pytest.fixture
def mlflow_env(monkeypatch: pytest.MonkeyPatch) -> None:
    unset_env(monkeypatch, "MLFLOW_TRACKING_URI", "MLFLOW_ALLOW_FILE_STORE")


def mlflow_runs(store: Path) -> list[Any]:
    from mlflow import MlflowClient

    client = MlflowClient(store.resolve().as_uri())
    experiment = client.get_experiment_by_name("ganzoo")
    return client.search_runs([experiment.experiment_id])


def d_loss_history(run_dir: Path, run_id: str) -> tuple[list[int], list[float]]:
    from mlflow import MlflowClient

    client = MlflowClient((run_dir / "mlruns").resolve().as_uri())
    points = sorted((m.step, m.value) for m in client.get_metric_history(run_id, "loss/d_loss"))
    return [step for step, _ in points], [value for _, value in points]


def test_mlflow_params_metrics_artifacts_in_a_local_store(
        mlflow_env: None, tmp_path: Path, sample_png: Path) -> None:
    run = run_info(tmp_path / "wgan-gp-ring8")
    simulate(tracker_class("mlflow")(), run, [10, 20, 30, 40], sample_png, 20)

    (found,) = mlflow_runs(run.run_dir / "mlruns")
    assert found.info.run_name == "wgan-gp-ring8"
    assert found.info.status == "FINISHED"
    assert (run.run_dir / "mlflow_run_id").read_text().strip() == found.info.run_id
    params = found.data.params
    assert params["generator.options.hidden"] == "64"
    assert params["regularizers.0.options.weight"] == "10.0"
    assert params["extra_terms"] == "[]"
    assert len(params["paper"]) == 500 and params["paper"].endswith("…")
    assert d_loss_history(run.run_dir, found.info.run_id) == (
        [10, 20, 30, 40], approx([-0.1, -0.2, -0.3, -0.4]))
    assert found.data.metrics["speed/images_per_s"] == 1000.0
    artifacts = Path(found.info.artifact_uri.removeprefix("file://"))
    assert json.loads((artifacts / "plan.json").read_text())["paper"] == LONG_PAPER
    assert (artifacts / "samples" / "final.png").read_bytes() == sample_png.read_bytes()


def test_mlflow_resumed_run_continues_the_same_run(
        mlflow_env: None, tmp_path: Path, sample_png: Path) -> None:
    mlflow_tracker = tracker_class("mlflow")
    first = run_info(tmp_path / "run")
    simulate(mlflow_tracker(), first, [10, 20, 30], sample_png, 20, interrupted=True)
    (interrupted,) = mlflow_runs(first.run_dir / "mlruns")
    assert interrupted.info.status == "KILLED"

    resumed = run_info(first.run_dir, start_step=20, steps=50)
    simulate(mlflow_tracker(), resumed, [30, 40, 50], sample_png, 50, offset=1.0)
    (found,) = mlflow_runs(first.run_dir / "mlruns")
    assert found.info.run_id == interrupted.info.run_id
    assert found.info.status == "FINISHED"
    # step 30, logged before the interruption and again after it, is kept once
    assert d_loss_history(first.run_dir, found.info.run_id) == (
        [10, 20, 30, 40, 50], approx([-0.1, -0.2, -0.3, 0.6, 0.5]))


def test_mlflow_resumed_run_unknown_to_the_store_starts_a_new_run(
        mlflow_env: None, tmp_path: Path, sample_png: Path) -> None:
    run = run_info(tmp_path / "run", start_step=20, steps=50)
    (run.run_dir / "mlflow_run_id").write_text("0123456789abcdef\n")  # from another store
    simulate(tracker_class("mlflow")(), run, [30], sample_png, 30)
    (found,) = mlflow_runs(run.run_dir / "mlruns")
    assert (run.run_dir / "mlflow_run_id").read_text().strip() == found.info.run_id
    assert d_loss_history(run.run_dir, found.info.run_id)[0] == [30]


def test_mlflow_tracking_uri_from_the_environment_and_a_failed_run(
        mlflow_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = tmp_path / "shared-store"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.resolve().as_uri())
    run = run_info(tmp_path / "run")
    with lifecycle(tracker_class("mlflow")(run_name="mine")) as events:
        events.fire("ganzoo_run_started", run=run)  # then training breaks off: close()
    (found,) = mlflow_runs(store)
    assert (found.info.run_name, found.info.status) == ("mine", "FAILED")
    assert not (run.run_dir / "mlruns").exists()


# ------------------------------------------------------------------- wandb

@pytest.fixture
def wandb_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Offline and quiet, with wandb's settings and caches in the test's folder."""
    pytest.importorskip("wandb")
    unset_env(monkeypatch, "WANDB_MODE", "WANDB_DIR", "WANDB_RUN_ID", "WANDB_RESUME")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for name in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path / "wandb-home"))


def wait_for_wandb() -> None:
    """wandb's service process writes the offline log; ``finish()`` does not wait for it,
    ``teardown()`` (also run at exit) does."""
    import wandb

    wandb.teardown()


def wandb_records(run_file: Path) -> list[Any]:
    """The records of an offline run's ``.wandb`` file: a LevelDB-style log (7-byte file
    header; 32 KiB blocks of chunks with a 7-byte header: CRC, length, type) of protobufs."""
    from wandb.proto import wandb_internal_pb2

    data = run_file.read_bytes()
    assert data[:4] == b":W&B"
    records, pending, position, block = [], b"", 7, 32768
    while position + 7 <= len(data):
        if block - position % block < 7:  # a block's tail too short for a header: padding
            position += block - position % block
            continue
        _, length, kind = struct.unpack("<IHB", data[position:position + 7])
        pending += data[position + 7:position + 7 + length]
        position += 7 + length
        if kind in (1, 4):  # a full record, or the last chunk of one
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
            pending = b""
    return records


def wandb_history(run_file: Path) -> dict[int, dict[str, Any]]:
    history = {}
    for record in wandb_records(run_file):
        if record.WhichOneof("record_type") == "history":
            row = {item.key or "/".join(item.nested_key): json.loads(item.value_json)
                   for item in record.history.item}
            history[row["_step"]] = row
    return history


def started_run(run_file: Path) -> Any:
    """The run record (id, name, config) an offline run starts with."""
    return next(r.run for r in wandb_records(run_file) if r.WhichOneof("record_type") == "run")


def exit_code(run_file: Path) -> int:
    return next(r.exit.exit_code for r in wandb_records(run_file)
                if r.WhichOneof("record_type") == "exit")


def test_wandb_offline_run_logs_config_history_and_samples(
        wandb_env: None, tmp_path: Path, sample_png: Path) -> None:
    run = run_info(tmp_path / "run")
    simulate(tracker_class("wandb")(), run, [10, 20, 30], sample_png, 20)
    wait_for_wandb()

    run_id = (run.run_dir / "wandb_run_id").read_text().strip()
    (folder,) = (run.run_dir / "wandb").glob(f"offline-run-*-{run_id}")
    history = wandb_history(folder / f"run-{run_id}.wandb")
    assert sorted(history) == [10, 20, 30]
    assert history[20]["loss/d_loss"] == pytest.approx(-0.2)
    assert history[30]["terms/gradient-penalty"] == 0.5
    assert history[30]["samples/_type"] == "image-file"
    (picture,) = (folder / "files" / "media" / "images").glob("samples_30_*.png")
    assert Image.open(picture).size == (24, 16)
    started = started_run(folder / f"run-{run_id}.wandb")
    config = {u.key: json.loads(u.value_json) for u in started.config.update}
    assert config["regularizers"][0]["name"] == "gradient-penalty"


def test_wandb_resumed_run_keeps_its_id(wandb_env: None, tmp_path: Path,
                                        sample_png: Path) -> None:
    wandb_tracker = tracker_class("wandb")
    first = run_info(tmp_path / "run")
    simulate(wandb_tracker(), first, [10, 20], sample_png, 20, interrupted=True)
    run_id = (first.run_dir / "wandb_run_id").read_text().strip()
    simulate(wandb_tracker(), run_info(first.run_dir, start_step=20), [30], sample_png, 30)
    wait_for_wandb()

    run_files = list((first.run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    assert [started_run(f).run_id for f in run_files] == [run_id, run_id]
    assert (first.run_dir / "wandb_run_id").read_text().strip() == run_id
    # the interrupted part ends with a non-zero exit code (marked preempting), the rest with 0
    assert sorted((sorted(wandb_history(f)), exit_code(f)) for f in run_files) == [
        ([10, 20], 1), ([30], 0)]
