"""BigGAN's orthogonal regularization of G (Brock et al. 2019, Section 3.1), the paper's
modified form: ``β Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F`` over G's weight matrices, each conv kernel
flattened to one row per output channel.

Only the off-diagonal entries are penalized: filters are pushed towards being pairwise
orthogonal without constraining their norms (spectral norm sets those).  The paper finds
it makes G amenable to the truncation trick.

BigGAN-PyTorch (``utils.ortho``) adds ``2β (W Wᵀ ⊙ (1 − I)) W`` to each weight's gradient
after the backward pass instead of differentiating a loss; the term here is a loss, whose
gradient is ``4β (W Wᵀ ⊙ (1 − I)) W``: at the same β, twice that step (β = 5·10⁻⁵ here
matches the code's 10⁻⁴).  Like the code, it reaches every conv and linear weight of G
(under spectral norm, the raw weight before normalization) but not the class embedding.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils import parametrize

from ganzoo.api import OptionRange, Regularizer, check_options


def weight_matrices(module: nn.Module) -> list[nn.Parameter]:
    """Every conv and linear layer's trained weight in ``module`` (the raw weight of a
    parametrized layer, spectral norm's say); embeddings are left out."""
    found = []
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.modules.conv._ConvNd)):
            if parametrize.is_parametrized(layer, "weight"):
                found.append(layer.parametrizations.weight.original)
            else:
                found.append(layer.weight)
    return found


def off_diagonal_gram(weight: Tensor) -> Tensor:
    """``W Wᵀ ⊙ (1 − I)`` for ``weight`` flattened to one row per output."""
    rows = weight.flatten(1)
    gram = rows @ rows.T
    return gram - gram.diagonal().diag()


class Orthogonal(Regularizer):
    """``weight · Σ ‖W Wᵀ ⊙ (1 − I)‖²_F`` over G's weight matrices, added to G's loss."""

    option_ranges = {"weight": OptionRange(0, low_open=True)}

    def __init__(self, weight: float = 1e-4):
        check_options("orthogonal regularizer", self.option_ranges, weight=weight)
        self.weight = weight
        self.matrices: list[nn.Parameter] = []

    def wrap_generator(self, generator: nn.Module) -> nn.Module:
        self.matrices = weight_matrices(generator)
        return generator

    def g_term(self, fake: Tensor, real: Tensor, cond: object) -> Tensor | None:
        if not self.matrices:
            return None
        return self.weight * sum(off_diagonal_gram(w).square().sum() for w in self.matrices)
