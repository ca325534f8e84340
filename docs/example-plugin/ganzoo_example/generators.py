"""An MLP generator for 2-D points, the shape of the toy experiments' generators."""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, OptionRange, check_options


class MLPGenerator(nn.Module):
    """``z`` → ``layers`` hidden ReLU layers of ``hidden`` units → a point.

    Built for unconditional point data only: anything else is refused with an
    ``IncompatibleError``, which is how a part says which data it supports.  Every option
    has a default that the run's plan records.
    """

    option_ranges = {"hidden": OptionRange(1, integer=True), "layers": OptionRange(1, integer=True)}

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 hidden: int = 128, layers: int = 3):
        super().__init__()
        if spec.kind != "points" or conditioning != "none":
            raise IncompatibleError(
                f"The example-mlp generator draws unconditional points, not {spec.describe()} "
                f"with conditioning {conditioning!r}; use it on point data (ring8, "
                "example-spiral)."
            )
        check_options("example-mlp generator", self.option_ranges, hidden=hidden, layers=layers)
        self.latent_dim = latent_dim
        self.out_shape = spec.shape
        blocks: list[nn.Module] = []
        width = latent_dim
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        self.net = nn.Sequential(*blocks, nn.Linear(width, spec.shape[0]))

    def forward(self, z: Tensor, cond: object = None) -> Tensor:
        return self.net(z)
