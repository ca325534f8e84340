"""InfoGAN's latent codes and the likelihood its Q head gives them.

G's ``z`` is the noise followed by the codes (paper's MNIST: c1, a 10-way categorical, then
c2 and c3, continuous in [-1, 1]).  The generator and the discriminator take the same three
options and build the same list of codes: categorical ones first, named ``c1, c2, ...``
in order, as the paper names them, so ``ganzoo sample RUN --code c1`` sweeps the first.

Q's output lies in the codes' own layout: for each categorical code, its logits in the
columns of its one-hot; for each continuous code, the mean of a Gaussian in its column;
then, when the standard deviations are learned, one log-std per continuous code.  L_I, the
negative of the paper's lower bound on I(c; G(z, c)) up to the codes' entropy, is the
cross-entropy of the categorical codes plus the Gaussian negative log-likelihood of the
continuous ones.
"""

from __future__ import annotations

from typing import Sequence

import torch.nn.functional as F
from torch import Tensor

from ganzoo.api import Code, IncompatibleError, OptionRange, check_options

#: The code options the generator and the discriminator share.
CODE_RANGES = {"categorical_codes": OptionRange(0, 64, integer=True),
               "categories": OptionRange(2, 1000, integer=True),
               "continuous_codes": OptionRange(0, 64, integer=True)}
STDS = ("fixed", "learned")


def info_codes(part: str, categorical_codes: int, categories: int,
               continuous_codes: int) -> list[Code]:
    """``categorical_codes`` codes of ``categories`` values, then ``continuous_codes``
    scalar ones, named ``c1, c2, ...``; at least one code, or a refusal naming ``part``."""
    check_options(part, CODE_RANGES, categorical_codes=categorical_codes,
                  categories=categories, continuous_codes=continuous_codes)
    if categorical_codes + continuous_codes == 0:
        raise IncompatibleError(
            f"The {part} needs at least one latent code (categorical_codes or "
            "continuous_codes above 0): without codes InfoGAN is a plain GAN; use the dcgan "
            "or gan recipe for that."
        )
    kinds = ["categorical"] * categorical_codes + ["continuous"] * continuous_codes
    return [Code(f"c{i}", kind, categories if kind == "categorical" else 1)
            for i, kind in enumerate(kinds, 1)]


def describe(codes: Sequence[Code]) -> str:
    """``c1 (10 categories), c2, c3 (continuous)`` for messages."""
    return ", ".join(f"{c.name} ({c.size} categories)" if c.kind == "categorical"
                     else f"{c.name} (continuous)" for c in codes) or "none"


def q_size(codes: Sequence[Code], learned_std: bool) -> int:
    """Q's output width: the codes' own, plus one log-std per continuous code if learned."""
    continuous = sum(c.kind == "continuous" for c in codes)
    return sum(c.size for c in codes) + (continuous if learned_std else 0)


def code_nll(q: Tensor, c: Tensor, codes: Sequence[Code],
             learned_std: bool) -> tuple[Tensor, Tensor]:
    """``(categorical, continuous)``: the batch means of −log Q(c | x), summed over the
    categorical codes (cross-entropy) and over the continuous ones (Gaussian, without the
    constant ½ log 2π: ½ (c − μ)² with unit std as the authors' code, else
    log σ + ½ ((c − μ) / σ)²).  ``c`` holds the codes as ``z`` does, after the noise."""
    categorical = continuous = q.new_zeros(())
    start, columns = 0, []
    for code in codes:
        if code.kind == "categorical":
            part = slice(start, start + code.size)
            categorical = categorical + F.cross_entropy(q[:, part], c[:, part].argmax(1))
        else:
            columns.append(start)
        start += code.size
    if columns:
        error = c[:, columns] - q[:, columns]
        if learned_std:
            log_std = q[:, start:]
            nll = log_std + 0.5 * (error * (-log_std).exp()) ** 2
        else:
            nll = 0.5 * error ** 2
        continuous = nll.sum(1).mean()
    return categorical, continuous
