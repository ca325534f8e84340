"""ProGAN's drift penalty (Karras et al. 2018, appendix A.1): ``ε · E[D(x_real)²]``.

A Wasserstein critic's loss depends only on score differences, so its scores may drift
far from zero together; this small term keeps them near zero.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import OptionRange, Regularizer, check_options


class Drift(Regularizer):
    """``epsilon · E[D(x)²]`` on the real batch, added to D's loss (ε = 0.001 in the paper)."""

    option_ranges = {"epsilon": OptionRange(0)}

    def __init__(self, epsilon: float = 0.001):
        check_options("drift regularizer", self.option_ranges, epsilon=epsilon)
        self.epsilon = epsilon

    def d_term(self, discriminator: nn.Module, real: Tensor, fake: Tensor, cond: object) -> Tensor:
        return self.epsilon * discriminator(real, cond).float().pow(2).mean()
