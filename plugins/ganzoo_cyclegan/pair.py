"""The sampled generator of a CycleGAN run: both translators in one module.

The loop averages (EMA) and saves the method's ``generator``, and ``ganzoo sample``,
``export`` and ``eval`` rebuild it from the run's plan, so the one generator part holds
both directions: ``G(z, a)`` translates A→B, ``G.b_to_a(z, b)`` B→A.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError

from ganzoo_cyclegan.resnet import OPTION_RANGES, ResnetTranslator, default_sizes


def domain_shapes(spec: DataSpec, conditioning: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shapes of domains A and B, or a clear refusal for data without two domains."""
    two_domains = (conditioning == "unpaired" and spec.unpaired) or (
        conditioning == "image" and spec.paired)
    if not two_domains or spec.input_shape is None:
        raise IncompatibleError(
            f"The cyclegan generator translates between two image domains, so it needs an "
            f"unpaired dataset (edges2digits-unpaired, unpaired-folder) and the cyclegan "
            f"recipe (or paired data and an image-conditional recipe); here the data is "
            f"{spec.describe()} and the conditioning is {conditioning!r}."
        )
    return tuple(spec.input_shape), tuple(spec.shape)


class CycleGANGenerator(nn.Module):
    """``G(None, a)`` → B-domain images; ``b_to_a`` translates back (``latent_dim`` 0)."""

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, int]:
        """Residual blocks and downsamplings for this image size, recorded in the plan."""
        return default_sizes(spec) if spec.is_image else {}

    def __init__(self, spec: DataSpec, *, latent_dim: int = 0, conditioning: str = "unpaired",
                 base_channels: int = 64, n_blocks: int | None = None,
                 n_downsampling: int | None = None, norm: str = "instance"):
        super().__init__()
        shape_a, shape_b = domain_shapes(spec, conditioning)
        given = {"n_blocks": n_blocks, "n_downsampling": n_downsampling}
        options = {**default_sizes(spec), **{k: v for k, v in given.items() if v is not None},
                   "base_channels": base_channels, "norm": norm}
        self.a_to_b = ResnetTranslator(shape_a, shape_b, **options)
        self.b_to_a = ResnetTranslator(shape_b, shape_a, **options)
        self.latent_dim = 0
        self.out_shape = shape_b

    def forward(self, z: Tensor | None, cond: Tensor) -> Tensor:
        return self.a_to_b(z, cond)
