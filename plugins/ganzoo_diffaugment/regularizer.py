"""DiffAugment as a regularizer: a module transform that augments every input of D.

Wrapping the discriminator (rather than augmenting in a training step) is what the paper
asks for and what keeps it usable by any recipe: every call of D — its own update, the
generator's update, a gradient penalty's — sees augmented real and generated images, and
the generator learns through the differentiable augmentations.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import IncompatibleError, Regularizer
from ganzoo_diffaugment.augmentations import augment, parse_policy


class AugmentedDiscriminator(nn.Module):
    """``D(augment(x), cond)``; D is kept as the submodule ``inner`` (checkpoint keys gain
    the prefix ``inner.``, the same in every run built from the same plan)."""

    def __init__(self, discriminator: nn.Module, policy: tuple[str, ...]):
        super().__init__()
        self.inner = discriminator
        self.policy = policy
        self.in_shape = discriminator.in_shape
        self.num_classes = getattr(discriminator, "num_classes", 0)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.inner(augment(x, self.policy), cond)


class DiffAugment(Regularizer):
    """Differentiable augmentation of real and generated images before every D call
    (Zhao et al. 2020): ``policy`` is some of color, translation and cutout, separated by
    ``+`` or ``,``."""

    def __init__(self, policy: str = "color,translation,cutout"):
        self.policy = parse_policy(policy)

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        shape = tuple(getattr(discriminator, "in_shape", ()))
        if len(shape) != 3:
            judged = "×".join(map(str, shape)) or "of no declared shape (no in_shape)"
            raise IncompatibleError(
                f"DiffAugment's augmentations (color, translation, cutout) act on images "
                f"C×H×W, but this discriminator ({type(discriminator).__name__}) judges inputs "
                f"{judged}. Use diffaugment on image data; remove it from --reg on points."
            )
        if getattr(discriminator, "cond_channels", 0):
            raise IncompatibleError(
                "DiffAugment would augment the generated image but not the input image it is "
                "judged with, so translation and cutout would break the pair's alignment. "
                "Image-to-image models (pix2pix) are not supported; remove diffaugment from --reg."
            )
        return AugmentedDiscriminator(discriminator, self.policy)
