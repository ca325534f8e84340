"""The pictures a run draws of its generator as it trains, always from the same inputs.

The inputs are fixed once per run (seeded, independent of the training random state), so
successive pictures show the same latents evolving and a resumed run draws what an
uninterrupted one would.  What the picture is follows from the data and the conditioning:
a scatter over the real points, an image grid, one row per class or caption, input | output |
target triplets for image-to-image models, or a | A→B(a) | b | B→A(b) for unpaired ones.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ganzoo import plots
from ganzoo.data.batches import fixed_sample
from ganzoo.data.spec import DataSpec
from ganzoo.latents import LatentSpace
from ganzoo.training.conditioning import Conditioning

POINTS = 2500  # the PacGAN/VEEGAN sample count
IMAGES = 64
PER_CLASS = 8
MAX_CLASS_ROWS = 16
CAPTION_ROWS = 8
TRIPLETS = 8
SEED_OFFSET = 104_729  # keeps preview latents apart from the training seed's stream


def match_channels(images: Tensor, channels: int) -> Tensor:
    """Grey images as RGB (or RGB as grey) so inputs and outputs fit one grid."""
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return images.expand(-1, channels, -1, -1)
    return images.mean(1, keepdim=True).expand(-1, channels, -1, -1)


class Previews:
    """Fixed latents and conditions, and :meth:`save` to draw a generator with them."""

    def __init__(self, conditioning: Conditioning, space: LatentSpace | None, spec: DataSpec,
                 dataset: Dataset, seed: int, device: torch.device):
        rng = torch.Generator().manual_seed(seed + SEED_OFFSET)
        self.spec = spec
        self.nrow: int | None = None
        self.reference: Tensor | None = None
        self.targets: Tensor | None = None
        cond: Tensor | None = None
        self.two_way = conditioning.name == "unpaired"
        if conditioning.name in ("image", "unpaired"):
            cond, self.targets = fixed_sample(dataset, TRIPLETS)[:2]
            n = len(cond)
        elif not spec.is_image:
            n = POINTS
            self.reference = fixed_sample(dataset, POINTS)[0]
            cond = conditioning.random_cond(n, "cpu", rng)
        elif conditioning.name == "class":
            classes = min(spec.num_classes, MAX_CLASS_ROWS)
            cond = torch.arange(classes).repeat_interleave(PER_CLASS)
            n, self.nrow = len(cond), PER_CLASS
        elif conditioning.name == "text":  # a row per caption of the data (its last tensor)
            cond = fixed_sample(dataset, CAPTION_ROWS)[-1].repeat_interleave(PER_CLASS, 0)
            n, self.nrow = len(cond), PER_CLASS
        else:
            n = IMAGES
        latents = space.sample(n, "cpu", rng) if space is not None else None
        self.latents = latents.to(device) if latents is not None else None
        self.cond = cond.to(device) if cond is not None else None

    @torch.no_grad()
    def save(self, generator: nn.Module, path: Path, title: str = "") -> None:
        out = generator(self.latents, self.cond).float().cpu()
        if self.two_way:  # a | A→B(a) | b | B→A(b): each domain's images and translations
            a, b = self.cond, self.targets.to(self.cond.device)  # type: ignore[union-attr]
            back = generator.b_to_a(None, b)  # type: ignore[operator]
            rows = [match_channels(x.float().cpu(), out.shape[1]) for x in (a, out, b, back)]
            plots.save_image_grid(torch.stack(rows, 1).flatten(0, 1), path, nrow=4)
        elif self.targets is not None:
            inputs = match_channels(self.cond.float().cpu(), out.shape[1])  # type: ignore[union-attr]
            targets = match_channels(self.targets.float(), out.shape[1])
            plots.save_image_grid(torch.stack([inputs, out, targets], 1).flatten(0, 1), path, nrow=3)
        elif self.spec.is_image:
            plots.save_image_grid(out, path, nrow=self.nrow)
        else:
            plots.save_scatter(out, path, reference=self.reference, title=title)
