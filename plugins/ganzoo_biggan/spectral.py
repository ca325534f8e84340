"""Spectral normalization of G's layers as BigGAN-PyTorch computes it (``layers.SN``).

``W / σ(W)``, σ estimated from a stored left singular vector ``u`` by one power-iteration
step at every forward pass, in eval mode too (without storing it then).  torch's
``spectral_norm`` (which D gets from the recipe's regularizer) instead uses its stored
``u`` and ``v`` as they are in eval mode, and that breaks G's moving average: ganzoo's EMA
averages every float buffer, and an average of unit vectors that turned during the window
is shorter than 1 — after 1,500 steps on mnist-5k one layer's σ came out at a tenth of its
value, and FID rose from 3.2 to 39.7.  A fresh power step from the averaged ``u`` renormalizes it.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.functional import normalize
from torch.nn.utils import parametrize

#: power iterations that set ``u`` when a layer is wrapped (as torch's spectral_norm does)
WARMUP_ITERATIONS = 15


class SpectralNormalization(nn.Module):
    """The parametrization ``W ↦ W / σ(W)``, ``W`` flattened to one row per output."""

    def __init__(self, weight: Tensor):
        super().__init__()
        matrix = weight.detach().flatten(1)
        u = normalize(torch.randn(len(matrix), dtype=matrix.dtype, device=matrix.device), dim=0)
        for _ in range(WARMUP_ITERATIONS):
            u = normalize(matrix @ normalize(matrix.T @ u, dim=0), dim=0)
        self.register_buffer("u", u)

    def forward(self, weight: Tensor) -> Tensor:
        matrix = weight.flatten(1)
        with torch.no_grad():
            v = normalize(matrix.T @ self.u, dim=0)
            u = normalize(matrix @ v, dim=0)
            if self.training:
                self.u.copy_(u)
        return weight / torch.dot(u, matrix @ v)


def spectral_normalize_(module: nn.Module) -> nn.Module:
    """Every conv and linear layer of ``module`` spectrally normalized (embeddings not)."""
    layers = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))]
    for layer in layers:
        parametrize.register_parametrization(layer, "weight", SpectralNormalization(layer.weight))
    return module
