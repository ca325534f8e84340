"""Which process this is and where it computes.

The training loop is meant to run under ``torchrun`` with DistributedDataParallel later: only
the main process (rank 0) writes files or prints, every process draws its own shard of the
data, and each process picks the GPU of its local rank.  Outside ``torch.distributed`` this
is a single process of rank 0.
"""

from __future__ import annotations

import os

import torch

from ganzoo.errors import GanzooError


def _initialized() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank() -> int:
    return torch.distributed.get_rank() if _initialized() else 0


def world_size() -> int:
    return torch.distributed.get_world_size() if _initialized() else 1


def is_main_process() -> bool:
    return rank() == 0


def resolve_device(name: str) -> torch.device:
    """``cpu``, ``cuda`` or ``cuda:N`` as a device, refusing CUDA where there is none.

    A bare ``cuda`` under torchrun means the GPU of this process's ``LOCAL_RANK``.
    """
    try:
        device = torch.device(name)
    except RuntimeError:
        raise GanzooError(f"Unknown device {name!r}; use 'cpu' or 'cuda' (or 'cuda:N').") from None
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise GanzooError(f"Device {name!r} is not supported; use 'cpu' or 'cuda'.")
    if not torch.cuda.is_available():
        raise GanzooError(
            f"--device {name} was asked for, but PyTorch sees no CUDA GPU here (torch "
            f"{torch.__version__}, CUDA build: {torch.version.cuda or 'no'}). Use --device "
            "cpu, or run on a machine with an NVIDIA GPU and a CUDA build of PyTorch."
        )
    if device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if device.index >= torch.cuda.device_count():
        raise GanzooError(
            f"--device {name}: there are only {torch.cuda.device_count()} CUDA device(s)."
        )
    return device
