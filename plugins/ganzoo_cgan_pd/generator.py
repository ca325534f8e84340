"""The ``cbn-dcgan`` generator: ganzoo's DCGAN generator with class-conditional batchnorm.

It is the ``dcgan`` generator, built unconditional (z alone enters the first layer), with
every batchnorm replaced by a :class:`ConditionalBatchNorm2d`: the class reaches G only
through the gains and biases of its normalizations, as in the projection-discriminator
paper's generators.  Sizes, widths and initialization are dcgan's.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError
from ganzoo_cgan_pd.conditional_norm import ConditionalBatchNorm2d
from ganzoo_dcgan.nets import OPTION_RANGES, DCGANGenerator


class CBNGenerator(nn.Module):
    """z → dcgan's fractional-strided convolutions, each followed by conditional BN and
    ReLU, then tanh; ``G(z, labels)``."""

    defaults_for = staticmethod(DCGANGenerator.defaults_for)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "class",
                 base_channels: int | None = None, image_size: int | None = None):
        super().__init__()
        if conditioning != "class" or not spec.num_classes:
            raise IncompatibleError(
                "The cbn-dcgan generator takes the class through conditional batchnorm, so "
                "it needs class labels (a class-conditional recipe such as cgan-pd on a "
                "labeled dataset). Without labels, or for image-to-image models, use "
                "--generator dcgan."
            )
        net = DCGANGenerator(spec, latent_dim=latent_dim, base_channels=base_channels,
                             image_size=image_size).net
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.num_classes = spec.num_classes
        self.net = nn.Sequential(*(
            ConditionalBatchNorm2d(m.num_features, spec.num_classes)
            if isinstance(m, nn.BatchNorm2d) else m for m in net))

    def forward(self, z: Tensor, cond: Tensor) -> Tensor:
        x = z[:, :, None, None]
        for layer in self.net:
            x = layer(x, cond) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        return x
