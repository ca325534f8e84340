"""Which process this is, where it computes, and what processes share under ``torchrun``.

``torchrun --nproc-per-node N -m ganzoo train ...`` starts N processes that train one run
with data-parallel semantics (:func:`start` joins them: gloo on the CPU, NCCL on GPUs).  The
plan's batch size is the *global* batch: every process draws the same batch (the same data
order, latents and other random numbers, from the same seed) and keeps its own contiguous
rows of it (:func:`local_rows`, :func:`draw_local`); before each optimizer step the
gradients are averaged over the processes (:func:`average_gradients`).  So N processes
compute what one process computes with the whole batch, up to floating-point summation
order, and their networks stay identical.  Only the main process (rank 0) writes files or
prints.  Outside ``torch.distributed`` this is a single process of rank 0 and every helper
here is the identity.

Why not ``DistributedDataParallel``: a GAN step runs several forward passes per backward,
freezes D during G's update and differentiates twice for gradient penalties, three cases
where DDP's reducer needs workarounds (pytorch#47562).  One all-reduce of the gradients per
optimizer step (``torch.distributed``) gives DDP's synchronous semantics without them; it
does not overlap communication with the backward pass.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import torch
from torch import Tensor

from ganzoo.errors import GanzooError


def _initialized() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank() -> int:
    return torch.distributed.get_rank() if _initialized() else 0


def world_size() -> int:
    return torch.distributed.get_world_size() if _initialized() else 1


def is_main_process() -> bool:
    return rank() == 0


def launched() -> bool:
    """Whether torchrun started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def start(device: str) -> None:
    """Join the process group torchrun describes (NCCL for a CUDA ``device``, else gloo);
    nothing outside torchrun or when already joined."""
    if _initialized() or not launched():
        return
    backend = "nccl" if device.startswith("cuda") else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    torch.distributed.init_process_group(backend)


def finish() -> None:
    """Leave the process group (at the end of a distributed command)."""
    if _initialized():
        torch.distributed.destroy_process_group()


def wait_for_all() -> None:
    """Wait until every process gets here: the main one writes the last pictures while the
    others are done, and a process leaving the group early can abort its peers' transport."""
    if _initialized():
        torch.distributed.barrier()


def local_rows(whole: Tensor) -> Tensor:
    """This process's contiguous share of ``whole``, a batch every process holds alike."""
    world = world_size()
    if world == 1:
        return whole
    n = len(whole) // world
    return whole[rank() * n : (rank() + 1) * n]


def draw_local(n: int, draw: Callable[[int], Tensor]) -> Tensor:
    """``n`` rows of random numbers as a process's share of one draw for the whole batch
    (``draw(n · world size)``, the same on every process): N processes then use exactly
    the numbers one process would draw for the global batch."""
    return local_rows(draw(n * world_size()))


def average_gradients(optimizer: torch.optim.Optimizer) -> None:
    """Average the gradients of ``optimizer``'s parameters over the processes (one
    coalesced all-reduce); nothing outside torchrun."""
    if world_size() == 1:
        return
    grads = [p.grad for group in optimizer.param_groups for p in group["params"]
             if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    torch.distributed.all_reduce(flat)
    flat /= world_size()
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def mean_over_processes(values: dict[str, Tensor]) -> dict[str, Tensor]:
    """Logged losses averaged over the processes: each computed on its share of the batch."""
    if world_size() == 1 or not values:
        return values
    names = list(values)
    stacked = torch.stack([values[k].detach().float().reshape(()) for k in names])
    torch.distributed.all_reduce(stacked)
    return dict(zip(names, stacked / world_size()))


def any_process(flag: bool, device: torch.device) -> bool:
    """Whether ``flag`` holds on any process (a stop signal that reached only some)."""
    if world_size() == 1:
        return flag
    value = torch.tensor([float(flag)], device=device)
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return bool(value.item())


def from_main(obj: Any) -> Any:
    """The main process's ``obj`` on every process."""
    if world_size() == 1:
        return obj
    box = [obj]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


def gathered(obj: Any) -> list[Any]:
    """Every process's ``obj``, by rank, on every process."""
    if world_size() == 1:
        return [obj]
    out: list[Any] = [None] * world_size()
    torch.distributed.all_gather_object(out, obj)
    return out


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
