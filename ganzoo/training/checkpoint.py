"""Checkpoints: written atomically, read as data only.

A checkpoint holds plain tensors and Python containers, so it loads with
``torch.load(..., weights_only=True)`` (a checkpoint is data, never code).  It is first
written to a temporary file in the same folder and then renamed over the old one, so a crash
or a full disk while saving leaves the last good checkpoint in place.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.errors import GanzooError


def save_checkpoint(state: dict[str, Any], path: Path) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint as data, onto the CPU (``load_state_dict`` moves tensors to where
    the model lives); a damaged or foreign file is a clear error."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise GanzooError(f"No checkpoint at {path}.") from None
    except Exception as exc:  # noqa: BLE001 - unpickling errors come in many types
        raise GanzooError(
            f"Could not read the checkpoint {path} ({type(exc).__name__}: {exc}). It may be "
            "damaged or not a ganzoo checkpoint; start a new run with a different --out."
        ) from exc


def rng_state(device: torch.device) -> dict[str, Any]:
    """Every random state a run draws from: Python, NumPy, torch CPU and (if used) CUDA."""
    np_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
            "pos": np_state["state"]["pos"],
            "has_gauss": np_state["has_gauss"],
            "gauss": np_state["gauss"],
        },
        "torch": torch.get_rng_state(),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    n = state["numpy"]
    np.random.set_state({
        "bit_generator": "MT19937",
        "state": {"key": n["key"].numpy().astype(np.uint32), "pos": n["pos"]},
        "has_gauss": n["has_gauss"],
        "gauss": n["gauss"],
    })
    torch.set_rng_state(state["torch"])
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) for a reproducible run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
