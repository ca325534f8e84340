"""InfoGAN's generator (Chen et al. 2016): ``G(z, c)``, noise and latent codes in one vector.

The codes are declared as the generator's latent space, so the training step, the preview
pictures and ``ganzoo sample`` (``--code c1`` sweeps a code) draw them; the network is
ganzoo's ``dcgan`` generator on images and its ``mlp`` one on points, built for an input
of noise plus codes.  At 28 px with 64 base channels the dcgan generator is the paper's
MNIST G without its first fully connected layer: 7×7×128 maps, then 14×14×64, then 28×28.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, LatentSpace
from ganzoo_acgan.features import check_body_options
from ganzoo_dcgan.nets import OPTION_RANGES as DCGAN_RANGES
from ganzoo_dcgan.nets import DCGANGenerator
from ganzoo_gan.mlp import OPTION_RANGES as MLP_RANGES
from ganzoo_gan.mlp import MLPGenerator
from ganzoo_infogan.codes import CODE_RANGES, info_codes


def refuse_conditioning(conditioning: str, part: str) -> None:
    """InfoGAN is unconditional: it finds the factors (the classes among them) itself."""
    if conditioning != "none":
        raise IncompatibleError(
            f"The infogan {part} is unconditional: it discovers categories itself (its "
            f"categorical codes) instead of taking labels, so it does not take "
            f"{'class labels' if conditioning == 'class' else 'input images'}. For labels "
            "use acgan or cgan; for image-to-image translation, pix2pix."
        )


class InfoGANGenerator(nn.Module):
    """``z = (noise of latent_dim, c1, ..., cK)`` → a sample; codes as in
    :func:`~ganzoo_infogan.codes.info_codes` (default: the paper's MNIST codes)."""

    option_ranges = {**CODE_RANGES, **DCGAN_RANGES, **MLP_RANGES}

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, Any]:
        if spec.is_image:
            return DCGANGenerator.defaults_for(spec)
        return {**MLPGenerator.defaults_for(spec), "depth": 3}

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 categorical_codes: int = 1, categories: int = 10, continuous_codes: int = 2,
                 base_channels: int | None = None, image_size: int | None = None,
                 hidden: int | None = None, depth: int | None = None):
        super().__init__()
        refuse_conditioning(conditioning, "generator")
        check_body_options(spec, "infogan", "generator", {
            "base_channels": base_channels, "image_size": image_size, "hidden": hidden,
            "depth": depth})
        self.latent_space = LatentSpace(latent_dim, info_codes(
            "infogan generator", categorical_codes, categories, continuous_codes))
        self.latent_dim = self.latent_space.dim
        self.out_shape = tuple(spec.shape)
        if spec.is_image:
            self.body: nn.Module = DCGANGenerator(
                spec, latent_dim=self.latent_dim, base_channels=base_channels,
                image_size=image_size)
        else:
            self.body = MLPGenerator(spec, latent_dim=self.latent_dim, hidden=hidden,
                                     depth=depth or 3)

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.body(z)
