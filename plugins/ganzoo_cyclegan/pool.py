"""CycleGAN's image history (Shrivastava et al. 2017): D sees earlier fakes too.

Until the pool holds ``size`` images each fake is stored and passed through; then, with
probability ½, a fake is swapped for a random stored one (which D sees instead), else
passed through — the authors' ``ImagePool``.  The pool is one tensor and its random draws
come from torch's global generator, so a checkpoint holds it and resume is exact.
"""

from __future__ import annotations

import torch
from torch import Tensor


class ImagePool:
    """A history of up to ``size`` generated images of ``shape`` (``size`` 0: no pool)."""

    def __init__(self, size: int, shape: tuple[int, ...], device: torch.device):
        self.size = size
        self.images = torch.empty(0, *shape, device=device)

    def query(self, fakes: Tensor) -> Tensor:
        """The images D should judge for this batch of ``fakes`` (detached)."""
        if self.size == 0:
            return fakes
        fakes = fakes.detach()
        chosen = []
        for image in fakes:
            if len(self.images) < self.size:
                self.images = torch.cat([self.images, image[None].to(self.images.dtype)])
                chosen.append(image)
            elif float(torch.rand(())) > 0.5:
                slot = int(torch.randint(self.size, ()))
                chosen.append(self.images[slot].to(image.dtype).clone())
                self.images[slot] = image
            else:
                chosen.append(image)
        return torch.stack(chosen)

    def state_dict(self) -> dict[str, Tensor]:
        return {"images": self.images.clone()}

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        self.images = state["images"].to(self.images.device, self.images.dtype)
