"""Digit attributes and captions (ganzoo_digits.attributes): the measures order hand-made
digits correctly, the fixed thresholds are mnist-5k's, and captions parse back."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from ganzoo.errors import GanzooError
from ganzoo_digits.attributes import (
    ATTRIBUTES,
    DIGIT_NAMES,
    TEMPLATES,
    THRESHOLDS,
    caption,
    levels,
    measure,
    parse,
)
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices


def bar(width: int, shear: float = 0.0, size: int = 28) -> torch.Tensor:
    """A vertical stroke 20 px tall in [-1, 1]; ``shear`` > 0 moves its top to the right."""
    image = -torch.ones(1, 1, size, size)
    for row in range(4, 24):
        left = round(12 + shear * (14 - row))
        image[0, 0, row, left:left + width] = 1.0
    return image


def test_thicker_stroke_measures_thicker():
    values = measure(torch.cat([bar(1), bar(2), bar(3), bar(5)]))["thickness"]
    assert torch.all(values[1:] > values[:-1])
    assert values[2] == pytest.approx(3.0, abs=0.1)  # px of a 3 px bar
    assert levels({"thickness": values})["thickness"].tolist() == [0, 0, 1, 1]


def test_sheared_digit_leans_the_right_way():
    slant = measure(torch.cat([bar(2, -0.5), bar(2), bar(2, 0.5)]))["slant"]
    assert slant[0] < -20 and abs(slant[1]) < 1e-3 and slant[2] > 20
    assert levels({"slant": slant})["slant"].tolist() == [0, 1, 2]
    assert ATTRIBUTES["slant"][2] == "leaning right"


def test_measured_at_28_px_whatever_the_image_size():
    small, large = measure(bar(3)), measure(torch.nn.functional.interpolate(bar(3), size=56))
    assert large["thickness"].item() == pytest.approx(small["thickness"].item(), abs=0.3)
    with pytest.raises(GanzooError, match="grey digits"):
        measure(torch.zeros(2, 3, 28, 28))


def test_thresholds_are_quantiles_of_mnist_5k_train():
    images, _ = mnist_5k_arrays()
    values = measure(images[split_indices("mnist-5k", "train")])
    median = torch.quantile(values["thickness"], 0.5).item()
    assert median == pytest.approx(THRESHOLDS["thickness"][0], abs=0.01)
    q = torch.quantile(values["slant"], torch.tensor([0.2, 0.6])).tolist()
    assert q == pytest.approx(list(THRESHOLDS["slant"]), abs=0.01)
    share = {name: torch.bincount(level).float() / len(level)
             for name, level in levels(values).items()}
    assert share["thickness"].tolist() == pytest.approx([0.5, 0.5], abs=0.01)
    assert share["slant"].tolist() == pytest.approx([0.2, 0.4, 0.4], abs=0.01)


@pytest.mark.parametrize("template", range(len(TEMPLATES)))
def test_caption_and_parse_round_trip(template):
    rng = random.Random()
    rng.randrange = lambda n: template  # every template, each digit and level
    for digit, thick, slant in itertools.product(range(10), range(2), range(3)):
        text = caption(digit, {"thickness": thick, "slant": slant}, rng)
        assert parse(text) == {"digit": digit, "thickness": thick, "slant": slant}, text


def test_caption_words_and_orders():
    assert caption(7, {"thickness": 1, "slant": 2}) == "a thick seven leaning right"
    assert caption(8, {"slant": 1}) == "an eight upright"
    texts = {caption(7, {"thickness": 1, "slant": 2}, random.Random(seed)) for seed in range(40)}
    assert "seven, thick, leaning right" in texts and len(texts) == len(TEMPLATES)
    assert DIGIT_NAMES[2] == "two"
    assert parse("A thin two, leaning left.") == {"digit": 2, "thickness": 0, "slant": 0}


def test_parse_refuses_unknown_and_doubled_words():
    with pytest.raises(GanzooError, match='unknown word .fat.*"thick"'):
        parse("a fat seven")
    with pytest.raises(GanzooError, match="twice"):
        parse("thin seven thick")
    assert parse("seven seven") == {"digit": 7}
