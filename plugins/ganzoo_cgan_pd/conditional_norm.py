"""Conditional batch normalization (de Vries et al. 2017; Dumoulin et al. 2017), the way the
projection-discriminator paper (Miyato & Koyama 2018) feeds the class to its generator.

Batchnorm without its own affine transform, followed by a gain and a bias computed from
each sample's condition: the class modulates every normalized feature map of G instead of
entering once at the input.  Here the condition is a class label whose gain γ_y and bias
β_y are looked up, starting at 1 and 0 (plain batchnorm), as in the authors' code; BigGAN
(plugin biggan) computes them from a vector instead, with :class:`ModulatedBatchNorm2d`.
"""

from __future__ import annotations

from torch import Tensor, nn


class ModulatedBatchNorm2d(nn.Module):
    """``BN(x) · (gain_offset + gain(c)) + bias(c)``, per channel: ``gain`` and ``bias``
    map each sample's condition ``c`` to one value per channel."""

    def __init__(self, num_features: int, gain: nn.Module, bias: nn.Module,
                 gain_offset: float = 0.0):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_features, affine=False)
        self.gain = gain
        self.bias = bias
        self.gain_offset = gain_offset

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        gain = self.gain(cond)[:, :, None, None]
        bias = self.bias(cond)[:, :, None, None]
        if self.gain_offset:
            gain = gain + self.gain_offset
        return self.norm(x) * gain + bias


class ConditionalBatchNorm2d(ModulatedBatchNorm2d):
    """``BN(x) · γ[y] + β[y]``, per channel, with one γ and β row per class."""

    def __init__(self, num_features: int, num_classes: int):
        gain = nn.Embedding(num_classes, num_features)
        bias = nn.Embedding(num_classes, num_features)
        nn.init.ones_(gain.weight)
        nn.init.zeros_(bias.weight)
        super().__init__(num_features, gain, bias)
