"""SNGAN's ResNet generator and discriminator (Miyato et al. 2018, Table 4: CIFAR-10), for
square images whose side is 4·2^k.

G: z → linear → 4×4×ch → k up blocks (4 → side) → BN, ReLU, conv3×3, tanh.
D: optimized down block, down blocks until 8×8 (4×4 at 8 px), two plain blocks, ReLU,
global sum pooling, linear → one raw score.  At 32 px this is the paper's net exactly
(3 up blocks; D: 32 → 16 → 8, then two blocks at 8×8); other sizes keep its constant width.
BigGAN's parts (plugin biggan) build on the same side check, G head and D blocks.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import BASE_CHANNELS, DataSpec, IncompatibleError, check_options

from ganzoo_sngan.blocks import DownBlock, OptimizedBlock, UpBlock, conv, dense

START = 4
OPTION_RANGES = {"channels": BASE_CHANNELS}
#: The paper's widths (CIFAR-10), and those used for one-channel images up to 32 px
#: (MNIST-like digits), where the paper's nets took about 20 s a step on a 2-core CPU.
PAPER_WIDTH = {"generator": 256, "discriminator": 128}
SMALL_WIDTH = {"generator": 32, "discriminator": 32}


def _doublings(spec: DataSpec, conditioning: str, part: str) -> int:
    """``k`` such that the data's side is ``4·2^k`` (k ≥ 1), or a refusal saying what to use."""
    if not spec.is_image:
        raise IncompatibleError(
            f"The sngan-resnet {part} is convolutional and builds for images, but the data "
            f"is {spec.describe()}. Use --{part} mlp for points (sngan's default there)."
        )
    if conditioning != "none":
        raise IncompatibleError(
            f"The sngan-resnet {part} is unconditional, but this model asks for "
            f"{conditioning!r} conditioning. Use the dcgan parts (--generator dcgan "
            "--discriminator dcgan), which take class labels."
        )
    return side_doublings(spec, f"sngan-resnet {part}",
                          "SNGAN's standard CNN instead: --generator dcgan --discriminator "
                          "dcgan --d-opt norm=none, which builds for 28 px too")


def side_doublings(spec: DataSpec, part: str, alternative: str) -> int:
    """``k`` such that the images' side is ``4·2^k`` (k ≥ 1), or a refusal naming ``part``
    that suggests ``--image-size 32`` or ``alternative``."""
    _, height, width = spec.shape
    k = 1
    while START * 2**k < height:
        k += 1
    if height != width or START * 2**k != height:
        raise IncompatibleError(
            f"The {part} builds for square images whose side is 4·2^k (8, 16, 32, 64, "
            f"128...), but the data is {height}×{width}. Resize it with --image-size 32 (the "
            f"paper's CIFAR-10 size), or use {alternative}."
        )
    return k


def generator_head(channels: int, out_channels: int) -> nn.Sequential:
    """G's last layers: BN, ReLU, conv3×3 to the image's channels, tanh."""
    return nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(),
                         conv(channels, out_channels, 3), nn.Tanh())


def _downsamplings(doublings: int) -> int:
    return max(doublings - 1, 1)  # to 8×8, where the paper's 32-px D stops halving


def discriminator_blocks(in_channels: int, width: int, doublings: int) -> list[nn.Module]:
    """D's residual blocks for a side of ``4·2^doublings``: the optimized block, down
    blocks to 8×8 (4×4 at 8 px), then two plain blocks."""
    downs = _downsamplings(doublings)
    return [OptimizedBlock(in_channels, width),
            *(DownBlock(width, width, downsample=True) for _ in range(downs - 1)),
            DownBlock(width, width, downsample=False),
            DownBlock(width, width, downsample=False)]


def discriminator_sides(side: int, doublings: int) -> list[int]:
    """The side of each :func:`discriminator_blocks` block's output."""
    downs = _downsamplings(doublings)
    halved = [side // 2**i for i in range(1, downs + 1)]
    return [*halved, halved[-1], halved[-1]]


def _defaults_for(part: str, spec: DataSpec) -> dict[str, int]:
    """``part``'s width for this data, recorded in each run's plan."""
    if not spec.is_image:
        return {}
    channels, side = spec.shape[0], spec.shape[1]
    small = channels == 1 and side <= 32
    return {"channels": (SMALL_WIDTH if small else PAPER_WIDTH)[part]}


def _width(channels: int | None, part: str, spec: DataSpec) -> int:
    return channels if channels is not None else _defaults_for(part, spec)["channels"]


class ResNetGenerator(nn.Module):
    """z → 4×4×channels → up blocks to the image size → BN, ReLU, conv3×3, tanh."""

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, int]:
        """The paper's 256 channels; 32 on one-channel images up to 32 px (CPU-sized)."""
        return _defaults_for("generator", spec)

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 channels: int | None = None):
        super().__init__()
        check_options("sngan-resnet generator", OPTION_RANGES, channels=channels)
        doublings = _doublings(spec, conditioning, "generator")
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.channels = _width(channels, "generator", spec)
        self.project = dense(latent_dim, START * START * self.channels)
        self.blocks = nn.Sequential(*(UpBlock(self.channels, self.channels)
                                      for _ in range(doublings)))
        self.head = generator_head(self.channels, spec.shape[0])

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        h = self.project(z).view(-1, self.channels, START, START)
        return self.head(self.blocks(h))


class ResNetDiscriminator(nn.Module):
    """Image → residual down blocks → ReLU → sum over pixels → linear: one raw score.

    No normalization layer: SNGAN constrains D with spectral normalization alone (the
    recipe's ``spectral-norm`` regularizer wraps every conv and linear layer here).
    """

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, int]:
        """The paper's 128 channels; 32 on one-channel images up to 32 px (CPU-sized)."""
        return _defaults_for("discriminator", spec)

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 channels: int | None = None):
        super().__init__()
        check_options("sngan-resnet discriminator", OPTION_RANGES, channels=channels)
        doublings = _doublings(spec, conditioning, "discriminator")
        self.in_shape = tuple(spec.shape)
        width = _width(channels, "discriminator", spec)
        self.body = nn.Sequential(*discriminator_blocks(spec.shape[0], width, doublings),
                                  nn.ReLU())
        self.score = dense(width, 1)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.score(self.body(x).sum(dim=(2, 3))).flatten()
