"""What BigGAN's generator and discriminator share: the data they build for, their default
width and self-attention position, and their initialization.

Sizes follow sngan's ResNets (sides 4·2^k, a constant width at every resolution, as in
BigGAN-PyTorch's 32-px nets; its 64-px and larger nets widen with depth, these do not).
"""

from __future__ import annotations

from torch import nn

from ganzoo.api import BASE_CHANNELS, DataSpec, IncompatibleError, OptionRange
from ganzoo_sngan.resnet import side_doublings

#: Widths: BigGAN-PyTorch's CIFAR-10 nets (channel multiplier 64, ×4 at 32 px, in G and D),
#: and a CPU-sized one for one-channel images up to 32 px (MNIST-like digits).
PAPER_WIDTH = 256
SMALL_WIDTH = 32
OPTION_RANGES = {"channels": BASE_CHANNELS, "attention": OptionRange(0, 4096, integer=True)}


def doublings(spec: DataSpec, conditioning: str, part: str) -> int:
    """``k`` such that the images' side is ``4·2^k``, or a refusal saying what to use."""
    if not spec.is_image:
        raise IncompatibleError(
            f"The biggan {part} is convolutional and builds for images, but the data is "
            f"{spec.describe()}. For labeled points use the cgan-pd recipe (mlp and "
            "projection parts)."
        )
    if conditioning != "class" or not spec.num_classes:
        raise IncompatibleError(
            f"The biggan {part} is class-conditional, so it needs class labels (the biggan "
            "recipe on a labeled dataset such as mnist-5k or cifar10). For unlabeled images "
            "use sngan's ResNets: --generator sngan-resnet --discriminator sngan-resnet."
        )
    return side_doublings(spec, f"biggan {part}",
                          "cgan-pd's DCGAN-style parts instead: --generator cbn-dcgan "
                          "--discriminator projection, which build for 28 px too")


def defaults_for(spec: DataSpec) -> dict[str, int]:
    """The width (256; 32 on one-channel images up to 32 px) and self-attention at half
    the image's side, where the paper puts it at 128 px (64×64)."""
    if not spec.is_image:
        return {}
    channels, side = spec.shape[0], spec.shape[1]
    return {"channels": SMALL_WIDTH if channels == 1 and side <= 32 else PAPER_WIDTH,
            "attention": side // 2}


def attention_position(attention: int, sides: list[int], part: str) -> int | None:
    """Where the self-attention block goes: the index of the first of ``sides`` (the side
    of the maps after each stage) equal to ``attention``; ``None`` for 0 (no attention)."""
    if attention == 0:
        return None
    if attention not in sides:
        have = ", ".join(str(side) for side in sorted(set(sides)))
        raise IncompatibleError(
            f"The biggan {part} can place its self-attention block on maps {have} pixels "
            f"wide at this image size, not {attention}: set attention to one of those, or "
            "0 for none."
        )
    return sides.index(attention)


def init_orthogonal_(module: nn.Module) -> nn.Module:
    """Orthogonal initialization of every conv, linear and embedding weight (the paper's,
    after Saxe et al. 2014); biases stay 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear, nn.Embedding)):
            nn.init.orthogonal_(layer.weight)
    return module
