"""ProGAN's training step: the adversarial step on nets that grow with the images shown.

Before each step the method reads its schedule at its count of real images shown to D and
sets G's and D's growth state from it; real images are shrunk to the current side (and,
while a stage fades in, mixed with their half-resolution version) as the authors'
``process_reals`` does.  When a stage starts or finishes fading in, both optimizers' state
(Adam's moments) is reset, as the authors' ``reset_opt_for_new_lod``.  The count is the
method's checkpointed state, so a resumed run grows exactly as an uninterrupted one.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import Tensor, nn

from ganzoo.api import Batch, DataSpec, IncompatibleError, OptionRange, check_options
from ganzoo_adversarial.step import Adversarial
from ganzoo_progan.growth import Growth, Schedule, fade_reals, side

#: The paper's images per phase (fading in, then stable), and a CPU-sized phase for
#: one-channel images up to 32 px: 4→32 px within about 1,000 steps of batch 64.
PAPER_PHASE, SMALL_PHASE = 800_000, 9_600


def _growth(network: nn.Module, part: str) -> Growth:
    found = [m for m in network.modules() if isinstance(m, Growth)]
    if len(found) != 1:
        raise IncompatibleError(
            f"The progan method grows G and D, but this {part} "
            f"({type(network).__name__}) has {'no' if not found else 'more than one'} growth "
            f"state. Use --generator progan --discriminator progan, or train these parts with "
            "a model that does not grow them (wgan-gp)."
        )
    return found[0]


class ProGAN(Adversarial):
    """The adversarial step, with G and D grown by the schedule: ``phase_images`` real
    images at ``start_side`` px, then per doubling ``phase_images`` fading in and
    ``phase_images`` stable, up to the data's side."""

    option_ranges = {"phase_images": OptionRange(1, 10**10, integer=True),
                     "start_side": OptionRange(4, 4096, integer=True)}

    @staticmethod
    def defaults_for(spec: DataSpec) -> dict[str, int]:
        """The paper's 800k images per phase; a CPU-sized phase on one-channel images up
        to 32 px."""
        small = spec.is_image and spec.shape[0] == 1 and spec.shape[1] <= 32
        return {"phase_images": SMALL_PHASE if small else PAPER_PHASE}

    def __init__(self, kit: Any, phase_images: int = PAPER_PHASE, start_side: int = 4,
                 reset_optimizers: bool = True):
        check_options("progan method", self.option_ranges, phase_images=phase_images,
                      start_side=start_side)
        super().__init__(kit)
        self.growths = (_growth(self.generator, "generator"),
                        _growth(self.discriminator, "discriminator"))
        last = self.growths[0].last
        sides = [side(k) for k in range(last + 1)]
        if self.growths[1].last != last or start_side not in sides:
            raise IncompatibleError(
                f"The progan method grows to the data's side {sides[-1]} from start_side, "
                f"which must be one of {', '.join(map(str, sides))} (got {start_side}), and "
                "needs a generator and a discriminator built for that side."
            )
        self.schedule = Schedule(phase_images, sides.index(start_side), last)
        self.reset_optimizers = reset_optimizers
        self.images_per_step = kit.plan.batch_size * self.n_critic  # all processes' rows
        self.images = 0

    def state_dict(self) -> dict[str, Any]:
        return {"images": self.images}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.images = int(state["images"])

    def _phase(self, images: int) -> tuple[int, bool]:
        stage, _, fade_length = self.schedule.at(images)
        return stage, fade_length > 0

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        stage, faded, fade_length = self.schedule.at(self.images)
        if self.reset_optimizers and self.images and (
                self._phase(self.images) != self._phase(self.images - self.images_per_step)):
            for optimizer in self.optimizers().values():
                optimizer.state.clear()
        for growth in self.growths:
            growth.set(stage, faded, fade_length)
        alpha = self.growths[1].alpha() if fade_length else None

        def shown() -> Batch:
            batch = next_batch()
            return (fade_reals(batch[0], stage, alpha), *batch[1:])

        values = super().step(shown)
        self.images += self.images_per_step
        return values
