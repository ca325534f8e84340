"""pix2pix's PatchGAN discriminator (Isola et al. 2017): it scores overlapping patches.

A stack of 4×4 convolutions (C64-C128-C256-C512, the last at stride 1) returning a map
of raw scores, one per receptive field.  In pix2pix it sees the input image concatenated
with the real or generated output; with ``conditioning="none"`` it judges images alone and
can serve any unconditional image recipe.

The paper's default has 3 stride-2 layers: 70×70 patches on 256×256 images.  By default
``n_layers`` is chosen so that the patch covers about the same share of the image side
(70/256), so small images get smaller patches rather than one patch for the whole image.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganzoo.api import (
    BASE_CHANNELS,
    DataSpec,
    IncompatibleError,
    OptionRange,
    check_norm,
    check_options,
    doubling_widths,
    init_normal_,
    norm2d,
)

from ganzoo_pix2pix.paired import image_to_image_shapes

NORMS = ("batch", "instance", "layer", "none")
PAPER_PATCH_SHARE = 70 / 256
OPTION_RANGES = {"base_channels": BASE_CHANNELS, "n_layers": OptionRange(1, 8, integer=True)}


def receptive_field(n_layers: int) -> int:
    """The patch side seen by one output score: 16, 34, 70, 142... for 1, 2, 3, 4 layers."""
    field = 7  # the two stride-1 4×4 convolutions at the top
    for _ in range(n_layers):
        field = 2 * field + 2
    return field


def default_layers(side: int) -> int:
    """The stride-2 layer count whose patch side is nearest the paper's share of ``side``."""
    return min(range(1, 7), key=lambda n: abs(receptive_field(n) - PAPER_PATCH_SHARE * side))


class PatchGANDiscriminator(nn.Module):
    """``D(output, input_image)`` (or ``D(image)``) → a map of raw patch scores."""

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, int]:
        """The layer count for this data's size, recorded in a run's plan."""
        return {"n_layers": default_layers(min(spec.shape[1:]))} if spec.is_image else {}

    def __init__(self, spec: DataSpec, *, conditioning: str = "image", base_channels: int = 64,
                 norm: str = "batch", n_layers: int | None = None):
        super().__init__()
        check_options("patchgan discriminator", OPTION_RANGES, base_channels=base_channels,
                      n_layers=n_layers)
        if conditioning == "class" or not spec.is_image:
            raise IncompatibleError(
                "The patchgan discriminator judges images alone or together with an input "
                f"image; it takes neither class labels nor points (data: {spec.describe()}, "
                f"conditioning {conditioning!r}). Use the dcgan or mlp discriminator instead."
            )
        if conditioning == "image":
            self.cond_channels, _ = image_to_image_shapes(spec, conditioning, "patchgan discriminator")
        else:
            self.cond_channels = 0
        check_norm(norm, NORMS, "patchgan discriminator")
        self.in_shape = tuple(spec.shape)
        side = min(spec.shape[1:])
        n_layers = n_layers if n_layers is not None else default_layers(side)
        if side // 2**n_layers < 3:
            raise IncompatibleError(
                f"A patchgan with {n_layers} stride-2 layers needs images of at least "
                f"{3 * 2**n_layers} pixels a side, but they are {side}; pass fewer layers "
                "(--d-opt n_layers=1) or larger images (--image-size)."
            )
        self.n_layers = n_layers
        widths = doubling_widths(base_channels, n_layers + 1)
        layers: list[nn.Module] = [
            nn.Conv2d(self.cond_channels + spec.shape[0], widths[0], 4, 2, 1),
            nn.LeakyReLU(0.2, True),
        ]
        for i in range(1, n_layers + 1):
            stride = 2 if i < n_layers else 1
            layers += [nn.Conv2d(widths[i - 1], widths[i], 4, stride, 1, bias=norm == "none"),
                       norm2d(norm, widths[i]), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(widths[n_layers], 1, 4, 1, 1))
        self.net = init_normal_(nn.Sequential(*layers))

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        """A map of patch scores, shape ``(N, 1, h, w)``."""
        if self.cond_channels:
            x = torch.cat([cond, x], dim=1)
        return self.net(x)
