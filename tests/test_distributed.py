"""Training under torchrun: two gloo processes on the CPU compute what one process computes
with the same global batch (the plain step, a gradient penalty and R1), resume exactly, and
refuse to resume with another number of processes.  Each process keeps its contiguous rows
of the batch and of every random draw; gradients are averaged before each step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganzoo import distributed
from ganzoo.api import GanzooError, IncompatibleError, TrainConfig, train
from ganzoo.data.batches import Batcher
from ganzoo.plugins import get_registry
from ganzoo.training.build import PartsKit
from ganzoo.training.resolve import resolve_plan
from run_checks import checkpoint_tensors

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="torchrun with gloo")

# no batchnorm in G (gan's preset has it): without --sync-batchnorm, which needs CUDA, each
# process normalizes its own rows, so two processes could not equal one
TINY = ["--dataset", "ring8", "--batch-size", "16", "--g-opt", "hidden=8", "--g-opt", "norm=none",
        "--d-opt", "hidden=8", "--no-progress"]


def torchrun(*args: str, processes: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc-per-node={processes}", "-m", "ganzoo", "train", *args],
        capture_output=True, text=True, env=env, timeout=300)


def one_process(out: Path, model: str, steps: int, regularizers: tuple[str, ...] | None) -> None:
    train(model, "ring8", out=out, steps=steps, batch_size=16, regularizers=regularizers,
          generator_options={"hidden": 8, "norm": "none"}, discriminator_options={"hidden": 8})


@pytest.mark.parametrize("model, regularizers", [("gan", None), ("wgan-gp", None),
                                                 ("gan", ("r1",))],
                         ids=["adversarial", "gradient-penalty", "r1"])
def test_two_processes_equal_one_with_the_same_global_batch(tmp_path, model, regularizers):
    regs = ["--reg", ",".join(regularizers)] if regularizers else []
    done = torchrun(model, *regs, *TINY, "--steps", "4", "--out", str(tmp_path / "two"))
    assert done.returncode == 0, done.stderr[-2000:]
    one_process(tmp_path / "one", model, 4, regularizers)
    one, two = checkpoint_tensors(tmp_path / "one"), checkpoint_tensors(tmp_path / "two")
    assert one.keys() == two.keys()
    for key, value in one.items():
        assert torch.allclose(value, two[key], atol=1e-5, rtol=0), key
    assert done.stdout.count("Done: 4 steps") == 1  # only the main process reports


def test_a_two_process_run_resumes_exactly_and_only_with_two(tmp_path):
    run = lambda out, steps, *more: torchrun(  # noqa: E731
        "wgan-gp", *TINY, "--steps", str(steps), "--out", str(tmp_path / out), *more)
    assert run("split", 2).returncode == 0
    resumed = run("split", 4, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert run("whole", 4).returncode == 0
    split, whole = checkpoint_tensors(tmp_path / "split"), checkpoint_tensors(tmp_path / "whole")
    assert all(torch.equal(value, whole[key]) for key, value in split.items())
    with pytest.raises(GanzooError, match="saved by a run of 2 process"):
        train("wgan-gp", "ring8", out=tmp_path / "split", steps=6, resume=True, batch_size=16,
              generator_options={"hidden": 8, "norm": "none"},
              discriminator_options={"hidden": 8})


def test_each_process_takes_its_contiguous_rows_of_the_global_batch(monkeypatch):
    data = torch.utils.data.TensorDataset(torch.arange(40.0))
    whole = next(Batcher(data, 8, seed=3))[0]
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    rows = []
    for rank in (0, 1):
        monkeypatch.setattr(distributed, "rank", lambda rank=rank: rank)
        rows.append(next(Batcher(data, 8, seed=3))[0])
        assert torch.equal(distributed.local_rows(torch.arange(8)),
                           torch.arange(4) + 4 * rank)
    assert torch.equal(torch.cat(rows), whole)
    with pytest.raises(GanzooError, match="multiple of 2"):
        Batcher(data, 7)


def test_random_draws_are_shares_of_one_draw_for_the_whole_batch(monkeypatch):
    whole = torch.rand(6, generator=torch.Generator().manual_seed(0))
    monkeypatch.setattr(distributed, "world_size", lambda: 3)
    monkeypatch.setattr(distributed, "rank", lambda: 2)
    share = distributed.draw_local(2, lambda n: torch.rand(n, generator=torch.Generator().manual_seed(0)))
    assert torch.equal(share, whole[4:])


def test_sync_batchnorm_is_recorded_and_needs_gpus(monkeypatch):
    registry = get_registry()
    plan = resolve_plan(TrainConfig("dcgan", "digits", sync_batchnorm=True), registry)
    assert plan.sync_batchnorm and plan.to_dict()["sync_batchnorm"] is True
    PartsKit(plan, registry)  # one process: nothing to synchronize
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    with pytest.raises(IncompatibleError, match="--sync-batchnorm needs CUDA"):
        PartsKit(plan, registry)
