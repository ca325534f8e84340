"""DiffAugment (plugin ganzoo_diffaugment): each augmentation does what the paper says,
keeps the shape and lets gradients reach the images; the policy parses with '+' or ','
and refuses unknown names; the regularizer wraps D so that every call sees augmented
inputs, refuses points, and a recipe with it trains, resumes exactly and samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from ganzoo.api import DataSpec, IncompatibleError, load_run, train
from ganzoo.recipe import parse_part
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.config_file import parse_regularizers
from ganzoo_diffaugment.augmentations import (
    augment,
    brightness,
    contrast,
    cutout,
    parse_policy,
    saturation,
    translation,
)
from ganzoo_diffaugment.regularizer import DiffAugment
from ganzoo_gan.mlp import MLPDiscriminator

TINY = {"generator_options": {"base_channels": 4}, "discriminator_options": {"base_channels": 4}}


def _shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x`` (C×H×W) with pixel (i, j) taken from (i + dy, j + dx), zero outside."""
    out = torch.zeros_like(x)
    h, w = x.shape[1:]
    out[:, max(0, -dy):min(h, h - dy), max(0, -dx):min(w, w - dx)] = \
        x[:, max(0, dy):min(h, h + dy), max(0, dx):min(w, w + dx)]
    return out


def test_translation_shifts_each_sample_by_up_to_an_eighth_with_zero_fill():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 16, 16) + 1  # no zeros of its own
    out = translation(x)
    assert out.shape == x.shape
    shifts = []
    for sample, moved in zip(x, out):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if torch.equal(moved, _shifted(sample, dy, dx))]
        assert found, "not a zero-filled shift of at most 16/8 = 2 pixels"
        shifts.append(found[0])
    assert len(set(shifts)) > 1


def test_cutout_zeroes_one_rectangle_of_at_most_half_each_side():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 8, 8) + 1
    out = cutout(x)
    assert out.shape == x.shape
    for sample, cut in zip(x, out):
        hole = cut[0] == 0
        assert (cut == 0).eq(hole).all() and torch.equal(cut[:, ~hole], sample[:, ~hole])
        rows, cols = hole.any(1).nonzero().flatten(), hole.any(0).nonzero().flatten()
        assert 1 <= len(rows) <= 4 and 1 <= len(cols) <= 4
        assert hole[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # a rectangle
        assert int(hole.sum()) == len(rows) * len(cols)


def test_color_changes_keep_what_the_paper_keeps():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 4, 4)
    offset = brightness(x) - x
    assert torch.allclose(offset, offset[:, :1, :1, :1].expand_as(x))
    assert offset.abs().max() <= 0.5
    assert torch.allclose(saturation(x).mean(1), x.mean(1), atol=1e-6)    # gray stays
    assert torch.allclose(contrast(x).mean((1, 2, 3)), x.mean((1, 2, 3)), atol=1e-6)


@pytest.mark.parametrize("op", [translation, cutout, brightness, saturation, contrast])
def test_augmentations_keep_the_shape_and_let_gradients_reach_the_images(op):
    torch.manual_seed(0)
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    out = op(x)
    assert out.shape == x.shape
    (out * torch.randn_like(out)).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_draws_come_from_the_global_random_state():
    x = torch.randn(4, 3, 8, 8)
    policy = parse_policy("color,translation,cutout")
    torch.manual_seed(3)
    first = augment(x, policy)
    torch.manual_seed(3)
    assert torch.equal(first, augment(x, policy))
    assert not torch.equal(first, augment(x, policy))


def test_the_policy_takes_plus_or_comma_and_refuses_unknown_names():
    assert parse_policy("color+translation") == ("color", "translation")
    assert parse_policy("color, cutout") == ("color", "cutout")
    # the command line: --reg splits on commas, so '+' keeps the policy in one option
    (text,) = parse_regularizers(("diffaugment:policy=color+translation",))
    assert parse_part(text).options == {"policy": "color+translation"}
    with pytest.raises(IncompatibleError, match="unknown augmentation.*'zoom'"):
        parse_policy("color+zoom")
    with pytest.raises(IncompatibleError, match="unknown augmentation"):
        DiffAugment(policy="")


class _Recorder(nn.Module):
    in_shape = (3, 8, 8)

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, cond: Any = None) -> torch.Tensor:
        self.seen.append(x)
        return self.scale * x.flatten(1).sum(1)


def test_the_wrapped_discriminator_sees_augmented_inputs_and_keeps_its_weights():
    inner = _Recorder()
    D = DiffAugment(policy="translation+cutout").wrap_discriminator(inner)
    x = torch.rand(4, 3, 8, 8) + 1
    assert D(x).shape == (4,) and D.in_shape == (3, 8, 8)
    assert inner.seen[0].shape == x.shape and not torch.equal(inner.seen[0], x)
    assert list(D.state_dict()) == ["inner.scale"]


def test_points_and_image_pairs_are_refused():
    with pytest.raises(IncompatibleError, match="act on images.*judges inputs 2"):
        DiffAugment().wrap_discriminator(MLPDiscriminator(DataSpec((2,)), hidden=4))
    paired = _Recorder()
    paired.cond_channels = 1
    with pytest.raises(IncompatibleError, match="alignment"):
        DiffAugment().wrap_discriminator(paired)


def _train(out: Path, steps: int, resume: bool = False) -> Any:
    return train("dcgan", "digits", steps=steps, out=out, resume=resume, batch_size=8,
                 checkpoint_every=100, sample_every=100,
                 regularizers=("diffaugment:policy=color+translation+cutout", "r1"), **TINY)


def test_a_recipe_with_diffaugment_trains_resumes_exactly_and_samples(tmp_path):
    result = _train(tmp_path / "split", 2)
    assert result.last_losses["r1"] >= 0  # the penalty goes through the augmented D
    _train(tmp_path / "split", 4, resume=True)
    _train(tmp_path / "whole", 4)
    a = load_checkpoint(tmp_path / "split/checkpoints/last.pt")
    b = load_checkpoint(tmp_path / "whole/checkpoints/last.pt")
    assert all(key.startswith("inner.") for key in a["networks"]["discriminator"])
    for name in ("generator", "discriminator"):
        for key, value in a["networks"][name].items():
            assert torch.equal(value, b["networks"][name][key]), f"{name}.{key}"
    for key, value in a["ema"]["module"].items():
        assert torch.equal(value, b["ema"]["module"][key]), f"ema.{key}"
    assert load_run(tmp_path / "split").sample(3).shape == (3, 1, 8, 8)
