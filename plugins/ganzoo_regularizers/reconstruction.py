"""pix2pix's L1 term: the generator should also match the paired target (Isola et al. 2017)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import IncompatibleError, OptionRange, Regularizer, check_options


class L1(Regularizer):
    """``weight · mean|G(x) − y|`` added to the generator's loss; ``y`` is the paired target."""

    option_ranges = {"weight": OptionRange(0)}

    def __init__(self, weight: float = 100.0):
        check_options("l1 regularizer", self.option_ranges, weight=weight)
        self.weight = weight

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        # The only check possible before training: a target to compare with exists only in
        # image-to-image models, whose discriminator sees the input image.
        if not getattr(discriminator, "cond_channels", 0):
            raise IncompatibleError(
                "The l1 term compares the generator's output with its paired target, so it "
                "only applies to image-to-image models (pix2pix) on paired data; this model "
                "has no target per sample. Remove l1 from --reg."
            )
        return discriminator

    def g_term(self, fake: Tensor, real: Tensor, cond: object) -> Tensor:
        return self.weight * F.l1_loss(fake, real)
