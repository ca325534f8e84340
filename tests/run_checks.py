"""Checks the model tests share: a run trained in two calls must equal one trained in one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganzoo.api import train
from ganzoo.training.checkpoint import load_checkpoint


def checkpoint_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every network's tensors and the generator's average in ``run_dir``'s checkpoint,
    by ``network.key`` (``ema.key`` for the average)."""
    state = load_checkpoint(Path(run_dir) / "checkpoints" / "last.pt")
    found = {f"ema.{k}": v for k, v in state["ema"]["module"].items()}
    for name, net in state["networks"].items():
        found.update({f"{name}.{k}": v for k, v in net.items()})
    return found


def resumes_exactly(model: str, tmp_path: Path, **settings: Any) -> tuple[Any, dict[str, torch.Tensor]]:
    """Train ``model`` 2 steps then resume to 4 (``tmp_path/split``), and 4 at once
    (``tmp_path/whole``); assert both end with the same tensors.  Returns the resumed
    run's result and its tensors."""
    def run(name: str, steps: int, resume: bool = False) -> Any:
        return train(model, out=tmp_path / name, steps=steps, resume=resume,
                     checkpoint_every=2, sample_every=0, **settings)

    run("split", 2)
    resumed = run("split", 4, resume=True)
    run("whole", 4)
    assert (resumed.start_step, resumed.steps) == (2, 4)
    split, whole = checkpoint_tensors(tmp_path / "split"), checkpoint_tensors(tmp_path / "whole")
    assert split.keys() == whole.keys()
    for key, value in split.items():
        assert torch.equal(value, whole[key]), key
    return resumed, split
