"""edges2digits: outline → digit pairs from mnist-5k, so pix2pix can train offline.

The input is the outer boundary of the binarized digit (dilation minus ink, a one-pixel
outline), in the same [-1, 1] convention as the digit: +1 on the outline, -1 elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import TensorDataset

from ganzoo.api import resize
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices


def edge_map(digits: Tensor) -> Tensor:
    """Outlines of ``(N, 1, H, W)`` digits in [-1, 1], as +1/-1 images of the same shape."""
    ink = (digits > 0).to(digits.dtype)  # binarize at mid-grey
    outline = F.max_pool2d(ink, kernel_size=3, stride=1, padding=1) - ink
    return torch.where(outline > 0, 1.0, -1.0).to(digits.dtype)


@lru_cache(maxsize=None)
def all_edges() -> Tensor:
    """The outlines of all 5,000 mnist-5k digits, in their stored order."""
    return edge_map(mnist_5k_arrays()[0])


def edges2digits(*, split: str = "train", image_size: int | None = None, **_: object) -> TensorDataset:
    idx = split_indices("mnist-5k", split)
    digits, labels = mnist_5k_arrays()
    pairs = TensorDataset(resize(all_edges()[idx], image_size), resize(digits[idx], image_size))
    pairs.target_labels = labels[idx]  # each target's class, for the metrics' domain extractor
    return pairs
