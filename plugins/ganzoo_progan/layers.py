"""ProGAN's layers (Karras et al. 2018, section 4): equalized learning rate, pixelwise
feature normalization and the minibatch standard deviation.

Equalized learning rate: a weight is stored as ``N(0, 1)`` and multiplied at run time by
He's constant ``gain / sqrt(fan_in)``, so Adam's scale-invariant steps move every layer's
effective weights at the same relative speed, whatever its fan-in.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: He's gain for layers followed by a (leaky) ReLU; output layers use 1.
RELU_GAIN = math.sqrt(2.0)


class EqualizedConv2d(nn.Module):
    """A same-padded convolution whose ``N(0, 1)`` weight is scaled by ``gain/sqrt(fan_in)``
    at every call; the bias starts at zero."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int,
                 gain: float = RELU_GAIN):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = gain / math.sqrt(in_channels * kernel * kernel)
        self.padding = kernel // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Module):
    """A fully connected layer with an ``N(0, 1)`` weight scaled by ``gain/sqrt(fan_in)``
    at every call; the bias starts at zero."""

    def __init__(self, in_features: int, out_features: int, gain: float = RELU_GAIN):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = gain / math.sqrt(in_features)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Each pixel's feature vector divided by its root mean square over channels (dim 1):
    G's replacement for batch normalization, which keeps its signal magnitudes from
    escalating."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: Tensor, group_size: int = 4) -> Tensor:
    """``x`` with one more feature map: the standard deviation of each feature over a
    group of ``group_size`` samples, averaged over features and pixels, shown to every
    sample of that group, so D can see how varied a batch is.  Groups are made of samples
    ``i, i + n/g, i + 2n/g...`` as in the authors' code; the group shrinks to the largest
    size up to ``group_size`` that divides the batch."""
    n, _, height, width = x.shape
    group = min(group_size, n)
    while n % group:
        group -= 1
    y = x.float().reshape(group, -1, *x.shape[1:])
    std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
    feature = std.to(x.dtype).repeat(group).view(n, 1, 1, 1).expand(n, 1, height, width)
    return torch.cat([x, feature], dim=1)
