"""The GAN-CLS step with GAN-INT (Reed et al. 2016, Algorithm 1 plus Section 4.3).

D learns three kinds of pairs: a real image with its own caption (accept), a generated image
with the caption it was drawn for (reject) and a real image with a wrong caption (reject),
so that it judges whether image and text match, not only whether the image looks real:
D's loss is ``[L(real, fake) + L(real, wrong)] / 2`` with ``L`` the recipe's loss part, which
for the non-saturating loss is the paper's −{log D(real, right) + [log(1 − D(real, wrong)) +
log(1 − D(fake, right))] / 2}.  G's loss is the adversarial loss on its samples plus
``interpolation_weight`` × the same loss on samples drawn for interpolated caption embeddings
β·φ(t1) + (1 − β)·φ(t2) (GAN-INT: D has never seen those texts, so G learns to fill the gaps
between captions), plus ``kl_weight`` × the conditioning augmentation's KL term when the
generator uses it.  Wrong captions and interpolation partners are the batch's captions
shifted by one row.

Before the first step the text encoder is fitted (:func:`~ganzoo_text2image.text_encoder.pretrain`,
``pretrain_steps`` batches of the run's own data, from the run's seed), then frozen and
copied into D; everything lives in the checkpoint, so a resumed run does not fit it again.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from ganzoo.api import Batch, IncompatibleError, OptionRange, check_options
from ganzoo_adversarial.step import Adversarial, _plus_terms
from ganzoo_text2image.text_encoder import pretrain


class GANCLS(Adversarial):
    """Matching-aware D (real/right, fake/right, real/wrong), G with the interpolation term;
    logs ``d_wrong`` (D's loss on real/wrong pairs against real/right), ``g_int`` and, with
    conditioning augmentation, ``kl``."""

    options = ("pretrain_steps", "interpolation_weight", "beta", "kl_weight")
    option_ranges = {"pretrain_steps": OptionRange(0, integer=True),
                     "interpolation_weight": OptionRange(0), "beta": OptionRange(0, 1),
                     "kl_weight": OptionRange(0)}

    def __init__(self, kit: Any, pretrain_steps: int = 500, interpolation_weight: float = 1.0,
                 beta: float = 0.5, kl_weight: float = 1.0):
        check_options("gan-cls method", self.option_ranges, pretrain_steps=pretrain_steps,
                      interpolation_weight=interpolation_weight, beta=beta, kl_weight=kl_weight)
        super().__init__(kit)
        G, D = self.generator, self.discriminator
        for net, part, needs in ((G, "generator", ("embed", "from_embedding")),
                                 (D, "discriminator", ("embed", "score"))):
            if not all(callable(getattr(net, name, None)) for name in needs):
                raise IncompatibleError(
                    f"The gan-cls method embeds captions inside both networks, but this {part} "
                    f"({type(net).__name__}) has no {' and '.join(needs)} methods. Use --{part} "
                    "gan-cls; a regularizer that wraps the networks (diffaugment) hides them, "
                    "so drop it from --reg."
                )
        if G.encoder.embed_dim != D.encoder.embed_dim:
            raise IncompatibleError(
                f"The generator's text encoder embeds captions in {G.encoder.embed_dim} "
                f"dimensions and the discriminator's in {D.encoder.embed_dim}; they share one "
                "fitted encoder, so give both the same embed_dim (--g-opt embed_dim=N "
                "--d-opt embed_dim=N)."
            )
        self.pretrain_steps = pretrain_steps
        self.interpolation_weight, self.beta, self.kl_weight = interpolation_weight, beta, kl_weight
        self.augmentation = bool(getattr(G, "augmentation", False))
        self.encoder_ready = False
        self.match_losses: list[float] = []

    def fit_text_encoder(self, next_batch: Callable[[], Batch]) -> None:
        """Fit G's text encoder on ``pretrain_steps`` batches and give D the same weights."""
        encoder = self.generator.encoder
        self.match_losses = pretrain(encoder, self.generator.out_shape[0], self.pretrain_steps,
                                     lambda: self.split(next_batch()), self.minimize)
        self.discriminator.encoder.load_state_dict(encoder.state_dict())
        self.encoder_ready = True

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        if not self.encoder_ready:
            self.fit_text_encoder(next_batch)
        G, D, loss = self.generator, self.discriminator, self.loss
        values: dict[str, Tensor] = {}
        for _ in range(self.n_critic):
            real, codes = self.split(next_batch())
            with torch.no_grad():
                fake = G(self.latents(), codes)
            right = D(real, codes)
            d_fake = loss.d_loss(right, D(fake, codes))
            d_wrong = loss.d_loss(right, D(real, codes.roll(1, 0)))
            d_loss = (d_fake + d_wrong) / 2
            values["d_loss"], values["d_wrong"] = d_loss, d_wrong
            d_total = _plus_terms(d_loss, self.d_terms, values, D, real, fake, codes)
            self.minimize(d_total, self.d_opt)
            for act in self.after_d:
                act(D)

        for p in self.d_params:  # G's update needs gradients through D, not D's own
            p.requires_grad_(False)
        real_scores = D(real, codes) if self.needs_real else None
        text = G.embed(codes)
        fake, kl = G.from_embedding(self.latents(), text)
        g_loss = loss.g_loss(D(fake, codes), real_scores)
        values["g_loss"] = g_loss
        g_total = g_loss
        if self.interpolation_weight:
            mixed, kl_mixed = G.from_embedding(self.latents(), self.interpolate(text))
            g_int = loss.g_loss(D.score(mixed, self.interpolate(D.embed(codes))), real_scores)
            values["g_int"] = g_int
            g_total = g_total + self.interpolation_weight * g_int
            kl = (kl + kl_mixed) / 2
        if self.augmentation:
            values["kl"] = kl
            g_total = g_total + self.kl_weight * kl
        g_total = _plus_terms(g_total, self.g_terms, values, fake, real, codes)
        self.minimize(g_total, self.g_opt)
        for p in self.d_params:
            p.requires_grad_(True)
        return values

    def interpolate(self, text: Tensor) -> Tensor:
        """β·φ(t1) + (1 − β)·φ(t2) for each row and the next one (GAN-INT)."""
        return self.beta * text + (1 - self.beta) * text.roll(1, 0)

    def state_dict(self) -> dict[str, Any]:
        return {"encoder_ready": self.encoder_ready, "match_losses": list(self.match_losses)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.encoder_ready = bool(state["encoder_ready"])
        self.match_losses = [float(v) for v in state["match_losses"]]
