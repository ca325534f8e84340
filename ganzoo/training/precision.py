"""Mixed precision for a run's steps: ``fp32`` (the default), ``bf16`` or ``fp16``.

The loop runs every step of the method under ``torch.autocast`` with the plan's dtype:
convolutions and matrix products compute in bfloat16 or float16 while the weights, the
optimizers' state and the generator's moving average stay in float32.  bf16 keeps float32's
range, so gradients need nothing more; fp16 does not, so each optimizer gets its own
``GradScaler`` (losses scaled before backward, gradients unscaled and checked before the
step, the scale adapted), as PyTorch's AMP recipe for several models and optimizers says.
A method takes part through :meth:`Precision.minimize`; the scalers' state is checkpointed,
so an fp16 run resumes exactly.

Gradient penalties (WGAN-GP, R1) differentiate D with respect to its input and then
differentiate that again; ganzoo's compute them inside :func:`double_backward`: in float32,
so neither half precision's rounding nor loss scaling touch the penalty itself, and eagerly,
since a compiled graph (``--compile``, :func:`compile_networks`) cannot be differentiated
twice.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Any, ContextManager, Iterable, Iterator, Mapping

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from ganzoo.distributed import average_gradients
from ganzoo.plan import PRECISIONS

DTYPES: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16,
                                          "fp16": torch.float16}


class Precision:
    """The plan's precision on ``device``: :meth:`autocast` for the step, :meth:`minimize`
    for each optimizer update."""

    def __init__(self, name: str, device: torch.device | str):
        if name not in DTYPES:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {name!r}")
        self.name = name
        self.dtype = DTYPES[name]
        self.device_type = torch.device(device).type
        self._scalers: dict[int, torch.amp.GradScaler] = {}  # by id(optimizer)

    def autocast(self) -> ContextManager[Any]:
        """Where the step's forward passes run in the plan's dtype."""
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def _scaler(self, optimizer: Optimizer) -> torch.amp.GradScaler:
        scaler = self._scalers.get(id(optimizer))
        if scaler is None:
            scaler = self._scalers[id(optimizer)] = torch.amp.GradScaler(self.device_type)
        return scaler

    def minimize(self, loss: Tensor, optimizer: Optimizer) -> None:
        """One update of ``optimizer`` on ``loss``: gradients cleared, back-propagated
        (scaled under fp16, and the step skipped if they overflowed), averaged over the
        processes under torchrun, applied."""
        optimizer.zero_grad(set_to_none=True)
        if self.name != "fp16":
            loss.backward()
            average_gradients(optimizer)
            optimizer.step()
            return
        scaler = self._scaler(optimizer)
        scaler.scale(loss).backward()
        average_gradients(optimizer)  # still scaled: every process sees the same inf/NaN
        scaler.step(optimizer)
        scaler.update()

    def state_dict(self, optimizers: Mapping[str, Optimizer]) -> dict[str, Any]:
        """The loss scalers' state by optimizer name (empty unless fp16)."""
        return {name: self._scalers[id(opt)].state_dict()
                for name, opt in optimizers.items() if id(opt) in self._scalers}

    def load_state_dict(self, state: Mapping[str, Any], optimizers: Mapping[str, Optimizer]) -> None:
        for name, scaler_state in state.items():
            if name in optimizers:
                self._scaler(optimizers[name]).load_state_dict(scaler_state)


@contextmanager
def double_backward(tensor: Tensor) -> Iterator[None]:
    """Where a gradient penalty computes a gradient it differentiates again: in float32
    (autocast off on ``tensor``'s device) and eagerly (compiled graphs cannot be
    differentiated twice)."""
    with torch.autocast(tensor.device.type, enabled=False), \
            torch.compiler.set_stance("force_eager"):
        yield


def compile_networks(networks: Iterable[nn.Module], device: torch.device) -> None:
    """``torch.compile`` each network in place (its state_dict keys unchanged, so
    checkpoints and resume are as without it); with CUDA graphs on a GPU, where the
    launch overhead of small GAN steps dominates."""
    mode = "reduce-overhead" if device.type == "cuda" else None
    for network in networks:
        network.compile(mode=mode)
