"""An MLP discriminator for 2-D points."""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, OptionRange, check_options


class MLPDiscriminator(nn.Module):
    """A point → ``layers`` hidden LeakyReLU(0.2) layers of ``hidden`` units → one raw
    score per point (the loss decides what scores mean)."""

    option_ranges = {"hidden": OptionRange(1, integer=True), "layers": OptionRange(1, integer=True)}

    def __init__(self, spec: DataSpec, *, conditioning: str = "none", hidden: int = 128,
                 layers: int = 3):
        super().__init__()
        if spec.kind != "points" or conditioning != "none":
            raise IncompatibleError(
                f"The example-mlp discriminator scores unconditional points, not "
                f"{spec.describe()} with conditioning {conditioning!r}; use it on point data."
            )
        check_options("example-mlp discriminator", self.option_ranges, hidden=hidden,
                      layers=layers)
        self.in_shape = spec.shape
        blocks: list[nn.Module] = []
        width = spec.shape[0]
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
            width = hidden
        self.net = nn.Sequential(*blocks, nn.Linear(width, 1))

    def forward(self, x: Tensor, cond: object = None) -> Tensor:
        return self.net(x).squeeze(1)
