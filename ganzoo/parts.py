"""Contracts for the swappable parts of a GAN: adversarial losses and regularizers.

Generators and discriminators are plain ``torch.nn.Module``s called as ``G(z, cond)`` and
``D(x, cond)``, where ``cond`` is ``None``, a ``LongTensor`` of class labels or a batch of
input images (see :mod:`ganzoo.training.conditioning`).  They carry their contract as
attributes: ``G.latent_dim``, ``G.out_shape``, ``D.in_shape`` and, when conditional,
``num_classes`` or ``cond_channels``.  A discriminator returns raw scores (logits, critic
values or a patch map); the loss decides what they mean.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn


class Loss:
    """An adversarial loss: what the discriminator's raw scores mean."""

    #: Set when ``g_loss`` needs the scores of real data (relativistic losses, say);
    #: otherwise the loop saves a discriminator pass and passes ``None``.
    needs_real_scores_for_g: ClassVar[bool] = False

    def d_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        raise NotImplementedError

    def g_loss(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        raise NotImplementedError


class Regularizer:
    """A term added to a loss, an action after an optimizer step, or a module transform.

    Override only what applies; the defaults do nothing.  ``d_term`` and ``g_term`` return
    a scalar already weighted, or ``None``.
    """

    def overrides(self, method: str) -> bool:
        """Whether this regularizer's class overrides ``method`` (``"d_term"``,
        ``"g_term"``, ``"after_d_step"``...): training methods call only those, and refuse
        terms they have no use for."""
        return getattr(type(self), method) is not getattr(Regularizer, method)

    def wrap_discriminator(self, discriminator: nn.Module) -> nn.Module:
        """Transform the discriminator once, before its optimizer is built."""
        return discriminator

    def wrap_generator(self, generator: nn.Module) -> nn.Module:
        """Transform the generator once, before its optimizer is built (and again when a
        saved run is loaded for sampling, so its weights fit).  A G-side penalty on G's
        weights (BigGAN's orthogonal regularization) keeps its parameters here."""
        return generator

    def d_term(
        self, discriminator: nn.Module, real: Tensor, fake: Tensor, cond: object
    ) -> Tensor | None:
        """A term added to the discriminator's loss at every discriminator step."""
        return None

    def g_term(self, fake: Tensor, real: Tensor, cond: object) -> Tensor | None:
        """A term added to the generator's loss (pix2pix's L1 to the target, say)."""
        return None

    @torch.no_grad()
    def after_d_step(self, discriminator: nn.Module) -> None:
        """An action after each discriminator optimizer step (weight clipping, say)."""
