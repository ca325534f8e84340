"""edges2digits-unpaired: digit outlines (domain A) and digits (domain B) with the pairing
thrown away, so CycleGAN trains offline and can still be scored against the hidden pairs.

The train split holds edges2digits's training outlines in order and the same digits
shuffled by a fixed seed, so item i pairs an outline with an unrelated digit; both domains
have the same size, so the dataset stays a ``TensorDataset`` that ``Batcher`` shuffles and
resumes like any other.  The test split keeps each outline's true digit (``true_partners``):
translations A→B (and B→A) can be compared with the partner the model never saw paired.
``input_labels`` and ``target_labels`` give each A and B image's class, for the metrics'
domain extractor.
"""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

from ganzoo.api import resize
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices
from ganzoo_digits.edges import all_edges

#: seeds the permutation that separates each training outline from its digit
UNPAIRING_SEED = 1


def edges2digits_unpaired(*, split: str = "train", image_size: int | None = None,
                          **_: object) -> TensorDataset:
    idx = split_indices("mnist-5k", split)
    digits, labels = mnist_5k_arrays()
    partner = idx
    if split == "train":
        seed = torch.Generator().manual_seed(UNPAIRING_SEED)
        partner = idx[torch.randperm(len(idx), generator=seed)]
    data = TensorDataset(resize(all_edges()[idx], image_size), resize(digits[partner], image_size))
    data.input_labels, data.target_labels = labels[idx], labels[partner]
    data.true_partners = split != "train"
    return data
