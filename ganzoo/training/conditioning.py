"""The single place that knows what a batch holds and what each network receives.

A batch is ``(x,)``, ``(x, labels)``, ``(input image, target image)`` or ``(a, b)`` of two
unpaired domains.  A strategy splits
it into ``real`` (what the discriminator should accept) and ``cond`` (what both networks are
given alongside), and says what latent vectors the generator takes; the loop stays generic.
Captioned batches end with the captions' character codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import torch
from torch import Tensor, nn

from ganzoo.data.spec import DataSpec
from ganzoo.data.text import encode_captions
from ganzoo.errors import GanzooError, IncompatibleError
from ganzoo.latents import LatentSpace, latent_space


@dataclass(frozen=True)
class Conditioning:
    """Base strategy: unconditional."""

    name: str = "none"
    latent_dim: int = 100

    def split(self, batch: Sequence[Tensor]) -> tuple[Tensor, Tensor | None]:
        return batch[0], None

    def latent_space(self, generator: nn.Module) -> LatentSpace | None:
        """Where ``generator``'s latent vectors come from (draw with ``.sample(n, device)``):
        the space it declares, else Gaussian noise; ``None`` when it takes none."""
        return latent_space(generator, self.latent_dim)

    def random_cond(self, n: int, device: torch.device | str,
                    generator: torch.Generator | None = None) -> Tensor | None:
        """Conditions for sampling without data (class labels drawn uniformly, say)."""
        return None


@dataclass(frozen=True)
class ClassConditioning(Conditioning):
    """Both networks see the class label; sampling can ask for a class."""

    num_classes: int = 0

    def split(self, batch: Sequence[Tensor]) -> tuple[Tensor, Tensor | None]:
        return batch[0], batch[1]

    def random_cond(self, n: int, device: torch.device | str,
                    generator: torch.Generator | None = None) -> Tensor | None:
        return torch.randint(self.num_classes, (n,), device=device, generator=generator)


@dataclass(frozen=True)
class ImageConditioning(Conditioning):
    """The generator maps an input image to an output; the discriminator sees both.

    There is no latent vector (``latent_dim`` 0): as in pix2pix, the generator's dropout is
    its noise.
    """

    def split(self, batch: Sequence[Tensor]) -> tuple[Tensor, Tensor | None]:
        return batch[1], batch[0]


@dataclass(frozen=True)
class UnpairedConditioning(ImageConditioning):
    """Batches ``(a, b)`` of two domains drawn independently (CycleGAN): ``real`` is B,
    ``cond`` the A images the generator translates.  No latent vector; the generator
    translates A→B and, as its attribute ``b_to_a``, holds the B→A translator."""


@dataclass(frozen=True)
class TextConditioning(Conditioning):
    """Both networks see a caption as character codes, the last tensor of a captioned batch;
    sampling without given text draws from ``captions`` (the run's dataset's, set with
    :meth:`with_captions` where the data is at hand: previews, ``LoadedRun``, metrics)."""

    captions: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def split(self, batch: Sequence[Tensor]) -> tuple[Tensor, Tensor | None]:
        return batch[0], batch[-1]

    def with_captions(self, captions: Sequence[str]) -> "TextConditioning":
        return replace(self, captions=tuple(captions))

    def random_cond(self, n: int, device: torch.device | str,
                    generator: torch.Generator | None = None) -> Tensor | None:
        if not self.captions:
            raise GanzooError(
                "This model generates from text, and no captions were given to draw from: "
                "give the text (ganzoo sample RUN --text \"...\"; texts= in Python)."
            )
        picks = torch.randint(len(self.captions), (n,), generator=generator)
        return encode_captions([self.captions[int(i)] for i in picks]).to(device)


def make_conditioning(kind: str, spec: DataSpec, latent_dim: int, dataset: str = "") -> Conditioning:
    """The strategy for a recipe's conditioning on this data, or a clear refusal."""
    where = f" dataset {dataset!r}" if dataset else " this dataset"
    if kind == "none":
        return Conditioning("none", latent_dim)
    if kind == "class":
        if not spec.num_classes:
            raise IncompatibleError(
                f"This model is class-conditional but{where} has no labels. Pick a labeled "
                "dataset (e.g. mnist-5k, digits, ring8) or an unconditional model."
            )
        return ClassConditioning("class", latent_dim, spec.num_classes)
    if kind == "image":
        if not spec.paired:
            raise IncompatibleError(
                f"This model translates images (input → target) but{where} is not paired. "
                "Pick a paired dataset such as edges2digits or paired-folder."
            )
        return ImageConditioning("image", 0)
    if kind == "unpaired":
        if not spec.unpaired:
            raise IncompatibleError(
                f"This model translates between two image domains learnt from unpaired "
                f"examples, but{where} is not an unpaired dataset ({spec.describe()}). Pick "
                "one such as edges2digits-unpaired or unpaired-folder."
            )
        return UnpairedConditioning("unpaired", 0)
    if kind == "text":
        if not spec.captioned:
            raise IncompatibleError(
                f"This model generates images from text but{where} has no captions "
                f"({spec.describe()}). Pick a captioned dataset such as captioned-digits or "
                "image-captions."
            )
        return TextConditioning("text", latent_dim)
    raise IncompatibleError(
        f"Unknown conditioning {kind!r}; expected none, class, image, unpaired or text.")
