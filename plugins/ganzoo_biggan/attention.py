"""The self-attention block BigGAN takes from SAGAN (Zhang et al. 2019), as in the authors'
released code (BigGAN-PyTorch's ``layers.Attention``, which differs from SAGAN's paper).

Every position attends to every position of a 2×-max-pooled copy of the map: query θ and
key φ have channels/8 maps, value g channels/2, each from a bias-free 1×1 conv; the
attended values go back to the map's width through a 1×1 conv ``o`` and are added to the
input scaled by a learned γ that starts at 0, so the block starts as the identity and the
nets learn how much non-local evidence to use.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _one_by_one(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, bias=False)


class SelfAttention(nn.Module):
    """``x + γ · o(attention(θ(x), maxpool(φ(x))) · maxpool(g(x)))``; same shape out as in.

    Maps need an even side (the keys and values are pooled 2×); widths below 8 channels
    keep one query/key map.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.key_channels = max(channels // 8, 1)
        self.value_channels = max(channels // 2, 1)
        self.theta = _one_by_one(channels, self.key_channels)
        self.phi = _one_by_one(channels, self.key_channels)
        self.g = _one_by_one(channels, self.value_channels)
        self.o = _one_by_one(self.value_channels, channels)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor) -> Tensor:
        n, _, height, width = x.shape
        query = self.theta(x).flatten(2)                               # N, K, HW
        key = nn.functional.max_pool2d(self.phi(x), 2).flatten(2)      # N, K, HW/4
        value = nn.functional.max_pool2d(self.g(x), 2).flatten(2)      # N, V, HW/4
        weights = torch.softmax(query.transpose(1, 2) @ key, dim=-1)   # N, HW, HW/4
        attended = (value @ weights.transpose(1, 2)).view(n, self.value_channels, height, width)
        return x + self.gamma * self.o(attended)
