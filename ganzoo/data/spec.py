"""What a dataset declares about itself, known without loading a single sample.

Part builders receive the :class:`DataSpec` and either build for it or refuse; recipes use it
to pick default architectures; the CLI refuses impossible combinations before training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ganzoo.errors import IncompatibleError
from ganzoo.registry import resolve


@dataclass(frozen=True)
class DataSpec:
    """Shape and structure of a dataset's samples (image values lie in [-1, 1]; points are
    plain coordinates).

    ``shape`` is ``(D,)`` for points or ``(C, H, W)`` for images.  A labeled dataset yields
    ``(x, label)`` batches with ``num_classes > 0``; a paired (image-to-image) dataset yields
    ``(input, target)`` with ``input_shape`` the shape of the inputs; otherwise ``(x,)``.
    An unpaired dataset holds two image domains A and B: batches are ``(a, b)`` drawn
    independently (CycleGAN's data), ``input_shape`` is A's shape and ``shape`` B's.
    A captioned dataset appends each image's caption as character codes
    (:mod:`ganzoo.data.text`): ``(x, codes)``, or ``(x, label, codes)`` when also labeled.
    """

    shape: tuple[int, ...]
    num_classes: int = 0
    paired: bool = False
    input_shape: tuple[int, ...] | None = None
    unpaired: bool = False
    captioned: bool = False

    @property
    def kind(self) -> str:
        """``"points"`` or ``"image"``: the key recipes use to pick default parts."""
        return "image" if len(self.shape) == 3 else "points"

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    def resized(self, size: int) -> "DataSpec":
        """The spec after resizing images to ``size`` × ``size``."""
        if not self.is_image:
            return self
        c = self.shape[0]
        inp = (self.input_shape[0], size, size) if self.input_shape else None
        return replace(self, shape=(c, size, size), input_shape=inp)

    def describe(self) -> str:
        shape = "×".join(str(s) for s in self.shape)
        parts = [f"{self.kind} {shape}"]
        if self.num_classes:
            parts.append(f"{self.num_classes} classes")
        if self.paired:
            parts.append("paired input→target")
        if self.unpaired:
            parts.append("unpaired domains A and B")
        if self.captioned:
            parts.append("captioned")
        return ", ".join(parts)


@dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset: its spec, whether it works offline, and a lazy builder.

    ``builder`` is called as ``builder(root=..., download=..., split=..., image_size=...)``
    and returns a ``torch.utils.data.Dataset`` (a ``TensorDataset`` when the data fits in
    memory, which makes batching cheap).
    """

    name: str
    spec: DataSpec
    builder: str | Callable[..., Any]
    summary: str = ""
    offline: bool = True
    source: str = ""
    splits: tuple[str, ...] = ("train", "test")
    #: held-out accuracy ganzoo's domain CNN must reach on this labeled data before offline
    #: image metrics use it (``None``: ganzoo's default); see docs/metrics.md
    extractor_accuracy_target: float | None = None

    def spec_for(self, image_size: int | None = None) -> DataSpec:
        """The spec at ``image_size``; a size for data that is not images is refused, not
        ignored, so a plan never records a size that changed nothing."""
        if image_size is None:
            return self.spec
        if not self.spec.is_image:
            raise IncompatibleError(
                f"--image-size applies to images, but dataset {self.name!r} holds "
                f"{self.spec.describe()}; drop --image-size."
            )
        if image_size < 1:
            raise IncompatibleError(
                f"--image-size must be a positive number of pixels, not {image_size}."
            )
        return self.spec.resized(image_size)

    def build(
        self,
        *,
        root: str | Path | None = None,
        download: bool = False,
        split: str = "train",
        image_size: int | None = None,
    ) -> Any:
        """Load the data; raises DatasetUnavailableError with instructions if it can't."""
        build = resolve(self.builder)
        return build(root=root, download=download, split=split, image_size=image_size)
