"""Exponential moving average of the generator's weights, the model that samples are drawn from.

The update is torch's own ``get_ema_multi_avg_fn`` (one fused ``foreach`` lerp over all
parameters and float buffers), applied to tensor lists gathered once.  We do not go through
``AveragedModel.update_parameters``: it regroups the tensors on every call and tests
``n_averaged == 0``, which waits for the GPU at every step.

The decay warms up as ``min(decay, (1 + t) / (10 + t))`` (as TensorFlow's
``ExponentialMovingAverage`` with ``num_updates``), so that a short run's average is not
dominated by the random initial weights.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import get_ema_multi_avg_fn


class GeneratorEMA:
    """An averaged copy of ``generator``; ``module`` is the copy (eval mode, no grads)."""

    def __init__(self, generator: nn.Module, decay: float):
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"EMA decay must lie in [0, 1], not {decay}")
        self.decay = decay
        self.updates = 0
        self.module = copy.deepcopy(generator).eval().requires_grad_(False)
        self._pairs = self._tensor_lists(generator)

    def _tensor_lists(self, generator: nn.Module) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        """(averaged float tensors, their sources, copied other buffers, their sources)."""
        avg: tuple[list[Any], list[Any]] = ([], [])
        copied: tuple[list[Any], list[Any]] = ([], [])
        mine = [*self.module.parameters(), *self.module.buffers()]
        theirs = [*generator.parameters(), *generator.buffers()]
        for e, g in zip(mine, theirs, strict=True):
            target = avg if e.is_floating_point() else copied
            target[0].append(e.detach())
            target[1].append(g.detach())
        return (*avg, *copied)

    def decay_at(self, updates: int) -> float:
        return min(self.decay, (1 + updates) / (10 + updates))

    @torch.no_grad()
    def update(self) -> None:
        """Move the average towards the generator's current weights (once per G step)."""
        self.updates += 1
        ema, current, ema_other, current_other = self._pairs
        if ema:
            get_ema_multi_avg_fn(self.decay_at(self.updates))(ema, current, None)
        for e, g in zip(ema_other, current_other):
            e.copy_(g)

    def state_dict(self) -> dict[str, Any]:
        return {"module": self.module.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.module.load_state_dict(state["module"])
        self.updates = int(state["updates"])
