"""InfoGAN's discriminator (Chen et al. 2016): D's score and a Q head on one shared body.

Q(c | x) approximates the posterior of G's latent codes; it shares every layer of D but
its own: a fully connected hidden layer (128 units, normalized like the body, LeakyReLU)
and an output in the codes' layout (:mod:`ganzoo_infogan.codes`).  Called as the contract
says, ``D(x, cond)`` returns the real/fake scores only, so any loss or gradient penalty
works on them; :meth:`InfoGANDiscriminator.heads` returns the scores and Q's output of
one pass, which the ``infogan`` method trains on.  The body is ganzoo's dcgan (images) or
mlp (points) discriminator, as AC-GAN's (:class:`ganzoo_acgan.features.Features`).
"""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, OptionRange, check_options, init_normal_
from ganzoo_acgan.features import OPTION_RANGES, Features, feature_defaults
from ganzoo_infogan.codes import CODE_RANGES, STDS, info_codes, q_size
from ganzoo_infogan.generator import refuse_conditioning

_NORM1D = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


class InfoGANDiscriminator(nn.Module):
    """φ(x), then a linear real/fake score and Q: ``q_hidden`` units (0: Q is linear in
    φ(x)), then the codes' logits and means (and log-stds with ``continuous_std=learned``).
    The code options must equal the generator's; ``norm`` defaults to batchnorm on images
    (the paper's D and Q) and none on points."""

    option_ranges = {**OPTION_RANGES, **CODE_RANGES,
                     "q_hidden": OptionRange(0, 8192, integer=True)}

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, object]:
        return feature_defaults(spec, image_norm="batch")

    def __init__(self, spec: DataSpec, *, conditioning: str = "none",
                 categorical_codes: int = 1, categories: int = 10, continuous_codes: int = 2,
                 continuous_std: str = "fixed", q_hidden: int = 128,
                 base_channels: int | None = None, image_size: int | None = None,
                 hidden: int | None = None, depth: int | None = None,
                 norm: str | None = None):
        super().__init__()
        refuse_conditioning(conditioning, "discriminator")
        check_options("infogan discriminator", self.option_ranges, q_hidden=q_hidden)
        if continuous_std not in STDS:
            raise IncompatibleError(
                f"The infogan discriminator's continuous_std must be 'fixed' (Q's Gaussian "
                f"has unit variance, as the authors' code) or 'learned' (Q also predicts "
                f"log σ, a factored Gaussian), not {continuous_std!r}."
            )
        self.in_shape = tuple(spec.shape)
        self.codes = tuple(info_codes("infogan discriminator", categorical_codes,
                                      categories, continuous_codes))
        self.learned_std = continuous_std == "learned"
        norm = norm or self.defaults_for(spec)["norm"]
        self.features = Features(spec, part="infogan", norm=norm,
                                 base_channels=base_channels, image_size=image_size,
                                 hidden=hidden, depth=depth)
        self.score = self.features.head(1)
        outputs = q_size(self.codes, self.learned_std)
        if q_hidden:
            q = nn.Sequential(nn.Linear(self.features.size, q_hidden),
                              _NORM1D.get(norm, nn.Identity)(q_hidden), nn.LeakyReLU(0.2),
                              nn.Linear(q_hidden, outputs))
            self.q: nn.Module = init_normal_(q) if spec.is_image else q  # as the body
        else:
            self.q = self.features.head(outputs)

    def heads(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(scores (N,), Q's output (N, q_size))`` of one pass through the body."""
        h = self.features(x)
        return self.score(h).squeeze(1), self.q(h)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return self.score(self.features(x)).squeeze(1)
