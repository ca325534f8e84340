"""Adversarial steps with an auxiliary head on D, and AC-GAN's (Odena et al. 2017).

Some GANs give D a second head that predicts something about what it judges and add that
prediction's loss to both players' losses: AC-GAN's D classifies (the class of real samples
and the label generated ones were drawn for), InfoGAN's Q recovers the latent codes of
generated samples.  :class:`AuxiliaryHead` is that step; a subclass says how the fakes and
the head's targets are drawn (:meth:`~AuxiliaryHead.fakes`) and what the head's loss is
(:meth:`~AuxiliaryHead.aux_d`, :meth:`~AuxiliaryHead.aux_g`).

AC-GAN's D maximizes L_S + L_C and its G maximizes L_C − L_S, where L_S is the
log-likelihood of the right source (real or generated) and L_C that of the right class.
L_S is the recipe's adversarial loss (``kit.loss``: non-saturating in the paper; any other
swaps in with ``--loss``), and −L_C is the cross-entropy of D's class logits: for D, on real
samples with their labels plus on generated samples with the labels they were generated
for; for G, on its samples.  Generated samples get labels drawn uniformly, as AC-GAN
samples ``c ~ p_c``; the real batch's labels are only D's targets.

Everything else — ``n_critic`` D updates on fresh batches, the regularizers' terms and
post-step actions, D frozen during G's update, the checkpointed networks and optimizers —
is the built-in ``adversarial`` method's, which these extend.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import Batch, IncompatibleError, OptionRange, check_options, draw_local
from ganzoo_adversarial.step import Adversarial, _plus_terms


class AuxiliaryHead(Adversarial):
    """The adversarial step on ``D.heads(x) -> (scores, head outputs)``, plus the head's
    loss on D's side and G's, logged unweighted under :attr:`aux_names`.

    ``needs`` completes the refusal of a discriminator without ``heads``: "the METHOD method
    {needs}, but this discriminator has none"; ``discriminator`` is the part to use."""

    #: The names D's and G's head losses are logged under.
    aux_names = ("aux_d", "aux_g")

    def __init__(self, kit: Any, *, method: str, needs: str, discriminator: str):
        super().__init__(kit)
        heads = getattr(self.discriminator, "heads", None)
        if not callable(heads):
            raise IncompatibleError(
                f"The {method} method {needs}, but this discriminator "
                f"({type(self.discriminator).__name__}) has none (no heads(x) method). Use "
                f"--discriminator {discriminator}; a regularizer that wraps D (diffaugment) "
                "hides the head, so drop it from --reg."
            )
        self.heads: Callable[[Tensor], tuple[Tensor, Any]] = heads

    def fakes(self, cond: Any, grad: bool) -> tuple[Tensor, Any, Any]:
        """A batch of generated samples, the condition they were generated under (what G's
        regularizer terms get) and what the head should recover from them; ``cond`` is
        the real batch's."""
        raise NotImplementedError

    def aux_d(self, real_out: Any, cond: Any, fake_out: Any, targets: Any) -> tuple[Tensor, Tensor]:
        """D's head loss: ``(logged value, term added to D's loss)``."""
        raise NotImplementedError

    def aux_g(self, fake_out: Any, targets: Any) -> tuple[Tensor, Tensor]:
        """G's head loss: ``(logged value, term added to G's loss)``."""
        raise NotImplementedError

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        loss, heads, D = self.loss, self.heads, self.discriminator
        d_name, g_name = self.aux_names
        values: dict[str, Tensor] = {}
        for _ in range(self.n_critic):
            real, cond = self.split(next_batch())
            fake, _, targets = self.fakes(cond, grad=False)
            real_scores, real_out = heads(real)
            fake_scores, fake_out = heads(fake)
            d_loss = loss.d_loss(real_scores, fake_scores)
            aux, term = self.aux_d(real_out, cond, fake_out, targets)
            values["d_loss"], values[d_name] = d_loss, aux
            d_total = _plus_terms(d_loss + term, self.d_terms, values, D, real, fake, cond)
            self.minimize(d_total, self.d_opt)
            for act in self.after_d:
                act(D)

        for p in self.d_params:  # G's update needs gradients through D, not D's own
            p.requires_grad_(False)
        fake, fake_cond, targets = self.fakes(cond, grad=True)
        fake_scores, fake_out = heads(fake)
        g_loss = loss.g_loss(fake_scores, D(real, cond) if self.needs_real else None)
        aux, term = self.aux_g(fake_out, targets)
        values["g_loss"], values[g_name] = g_loss, aux
        g_total = _plus_terms(g_loss + term, self.g_terms, values, fake, real, fake_cond)
        self.minimize(g_total, self.g_opt)
        for p in self.d_params:
            p.requires_grad_(True)
        return values


class ACGAN(AuxiliaryHead):
    """Adversarial loss plus ``aux_weight`` × the class cross-entropy, logged as ``aux_d``
    (D's, real plus generated) and ``aux_g`` (G's), unweighted."""

    options = ("aux_weight",)
    option_ranges = {"aux_weight": OptionRange(0)}

    def __init__(self, kit: Any, aux_weight: float = 1.0):
        check_options("acgan method", self.option_ranges, aux_weight=aux_weight)
        super().__init__(kit, method="acgan", needs="trains D to predict the class of what "
                         "it judges, so D needs a class head", discriminator="acgan")
        self.aux_weight = aux_weight
        self.random_labels = kit.conditioning.random_cond

    def fakes(self, cond: Any, grad: bool) -> tuple[Tensor, Tensor, Tensor]:
        """Generated samples and the uniformly drawn labels they were generated for (twice:
        G's condition and the head's target)."""
        labels = draw_local(self.batch_size, lambda n: self.random_labels(n, self.device))
        with torch.set_grad_enabled(grad):
            return self.generator(self.latents(), labels), labels, labels

    def aux_d(self, real_out: Tensor, cond: Tensor, fake_out: Tensor,
              targets: Tensor) -> tuple[Tensor, Tensor]:
        aux = F.cross_entropy(real_out, cond) + F.cross_entropy(fake_out, targets)
        return aux, self.aux_weight * aux

    def aux_g(self, fake_out: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
        aux = F.cross_entropy(fake_out, targets)
        return aux, self.aux_weight * aux
