"""captioned-digits: mnist-5k's digits with captions from their label and measured attributes.

Each digit gets one caption, "a thick seven leaning right" say: its label's name and the
levels of the attributes :mod:`ganzoo_digits.attributes` measures on it (stroke thickness,
slant), in one of the caption orders of :data:`~ganzoo_digits.attributes.TEMPLATES` drawn
with a fixed seed, so the set holds every order and a model cannot lean on one.  Images and
splits are mnist-5k's; items are ``(image, label, caption codes)`` — the label where every
labeled dataset has it, so the domain feature extractor and class-conditional models work
here too — and the dataset's ``captions`` lists the caption strings in item order.
"""

from __future__ import annotations

import random
from functools import lru_cache

from torch.utils.data import TensorDataset

from ganzoo.api import encode_captions, resize
from ganzoo_digits.attributes import caption, levels, measure
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices

CAPTION_SEED = 0


@lru_cache(maxsize=None)
def all_captions() -> tuple[str, ...]:
    """The caption of each of mnist-5k's 5,000 digits (measured at 28×28, in their order)."""
    images, labels = mnist_5k_arrays()
    found = levels(measure(images))
    rng = random.Random(CAPTION_SEED)
    return tuple(caption(int(label), {name: int(level[i]) for name, level in found.items()}, rng)
                 for i, label in enumerate(labels))


def captioned_digits(*, split: str = "train", image_size: int | None = None,
                     **_: object) -> TensorDataset:
    idx = split_indices("mnist-5k", split)
    images, labels = mnist_5k_arrays()
    texts = [all_captions()[int(i)] for i in idx]
    data = TensorDataset(resize(images[idx], image_size), labels[idx], encode_captions(texts))
    data.captions = texts
    return data
