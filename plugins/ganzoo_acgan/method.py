"""The AC-GAN step (Odena et al. 2017): the adversarial step plus an auxiliary classifier.

The paper's D maximizes L_S + L_C and its G maximizes L_C − L_S, where L_S is the
log-likelihood of the right source (real or generated) and L_C that of the right class.
L_S is the recipe's adversarial loss (``kit.loss``: non-saturating in the paper; any other
swaps in with ``--loss``), and −L_C is the cross-entropy of D's class logits: for D, on real
samples with their labels plus on generated samples with the labels they were generated
for; for G, on its samples.  Generated samples get labels drawn uniformly, as AC-GAN
samples ``c ~ p_c``; the real batch's labels are only D's targets.

Everything else — ``n_critic`` D updates on fresh batches, the regularizers' terms and
post-step actions, D frozen during G's update, the checkpointed networks and optimizers —
is the built-in ``adversarial`` method's, which this one extends.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import Batch, IncompatibleError, OptionRange, check_options, draw_local
from ganzoo_adversarial.step import Adversarial, _plus_terms


class ACGAN(Adversarial):
    """Adversarial loss plus ``aux_weight`` × the class cross-entropy, logged as ``aux_d``
    (D's, real plus generated) and ``aux_g`` (G's), unweighted."""

    options = ("aux_weight",)
    option_ranges = {"aux_weight": OptionRange(0)}

    def __init__(self, kit: Any, aux_weight: float = 1.0):
        check_options("acgan method", self.option_ranges, aux_weight=aux_weight)
        super().__init__(kit)
        heads = getattr(self.discriminator, "heads", None)
        if not callable(heads):
            raise IncompatibleError(
                f"The acgan method trains D to predict the class of what it judges, so D "
                f"needs a class head, but this discriminator "
                f"({type(self.discriminator).__name__}) has none (no heads(x) method). Use "
                "--discriminator acgan; a regularizer that wraps D (diffaugment) hides the "
                "head, so drop it from --reg."
            )
        self.heads: Callable[[Tensor], tuple[Tensor, Tensor]] = heads
        self.aux_weight = aux_weight
        self.random_labels = kit.conditioning.random_cond

    def _fakes(self, grad: bool) -> tuple[Tensor, Tensor]:
        """Generated samples and the uniformly drawn labels they were generated for."""
        labels = draw_local(self.batch_size, lambda n: self.random_labels(n, self.device))
        with torch.set_grad_enabled(grad):
            return self.generator(self.latents(), labels), labels

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        loss, heads, D = self.loss, self.heads, self.discriminator
        values: dict[str, Tensor] = {}
        for _ in range(self.n_critic):
            real, labels = self.split(next_batch())
            fake, fake_labels = self._fakes(grad=False)
            real_scores, real_logits = heads(real)
            fake_scores, fake_logits = heads(fake)
            d_loss = loss.d_loss(real_scores, fake_scores)
            aux_d = (F.cross_entropy(real_logits, labels)
                     + F.cross_entropy(fake_logits, fake_labels))
            values["d_loss"], values["aux_d"] = d_loss, aux_d
            d_total = _plus_terms(d_loss + self.aux_weight * aux_d, self.d_terms, values,
                                  D, real, fake, labels)
            self.minimize(d_total, self.d_opt)
            for act in self.after_d:
                act(D)

        for p in self.d_params:  # G's update needs gradients through D, not D's own
            p.requires_grad_(False)
        fake, fake_labels = self._fakes(grad=True)
        fake_scores, fake_logits = heads(fake)
        g_loss = loss.g_loss(fake_scores, D(real, labels) if self.needs_real else None)
        aux_g = F.cross_entropy(fake_logits, fake_labels)
        values["g_loss"], values["aux_g"] = g_loss, aux_g
        g_total = _plus_terms(g_loss + self.aux_weight * aux_g, self.g_terms, values,
                              fake, real, fake_labels)
        self.minimize(g_total, self.g_opt)
        for p in self.d_params:
            p.requires_grad_(True)
        return values
