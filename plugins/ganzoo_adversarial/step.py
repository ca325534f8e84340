"""The adversarial step, the hot path of most runs: what a hand-written loop does, no more.

Per step: ``n_critic`` discriminator updates, each on a fresh real batch, with the
regularizers' terms and post-step actions; then one generator update on the last real
batch, with D's parameters frozen so that no weight gradients are computed for D.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn

from ganzoo.api import Batch, Method, draw_local


class Adversarial(Method):
    """One generator and one discriminator, trained against each other."""

    def __init__(self, kit: Any):
        self.generator = kit.generator()
        self.discriminator = kit.discriminator()
        self.loss = kit.loss
        self.g_opt = kit.g_optimizer(self.generator.parameters())
        self.d_opt = kit.d_optimizer(self.discriminator.parameters())
        self.n_critic = self.batches_per_step = kit.plan.n_critic
        self.batch_size = kit.local_batch_size  # this process's rows of the batch
        self.device = kit.device
        self.minimize = kit.precision.minimize  # zero_grad, backward, step (fp16: scaled)
        self.split = kit.conditioning.split
        self.latent_space = kit.conditioning.latent_space(self.generator)
        regs = kit.regularizers
        self.d_terms = [(n, r.d_term) for n, r in regs if r.overrides("d_term")]
        self.g_terms = [(n, r.g_term) for n, r in regs if r.overrides("g_term")]
        # a name used on both sides is logged as NAME and NAME_g
        d_names = {n for n, _ in self.d_terms}
        self.g_terms = [(f"{n}_g" if n in d_names else n, fn) for n, fn in self.g_terms]
        self.after_d: list[Callable[[nn.Module], None]] = [
            r.after_d_step for _, r in regs if r.overrides("after_d_step")]
        self.needs_real = self.loss.needs_real_scores_for_g
        self.d_params = [p for p in self.discriminator.parameters() if p.requires_grad]

    def latents(self) -> Tensor | None:
        """A batch of latent vectors from the generator's space (``None``: it takes none);
        under torchrun, this process's rows of the whole batch's."""
        space = self.latent_space
        if space is None:
            return None
        return draw_local(self.batch_size, lambda n: space.sample(n, self.device))

    def networks(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.g_opt, "discriminator": self.d_opt}

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        G, D, loss = self.generator, self.discriminator, self.loss
        values: dict[str, Tensor] = {}
        for _ in range(self.n_critic):
            real, cond = self.split(next_batch())
            with torch.no_grad():
                fake = G(self.latents(), cond)
            d_loss = loss.d_loss(D(real, cond), D(fake, cond))
            values["d_loss"] = d_loss
            d_total = _plus_terms(d_loss, self.d_terms, values, D, real, fake, cond)
            self.minimize(d_total, self.d_opt)
            for act in self.after_d:
                act(D)

        for p in self.d_params:  # G's update needs gradients through D, not D's own
            p.requires_grad_(False)
        fake = G(self.latents(), cond)
        g_loss = loss.g_loss(D(fake, cond), D(real, cond) if self.needs_real else None)
        values["g_loss"] = g_loss
        g_total = _plus_terms(g_loss, self.g_terms, values, fake, real, cond)
        self.minimize(g_total, self.g_opt)
        for p in self.d_params:
            p.requires_grad_(True)
        return values


def _plus_terms(total: Tensor, terms: list[Any], values: dict[str, Tensor], *args: Any) -> Tensor:
    """``total`` plus each regularizer term (``terms`` holds ``(name, term_fn)``); each term
    is kept in ``values`` under its name for logging."""
    for name, term_fn in terms:
        term = term_fn(*args)
        if term is not None:
            values[name] = term
            total = total + term
    return total
