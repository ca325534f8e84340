"""Discriminator rejection sampling (DRS; Azadi, Olsson, Darrell, Goodfellow & Odena 2019).

A trained discriminator still knows where the generator puts mass the data has not: on a
mixture of Gaussians, the "bridges" a continuous generator must draw between modes.  DRS
keeps each sample ``x`` with probability ``sigmoid(F(x) - gamma)``, where

    F(x) = D(x) - D_M - log(1 - exp(D(x) - D_M - eps))

``D(x)`` is the discriminator's logit, an estimate of log p_data(x)/p_g(x) once D has been
*calibrated* (fine-tuned with the logistic loss against the generator that is sampled: the
run's moving average, which D never saw while training, and whatever loss the recipe used),
``D_M`` the largest logit seen so far (first over a burn-in of candidates) and ``gamma`` the
95th percentile of ``F`` over each batch of candidates, which trades acceptance for precision
as in the paper.  Samples the data is denser at are kept more often, so quality rises; the
price is a generator that needs its discriminator and several candidates per sample.

Only unconditional models whose discriminator gives one score per sample are supported:
class-, image- or text-conditioned models and packed or multi-head discriminators are
refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ganzoo.errors import GanzooError, IncompatibleError
from ganzoo.training.build import PartsKit
from ganzoo.training.checkpoint import load_checkpoint, migrated
from ganzoo.training.run import LoadedRun, RunPaths

CALIBRATION_STEPS = 1000
CALIBRATION_LR = 1e-4
BURN_IN = 10_000
PERCENTILE = 0.95
EPSILON = 1e-6
#: below this share of candidates kept, sampling stops with an error instead of looping on
MIN_ACCEPTANCE = 0.01


def _scores(discriminator: nn.Module, x: Tensor) -> Tensor:
    """One logit per sample, or an error saying why this discriminator cannot give them."""
    out = discriminator(x, None)
    if not isinstance(out, Tensor) or out.numel() != len(x):
        gives = f"{out.numel()} scores" if isinstance(out, Tensor) else f"a {type(out).__name__}"
        raise IncompatibleError(
            f"Discriminator rejection sampling needs one score per sample, but this model's "
            f"discriminator gives {gives} for {len(x)} samples (a packed or multi-head "
            "discriminator). Measure or sample without --drs.")
    return out.reshape(-1).float()


def _real_batches(run: LoadedRun, batch_size: int, rng: torch.Generator):
    """Endless random batches of the run's training data (the first item of each sample)."""
    data = run.dataset("train")
    tensors = getattr(data, "tensors", None)
    while True:
        index = torch.randint(len(data), (batch_size,), generator=rng)
        if tensors is not None:
            yield tensors[0][index]
        else:
            yield torch.stack([data[int(i)][0] for i in index])


@dataclass
class RejectionSampler:
    """A run's generator filtered by its calibrated discriminator (:func:`rejection_sampler`)."""

    run: LoadedRun
    discriminator: nn.Module
    #: the largest logit of the burn-in: where each call's bound D_M starts
    max_logit: float
    #: how it was set up, stored beside figures measured with it
    record: dict[str, Any] = field(default_factory=dict)

    @torch.no_grad()
    def logits(self, x: Tensor, batch_size: int = 1024) -> Tensor:
        return torch.cat([_scores(self.discriminator, x[i:i + batch_size].to(self.run.device))
                          for i in range(0, len(x), batch_size)]).cpu()

    @torch.no_grad()
    def sample(self, n: int, *, seed: int = 0, batch_size: int = 1024) -> Tensor:
        """``n`` accepted samples on the CPU; candidates and coin flips come from ``seed``,
        and the bound starts at the burn-in's each call, so a seed always gives the same."""
        rng = torch.Generator().manual_seed(seed)
        kept: list[Tensor] = []
        count = drawn = 0
        bound = self.max_logit
        while count < n:
            candidates = self.run.sample(batch_size, seed=int(torch.randint(2**62, (1,),
                                                                               generator=rng)))
            logit = self.logits(candidates)
            bound = max(bound, float(logit.max()))
            gap = logit.double() - bound
            f = gap - torch.log1p(-torch.exp(gap - EPSILON))
            gamma = torch.quantile(f, PERCENTILE)
            keep = torch.rand(len(f), generator=rng, dtype=torch.float64) < torch.sigmoid(f - gamma)
            kept.append(candidates[keep])
            count += int(keep.sum())
            drawn += len(candidates)
            if drawn >= 100 * batch_size and count < MIN_ACCEPTANCE * drawn:
                raise GanzooError(
                    f"Discriminator rejection sampling kept {count} of {drawn:,} candidates "
                    f"(under {MIN_ACCEPTANCE:.0%}): the discriminator rejects nearly all of "
                    "this generator's samples. Train longer, or measure or sample without --drs.")
        self.record["acceptance"] = round(count / drawn, 4)
        return torch.cat(kept)[:n]


def rejection_sampler(run: LoadedRun, *, calibration_steps: int = CALIBRATION_STEPS,
                      seed: int = 0) -> RejectionSampler:
    """Load the run's discriminator, calibrate it against the run's (averaged) generator with
    the logistic loss for ``calibration_steps`` batches, and find the burn-in maximum."""
    if run.plan.conditioning != "none":
        raise IncompatibleError(
            f"Discriminator rejection sampling supports unconditional models; "
            f"{run.plan.model!r} is {run.plan.conditioning}-conditioned. Measure or sample "
            "without --drs.")
    path = RunPaths(run.run_dir).checkpoint
    state = migrated(load_checkpoint(path), path)
    discriminator = PartsKit(run.plan, run.registry, run.device).discriminator()
    discriminator.load_state_dict(state["networks"]["discriminator"])
    discriminator.train()
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=CALIBRATION_LR,
                                 betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(seed)
    real = _real_batches(run, run.plan.batch_size, rng)
    softplus = nn.functional.softplus
    for _ in range(calibration_steps):
        fake = run.sample(run.plan.batch_size, seed=int(torch.randint(2**62, (1,), generator=rng)))
        loss = (softplus(-_scores(discriminator, next(real).to(run.device))).mean()
                + softplus(_scores(discriminator, fake.to(run.device))).mean())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    discriminator.eval().requires_grad_(False)
    sampler = RejectionSampler(run, discriminator, float("-inf"), {
        "method": "discriminator rejection sampling (Azadi et al. 2019)",
        "calibration": f"{calibration_steps} batches of {run.plan.batch_size}, logistic loss, "
                       f"Adam lr {CALIBRATION_LR:g}, against the averaged generator",
        "burn_in": BURN_IN, "gamma_percentile": PERCENTILE, "seed": seed,
    })
    burn_in = run.sample(BURN_IN, seed=int(torch.randint(2**62, (1,), generator=rng)))
    sampler.max_logit = float(sampler.logits(burn_in).max())
    return sampler
