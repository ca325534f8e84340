"""stacked-mnist: three mnist-5k digits as the R, G and B channels of one 28×28 image.

The mode-collapse benchmark of Metz et al. 2017 (Unrolled GAN), Srivastava et al. 2017
(VEEGAN) and Lin et al. 2018 (PacGAN): every image is one of 10³ = 1,000 digit triples,
so a generator that covers the data hits all 1,000 modes evenly.  The papers stack digits
of the full MNIST (PacGAN trains on 128,000 images); here the digits are mnist-5k's, so the
data ships with an installed package and is built in memory in a fraction of a second:

- ``train``: 26,000 images whose digits come from mnist-5k's 4,000 training digits — as
  many as the protocol's 26,000 generated samples, so the real data's row in a bench is
  measured on as many images as a generator's;
- ``test``: 10,000 images from its 1,000 held-out digits, which the digit classifier of
  the ``mode-count`` metric never saw.

Each channel's digit is drawn uniformly from the split's digits (a fixed seed per split);
mnist-5k holds as many digits of every class, so every mode is equally likely.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from ganzoo.api import check_split, resize
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices

NAME = "stacked-mnist"
CHANNELS = 3
NUM_MODES = 10**CHANNELS
SIZES = {"train": 26_000, "test": 10_000}
SEEDS = {"train": 1, "test": 2}


def mode_index(digits: Tensor) -> Tensor:
    """The mode ``100·r + 10·g + b`` of each row of digits ``(r, g, b)``: ``(N, 3) → (N,)``."""
    return digits @ torch.tensor([100, 10, 1], dtype=digits.dtype, device=digits.device)


def digit_triples(split: str) -> Tensor:
    """Indices into mnist-5k of each image's R, G and B digits, ``(size, 3)``; seeded."""
    pool = split_indices("mnist-5k", split)
    draw = torch.randint(len(pool), (SIZES[split], CHANNELS),
                         generator=torch.Generator().manual_seed(SEEDS[split]))
    return pool[draw]


def stacked_mnist(*, split: str = "train", image_size: int | None = None,
                  **_: object) -> TensorDataset:
    """``(image, mode)`` pairs: images ``(3, 28, 28)`` in [-1, 1], modes in 0..999."""
    check_split(NAME, split)
    images, labels = mnist_5k_arrays()
    triples = digit_triples(split)
    stacked = images[triples].flatten(1, 2)  # (N, 3, 1, 28, 28) -> (N, 3, 28, 28)
    return TensorDataset(resize(stacked, image_size), mode_index(labels[triples]))
