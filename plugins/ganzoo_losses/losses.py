"""The five classic adversarial losses over raw discriminator scores (logits/critic values).

Written with ``softplus`` rather than ``log(sigmoid(.))`` for numerical stability:
``-log sigmoid(s) = softplus(-s)`` and ``-log(1 - sigmoid(s)) = softplus(s)``.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import Loss


class Minimax(Loss):
    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()

    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        # minimize log(1 - D(G(z))) = -softplus(s)
        return -F.softplus(fake_scores).mean()


class NonSaturating(Minimax):
    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        # minimize -log D(G(z)) = softplus(-s)
        return F.softplus(-fake_scores).mean()


class LeastSquares(Loss):
    """The a=0, b=1, c=1 coding of Mao et al. (their eq. 9), halved as in the paper."""

    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())

    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        return 0.5 * (fake_scores - 1).pow(2).mean()


class Wasserstein(Loss):
    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return fake_scores.mean() - real_scores.mean()

    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        return -fake_scores.mean()


class Hinge(Wasserstein):
    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
