"""ProGAN's generator and discriminator (Karras et al. 2018, Table 2 and the authors'
networks.py), for square images whose side is 4·2^k, grown by the ``progan`` method.

G: z → pixel norm → dense to 4×4 → conv3×3, then per doubling nearest upsampling and two
conv3×3; leaky ReLU 0.2 and pixel norm after every conv; a 1×1 toRGB per resolution.
D mirrors it: a 1×1 fromRGB per resolution, per halving two conv3×3 and 2×2 average
pooling, then at 4×4 the minibatch standard deviation, conv3×3, dense, dense to one score;
no normalization.  Every layer has an equalized learning rate.

Both always work on the data's size: G's image at its current stage is enlarged (nearest
neighbour) to the data's side, and D shrinks what it is given (average pooling) to its
stage's side, so data, previews, sampling and metrics never see the growing.  Widths follow
the authors' ``min(fmap_base / 2^stage, fmap_max)`` with ``fmap_base = 16 · channels``:
``channels`` up to 32 px, halving with each doubling above.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganzoo.api import BASE_CHANNELS, DataSpec, OptionRange, check_options
from ganzoo_progan.growth import START, Growth, enlarge, final_stage, shrink, side
from ganzoo_progan.layers import EqualizedConv2d, EqualizedLinear, minibatch_stddev, pixel_norm

#: The paper's width, and a CPU-sized one for one-channel images up to 32 px (MNIST-like).
PAPER_WIDTH, SMALL_WIDTH = 512, 32
OPTION_RANGES = {"channels": BASE_CHANNELS}


def defaults_for(spec: DataSpec) -> dict[str, int]:
    """The paper's 512 channels; 32 on one-channel images up to 32 px (CPU-sized)."""
    if not spec.is_image:
        return {}
    small = spec.shape[0] == 1 and spec.shape[1] <= 32
    return {"channels": SMALL_WIDTH if small else PAPER_WIDTH}


def width(channels: int, stage: int) -> int:
    """The maps of the block working at ``side(stage)`` px."""
    return max(1, min(channels, 32 * channels // side(stage)))


def _act(x: Tensor) -> Tensor:
    return nn.functional.leaky_relu(x, 0.2)


class _UpBlock(nn.Module):
    """Nearest 2× upsampling, then two conv3×3, each with leaky ReLU and pixel norm."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, out_channels, 3)
        self.conv1 = EqualizedConv2d(out_channels, out_channels, 3)

    def forward(self, x: Tensor) -> Tensor:
        x = enlarge(x, 2 * x.shape[-1])
        x = pixel_norm(_act(self.conv0(x)))
        return pixel_norm(_act(self.conv1(x)))


class _DownBlock(nn.Module):
    """Two conv3×3 with leaky ReLU, then 2×2 average pooling."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3)

    def forward(self, x: Tensor) -> Tensor:
        x = _act(self.conv1(_act(self.conv0(x))))
        return shrink(x, x.shape[-1] // 2)


class ProGANGenerator(nn.Module):
    """z → 4×4 → up blocks to the current stage's side → toRGB (mixed with the previous
    stage's while fading in) → tanh, enlarged to the data's side."""

    option_ranges = OPTION_RANGES
    defaults_for = staticmethod(defaults_for)

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 channels: int = PAPER_WIDTH):
        super().__init__()
        check_options("progan generator", self.option_ranges, channels=channels)
        last = final_stage(spec, conditioning, "generator")
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.growth = Growth(last)
        widths = [width(channels, k) for k in range(last + 1)]
        # gain √2/4 on the dense layer, as the authors' code (matching their Theano nets)
        self.dense = EqualizedLinear(latent_dim, widths[0] * START * START,
                                     gain=math.sqrt(2) / 4)
        self.conv = EqualizedConv2d(widths[0], widths[0], 3)
        self.blocks = nn.ModuleList(_UpBlock(widths[k - 1], widths[k])
                                    for k in range(1, last + 1))
        self.to_rgb = nn.ModuleList(EqualizedConv2d(w, spec.shape[0], 1, gain=1.0)
                                    for w in widths)

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        stage, fading = self.growth.now()
        x = self.dense(pixel_norm(z)).view(z.shape[0], -1, START, START)
        x = pixel_norm(self.conv(pixel_norm(_act(x))))
        previous = x
        for k in range(1, stage + 1):
            previous, x = x, self.blocks[k - 1](x)
        image = torch.tanh(self.to_rgb[stage](x))
        if fading:
            coarse = enlarge(torch.tanh(self.to_rgb[stage - 1](previous)), side(stage))
            image = torch.lerp(coarse, image, self.growth.alpha().to(image.dtype))
        return enlarge(image, self.out_shape[-1])


class ProGANDiscriminator(nn.Module):
    """Image shrunk to the current stage's side → fromRGB → down blocks (the first mixed
    with the previous stage's fromRGB while fading in) → minibatch stddev, conv3×3, dense,
    dense: one raw score."""

    option_ranges = {**OPTION_RANGES, "group_size": OptionRange(1, 256, integer=True)}
    defaults_for = staticmethod(defaults_for)

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 channels: int = PAPER_WIDTH, group_size: int = 4):
        super().__init__()
        check_options("progan discriminator", self.option_ranges, channels=channels,
                      group_size=group_size)
        last = final_stage(spec, conditioning, "discriminator")
        self.in_shape = tuple(spec.shape)
        self.group_size = group_size
        self.growth = Growth(last)
        widths = [width(channels, k) for k in range(last + 1)]
        self.from_rgb = nn.ModuleList(EqualizedConv2d(spec.shape[0], w, 1) for w in widths)
        # blocks[k - 1] takes side(k) down to side(k - 1)
        self.blocks = nn.ModuleList(_DownBlock(widths[k], widths[k - 1])
                                    for k in range(1, last + 1))
        self.conv = EqualizedConv2d(widths[0] + 1, widths[0], 3)
        self.dense = EqualizedLinear(widths[0] * START * START, channels)
        self.score = EqualizedLinear(channels, 1, gain=1.0)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        stage, fading = self.growth.now()
        image = shrink(x, side(stage))
        h = _act(self.from_rgb[stage](image))
        if stage > 0:
            h = self.blocks[stage - 1](h)
            if fading:
                coarse = _act(self.from_rgb[stage - 1](shrink(image, side(stage - 1))))
                h = torch.lerp(coarse, h, self.growth.alpha().to(h.dtype))
        for k in range(stage - 1, 0, -1):
            h = self.blocks[k - 1](h)
        h = _act(self.conv(minibatch_stddev(h, self.group_size)))
        h = _act(self.dense(h.flatten(1)))
        return self.score(h).flatten()
