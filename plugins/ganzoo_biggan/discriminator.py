"""BigGAN's discriminator (Brock et al. 2019, Appendix B), for sides 4·2^k.

sngan's ResNet D (optimized block, down blocks, two plain blocks; wide: each block's
hidden width is its output width, as in BigGAN) with a self-attention block after the
block whose maps are ``attention`` pixels wide, then ReLU, global sum pooling and
cgan-pd's projection head ``ψ(h) + ⟨embed(y), h⟩``.  No normalization layer: the recipe's
``spectral-norm`` regularizer normalizes every conv and linear layer here, the attention's
and the class embedding included (the authors' code uses an SN embedding).
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, check_options
from ganzoo_biggan.architecture import (OPTION_RANGES, attention_position, defaults_for,
                                        doublings, init_orthogonal_)
from ganzoo_biggan.attention import SelfAttention
from ganzoo_cgan_pd.projection import projection
from ganzoo_sngan.blocks import dense
from ganzoo_sngan.resnet import discriminator_blocks, discriminator_sides


class BigGANDiscriminator(nn.Module):
    """Image → residual down blocks with self-attention → ReLU → sum over pixels →
    ``ψ(h) + ⟨embed(y), h⟩``: one raw score per image and label."""

    option_ranges = OPTION_RANGES
    defaults_for = staticmethod(defaults_for)

    def __init__(self, spec: DataSpec, *, conditioning: str = "class",
                 channels: int | None = None, attention: int | None = None):
        super().__init__()
        check_options("biggan discriminator", OPTION_RANGES, channels=channels,
                      attention=attention)
        k = doublings(spec, conditioning, "discriminator")
        defaults = defaults_for(spec)
        width = defaults["channels"] if channels is None else channels
        attention = defaults["attention"] if attention is None else attention
        self.in_shape = tuple(spec.shape)
        self.num_classes = spec.num_classes
        blocks = discriminator_blocks(spec.shape[0], width, k)
        where = attention_position(attention, discriminator_sides(spec.shape[1], k),
                                   "discriminator")
        if where is not None:
            blocks.insert(where + 1, SelfAttention(width))
        self.body = nn.Sequential(*blocks, nn.ReLU())
        self.score = dense(width, 1)
        self.embed = nn.Linear(width, spec.num_classes, bias=False)  # row y is embed(y)
        init_orthogonal_(self)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        return projection(self.body(x).sum(dim=(2, 3)), cond, self.score, self.embed)
