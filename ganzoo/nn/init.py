"""The weight initialization of DCGAN (Radford et al. 2016), which pix2pix also uses."""

from __future__ import annotations

from torch import nn

_NORMS = (nn.modules.batchnorm._NormBase, nn.GroupNorm)


def init_normal_(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Conv/linear weights ~ N(0, std), normalization scales ~ N(1, std), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORMS) and getattr(m, "weight", None) is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return module
