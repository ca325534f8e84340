"""GAN-CLS's generator and matching-aware discriminator (Reed et al. 2016), DCGAN-shaped.

Both networks embed the caption with their own copy of the frozen :class:`CharEncoder`
(the method fits it first and gives both the same weights) and reduce the embedding with a
fully connected layer and leaky ReLU (the paper: 1024 → 128).  G concatenates the reduced
text with z and runs the dcgan generator on it; D runs the dcgan discriminator's strided
convolutions down to its 4×4 or 7×7 map, concatenates the reduced text replicated over that
map, and scores with a 1×1 convolution, norm, leaky ReLU and a convolution over the map, as
in the paper.  Conditioning augmentation (Zhang et al. 2017, StackGAN), off by default,
draws G's text vector from N(μ(φ), σ(φ)) instead (its mean when G is in eval mode) and
reports the KL divergence to N(0, I) for the method to add to G's loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import (
    DataSpec,
    IncompatibleError,
    OptionRange,
    check_norm,
    check_options,
    init_normal_,
    norm2d,
)
from ganzoo_dcgan.nets import D_NORMS, DCGANDiscriminator, DCGANGenerator
from ganzoo_text2image.text_encoder import CharEncoder

OPTION_RANGES = {"embed_dim": OptionRange(1, integer=True),
                 "text_dim": OptionRange(1, integer=True)}


def _check_text(conditioning: str, part: str) -> None:
    if conditioning != "text":
        raise IncompatibleError(
            f"The gan-cls {part} is conditioned on captions (conditioning 'text'), not "
            f"{conditioning!r}. Train the gan-cls model on a captioned dataset "
            "(captioned-digits, image-captions); for other data pick another part, e.g. dcgan."
        )


def _frozen_encoder(embed_dim: int) -> CharEncoder:
    return CharEncoder(embed_dim).requires_grad_(False)


class TextGenerator(nn.Module):
    """``G(z, caption codes)``: the dcgan generator on ``[z, reduced φ(caption)]``."""

    defaults_for = staticmethod(DCGANGenerator.defaults_for)
    option_ranges = {**DCGANGenerator.option_ranges, **OPTION_RANGES}

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "none",
                 base_channels: int | None = None, image_size: int | None = None,
                 embed_dim: int = 128, text_dim: int = 128, augmentation: bool = False):
        super().__init__()
        _check_text(conditioning, "generator")
        check_options("gan-cls generator", OPTION_RANGES, embed_dim=embed_dim, text_dim=text_dim)
        self.encoder = _frozen_encoder(embed_dim)
        self.augmentation = augmentation
        self.reduce = nn.Linear(embed_dim, 2 * text_dim if augmentation else text_dim)
        self.net = DCGANGenerator(spec, latent_dim=latent_dim + text_dim,
                                  base_channels=base_channels, image_size=image_size)
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)

    def embed(self, codes: Tensor) -> Tensor:
        """φ(caption): the frozen encoder's embedding."""
        return self.encoder(codes)

    def from_embedding(self, z: Tensor, embedding: Tensor) -> tuple[Tensor, Tensor]:
        """Images for ``z`` and caption embeddings, and the augmentation's KL term (0 without)."""
        reduced = self.reduce(embedding)
        if self.augmentation:
            mean, log_var = reduced.chunk(2, dim=1)
            kl = 0.5 * (mean.square() + log_var.exp() - 1 - log_var).sum(1).mean()
            text = mean + torch.randn_like(mean) * (0.5 * log_var).exp() if self.training else mean
        else:
            text, kl = F.leaky_relu(reduced, 0.2), reduced.new_zeros(())
        return self.net(torch.cat([z, text], dim=1)), kl

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.from_embedding(z, self.embed(cond))[0]


class TextDiscriminator(nn.Module):
    """``D(x, caption codes)`` → one raw score per pair: does the image look real *and*
    match the caption."""

    defaults_for = staticmethod(DCGANDiscriminator.defaults_for)
    option_ranges = {**DCGANDiscriminator.option_ranges, **OPTION_RANGES}

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 base_channels: int | None = None, norm: str = "batch",
                 image_size: int | None = None, embed_dim: int = 128, text_dim: int = 128):
        super().__init__()
        _check_text(conditioning, "discriminator")
        check_options("gan-cls discriminator", OPTION_RANGES, embed_dim=embed_dim,
                      text_dim=text_dim)
        check_norm(norm, D_NORMS, "gan-cls discriminator")
        dcgan = DCGANDiscriminator(spec, base_channels=base_channels, norm=norm,
                                   image_size=image_size)
        last = dcgan.net[-1]  # the dcgan's scoring convolution over its start×start map
        width, self.start = last.in_channels, last.kernel_size[0]
        self.body = dcgan.net[:-1]
        self.encoder = _frozen_encoder(embed_dim)
        self.reduce = nn.Sequential(nn.Linear(embed_dim, text_dim), nn.LeakyReLU(0.2))
        self.head = init_normal_(nn.Sequential(
            nn.Conv2d(width + text_dim, width, 1, bias=norm == "none"), norm2d(norm, width),
            nn.LeakyReLU(0.2), nn.Conv2d(width, 1, self.start)))
        self.in_shape = tuple(spec.shape)

    def embed(self, codes: Tensor) -> Tensor:
        return self.encoder(codes)

    def score(self, x: Tensor, embedding: Tensor) -> Tensor:
        """Scores of images ``x`` against caption embeddings (one per image)."""
        text = self.reduce(embedding)[:, :, None, None].expand(-1, -1, self.start, self.start)
        return self.head(torch.cat([self.body(x), text.to(x.dtype)], dim=1)).flatten()

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.score(x, self.embed(cond))
