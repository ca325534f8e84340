"""Endless shuffled batches with a position that a checkpoint can save and restore.

Datasets that fit in memory are ``TensorDataset``s: their batches are taken by indexing the
tensors directly (moved to the device once when small enough), with no DataLoader, worker
processes or per-item collation.  Any other ``Dataset`` goes through a DataLoader over the
same index order.  Shuffling draws from the batcher's own ``torch.Generator``, so the data
order of a resumed run is exactly that of an uninterrupted one, whatever else used the
global random state.  Each epoch drops its last incomplete batch (batch statistics stay
comparable).  ``batch_size`` is the global batch: under ``torch.distributed`` every process
draws the same order and takes its own contiguous rows of each batch, so N processes see
exactly the samples one process sees.
A run resumed on a dataset of another size (``--data-root`` may change) cannot continue the
saved order: it starts that epoch over on the new data, with a warning.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, TensorDataset, default_collate

from ganzoo import distributed
from ganzoo.errors import GanzooError, GanzooWarning

#: In-memory datasets up to this size are copied to the training device once.
DEVICE_COPY_LIMIT_BYTES = 2 * 1024**3


def _to_batch(items: Any) -> tuple[Tensor, ...]:
    return tuple(items) if isinstance(items, (tuple, list)) else (items,)


def _rows(t: Tensor, channels_last: bool) -> tuple[Tensor, bool]:
    """``t`` laid out so each sample is one contiguous row, and whether it was permuted.

    Gathering rows with ``index_select`` is several times faster than fancy indexing; a
    channels-last image batch is gathered as NHWC rows and viewed back as NCHW.
    """
    if channels_last and t.dim() == 4:
        return t.permute(0, 2, 3, 1).contiguous(), True
    return t.contiguous(), False


def _format(t: Tensor, channels_last: bool) -> Tensor:
    if channels_last and t.dim() == 4:
        return t.contiguous(memory_format=torch.channels_last)
    return t


class Batcher:
    """Shuffled batches of ``dataset`` on ``device``, forever; see the module docstring."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        *,
        device: torch.device | str = "cpu",
        seed: int = 0,
        channels_last: bool = False,
        num_workers: int | None = None,
    ):
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.channels_last = channels_last
        self._size = len(dataset)  # type: ignore[arg-type]
        self._rank, self._world = distributed.rank(), distributed.world_size()
        if batch_size % self._world:
            raise GanzooError(
                f"The batch size {batch_size} is the global batch, shared by {self._world} "
                f"processes, so it must be a multiple of {self._world}. Pass --batch-size "
                f"{batch_size - batch_size % self._world or self._world}, or use another "
                "number of processes."
            )
        self._local = batch_size // self._world  # this process's rows of each batch
        if self._size < batch_size:
            raise GanzooError(
                f"The dataset has {self._size} samples, fewer than one batch of {batch_size}. "
                "Pass a smaller --batch-size."
            )
        self._generator = torch.Generator().manual_seed(seed)
        self._epoch_rng = self._generator.get_state()
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0
        self.epoch = -1
        self._rows: tuple[tuple[Tensor, bool], ...] | None = None
        self._dataset = dataset
        self._iterator: Any = None
        if isinstance(dataset, TensorDataset):
            tensors = dataset.tensors
            if sum(t.nbytes for t in tensors) <= DEVICE_COPY_LIMIT_BYTES:
                tensors = tuple(t.to(self.device) for t in tensors)
            self._rows = tuple(_rows(t, channels_last) for t in tensors)
        elif num_workers is None:
            num_workers = min(4, max(0, (os.cpu_count() or 1) - 2))
        self._num_workers = num_workers or 0
        self._start_epoch(self._generator.get_state())

    def _start_epoch(self, rng_state: Tensor) -> None:
        self._epoch_rng = rng_state
        self._generator.set_state(rng_state)
        order = torch.randperm(self._size, generator=self._generator)
        usable = len(order) - len(order) % self.batch_size
        self._order = order[:usable]
        self.epoch += 1
        self._position = 0
        self._iterator = None
        if self._rows is not None:
            self._order = self._order.to(self._rows[0][0].device)

    def _loader(self, start: int) -> Any:
        """A DataLoader over the rest of this epoch's order, from ``start``."""
        mine = slice(self._rank * self._local, (self._rank + 1) * self._local)
        batches = self._order[start:].view(-1, self.batch_size)[:, mine].tolist()
        return iter(DataLoader(
            self._dataset, batch_sampler=batches, num_workers=self._num_workers,
            pin_memory=self.device.type == "cuda",
        ))

    def __iter__(self) -> "Batcher":
        return self

    def __next__(self) -> tuple[Tensor, ...]:
        if self._position == len(self._order):
            self._start_epoch(self._generator.get_state())
        start = self._position
        self._position = start + self.batch_size
        if self._rows is not None:
            index = self._order[start + self._rank * self._local :
                                start + (self._rank + 1) * self._local]
            return tuple(t.index_select(0, index).permute(0, 3, 1, 2) if nhwc
                         else t.index_select(0, index) for t, nhwc in self._rows)
        if self._iterator is None:
            self._iterator = self._loader(start)
        batch = _to_batch(next(self._iterator))
        return tuple(
            _format(t.to(self.device, non_blocking=True), self.channels_last) for t in batch
        )

    def state_dict(self) -> dict[str, Any]:
        """Where the batches are: this epoch's shuffling seed state, the position in it and
        the size of the dataset the order was drawn for."""
        return {"epoch_rng": self._epoch_rng.clone(), "epoch": self.epoch,
                "position": self._position, "size": self._size}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = state["epoch"] - 1
        self._start_epoch(state["epoch_rng"])
        size = state.get("size", self._size)  # older checkpoints did not record it
        if size == self._size and state["position"] <= len(self._order):
            self._position = state["position"]
            return
        warnings.warn(
            f"The dataset has {self._size} samples now"
            + (f", {size} when the checkpoint was saved" if size != self._size else "")
            + f": the data changed, so epoch {self.epoch} starts over on the new data.",
            GanzooWarning, stacklevel=2,
        )


def fixed_sample(dataset: Dataset, count: int) -> tuple[Tensor, ...]:
    """Up to ``count`` samples spread evenly over the dataset, always the same ones: the
    fixed inputs of image-to-image sample grids and the real data under scatter plots."""
    size = len(dataset)  # type: ignore[arg-type]
    step = max(1, size // count)
    if isinstance(dataset, TensorDataset):
        return tuple(t[::step][:count] for t in dataset.tensors)
    return _to_batch(default_collate([dataset[i] for i in range(0, size, step)][:count]))
