"""The CycleGAN step (Zhu et al. 2017): two translators and two discriminators.

Per step, on a batch ``(a, b)`` of unpaired images, as the authors' code does it: first
both generators together (D frozen) minimize the adversarial loss of G_AB against D_B and
of G_BA against D_A, plus ``cycle_weight`` × the L1 cycle errors |G_BA(G_AB(a)) − a| and
|G_AB(G_BA(b)) − b|, plus ``identity_weight`` × ``cycle_weight`` × the L1 identity errors
|G_AB(b) − b| and |G_BA(a) − a|; then both discriminators, each judging real images of its
domain against fakes drawn through its image history (:class:`~ganzoo_cyclegan.pool.ImagePool`).
The adversarial terms are the plan's loss (CycleGAN: least squares).  The learning rates
stay at the plan's values for ``constant_steps`` steps, then fall linearly to 0 over
``decay_steps`` (the paper: 100 epochs each); the step count and both pools are in
:meth:`state_dict`, so a resumed run continues exactly.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import Batch, IncompatibleError, Method, OptionRange, check_options

from ganzoo_cyclegan.pool import ImagePool

OPTION_RANGES = {"cycle_weight": OptionRange(0), "identity_weight": OptionRange(0),
                 "pool_size": OptionRange(0, 10_000, integer=True),
                 "constant_steps": OptionRange(0, integer=True),
                 "decay_steps": OptionRange(0, integer=True)}


def lr_factor(step: int, constant_steps: int, decay_steps: int) -> float:
    """The share of the base learning rate at ``step`` (counted from 0): 1, then linearly
    down to 0 over ``decay_steps`` (0 from there on)."""
    if step < constant_steps:
        return 1.0
    if decay_steps == 0:
        return 0.0 if constant_steps else 1.0
    return max(0.0, 1.0 - (step - constant_steps) / decay_steps)


class CycleGAN(Method):
    """G_AB and G_BA (the plan's generator, one module holding both), D_A and D_B."""

    option_ranges = OPTION_RANGES

    def __init__(self, kit: Any, cycle_weight: float = 10.0, identity_weight: float = 0.5,
                 pool_size: int = 50, constant_steps: int = 100_000,
                 decay_steps: int = 100_000):
        check_options("cyclegan method", OPTION_RANGES, cycle_weight=cycle_weight,
                      identity_weight=identity_weight, pool_size=pool_size,
                      constant_steps=constant_steps, decay_steps=decay_steps)
        spec = kit.plan.spec
        if kit.conditioning.name != "unpaired":
            raise IncompatibleError(
                "The cyclegan method learns two translations from unpaired images, so it "
                "needs an unpaired dataset (edges2digits-unpaired, unpaired-folder) and a "
                f"recipe with unpaired conditioning, not {kit.conditioning.name!r}."
            )
        if tuple(spec.input_shape) != tuple(spec.shape):
            raise IncompatibleError(
                f"The cyclegan method uses one discriminator design for both domains and "
                f"identity terms, so domains A ({'×'.join(map(str, spec.input_shape))}) and "
                f"B ({'×'.join(map(str, spec.shape))}) must have the same shape; resize both "
                "with --image-size N."
            )
        self.generator = kit.generator()
        self.g_ab = self.generator.a_to_b
        self.g_ba = getattr(self.generator, "b_to_a", None)
        if self.g_ba is None:
            raise IncompatibleError(
                f"The cyclegan method needs a generator holding both translators (A→B and "
                f"its attribute b_to_a), but {type(self.generator).__name__} has one. Use "
                "--generator cyclegan."
            )
        self.d_a, self.d_b = kit.discriminator(), kit.discriminator()
        self.loss = kit.loss
        self.g_opt = kit.g_optimizer(self.generator.parameters())
        self.d_opt = kit.d_optimizer([*self.d_a.parameters(), *self.d_b.parameters()])
        self.base_lrs = {"g": kit.plan.g_optimizer.lr, "d": kit.plan.d_optimizer.lr}
        self.minimize = kit.precision.minimize
        self.split = kit.conditioning.split
        regs = kit.regularizers
        refused = [name for name, r in regs if r.overrides("g_term")]
        if refused:
            raise IncompatibleError(
                f"The cyclegan method has no target image for generator terms such as "
                f"{', '.join(refused)}: its generators' terms are the cycle and identity "
                "losses. Drop them (--reg none)."
            )
        self.d_terms = [(n, r.d_term) for n, r in regs if r.overrides("d_term")]
        self.after_d = [r.after_d_step for _, r in regs if r.overrides("after_d_step")]
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.constant_steps, self.decay_steps = constant_steps, decay_steps
        self.pools = {name: ImagePool(pool_size, tuple(spec.shape), kit.device)
                      for name in ("a", "b")}
        self.steps = 0
        self.d_params = [p for d in (self.d_a, self.d_b) for p in d.parameters()
                         if p.requires_grad]

    def networks(self) -> dict[str, nn.Module]:
        return {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generators": self.g_opt, "discriminators": self.d_opt}

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps,
                "pools": {name: pool.state_dict() for name, pool in self.pools.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps = int(state["steps"])
        for name, pool in self.pools.items():
            pool.load_state_dict(state["pools"][name])

    def _set_learning_rates(self) -> None:
        factor = lr_factor(self.steps, self.constant_steps, self.decay_steps)
        for key, opt in (("g", self.g_opt), ("d", self.d_opt)):
            for group in opt.param_groups:
                group["lr"] = self.base_lrs[key] * factor

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        self._set_learning_rates()
        real_b, real_a = self.split(next_batch())
        loss, values = self.loss, {}

        for p in self.d_params:  # the generators' update needs gradients through D only
            p.requires_grad_(False)
        fake_b, fake_a = self.g_ab(None, real_a), self.g_ba(None, real_b)
        g_loss = loss.g_loss(self.d_b(fake_b)) + loss.g_loss(self.d_a(fake_a))
        cycle = (F.l1_loss(self.g_ba(None, fake_b), real_a)
                 + F.l1_loss(self.g_ab(None, fake_a), real_b))
        total = g_loss + self.cycle_weight * cycle
        values.update(g_loss=g_loss, cycle=cycle)
        if self.identity_weight:
            identity = (F.l1_loss(self.g_ab(None, real_b), real_b)
                        + F.l1_loss(self.g_ba(None, real_a), real_a))
            total = total + self.identity_weight * self.cycle_weight * identity
            values["identity"] = identity
        self.minimize(total, self.g_opt)
        for p in self.d_params:
            p.requires_grad_(True)

        d_total = fake_b.new_zeros(())
        for name, d, real, fake in (("d_b", self.d_b, real_b, fake_b),
                                    ("d_a", self.d_a, real_a, fake_a)):
            pooled = self.pools[name[-1]].query(fake)
            d_loss = loss.d_loss(d(real), d(pooled))
            values[name] = d_loss
            d_total = d_total + d_loss
            for term_name, term in self.d_terms:
                value = term(d, real, pooled, None)
                if value is not None:
                    values[f"{term_name}_{name[-1]}"] = value
                    d_total = d_total + value
        values["d_loss"] = values["d_a"] + values["d_b"]
        self.minimize(d_total, self.d_opt)
        for act in self.after_d:
            act(self.d_a)
            act(self.d_b)
        self.steps += 1
        return values
