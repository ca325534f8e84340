"""Files a run and ``ganzoo eval`` write: atomic, cleaned up after a kill, never lost to a
full disk, a file-size limit, a read-only folder or a torn log line; data that changed
size under a resumed run."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import torch
from PIL import Image
from torch.utils.data import Dataset, TensorDataset

from ganzoo import files
from ganzoo.api import train
from ganzoo.cli.main import main
from ganzoo.data.batches import Batcher
from ganzoo.files import (
    WriteError, atomic_write_text, atomic_writer, check_writable, remove_temp_files)
from ganzoo.plots import save_loss_curves
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.run import RunPaths, load_run


def temp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.glob(".*.tmp")]


def gan_run(out: Path, steps: int = 4, **settings: Any) -> Path:
    train("gan", "ring8", steps=steps, batch_size=32, out=out, **settings)
    return out


def write_images(folder: Path, count: int) -> Path:
    """``count`` random 8×8 RGB PNGs: a tiny unlabeled image-folder dataset."""
    folder.mkdir(parents=True)
    rng = torch.Generator().manual_seed(count)
    for i in range(count):
        pixels = torch.randint(0, 256, (8, 8, 3), generator=rng, dtype=torch.uint8)
        Image.fromarray(pixels.numpy()).save(folder / f"{i:03d}.png")
    return folder


def exit_code(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return exited.value.code  # type: ignore[return-value]


# --- ganzoo.files ------------------------------------------------------------------------


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "state.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="writer crashed"):
        with atomic_writer(target) as handle:
            handle.write(b"half of the new")
            raise RuntimeError("writer crashed")
    assert target.read_text() == "old"
    assert temp_files(tmp_path) == []
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and temp_files(tmp_path) == []


def test_written_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "shared.json", "{}")
    finally:
        os.umask(previous)
    assert (tmp_path / "shared.json").stat().st_mode & 0o777 == 0o644


def test_paths_that_cannot_be_written_are_clear_errors(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(WriteError, match="a file is in the way"):
        atomic_write_text(blocker / "eval.json", "{}")
    with pytest.raises(WriteError, match="it is a folder"):
        atomic_write_text(tmp_path, "{}")
    with pytest.raises(WriteError, match="it is a folder"):
        check_writable(tmp_path)
    assert temp_files(tmp_path) == []


def test_only_leftover_temporary_files_are_removed(tmp_path):
    (tmp_path / ".config.json.1a2b3c.tmp").write_text("torn")
    for keep in ("notes.tmp", ".hidden", "config.json"):
        (tmp_path / keep).write_text("")
    assert remove_temp_files(tmp_path, tmp_path / "missing") == [
        tmp_path / ".config.json.1a2b3c.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "config.json",
                                                          "notes.tmp"]


# --- run folders -------------------------------------------------------------------------


def test_leftover_temporary_files_are_removed_when_a_run_starts(tmp_path):
    run = gan_run(tmp_path / "run")
    paths = RunPaths(run)
    planted = [run / ".config.json.x1.tmp", paths.checkpoint.parent / ".last.pt.x2.tmp",
               paths.samples / ".step-000004.png.x3.tmp"]
    for leftover in planted:
        leftover.write_bytes(b"killed mid-write")
    gan_run(run, steps=6, resume=True)
    assert temp_files(run, paths.checkpoint.parent, paths.samples) == []
    assert load_checkpoint(paths.checkpoint)["step"] == 6


def test_train_into_a_path_below_a_file_is_a_clear_error(run_cli, tmp_path):
    (tmp_path / "a-file").write_text("")
    result = run_cli("train", "gan", "--dataset", "ring8", "--steps", "2",
                     "--out", str(tmp_path / "a-file" / "run"))
    assert result.code == 2, result.err
    assert "a file is in the way" in result.err and "Unexpected" not in result.err


LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
from ganzoo.cli.main import main
main(sys.argv[2:])
"""


def ganzoo_with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess:
    """``ganzoo ARGS`` in a process that may not write files larger than ``limit`` bytes."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "300"}
    return subprocess.run([sys.executable, "-c", LIMITED, str(limit), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def resume_args(run: Path, steps: int) -> list[str]:
    return ["train", "gan", "--dataset", "ring8", "--batch-size", "32", "--steps", str(steps),
            "--sample-every", "1000", "--checkpoint-every", "2", "--out", str(run), "--resume",
            "--no-progress"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_a_file_size_limit_while_saving_a_checkpoint_keeps_the_previous_one(tmp_path):
    run = gan_run(tmp_path / "run", steps=2, sample_every=1000)
    checkpoint = RunPaths(run).checkpoint
    size = checkpoint.stat().st_size
    done = ganzoo_with_file_size_limit(size // 2, *resume_args(run, 4))
    message = " ".join(done.stderr.split())
    assert done.returncode == 2, done.stderr
    assert f"Saving the checkpoint of step 4 failed. Could not write {checkpoint}" in message
    assert "ulimit -f" in message and "--resume" in message and "Unexpected" not in message
    assert load_checkpoint(checkpoint)["step"] == 2 and temp_files(checkpoint.parent) == []
    gan_run(run, steps=4, sample_every=1000, resume=True)  # once there is room, it goes on
    assert load_checkpoint(checkpoint)["step"] == 4


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_config_json_survives_a_failed_rewrite_on_resume(tmp_path):
    run = gan_run(tmp_path / "run", steps=2, sample_every=1000)
    config = RunPaths(run).config
    before = config.read_bytes()
    done = ganzoo_with_file_size_limit(len(before) // 2, *resume_args(run, 4))
    assert done.returncode == 2, done.stderr
    assert "config.json" in done.stderr and "Unexpected" not in done.stderr
    assert config.read_bytes() == before
    assert load_run(run).step == 2  # the run still loads: nothing was torn


TORN_TAILS = {
    "half a line": b'{"step": 11, "d_lo',
    "NUL bytes": b"\x00" * 64,
    "no step": b'{"d_loss": 1.0}\n',
    "not an object": b"[1, 2]\n",
    "step not a number": b'{"step": Infinity}\n',
    "invalid UTF-8": b'{"step": 12, "g_loss": "\xff\xfe"}\n',
}


@pytest.mark.parametrize("tail", TORN_TAILS.values(), ids=TORN_TAILS.keys())
def test_a_torn_metrics_log_is_repaired_on_resume(tmp_path, tail):
    run = gan_run(tmp_path / "run", steps=10, log_every=2)
    log = RunPaths(run).metrics
    with open(log, "ab") as handle:
        handle.write(tail)
    gan_run(run, steps=14, log_every=2, resume=True)
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    assert steps == sorted(set(steps)) and {10, 12, 14} <= set(steps) and steps[-1] == 14
    assert RunPaths(run).losses.stat().st_mtime >= log.stat().st_mtime


def test_loss_curves_leave_out_torn_lines_and_values_that_are_not_numbers(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_bytes(b'{"step": 1, "d_loss": 0.7, "g_loss": 0.6}\n{"d_loss": 1}\n[3]\n'
                    b'{"step": 2, "d_loss": "nan?", "g_loss": 0.5}\n\x00\x00\n{"step": 3, "d_')
    save_loss_curves(log, tmp_path / "losses.png")
    with Image.open(tmp_path / "losses.png") as picture:
        assert picture.format == "PNG"


# --- ganzoo eval -------------------------------------------------------------------------


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a folder refuse new files: by its permissions, or, for root (whom permissions
    do not stop), by refusing ganzoo's temporary files there as the kernel would."""
    locked: list[Path] = []

    def make(folder: Path) -> None:
        if os.geteuid() != 0:
            folder.chmod(0o555)
            locked.append(folder)
            return
        real = files._temp_file

        def refuse(where: Path, target: Path) -> Any:
            if where.resolve() == folder.resolve():
                raise files.write_error(target, PermissionError(errno.EACCES, "Permission denied"))
            return real(where, target)

        monkeypatch.setattr(files, "_temp_file", refuse)

    yield make
    for folder in locked:
        folder.chmod(0o755)


def test_training_in_a_read_only_run_folder_is_a_clear_error(run_cli, tmp_path, read_only):
    run = gan_run(tmp_path / "run", steps=2)
    read_only(run)
    result = run_cli("train", "gan", "--dataset", "ring8", "--batch-size", "32", "--steps", "4",
                     "--out", str(run), "--resume")
    message = " ".join(result.err.split())
    assert result.code == 2 and f"Could not write {run}" in message and "no permission" in message
    assert load_checkpoint(RunPaths(run).checkpoint)["step"] == 2


def test_eval_of_a_read_only_run_fails_before_measuring_or_writes_elsewhere(
        tmp_path, read_only, monkeypatch, capsys):
    from ganzoo.metrics import evaluate

    run = gan_run(tmp_path / "run", steps=4)
    measured: list[Any] = []
    real_evaluate = evaluate.evaluate
    monkeypatch.setattr(evaluate, "evaluate",
                        lambda *a, **kw: measured.append(a) or real_evaluate(*a, **kw))
    read_only(run)
    args = ["eval", str(run), "--metrics", "mode-coverage", "--num-samples", "200"]
    assert exit_code(args) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert f"Could not write {run / 'eval.json'}" in message
    assert "Nothing was measured" in message and "--out FILE" in message
    assert measured == []

    elsewhere = tmp_path / "figures" / "eval.json"
    main([*args, "--out", str(elsewhere)])
    assert "mode-coverage" in json.loads(elsewhere.read_text())
    assert len(measured) == 1 and not (run / "eval.json").exists()


def test_eval_never_writes_over_the_runs_other_files(tmp_path, capsys):
    run = gan_run(tmp_path / "run", steps=4)
    before = (run / "config.json").read_bytes()
    assert exit_code(["eval", str(run), "--out", str(run / "config.json")]) == 2
    assert "one of the run's own files" in capsys.readouterr().err
    assert (run / "config.json").read_bytes() == before


def test_eval_where_every_metric_is_skipped_fails_and_stores_nothing(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.delenv("GANZOO_INCEPTION_WEIGHTS", raising=False)
    images = write_images(tmp_path / "images", 20)
    run = tmp_path / "run"
    train("gan", "image-folder", data_root=images, image_size=8, steps=2, batch_size=8,
          out=run)
    assert exit_code(["eval", str(run)]) == 2  # unlabeled images need Inception weights
    message = " ".join(capsys.readouterr().err.split())
    assert "No metric could be computed" in message and "--inception-weights" in message
    assert not (run / "eval.json").exists()


# --- data that changed size under a resumed run ------------------------------------------


class Numbers(Dataset):
    """``size`` numbers, read one by one (the DataLoader path of the batcher)."""

    def __init__(self, size: int):
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.tensor([float(index)])


@pytest.mark.parametrize("dataset", [lambda n: TensorDataset(torch.arange(n).float()[:, None]),
                                     Numbers], ids=["in memory", "item by item"])
def test_batches_restored_on_a_smaller_dataset_start_the_epoch_over(dataset):
    batches = Batcher(dataset(100), 10, seed=3, num_workers=0)
    for _ in range(7):
        next(batches)
    state = batches.state_dict()
    smaller = Batcher(dataset(30), 10, seed=3, num_workers=0)
    with pytest.warns(UserWarning, match="30 samples now, 100 when the checkpoint was saved"):
        smaller.load_state_dict(state)
    seen = torch.cat([next(smaller)[0] for _ in range(3)]).flatten()
    assert sorted(seen.tolist()) == list(range(30))  # a whole fresh epoch of the new data


def test_resume_on_a_smaller_data_root_goes_on_with_a_warning(tmp_path):
    big, small = write_images(tmp_path / "big", 40), write_images(tmp_path / "small", 20)
    settings = dict(image_size=8, batch_size=8, checkpoint_every=3, sample_every=1000)
    run = tmp_path / "run"
    train("gan", "image-folder", data_root=big, steps=3, out=run, **settings)
    with pytest.warns(UserWarning, match="the data changed"):
        train("gan", "image-folder", data_root=small, steps=6, out=run, resume=True,
              **settings)
    assert load_checkpoint(RunPaths(run).checkpoint)["step"] == 6
