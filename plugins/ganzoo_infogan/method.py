"""The InfoGAN step (Chen et al. 2016): the adversarial step plus λ·L_I on both sides.

InfoGAN solves min_{G,Q} max_D V(D, G) − λ L_I(G, Q), where L_I is a lower bound on the
mutual information between G's latent codes c and its samples G(z, c), estimated with the
Q head on D's body on generated samples only.  Here L_I enters as its negative (the
codes' negative log-likelihood under Q, :func:`~ganzoo_infogan.codes.code_nll`), added to
D's loss — Q is D's head, so it trains with D's optimizer, as in the authors' code — and
to G's, weighted ``info_weight`` for the categorical codes and ``continuous_weight`` for
the continuous ones.  The shared step (n_critic, regularizers, D frozen for G's update)
is AC-GAN's :class:`~ganzoo_acgan.method.AuxiliaryHead`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganzoo.api import IncompatibleError, OptionRange, check_options
from ganzoo_acgan.method import AuxiliaryHead
from ganzoo_infogan.codes import code_nll, describe


class InfoGAN(AuxiliaryHead):
    """Adversarial loss plus ``info_weight`` × the categorical codes' cross-entropy plus
    ``continuous_weight`` × the continuous codes' Gaussian NLL, under Q, on generated
    samples; logged unweighted (their sum) as ``info_d`` and ``info_g``."""

    aux_names = ("info_d", "info_g")
    options = ("info_weight", "continuous_weight")
    option_ranges = {"info_weight": OptionRange(0), "continuous_weight": OptionRange(0)}

    def __init__(self, kit: Any, info_weight: float = 1.0, continuous_weight: float = 1.0):
        check_options("infogan method", self.option_ranges, info_weight=info_weight,
                      continuous_weight=continuous_weight)
        super().__init__(kit, method="infogan", needs="trains a Q head on D to recover G's "
                         "latent codes, so D needs that head", discriminator="infogan")
        space = self.latent_space
        g_codes = tuple(space.codes.values()) if space is not None else ()
        if not g_codes:
            raise IncompatibleError(
                f"The infogan method maximizes what G's samples tell about its latent codes, "
                f"but this generator ({type(self.generator).__name__}) declares none. Use "
                "--generator infogan."
            )
        d_codes = getattr(self.discriminator, "codes", None)
        if d_codes is None:
            raise IncompatibleError(
                f"The infogan method needs a Q head that predicts G's codes, but this "
                f"discriminator ({type(self.discriminator).__name__}) declares none. Use "
                "--discriminator infogan."
            )
        if tuple(d_codes) != g_codes:
            raise IncompatibleError(
                f"The generator draws the codes {describe(g_codes)}, but the "
                f"discriminator's Q head predicts {describe(d_codes)}. Give both the same "
                "code options (categorical_codes, categories, continuous_codes), e.g. "
                "--g-opt categories=8 --d-opt categories=8."
            )
        self.codes = g_codes
        self.noise_dim = space.noise_dim  # type: ignore[union-attr]
        self.learned_std = bool(self.discriminator.learned_std)
        self.info_weight, self.continuous_weight = info_weight, continuous_weight

    def fakes(self, cond: Any, grad: bool) -> tuple[Tensor, Any, Tensor]:
        """Generated samples, the real batch's condition, and the codes they were drawn with."""
        z = self.latents()
        with torch.set_grad_enabled(grad):
            return self.generator(z, cond), cond, z[:, self.noise_dim:]

    def _info(self, q: Tensor, codes: Tensor) -> tuple[Tensor, Tensor]:
        categorical, continuous = code_nll(q, codes, self.codes, self.learned_std)
        return (categorical + continuous,
                self.info_weight * categorical + self.continuous_weight * continuous)

    def aux_d(self, real_out: Tensor, cond: Any, fake_out: Tensor,
              targets: Tensor) -> tuple[Tensor, Tensor]:
        return self._info(fake_out, targets)  # Q learns on generated samples only

    def aux_g(self, fake_out: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
        return self._info(fake_out, targets)
