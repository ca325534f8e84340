"""Conditional batch normalization (de Vries et al. 2017; Dumoulin et al. 2017), the way the
projection-discriminator paper (Miyato & Koyama 2018) feeds the class to its generator.

Batchnorm without its own affine transform, followed by a gain γ_y and a bias β_y looked up
for each sample's class y: the class modulates every normalized feature map of G instead of
entering once at the input.  Gains start at 1 and biases at 0 (plain batchnorm), as in the
authors' code.
"""

from __future__ import annotations

from torch import Tensor, nn


class ConditionalBatchNorm2d(nn.Module):
    """``BN(x) · γ[y] + β[y]``, per channel, with one γ and β row per class."""

    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_features, affine=False)
        self.gain = nn.Embedding(num_classes, num_features)
        self.bias = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        gain = self.gain(labels)[:, :, None, None]
        bias = self.bias(labels)[:, :, None, None]
        return self.norm(x) * gain + bias
