"""The residual blocks of SNGAN's ResNets (Miyato et al. 2018, Figure 8; after Gulrajani
et al. 2017): an up block for G, a down (or plain) block and the "optimized" first block
for D.  D's blocks hold no normalization layer, so spectral normalization alone keeps D
Lipschitz; G's blocks use batchnorm, as in the paper, or another normalization a generator
passes in (BigGAN's class-conditional batchnorm).

Initialization follows the authors' code: Glorot-uniform with gain √2 on the residual
convolutions (they are followed by ReLUs), gain 1 on shortcuts and linear layers; biases 0.
"""

from __future__ import annotations

import math

from typing import Callable

from torch import Tensor, nn

RESIDUAL_GAIN = math.sqrt(2)


def conv(cin: int, cout: int, kernel: int, gain: float = 1.0) -> nn.Conv2d:
    """A same-padded convolution, Glorot-uniform initialized with ``gain``."""
    layer = nn.Conv2d(cin, cout, kernel, padding=kernel // 2)
    nn.init.xavier_uniform_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


def dense(cin: int, cout: int) -> nn.Linear:
    """A linear layer, Glorot-uniform initialized."""
    layer = nn.Linear(cin, cout)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def _upsample() -> nn.Upsample:
    return nn.Upsample(scale_factor=2, mode="nearest")


class UpBlock(nn.Module):
    """BN-ReLU-up-conv3×3-BN-ReLU-conv3×3, plus the upsampled input through a 1×1 conv.

    ``norm(channels)`` builds both normalizations (batchnorm by default).  Arguments after
    ``x`` go to them alone: ``block(x, cond)`` feeds a conditional normalization.
    """

    #: where the normalizations sit in ``residual``
    NORMS = (0, 4)

    def __init__(self, cin: int, cout: int,
                 norm: Callable[[int], nn.Module] = nn.BatchNorm2d):
        super().__init__()
        self.residual = nn.Sequential(
            norm(cin), nn.ReLU(), _upsample(), conv(cin, cout, 3, RESIDUAL_GAIN),
            norm(cout), nn.ReLU(), conv(cout, cout, 3, RESIDUAL_GAIN))
        self.shortcut = nn.Sequential(_upsample(), conv(cin, cout, 1))

    def forward(self, x: Tensor, *cond: Tensor) -> Tensor:
        h = x
        for i, layer in enumerate(self.residual):
            h = layer(h, *cond) if i in self.NORMS else layer(h)
        return h + self.shortcut(x)


class DownBlock(nn.Module):
    """ReLU-conv3×3-ReLU-conv3×3(-avgpool), plus the input through a 1×1 conv (and avgpool)
    when the block changes the shape, else unchanged."""

    def __init__(self, cin: int, cout: int, downsample: bool):
        super().__init__()
        pool = [nn.AvgPool2d(2)] if downsample else []
        self.residual = nn.Sequential(
            nn.ReLU(), conv(cin, cout, 3, RESIDUAL_GAIN),
            nn.ReLU(), conv(cout, cout, 3, RESIDUAL_GAIN), *pool)
        reshapes = downsample or cin != cout
        self.shortcut = nn.Sequential(conv(cin, cout, 1), *pool) if reshapes else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.residual(x) + self.shortcut(x)


class OptimizedBlock(nn.Module):
    """D's first block, on raw pixels: conv3×3-ReLU-conv3×3-avgpool, plus avgpool-conv1×1.
    No ReLU before the first conv (it would clip the [-1, 1] image)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.residual = nn.Sequential(
            conv(cin, cout, 3, RESIDUAL_GAIN), nn.ReLU(),
            conv(cout, cout, 3, RESIDUAL_GAIN), nn.AvgPool2d(2))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), conv(cin, cout, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.residual(x) + self.shortcut(x)
