"""CycleGAN's ResNet generator (Johnson et al. 2016, as the CycleGAN authors use it).

c7s1-64, stride-2 convolutions doubling the width (d128, d256), residual blocks at the
lowest resolution (R256 × 6 below 256 px, × 9 at 256), then transposed convolutions back
(u128, u64) and c7s1 to the output channels with tanh; reflection padding and instance
norm throughout.  On small images fewer downsamplings keep the blocks' maps from
shrinking to a few pixels: two from 64 px up (the paper's 128 and 256 px nets), one below.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import (
    BASE_CHANNELS,
    DataSpec,
    IncompatibleError,
    OptionRange,
    check_norm,
    check_options,
    init_normal_,
    norm2d,
)

NORMS = ("instance", "batch", "none")
OPTION_RANGES = {"base_channels": BASE_CHANNELS, "n_blocks": OptionRange(0, 32, integer=True),
                 "n_downsampling": OptionRange(0, 6, integer=True)}


def default_sizes(spec: DataSpec) -> dict[str, int]:
    """The paper's block count for this image size, and the downsamplings that fit it."""
    side = min(spec.shape[1:])
    return {"n_blocks": 9 if side >= 256 else 6, "n_downsampling": 2 if side >= 64 else 1}


class ResidualBlock(nn.Module):
    """x + (reflect-pad, conv 3×3, norm, ReLU, reflect-pad, conv 3×3, norm)(x)."""

    def __init__(self, width: int, norm: str):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3, bias=norm == "none"),
            norm2d(norm, width), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3, bias=norm == "none"),
            norm2d(norm, width))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResnetTranslator(nn.Module):
    """One direction: ``T(z, image)`` → the translated image in [-1, 1] (``z`` is unused,
    as pix2pix's: CycleGAN's generators take no noise)."""

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...], *,
                 base_channels: int = 64, n_blocks: int = 6, n_downsampling: int = 2,
                 norm: str = "instance"):
        super().__init__()
        check_options("cyclegan generator", OPTION_RANGES, base_channels=base_channels,
                      n_blocks=n_blocks, n_downsampling=n_downsampling)
        check_norm(norm, NORMS, "cyclegan generator")
        side, factor = min(in_shape[1:]), 2**n_downsampling
        if in_shape[1] % factor or in_shape[2] % factor:
            raise IncompatibleError(
                f"The cyclegan generator halves its {in_shape[1]}×{in_shape[2]} images "
                f"{n_downsampling} times, so their sides must be multiples of {factor}. Pass "
                f"--g-opt n_downsampling={max(0, n_downsampling - 1)} or an --image-size "
                f"that is a multiple of {factor}."
            )
        if side // factor < 2:
            raise IncompatibleError(
                f"{n_downsampling} downsamplings leave less than 2 pixels of a {side}-pixel "
                "image; pass fewer (--g-opt n_downsampling=N) or a larger --image-size."
            )
        self.latent_dim = 0
        self.out_shape = tuple(out_shape)
        bias = norm == "none"
        width = base_channels
        layers: list[nn.Module] = [nn.ReflectionPad2d(3),
                                   nn.Conv2d(in_shape[0], width, 7, bias=bias),
                                   norm2d(norm, width), nn.ReLU(True)]
        for _ in range(n_downsampling):
            layers += [nn.Conv2d(width, 2 * width, 3, 2, 1, bias=bias), norm2d(norm, 2 * width),
                       nn.ReLU(True)]
            width *= 2
        layers += [ResidualBlock(width, norm) for _ in range(n_blocks)]
        for _ in range(n_downsampling):
            layers += [nn.ConvTranspose2d(width, width // 2, 3, 2, 1, output_padding=1, bias=bias),
                       norm2d(norm, width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_shape[0], 7), nn.Tanh()]
        self.net = init_normal_(nn.Sequential(*layers))

    def forward(self, z: Tensor | None, cond: Tensor) -> Tensor:
        return self.net(cond)
