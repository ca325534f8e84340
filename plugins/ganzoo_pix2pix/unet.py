"""pix2pix's U-Net generator (Isola et al. 2017), with its depth adapted to the image size.

An encoder of 4×4 stride-2 convolutions (C64-C128-C256-C512-C512...), a mirrored decoder
of transposed convolutions, and skip connections joining layer i to layer n−i.  The paper's
256×256 net goes down to 1×1 in 8 steps; here the depth is ``ceil(log2(side))`` (at most
``max_depth``), and an image whose sides are not multiples of ``2**depth`` is reflect-padded
on the way in and cropped on the way out, so 28×28, 32×32, 64×64 and 256×256 all work.
There is no latent vector: dropout in the first decoder layers is the noise, as in the paper.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import (
    BASE_CHANNELS,
    DataSpec,
    OptionRange,
    check_norm,
    check_options,
    doubling_widths,
    init_normal_,
    norm2d,
)

from ganzoo_pix2pix.paired import image_to_image_shapes

NORMS = ("batch", "instance", "none")
DROPOUT_LAYERS = 3  # the paper's CD512-CD512-CD512 at the start of the decoder
OPTION_RANGES = {"base_channels": BASE_CHANNELS, "dropout": OptionRange(0, 1),
                 "max_depth": OptionRange(1, 16, integer=True)}


class UNetGenerator(nn.Module):
    """``G(None, input_image)`` → output image in [-1, 1] (``latent_dim`` is 0)."""

    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, latent_dim: int = 0, conditioning: str = "image",
                 base_channels: int = 64, norm: str = "batch", dropout: float = 0.5,
                 max_depth: int = 8):
        super().__init__()
        check_options("unet generator", OPTION_RANGES, base_channels=base_channels,
                      dropout=dropout, max_depth=max_depth)
        in_channels, out_channels = image_to_image_shapes(spec, conditioning, "unet generator")
        check_norm(norm, NORMS, "unet generator")
        self.latent_dim = 0
        self.out_shape = tuple(spec.shape)
        self.cond_channels = in_channels
        side = min(spec.shape[1:])
        self.depth = depth = max(1, min(math.ceil(math.log2(side)), max_depth))
        widths = doubling_widths(base_channels, depth)

        # Encoder: no norm on the first layer (the paper) nor the innermost (1×1 at full depth).
        self.down = nn.ModuleList()
        for i, width in enumerate(widths):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(widths[i - 1] if i else in_channels, width, 4, 2, 1,
                                    bias=i in (0, depth - 1) or norm == "none"))
            if 0 < i < depth - 1:
                layers.append(norm2d(norm, width))
            self.down.append(nn.Sequential(*layers))

        # Decoder, innermost first: each layer sees the previous output and its skip.
        self.up = nn.ModuleList()
        for j in reversed(range(depth)):
            cin = widths[j] * (1 if j == depth - 1 else 2)
            if j == 0:
                layers = [nn.ReLU(), nn.ConvTranspose2d(cin, out_channels, 4, 2, 1), nn.Tanh()]
            else:
                layers = [nn.ReLU(),
                          nn.ConvTranspose2d(cin, widths[j - 1], 4, 2, 1, bias=norm == "none"),
                          norm2d(norm, widths[j - 1])]
                if depth - 1 - j < DROPOUT_LAYERS and dropout > 0:
                    layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))
        init_normal_(self)

    def _padding(self, height: int, width: int) -> tuple[int, int, int, int]:
        multiple = 2**self.depth
        ph, pw = -height % multiple, -width % multiple
        return pw // 2, pw - pw // 2, ph // 2, ph - ph // 2

    def forward(self, z: Tensor | None, cond: Tensor) -> Tensor:
        height, width = cond.shape[-2:]
        pad = self._padding(height, width)
        left, top = pad[0], pad[2]
        h = F.pad(cond, pad, mode="reflect") if any(pad) else cond
        skips = []
        for layer in self.down:
            h = layer(h)
            skips.append(h)
        for j, layer in zip(reversed(range(self.depth)), self.up):
            h = layer(h if j == self.depth - 1 else torch.cat([h, skips[j]], dim=1))
        return h[..., top:top + height, left:left + width]
