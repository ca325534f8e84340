"""The projection discriminator (Miyato & Koyama 2018).

``D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩``: the class enters as an inner product of its
embedding with D's features rather than as extra input channels.  The paper derives it from
a log-likelihood-ratio model with a log-linear class term, so the label and the image
interact only where D's evidence is richest.  φ is ganzoo's dcgan (images) or mlp (points)
discriminator body (see :mod:`ganzoo_acgan.features`), ψ a linear score.

The embedding table is the weight of a bias-free linear layer (row y is embed(y)), so the
``spectral-norm`` regularizer, which normalizes every linear and convolutional layer of D,
normalizes it too, as the authors' code does (SNEmbedID).  ⟨embed(y), φ(x)⟩ is then the
y-th logit of that layer read as a linear classifier on φ(x).  :func:`projection` is the
head alone, which BigGAN's discriminator (plugin biggan) puts on its ResNet body.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, check_options
from ganzoo_acgan.features import OPTION_RANGES, Features, class_count, feature_defaults


class ProjectionDiscriminator(nn.Module):
    """``ψ(φ(x)) + ⟨embed(y), φ(x)⟩``; ``norm`` defaults to none on both kinds of data (the
    paper's D has no normalization layer: spectral norm is its constraint)."""

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, object]:
        return feature_defaults(spec, image_norm="none")

    def __init__(self, spec: DataSpec, *, conditioning: str = "class",
                 base_channels: int | None = None, image_size: int | None = None,
                 hidden: int | None = None, depth: int | None = None,
                 norm: str | None = None):
        super().__init__()
        check_options("projection discriminator", OPTION_RANGES, base_channels=base_channels,
                      image_size=image_size, hidden=hidden, depth=depth)
        self.in_shape = tuple(spec.shape)
        self.num_classes = class_count(spec, conditioning, "projection", "dcgan or mlp")
        self.features = Features(spec, part="projection",
                                 norm=norm or self.defaults_for(spec)["norm"],
                                 base_channels=base_channels, image_size=image_size,
                                 hidden=hidden, depth=depth)
        self.score = self.features.head(1)
        self.embed = self.features.head(self.num_classes, bias=False)  # classes × features

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        return projection(self.features(x), cond, self.score, self.embed)


def projection(h: Tensor, labels: Tensor, score: nn.Linear, embed: nn.Linear) -> Tensor:
    """``ψ(h) + ⟨embed(y), h⟩`` for features ``h`` (N, F): ``score`` is ψ (F → 1), and
    ``embed`` a bias-free linear layer (F → classes) whose weight row y is embed(y)."""
    return score(h).squeeze(1) + (embed.weight[labels] * h).sum(1)
