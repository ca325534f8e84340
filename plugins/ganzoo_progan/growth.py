"""Progressive growing: where G and D stand (:class:`Growth`), when they move
(:class:`Schedule`), and the image resampling that keeps everything at the data's size.

The nets hold every block from 4×4 to the data's side from the start; stage ``k`` uses
those up to ``4·2^k`` px.  While a stage fades in, its block's output is mixed with the
previous stage's, weighted ``α`` and ``1 − α``.  The state is kept in int64 buffers: the
checkpoint saves them, and ganzoo's generator average copies non-float buffers verbatim
(it averages only float ones), so the averaged G that ``ganzoo sample`` loads stands
exactly where the trained one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError
from ganzoo_sngan.resnet import side_doublings

#: The side of the first stage's images.
START = 4


def final_stage(spec: DataSpec, conditioning: str, part: str) -> int:
    """The last stage for this data (its side is ``4·2^stage``), or a refusal saying what
    to use instead."""
    if not spec.is_image:
        raise IncompatibleError(
            f"The progan {part} grows convolutional images, but the data is "
            f"{spec.describe()}. Train a points model instead (gan, wgan-gp or sngan, whose "
            "mlp parts fit points)."
        )
    if conditioning != "none":
        raise IncompatibleError(
            f"The progan {part} is unconditional, but this model asks for {conditioning!r} "
            "conditioning. Use a conditional recipe (cgan, acgan, cgan-pd) instead."
        )
    return side_doublings(spec, f"progan {part}",
                          "a model whose parts build for any side (dcgan)")


class Growth(nn.Module):
    """A net's growth state: ``stage`` (it works at ``4·2^stage`` px) and, while that
    stage fades in, ``faded`` images of ``fade_length`` (``α = faded / fade_length``;
    ``fade_length`` 0: not fading).  A new net stands at its last stage, fully grown, so
    it also works as a plain net under methods that do not grow it."""

    def __init__(self, last: int):
        super().__init__()
        self.last = last
        self.register_buffer("stage", torch.tensor(last, dtype=torch.int64))
        self.register_buffer("faded", torch.tensor(0, dtype=torch.int64))
        self.register_buffer("fade_length", torch.tensor(0, dtype=torch.int64))
        # (stage, fading) as the buffers hold them, so that a training step reads nothing
        # back from the device; a copy that only receives the buffers (the average, a
        # loaded run) is in eval mode and reads them
        self._known: tuple[int, bool] | None = (last, False)

    def set(self, stage: int, faded: int = 0, fade_length: int = 0) -> None:
        """Stand at ``stage``, faded in ``faded`` of ``fade_length`` images."""
        if not 0 <= stage <= self.last or not 0 <= faded <= fade_length or (
                fade_length and not stage):  # the first stage has nothing to fade from
            raise ValueError(f"no growth state {stage}, {faded}/{fade_length} for a net "
                             f"with stages 0 to {self.last}")
        self.stage.fill_(stage)
        self.faded.fill_(faded)
        self.fade_length.fill_(fade_length)
        self._known = (stage, fade_length > 0)

    def now(self) -> tuple[int, bool]:
        """``(stage, whether it is fading in)``."""
        if self.training and self._known is not None:
            return self._known
        return int(self.stage), bool(self.fade_length > 0)

    def alpha(self) -> Tensor:
        """The fading stage's weight, a 0-dim float tensor on the buffers' device."""
        return self.faded.float() / self.fade_length.float()

    def _load_from_state_dict(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self._known = None  # the loaded buffers hold the state now
        super()._load_from_state_dict(*args, **kwargs)


@dataclass(frozen=True)
class Schedule:
    """The paper's schedule, counted in real images shown to D: ``phase_images`` at the
    first stage, then for each later stage ``phase_images`` fading it in and
    ``phase_images`` stable, up to ``last``, where training stays."""

    phase_images: int
    first: int
    last: int

    def at(self, images: int) -> tuple[int, int, int]:
        """``(stage, faded, fade_length)`` after ``images`` real images."""
        half = images // self.phase_images
        stage = self.first + (half + 1) // 2
        if stage > self.last:
            return self.last, 0, 0
        if half % 2:  # an odd phase fades its stage in
            return stage, images - half * self.phase_images, self.phase_images
        return stage, 0, 0


def side(stage: int) -> int:
    return START * 2**stage


def shrink(images: Tensor, to: int) -> Tensor:
    """Average ``images`` over square cells down to ``to`` px (box filter)."""
    factor = images.shape[-1] // to
    return F.avg_pool2d(images, factor) if factor > 1 else images


def enlarge(images: Tensor, to: int) -> Tensor:
    """Repeat each pixel of ``images`` up to ``to`` px (nearest neighbour)."""
    factor = to // images.shape[-1]
    return F.interpolate(images, scale_factor=factor, mode="nearest") if factor > 1 else images


def fade_reals(images: Tensor, stage: int, alpha: Tensor | None) -> Tensor:
    """Real images as D sees them at this growth state: shrunk to the stage's side and,
    while it fades in (``alpha`` given), mixed with their half-resolution version as G's
    output is mixed, then enlarged back to the data's side (the authors'
    ``process_reals``)."""
    full = images.shape[-1]
    current = shrink(images, side(stage))
    if alpha is not None:
        coarse = enlarge(shrink(current, side(stage - 1)), side(stage))
        current = torch.lerp(coarse, current, alpha.to(current.dtype))
    return enlarge(current, full)
