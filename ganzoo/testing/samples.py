"""The sample data contract checks build parts for: one spec per kind of data ganzoo knows.

A part *claims* a kind of data by building for its spec; refusing with an
``IncompatibleError`` (the contract's way of saying "not for this data") is not a failure.
Sizes match the built-in datasets (2-D points, 28×28 digits, 32×32 colour photos, paired
28×28 images), so a part sized for real data is checked at a size it really meets.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ganzoo.data.spec import DataSpec
from ganzoo.data.text import CAPTION_ALPHABET, CAPTION_LENGTH

BATCH = 4
LATENT_DIM = 16


@dataclass(frozen=True)
class Sample:
    """A kind of data and a conditioning a part may claim."""

    label: str
    spec: DataSpec
    conditioning: str = "none"


SAMPLES: tuple[Sample, ...] = (
    Sample("points", DataSpec((2,), num_classes=8)),
    Sample("points, class-conditional", DataSpec((2,), num_classes=8), "class"),
    Sample("gray 28×28", DataSpec((1, 28, 28), num_classes=10)),
    Sample("gray 28×28, class-conditional", DataSpec((1, 28, 28), num_classes=10), "class"),
    Sample("colour 32×32", DataSpec((3, 32, 32), num_classes=10)),
    Sample("colour 32×32, class-conditional", DataSpec((3, 32, 32), num_classes=10), "class"),
    Sample("captioned gray 28×28", DataSpec((1, 28, 28), num_classes=10, captioned=True), "text"),
    Sample("paired gray 28×28 → 28×28", DataSpec((1, 28, 28), paired=True,
                                                 input_shape=(1, 28, 28)), "image"),
)


def data(spec: DataSpec, n: int = BATCH, seed: int = 0) -> Tensor:
    """``n`` samples shaped as ``spec`` says, in [-1, 1]."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, *spec.shape, generator=generator) * 2 - 1


def condition(sample: Sample, n: int = BATCH, seed: int = 1) -> Tensor | None:
    """What both networks receive beside their input: class labels, input images, caption
    codes (random characters) or nothing."""
    generator = torch.Generator().manual_seed(seed)
    if sample.conditioning == "class":
        return torch.randint(sample.spec.num_classes, (n,), generator=generator)
    if sample.conditioning == "image":
        assert sample.spec.input_shape is not None
        return torch.rand(n, *sample.spec.input_shape, generator=generator) * 2 - 1
    if sample.conditioning == "text":
        return torch.randint(1, len(CAPTION_ALPHABET) + 1, (n, CAPTION_LENGTH), generator=generator)
    return None
