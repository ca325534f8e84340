"""Captions as character codes: a fixed alphabet, so no vocabulary is stored with a run.

Text-conditioned models read captions one character at a time (Reed et al. 2016's
char-CNN-RNN), so a caption is encoded as a row of :data:`CAPTION_LENGTH` integers: 1 + the
character's index in :data:`CAPTION_ALPHABET`, 0 for padding after the end.  Captions are
lowercased first; a character outside the alphabet is refused, a caption longer than the
row is cut.

A captioned dataset (``DataSpec.captioned``) yields the codes as the last tensor of each item
and lists the caption strings, in item order, as its ``captions`` attribute
(:func:`dataset_captions`): sampling without given text draws from them.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor

from ganzoo.errors import GanzooError

CAPTION_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .,;:!?'\"-()/&"
#: characters per encoded caption (Reed et al. used 201 for CUB; digit captions need ~35)
CAPTION_LENGTH = 96
_INDEX = {c: i + 1 for i, c in enumerate(CAPTION_ALPHABET)}


def encode_captions(texts: Sequence[str], length: int = CAPTION_LENGTH) -> Tensor:
    """``(len(texts), length)`` long codes of ``texts`` (lowercased, cut at ``length``,
    0-padded); a character outside :data:`CAPTION_ALPHABET` is a :class:`GanzooError`."""
    codes = torch.zeros(len(texts), length, dtype=torch.long)
    for row, text in enumerate(texts):
        text = " ".join(text.lower().split())  # newlines and runs of spaces: one space
        bad = sorted({c for c in text if c not in _INDEX})
        if bad:
            raise GanzooError(
                f"The caption {text!r} holds {', '.join(repr(c) for c in bad)}, which captions "
                f"cannot: they are read one character at a time from a fixed alphabet "
                f"(lowercase letters, digits, space and {CAPTION_ALPHABET[37:]}). Rewrite the "
                "caption with those characters."
            )
        if not text:
            raise GanzooError("A caption is empty; give each image or --text some words.")
        chars = text[:length]
        codes[row, :len(chars)] = torch.tensor([_INDEX[c] for c in chars])
    return codes


def decode_captions(codes: Tensor) -> list[str]:
    """The captions of ``(N, length)`` codes (padding dropped)."""
    return ["".join(CAPTION_ALPHABET[int(i) - 1] for i in row if int(i) > 0) for row in codes]


def dataset_captions(dataset: Any) -> list[str]:
    """The captions a captioned dataset lists (``dataset.captions``), in item order."""
    captions = getattr(dataset, "captions", None)
    if not captions:
        raise GanzooError(
            f"This dataset ({type(dataset).__name__}) lists no captions (a 'captions' "
            "attribute), so a text-conditioned model cannot draw text from it. Give the "
            "text to generate from (ganzoo sample RUN --text \"...\")."
        )
    return list(captions)
