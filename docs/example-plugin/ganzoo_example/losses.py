"""The relativistic standard GAN loss (Jolicoeur-Martineau 2018, eq. 8 and 9).

D estimates the probability that a real sample is more realistic than a fake one:
``D(x_r, x_f) = sigmoid(C(x_r) - C(x_f))`` with ``C`` the raw score.  Scores are paired
element-wise, as in the paper's RSGAN; both batches have the same size in ganzoo's loop.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import Loss


class Relativistic(Loss):
    """RSGAN: the generator's loss needs the real scores too, so the loop computes them."""

    needs_real_scores_for_g = True

    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        # -log sigmoid(C(x_r) - C(x_f))
        return F.softplus(fake_scores - real_scores).mean()

    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        if real_scores is None:
            raise ValueError("the relativistic loss needs the real scores for G's loss")
        # -log sigmoid(C(x_f) - C(x_r))
        return F.softplus(real_scores - fake_scores).mean()
