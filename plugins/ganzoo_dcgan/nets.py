"""DCGAN generator and discriminator (Radford et al. 2016), for many image sizes.

The paper's guidelines: strided convolutions in D and fractional-strided ones in G (no
pooling), batch normalization in both (not on D's input layer), ReLU in G with a Tanh
output, LeakyReLU(0.2) in D, no fully connected hidden layers.  The paper's nets are for
64×64; here G starts from a 4×4 or 7×7 map and doubles until the data's size (D mirrors
it), so 8, 14, 16, 28, 32, 56, 64, 128... all build, with any number of channels.

With ``conditioning="class"`` (Mirza & Osindero 2014, convolutional version) G gets a
one-hot label concatenated to ``z`` and D gets it as extra constant input channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
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

START_SIZES = (4, 7)
D_NORMS = ("batch", "layer", "none")
OPTION_RANGES = {"base_channels": BASE_CHANNELS, "image_size": OptionRange(1, integer=True)}


def _supported_sizes(limit: int = 256) -> list[int]:
    return sorted(s * 2**k for s in START_SIZES for k in range(1, 8) if s * 2**k <= limit)


def _layout(spec: DataSpec, conditioning: str, image_size: int | None, part: str) -> tuple[int, int]:
    """``(start, doublings)`` such that ``start * 2**doublings`` is the data's side, or a refusal."""
    if not spec.is_image:
        raise IncompatibleError(
            f"The dcgan {part} is convolutional and builds for images, but the data is "
            f"{spec.describe()}. Use --{part} mlp for points (every recipe's default there)."
        )
    if conditioning == "image":
        raise IncompatibleError(
            f"The dcgan {part} does not take an input image. For image-to-image translation "
            "use the pix2pix recipe, or --generator unet --discriminator patchgan."
        )
    _, height, width = spec.shape
    if image_size is not None and image_size != height:
        raise IncompatibleError(
            f"This dcgan is built for {image_size}×{image_size} but the data is "
            f"{height}×{width}; resize the data with --image-size {image_size}, or drop the "
            f"image_size option to build for the data's own size."
        )
    if height != width:
        raise IncompatibleError(
            f"The dcgan {part} needs square images, but the data is {height}×{width}; "
            "resize it with --image-size N."
        )
    for start in START_SIZES:
        doublings = 0
        while start * 2**doublings < height:
            doublings += 1
        if doublings >= 1 and start * 2**doublings == height:
            return start, doublings
    sizes = ", ".join(str(s) for s in _supported_sizes())
    raise IncompatibleError(
        f"The dcgan {part} cannot build for {height}×{width} images: it starts from 4×4 or "
        f"7×7 and doubles, so it supports {sizes} and so on. Resize the data with "
        f"--image-size (e.g. --image-size 32)."
    )


def _defaults_for(spec: DataSpec) -> dict[str, int]:
    """The base width for this data: 32 up to 32 px (MNIST-sized data: several times
    cheaper on a CPU, no worse digits) and 64, the paper's, above.  A run's plan records
    the width it was built with, so changing this does not change old runs."""
    return {"base_channels": 32 if spec.shape[1] <= 32 else 64} if spec.is_image else {}


def _width(base_channels: int | None, spec: DataSpec) -> int:
    return base_channels if base_channels is not None else _defaults_for(spec)["base_channels"]


def _class_count(spec: DataSpec, conditioning: str) -> int:
    return spec.num_classes if conditioning == "class" else 0


class DCGANGenerator(nn.Module):
    """z (and a label) → 1×1 map → start×start → doubled until the image size; Tanh output."""

    defaults_for = staticmethod(_defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 base_channels: int | None = None, image_size: int | None = None):
        super().__init__()
        check_options("dcgan generator", OPTION_RANGES, base_channels=base_channels,
                      image_size=image_size)
        start, doublings = _layout(spec, conditioning, image_size, "generator")
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        widths = doubling_widths(_width(base_channels, spec), doublings)[::-1]  # widest first
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim + self.num_classes, widths[0], start, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for cin, cout in zip(widths[:-1], widths[1:]):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], spec.shape[0], 4, 2, 1), nn.Tanh()]
        self.net = init_normal_(nn.Sequential(*layers))

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        if self.num_classes:
            z = torch.cat([z, F.one_hot(cond, self.num_classes).to(z.dtype)], dim=1)
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """Image (and label maps) → halved until start×start → one raw score per image.

    ``norm`` is ``batch`` (the paper), ``layer`` (for gradient penalties) or ``none``.
    """

    defaults_for = staticmethod(_defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 base_channels: int | None = None, norm: str = "batch",
                 image_size: int | None = None):
        super().__init__()
        check_options("dcgan discriminator", OPTION_RANGES, base_channels=base_channels,
                      image_size=image_size)
        start, doublings = _layout(spec, conditioning, image_size, "discriminator")
        check_norm(norm, D_NORMS, "dcgan discriminator")
        self.in_shape = tuple(spec.shape)
        self.num_classes = _class_count(spec, conditioning)
        widths = doubling_widths(_width(base_channels, spec), doublings)
        layers: list[nn.Module] = [
            nn.Conv2d(spec.shape[0] + self.num_classes, widths[0], 4, 2, 1),
            nn.LeakyReLU(0.2, True),
        ]
        for cin, cout in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=norm == "none"),
                       norm2d(norm, cout), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(widths[-1], 1, start, 1, 0))
        self.net = init_normal_(nn.Sequential(*layers))

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        if self.num_classes:
            maps = F.one_hot(cond, self.num_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, maps.expand(-1, -1, *x.shape[2:])], dim=1)
        return self.net(x).flatten()
