"""Attributes measured on digit images, and the captions built from them.

``captioned-digits`` captions, the text→image eval and latent arithmetic all need the same
words for the same images, so the measures, their fixed thresholds and the caption grammar
live here.  Two attributes (their words in :data:`ATTRIBUTES`):

- **thickness**: stroke width in px of the binarized digit (ink > mid-grey), read as the short
  side of the rectangle with the digit's ink area and perimeter (area ``A`` = w·l, edge count
  ``P`` = 2(w + l), so w = (P/2 − √(P²/4 − 4A)) / 2).
- **slant**: the lean from the ink's second moments, atan(−μ11/μ02) in degrees; positive means
  the top of the digit lies to the right of its bottom (leaning right).

Ink *height* is not an attribute: MNIST scales every digit to a 20 px box, so it is 20 px for
nearly all of them (train split: 10–20 px, every quantile 20).  Images of any size are measured
at 28×28 (resized), so the fixed thresholds hold at any ``image_size``.

Thresholds (:data:`THRESHOLDS`) were measured on mnist-5k's train split (4,000 digits) with
:func:`measure`, rounded to two decimals: the median for thickness (two levels, 50 % each); the
20th and 60th percentiles for slant (20 % / 40 % / 40 %), not the terciles, because MNIST leans
right more often than left and the terciles (0.59°, 14.74°) would call a vertical stroke
"leaning left"; with these, "upright" spans −5.43° to 11.70°.
"""

from __future__ import annotations

import random
import re

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import GanzooError

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "thickness": ("thin", "thick"),
    "slant": ("leaning left", "upright", "leaning right"),
}
DIGIT_NAMES: tuple[str, ...] = ("zero", "one", "two", "three", "four", "five", "six", "seven",
                                "eight", "nine")

#: level ``i`` holds values in [THRESHOLDS[name][i-1], THRESHOLDS[name][i]) (see the module doc)
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "thickness": (2.04,),  # px
    "slant": (-5.43, 11.70),  # degrees
}

MEASURE_SIZE = 28
_FILLERS = frozenset({"a", "an", "the"})

#: Caption orders: (attributes before the digit, attributes after it, separator, article).
#: Slant reads only after the digit ("a thick seven leaning right").
TEMPLATES: tuple[tuple[tuple[str, ...], tuple[str, ...], str, bool], ...] = (
    (("thickness",), ("slant",), " ", True),  # a thick seven leaning right
    ((), ("thickness", "slant"), ", ", False),  # seven, thick, leaning right
    ((), ("slant", "thickness"), ", ", True),  # a seven, leaning right, thick
    (("thickness",), ("slant",), ", ", False),  # thick seven, leaning right
)


def measure(images: Tensor) -> dict[str, Tensor]:
    """Per-image ``thickness`` (px) and ``slant`` (degrees) of ``(N, 1, H, W)`` digits in
    [-1, 1] (light ink on a dark background, as mnist-5k); float tensors of shape ``(N,)``."""
    x = images.detach().float().cpu()
    if x.dim() != 4 or x.shape[1] != 1:
        raise GanzooError(f"attributes are measured on (N, 1, H, W) grey digits, got shape "
                          f"{tuple(x.shape)}")
    if x.shape[-2:] != (MEASURE_SIZE, MEASURE_SIZE):
        x = F.interpolate(x, size=(MEASURE_SIZE, MEASURE_SIZE), mode="bilinear",
                          align_corners=False)
    return {"thickness": _thickness(x[:, 0] > 0), "slant": _slant(((x[:, 0] + 1) / 2).clamp(0, 1))}


def _thickness(ink: Tensor) -> Tensor:
    binary = ink.float()
    area = binary.sum((1, 2))
    pad = F.pad(binary, (1, 1, 1, 1))
    edges = (pad[:, 1:] != pad[:, :-1]).sum((1, 2)) + (pad[:, :, 1:] != pad[:, :, :-1]).sum((1, 2))
    perimeter = edges.float()
    half = perimeter / 2
    return (half - (half ** 2 - 4 * area).clamp(min=0).sqrt()) / 2


def _slant(ink: Tensor) -> Tensor:
    _, h, w = ink.shape
    ys = torch.arange(h, dtype=ink.dtype).view(1, h, 1)
    xs = torch.arange(w, dtype=ink.dtype).view(1, 1, w)
    mass = ink.sum((1, 2)).clamp(min=1e-6)
    dy = ys - ((ink * ys).sum((1, 2)) / mass).view(-1, 1, 1)
    dx = xs - ((ink * xs).sum((1, 2)) / mass).view(-1, 1, 1)
    mu11 = (ink * dy * dx).sum((1, 2)) / mass
    mu02 = (ink * dy ** 2).sum((1, 2)) / mass
    return torch.rad2deg(torch.atan(-mu11 / mu02.clamp(min=1e-6)))  # rows grow downwards: minus


def levels(values: dict[str, Tensor]) -> dict[str, Tensor]:
    """Index into ``ATTRIBUTES[name]`` per image (long ``(N,)``) for each measured attribute."""
    return {name: torch.bucketize(value, torch.tensor(THRESHOLDS[name], dtype=value.dtype),
                                  right=True)
            for name, value in values.items()}


def caption(label: int, levels_of_one: dict[str, int], rng: random.Random | None = None) -> str:
    """A caption for digit ``label`` with the given attribute levels ("a thick seven leaning
    right"); ``rng`` picks one of :data:`TEMPLATES`, without it the first.  Attributes left
    out of ``levels_of_one`` are left out of the caption."""
    front, back, sep, article = TEMPLATES[rng.randrange(len(TEMPLATES)) if rng is not None else 0]
    for name in levels_of_one:
        if name not in ATTRIBUTES:
            raise GanzooError(f"unknown attribute {name!r}; the attributes are "
                              f"{', '.join(ATTRIBUTES)}")

    def words(names: tuple[str, ...]) -> list[str]:
        return [ATTRIBUTES[n][int(levels_of_one[n])] for n in names if n in levels_of_one]

    head = " ".join([*words(front), DIGIT_NAMES[int(label)]])
    if article:
        head = ("an " if head[0] in "aeiou" else "a ") + head
    return sep.join([head, *words(back)])


def _phrases() -> dict[str, tuple[str, int]]:
    table = {name: ("digit", i) for i, name in enumerate(DIGIT_NAMES)}
    for attr, words in ATTRIBUTES.items():
        table.update({word: (attr, i) for i, word in enumerate(words)})
    return table


def parse(text: str) -> dict[str, int]:
    """What a caption asks for: ``"thick seven"`` -> ``{"digit": 7, "thickness": 1}``.

    Words are matched case-insensitively, commas and full stops are ignored, and "a", "an",
    "the" are skipped; any other word, or one attribute given twice, is refused."""
    table = _phrases()
    longest = max(len(p.split()) for p in table)
    tokens = [t for t in re.split(r"[\s,.;]+", text.lower()) if t]
    found: dict[str, int] = {}
    i = 0
    while i < len(tokens):
        if tokens[i] in _FILLERS:
            i += 1
            continue
        for n in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in table:
                key, value = table[phrase]
                if key in found and found[key] != value:
                    raise GanzooError(f"{text!r} gives the {key} twice; give each at most once")
                found[key] = value
                i += n
                break
        else:
            known = ", ".join(f'"{p}"' for p in table)
            raise GanzooError(f"{text!r}: unknown word {tokens[i]!r}. Captions of digits use "
                              f"only these words (plus a, an, the and commas): {known}")
    return found
