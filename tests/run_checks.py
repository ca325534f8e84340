"""Checks the model tests share: the tensors a run's checkpoint holds, for exact-resume
comparisons (a run trained in two calls must equal one trained in one)."""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.training.checkpoint import load_checkpoint


def checkpoint_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every network's tensors and the generator's average in ``run_dir``'s checkpoint,
    by ``network.key`` (``ema.key`` for the average)."""
    state = load_checkpoint(Path(run_dir) / "checkpoints" / "last.pt")
    found = {f"ema.{k}": v for k, v in state["ema"]["module"].items()}
    for name, net in state["networks"].items():
        found.update({f"{name}.{k}": v for k, v in net.items()})
    return found
