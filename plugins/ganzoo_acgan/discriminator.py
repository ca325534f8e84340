"""AC-GAN's discriminator (Odena et al. 2017): one body, a real/fake head and a class head.

D does not take the label, it predicts it: ``P(S | x), P(C | x) = D(x)``.  Called as the
contract says, ``D(x, cond)`` returns the raw real/fake scores (any loss, any gradient
penalty works on them; ``cond`` is ignored); :meth:`ACGANDiscriminator.heads` returns the
scores and the class logits of one pass, which the ``acgan`` method trains on.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, check_options
from ganzoo_acgan.features import OPTION_RANGES, Features, class_count, feature_defaults


class ACGANDiscriminator(nn.Module):
    """φ(x) from ganzoo's dcgan (images) or mlp (points) discriminator body, then a linear
    real/fake score and linear class logits.  ``norm`` defaults to batchnorm on images (the
    paper's D) and none on points."""

    option_ranges = OPTION_RANGES

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, object]:
        return feature_defaults(spec, image_norm="batch")

    def __init__(self, spec: DataSpec, *, conditioning: str = "class",
                 base_channels: int | None = None, image_size: int | None = None,
                 hidden: int | None = None, depth: int | None = None,
                 norm: str | None = None):
        super().__init__()
        check_options("acgan discriminator", OPTION_RANGES, base_channels=base_channels,
                      image_size=image_size, hidden=hidden, depth=depth)
        self.in_shape = tuple(spec.shape)
        self.num_classes = class_count(spec, conditioning, "acgan", "dcgan or mlp")
        self.features = Features(spec, part="acgan", norm=norm or self.defaults_for(spec)["norm"],
                                 base_channels=base_channels, image_size=image_size,
                                 hidden=hidden, depth=depth)
        self.score = self.features.head(1)
        self.classifier = self.features.head(self.num_classes)

    def heads(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(scores (N,), class logits (N, num_classes))`` of one pass through the body."""
        h = self.features(x)
        return self.score(h).squeeze(1), self.classifier(h)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.score(self.features(x)).squeeze(1)
