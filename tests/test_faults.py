"""Faults from outside: kill -9, stop signals, two writers on one folder, a closed pipe.

Each test drives real ``ganzoo`` processes (a tiny gan on ring8, one thread) and waits for
what it needs by polling the run folder, never by sleeping a fixed time.  A run killed or
stopped part-way and then resumed must end exactly where an uninterrupted run ends.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import torch

from ganzoo.interrupts import StopRequest, Stopped, stop_signals_raise
from ganzoo.locking import LOCK_FILES, OWNER_FILE, FolderLockedError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TIMEOUT_S = 60.0
#: A run long enough never to finish while a test acts on it; resumed to ``STEPS``.
ENDLESS = 100_000
STEPS = 600
TINY = ["gan", "--dataset", "ring8", "--batch-size", "16", "--g-opt", "hidden=8",
        "--d-opt", "hidden=8", "--checkpoint-every", "10", "--sample-every", "100"]
BENCH = ["--models", "gan", "--datasets", "ring8", "--steps", "2000", "--batch-size", "16",
         "--g-opt", "hidden=8", "--d-opt", "hidden=8", "--no-references",
         "--metrics", "mode-coverage", "--num-samples", "500", "--quiet"]


def _default_stop_signals() -> None:
    """In the child: stop signals as a fresh terminal session has them, even when the tests
    run under nohup or as a background job (which ignore SIGHUP or SIGINT)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("env")
    return {**os.environ, "COLUMNS": "200", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "GANZOO_CACHE": str(home / "cache"), "GANZOO_DATA": str(home / "data")}


Start = Callable[..., subprocess.Popen]


@pytest.fixture
def start(env: dict[str, str]) -> Iterator[Start]:
    """``start("train", ...)`` runs ``ganzoo train ...`` in the background; whatever is
    still running when the test ends is killed."""
    running: list[subprocess.Popen] = []

    def spawn(*args: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "ganzoo", *args], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=_default_stop_signals)
        running.append(proc)
        return proc

    yield spawn
    for proc in running:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=TIMEOUT_S)
    return proc.returncode, out, err


def ganzoo(start: Start, *args: str) -> tuple[int, str, str]:
    return finish(start(*args))


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen) -> None:
    """Poll ``ready`` until it holds; fail if ``proc`` ends first or time runs out."""
    deadline = time.monotonic() + TIMEOUT_S
    while not ready():
        if proc.poll() is not None:
            code, out, err = finish(proc)
            pytest.fail(f"exited {code} before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def checkpoint(run: Path) -> dict[str, Any] | None:
    path = run / "checkpoints" / "last.pt"
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, EOFError, RuntimeError):
        return None  # not written yet


def checkpoint_step(run: Path) -> int:
    state = checkpoint(run)
    return -1 if state is None else int(state["step"])


def logged_step(run: Path) -> int:
    try:
        lines = (run / "metrics.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return -1
    steps = [json.loads(line)["step"] for line in lines[:-1]]  # the last may be half-written
    return max(steps, default=-1)


def assert_same_training(run: Path, reference: Path) -> None:
    """Both runs' checkpoints hold the same step and bit-identical weights and states."""
    got, want = checkpoint(run), checkpoint(reference)
    assert got is not None and want is not None
    assert (got["step"], got["d_steps"]) == (want["step"], want["d_steps"]) == (STEPS, STEPS)
    for key in ("networks", "optimizers", "ema", "batches", "rng"):
        assert_equal(got[key], want[key], key)


def assert_equal(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_equal(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_equal(x, y, f"{where}[{i}]")
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of ``STEPS`` steps (in this process: exact resume holds across
    processes on a CPU)."""
    from ganzoo.api import train

    run = tmp_path_factory.mktemp("reference") / "run"
    train("gan", "ring8", steps=STEPS, batch_size=16, generator_options={"hidden": 8},
          discriminator_options={"hidden": 8}, checkpoint_every=10, sample_every=100,
          out=run)
    return run


def resume(start: Start, run: Path) -> str:
    """Resume ``run`` to ``STEPS``; returns what it printed."""
    code, out, err = ganzoo(start, "train", *TINY, "--steps", str(STEPS), "--out", str(run),
                            "--resume", "--no-progress")
    assert code == 0, err
    return out


def test_kill_9_at_a_random_step_then_resume_ends_as_an_uninterrupted_run(
        start: Start, tmp_path: Path, reference: Path) -> None:
    run = tmp_path / "run"
    kill_after = random.Random(0).randrange(20, 200)
    proc = start("train", *TINY, "--steps", str(ENDLESS), "--out", str(run), "--no-progress")
    wait_for(f"a checkpoint at step {kill_after}", lambda: checkpoint_step(run) >= kill_after,
             proc)
    proc.kill()
    assert finish(proc)[0] == -signal.SIGKILL
    assert (run / OWNER_FILE).exists()  # a dead process's lock: it must not block

    assert "resumed from step" in resume(start, run)
    assert_same_training(run, reference)
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == STEPS


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stop_signal_saves_a_checkpoint_exits_128_plus_n_and_resumes(
        start: Start, tmp_path: Path, reference: Path, signum: int) -> None:
    run = tmp_path / "run"
    proc = start("train", *TINY, "--steps", str(ENDLESS), "--out", str(run), "--no-progress")
    wait_for("a first checkpoint", lambda: checkpoint_step(run) >= 10, proc)
    proc.send_signal(signum)
    code, out, err = finish(proc)
    assert code == 128 + signum, err
    stopped_at = checkpoint_step(run)
    assert f"Stopped by {signal.Signals(signum).name} at step {stopped_at}" in out
    assert 10 <= stopped_at < STEPS and "Traceback" not in err

    assert f"resumed from step {stopped_at}" in resume(start, run)
    assert_same_training(run, reference)


def test_a_second_train_on_a_live_run_folder_is_refused_naming_the_holder(
        start: Start, tmp_path: Path, reference: Path) -> None:
    run = tmp_path / "run"
    first = start("train", *TINY, "--steps", str(STEPS), "--out", str(run), "--no-progress")
    wait_for("a first checkpoint", lambda: checkpoint_step(run) >= 10, first)
    first.send_signal(signal.SIGSTOP)  # mid-run, holding its lock, while the second tries
    try:
        config = (run / "config.json").read_text()
        code, out, err = ganzoo(start, "train", *TINY, "--steps", str(STEPS), "--seed", "1",
                                "--out", str(run), "--no-progress")
        code_resume, _, err_resume = ganzoo(start, "train", *TINY, "--steps", str(STEPS),
                                            "--out", str(run), "--resume", "--no-progress")
    finally:
        first.send_signal(signal.SIGCONT)
    assert code == code_resume == 2
    for message in (err, err_resume):
        assert "is in use by another process, a training run" in message
        assert f"pid {first.pid} " in message and f"--steps {STEPS}" in message  # the holder
    assert "schedule" not in out and "Traceback" not in err  # refused before the plan
    assert (run / "config.json").read_text() == config

    code, _, err = finish(first)
    assert code == 0, err
    assert sorted(p.name for p in run.iterdir() if p.name in LOCK_FILES) == [".lock"]
    assert_same_training(run, reference)


def test_python_api_train_refuses_a_locked_folder_until_its_holder_dies(
        env: dict[str, str], tmp_path: Path) -> None:
    from ganzoo.api import train

    run = tmp_path / "run"
    train("gan", "ring8", steps=5, out=run, batch_size=16)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from ganzoo.locking import folder_lock\n"
         f"with folder_lock(Path({str(run)!r}), what='a test', advice=''):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        before = {p.name: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()}
        for resume in (False, True):  # refused naming the holder, before the folder is read
            with pytest.raises(FolderLockedError, match=f"pid {holder.pid} "):
                train("gan", "ring8", steps=10, out=run, batch_size=16, resume=resume)
        after = {p.name: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()}
        assert {k: v for k, v in after.items() if k not in LOCK_FILES} == {
            k: v for k, v in before.items() if k not in LOCK_FILES}  # nothing written
    finally:
        holder.kill()
        holder.communicate()
    assert train("gan", "ring8", steps=10, out=run, batch_size=16, resume=True).steps == 10


def test_a_second_bench_on_a_live_out_is_refused_and_sigterm_records_the_cell(
        start: Start, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    cell = out / "runs" / "gan-ring8-seed0"
    first = start("bench", *BENCH, "--out", str(out))
    wait_for("the cell's first logged step", lambda: logged_step(cell) >= 20, first)
    first.send_signal(signal.SIGSTOP)  # holds its locks while the second one tries
    try:
        code, _, err = ganzoo(start, "bench", *BENCH, "--out", str(out))
    finally:
        first.send_signal(signal.SIGCONT)
    assert code == 2 and "is in use by another process, a bench" in err
    assert f"pid {first.pid} " in err

    first.send_signal(signal.SIGTERM)
    code, out_text, err = finish(first)
    assert code == 128 + signal.SIGTERM, err
    (row,) = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert row["status"] == "interrupted" and row["error"] == "interrupted by SIGTERM"
    stopped_at = checkpoint_step(cell)
    assert 20 <= stopped_at < 2000

    code, _, err = ganzoo(start, "bench", *BENCH, "--out", str(out))
    assert code == 0, err
    (row,) = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert row["status"] == "ok" and row["budget"]["generator_updates"] == 2000
    assert checkpoint_step(cell) == 2000


def test_output_into_a_closed_pipe_neither_stops_the_run_nor_complains(
        start: Start, tmp_path: Path) -> None:
    """``ganzoo train … | head -1``."""
    run = tmp_path / "run"
    proc = start("train", *TINY, "--steps", "1000", "--out", str(run))
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # the reader has gone; the run prints its progress and summary
    _, err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == 0, err
    assert "Error" not in err and "Traceback" not in err and "Exception" not in err
    assert checkpoint_step(run) == 1000
    assert (run / "samples" / "final.png").exists() and (run / "losses.png").exists()


@pytest.fixture
def default_signals() -> Iterator[None]:
    """This process's stop signals as a fresh one has them, whatever pytest ran under."""
    previous = {signum: signal.getsignal(signum)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def test_the_first_stop_signal_is_a_request_and_a_second_acts_at_once(
        default_signals: None) -> None:
    with stop_signals_raise(), StopRequest() as stop:
        signal.raise_signal(signal.SIGTERM)
        assert stop.requested and stop.signum == signal.SIGTERM
        with pytest.raises(Stopped) as raised:
            signal.raise_signal(signal.SIGHUP)
        assert raised.value.signum == signal.SIGHUP
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_ignored_hangup_stays_ignored(default_signals: None) -> None:
    """``nohup ganzoo train …`` must survive the terminal closing."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with stop_signals_raise(), StopRequest() as stop:
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        signal.raise_signal(signal.SIGHUP)
        assert not stop.requested


def test_a_parallel_bench_stops_its_workers_keeps_every_cell_and_resumes(
        start: Start, tmp_path: Path) -> None:
    """Ctrl-C on ``ganzoo bench --jobs 2``: both running cells checkpoint and are recorded
    as interrupted by the parent; the same command then finishes both."""
    out = tmp_path / "bench"
    args = ("bench", *BENCH, "--seeds", "2", "--jobs", "2", "--out", str(out))
    cells = [out / "runs" / f"gan-ring8-seed{seed}" for seed in (0, 1)]
    proc = start(*args)
    wait_for("both cells' first logged steps",
             lambda: all(logged_step(cell) >= 20 for cell in cells), proc)
    proc.send_signal(signal.SIGINT)
    code, _, err = finish(proc)
    assert code == 128 + signal.SIGINT, err
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [(r["cell"], r["status"], r["error"]) for r in rows] == [
        (cell.name, "interrupted", "interrupted by SIGINT") for cell in cells]
    assert all(20 <= checkpoint_step(cell) < 2000 for cell in cells)

    code, _, err = ganzoo(start, *args)
    assert code == 0, err
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert all(checkpoint_step(cell) == 2000 for cell in cells)
