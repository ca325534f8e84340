"""Checkpoints: their layout, written atomically, read as data only.

A checkpoint holds plain tensors and Python containers, so it loads with
``torch.load(..., weights_only=True)`` (a checkpoint is data, never code).  It is first
written to a temporary file in the same folder and then renamed over the old one, so a crash
or a full disk while saving leaves the last good checkpoint in place.

Layout (``format`` 2)::

    format, step, d_steps, elapsed_s,
    networks:   {name: state_dict}      the method's networks (generator, discriminator, ...)
    optimizers: {name: state_dict}      the method's optimizers
    method:     {...}                   the method's own state (an image pool, say)
    precision:  {name: state_dict}      fp16's loss scaler per optimizer (absent before it)
    ema, batches, rng                   the generator's average, data order, random states
    world_size, rank_rng                under torchrun: the processes, and ranks 1.. random states

Format 1 (one generator and one discriminator under fixed keys) is migrated on load; a
newer format is refused with a clear message.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo import distributed
from ganzoo.errors import GanzooError
from ganzoo.files import WriteError, atomic_writer

CHECKPOINT_FORMAT = 2


def pack(*, step: int, d_steps: int, elapsed_s: float, method: Any, precision: Any, ema: Any,
         batches: Any, rng: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything a run needs to resume exactly, in the current layout; ``rng`` holds each
    process's random state, by rank (one outside torchrun)."""
    return {
        "format": CHECKPOINT_FORMAT,
        "step": step,
        "d_steps": d_steps,
        "elapsed_s": elapsed_s,
        "networks": {k: m.state_dict() for k, m in method.networks().items()},
        "optimizers": {k: o.state_dict() for k, o in method.optimizers().items()},
        "method": method.state_dict(),
        "precision": precision.state_dict(method.optimizers()),
        "ema": ema.state_dict(),
        "batches": batches.state_dict(),
        "rng": rng[0],
        "world_size": len(rng),
        "rank_rng": rng[1:],
    }


#: What every checkpoint of the current format holds, and of which type.
REQUIRED = {"step": int, "d_steps": int, "elapsed_s": (int, float), "networks": dict,
            "optimizers": dict, "method": dict, "ema": dict, "batches": dict, "rng": dict}


def migrated(state: Any, path: Path) -> dict[str, Any]:
    """``state`` in the current layout: format 1 is converted, a newer one refused, a
    damaged one (keys missing or of the wrong type) refused with a clear message."""
    if not isinstance(state, dict) or not isinstance(state.get("format"), int):
        raise _damaged(path, "format")
    if state["format"] > CHECKPOINT_FORMAT:
        raise GanzooError(
            f"{path} has checkpoint format {state['format']}, which this ganzoo (format "
            f"{CHECKPOINT_FORMAT}) cannot read: it was written by a newer ganzoo. Upgrade "
            "ganzoo (pip install -U torch-ganzoo), or start a new run with another --out."
        )
    if state["format"] == 1:
        state = _from_format_1(state, path)
    bad = [k for k, kind in REQUIRED.items() if not isinstance(state.get(k), kind)]
    if not bad and "module" not in state["ema"]:
        bad = ["ema.module"]
    if state["format"] != CHECKPOINT_FORMAT or bad:
        raise _damaged(path, ", ".join(bad) or "format")
    return state


def _damaged(path: Path, what: str) -> GanzooError:
    return GanzooError(
        f"{path} is damaged ({what}: missing or of the wrong type). Resume from another copy "
        "of the run, or start a new run with another --out."
    )


def _from_format_1(state: dict[str, Any], path: Path) -> dict[str, Any]:
    """A checkpoint from before methods: one generator and one discriminator, fixed keys."""
    try:
        rest = {k: v for k, v in state.items() if k not in (
            "generator", "discriminator", "g_optimizer", "d_optimizer")}
        return {**rest, "format": CHECKPOINT_FORMAT, "method": {},
                "networks": {"generator": state["generator"],
                             "discriminator": state["discriminator"]},
                "optimizers": {"generator": state["g_optimizer"],
                               "discriminator": state["d_optimizer"]}}
    except KeyError as exc:
        raise _damaged(path, str(exc)) from None


def unpack(state: dict[str, Any], *, method: Any, precision: Any, ema: Any, batches: Any,
           path: Path) -> tuple[int, int, float]:
    """Restore a checkpoint into a freshly built run; returns ``(step, d_steps, elapsed_s)``."""
    state = migrated(state, path)
    networks, optimizers = method.networks(), method.optimizers()
    if set(state["networks"]) != set(networks) or set(state["optimizers"]) != set(optimizers):
        raise GanzooError(
            f"{path} holds networks {sorted(state['networks'])} and optimizers "
            f"{sorted(state['optimizers'])}, but this run's method builds {sorted(networks)} "
            f"and {sorted(optimizers)}: the checkpoint belongs to another kind of run. Start "
            "a new run with another --out."
        )
    try:
        for name, module in networks.items():
            module.load_state_dict(state["networks"][name])
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        method.load_state_dict(state["method"])
        precision.load_state_dict(state.get("precision", {}), optimizers)
        ema.load_state_dict(state["ema"])
    except (RuntimeError, KeyError, ValueError, TypeError) as exc:
        raise GanzooError(
            f"{path} does not fit the networks this run builds ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}). It was made with other settings; start a new run "
            "with another --out."
        ) from exc
    saved_world = int(state.get("world_size", 1))
    if saved_world != distributed.world_size():
        raise GanzooError(
            f"{path} was saved by a run of {saved_world} process(es); this one has "
            f"{distributed.world_size()}. A run resumes exactly only with the same number of "
            f"processes (each keeps its random state): resume it with torchrun "
            f"--nproc-per-node {saved_world}" + (" (or without torchrun)" if saved_world == 1
                                                 else "") + ", or start a new run with another --out."
        )
    batches.load_state_dict(state["batches"])
    rank = distributed.rank()
    set_rng_state(state["rng"] if rank == 0 else state["rank_rng"][rank - 1])
    return int(state["step"]), int(state["d_steps"]), float(state["elapsed_s"])


def save_checkpoint(state: dict[str, Any], path: Path) -> None:
    """Write ``state`` to ``path`` atomically and durably; if the disk is full (or a
    file-size limit or a permission stops it) the previous checkpoint stays as it was."""
    try:
        with atomic_writer(path) as handle:
            torch.save(state, handle)
    except WriteError as exc:
        then = ("Once that is fixed, continue the run from it with --resume." if path.is_file()
                else "No checkpoint was written; start the run again once that is fixed.")
        raise WriteError(
            f"Saving the checkpoint of step {state['step']} failed. {exc} {then}"
        ) from exc


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
