"""φ(x): ganzoo's own discriminator without its score layer, for discriminators with heads.

AC-GAN's discriminator puts a class head beside the real/fake score; the projection
discriminator (plugin ``cgan_pd``) adds an inner product of φ(x) with a class embedding.
Both take their body from ganzoo's ``dcgan`` discriminator on images and its ``mlp`` one on
points, built unconditional and without the final layer (a linear map of the last feature
map to one score), so the body is the network the dcgan and mlp recipes train: same layers,
same initialization, same image sizes.  The heads are linear maps of the flattened features.
"""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, init_normal_
from ganzoo_dcgan.nets import OPTION_RANGES as DCGAN_RANGES
from ganzoo_dcgan.nets import DCGANDiscriminator
from ganzoo_gan.mlp import OPTION_RANGES as MLP_RANGES
from ganzoo_gan.mlp import MLPDiscriminator

#: Options of the body: ``base_channels``, ``image_size`` and ``norm`` on images (the dcgan
#: discriminator's); ``hidden``, ``depth`` and ``norm`` on points (the mlp one's).
OPTION_RANGES = {**DCGAN_RANGES, **MLP_RANGES}
IMAGE_ONLY = ("base_channels", "image_size")
POINTS_ONLY = ("hidden", "depth")


def feature_defaults(spec: DataSpec, image_norm: str) -> dict[str, Any]:
    """The body's options for this data: dcgan's widths and ``image_norm`` on images,
    the mlp's width, depth 3 and no normalization on points."""
    if spec.is_image:
        return {**DCGANDiscriminator.defaults_for(spec), "norm": image_norm}
    return {**MLPDiscriminator.defaults_for(spec), "depth": 3, "norm": "none"}


def class_count(spec: DataSpec, conditioning: str, part: str, unconditional: str) -> int:
    """The number of classes a class-conditional discriminator ``part`` is built for, or a
    refusal naming ``unconditional``, the part to use without labels."""
    if conditioning == "class" and spec.num_classes:
        return spec.num_classes
    if conditioning == "image":
        raise IncompatibleError(
            f"The {part} discriminator judges samples under a class label; it does not take "
            "an input image. For image-to-image translation use the pix2pix recipe."
        )
    raise IncompatibleError(
        f"The {part} discriminator needs class labels (a class-conditional recipe on a "
        f"labeled dataset such as mnist-5k, digits or ring8). Without labels use "
        f"--discriminator {unconditional}."
    )


def check_body_options(spec: DataSpec, part: str, role: str, options: dict[str, Any]) -> None:
    """Refuse a body option of the other kind of data (``hidden`` on images, say) for the
    ``part`` ``role`` (``"discriminator"``, or ``"generator"``: no ``norm`` option)."""
    unused = [k for k in (POINTS_ONLY if spec.is_image else IMAGE_ONLY)
              if options.get(k) is not None]
    if unused:
        body, used = ("dcgan", IMAGE_ONLY) if spec.is_image else ("mlp", POINTS_ONLY)
        used += ("norm",) if role == "discriminator" else ()
        raise IncompatibleError(
            f"The {part} {role}'s option {unused[0]} does not apply to {spec.describe()}: "
            f"its body there is the {body} {role}, whose options are {', '.join(used)}."
        )


class Features(nn.Module):
    """``x → φ(x)``, a flat vector of :attr:`size` features per sample."""

    def __init__(self, spec: DataSpec, *, part: str, norm: str, **options: Any):
        super().__init__()
        check_body_options(spec, part, "discriminator", options)
        self.is_image = spec.is_image
        if spec.is_image:
            net = DCGANDiscriminator(spec, base_channels=options.get("base_channels"),
                                     norm=norm, image_size=options.get("image_size")).net
            score = net[-1]  # a conv over the whole last map: a linear map of its values
            self.size = score.in_channels * math.prod(score.kernel_size)
            self.body = nn.Sequential(*net[:-1], nn.Flatten())
        else:
            net = MLPDiscriminator(spec, hidden=options.get("hidden"),
                                   depth=options.get("depth") or 3, norm=norm).net
            self.size = net[-1].in_features
            self.body = nn.Sequential(nn.Flatten(), *net[:-1])

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)

    def head(self, outputs: int, bias: bool = True) -> nn.Linear:
        """A linear head on φ(x), initialized like the body (DCGAN's N(0, 0.02) on images,
        PyTorch's default on points)."""
        layer = nn.Linear(self.size, outputs, bias=bias)
        return init_normal_(layer) if self.is_image else layer
