"""Plumbing every image dataset shares: where files live, scaling to [-1, 1], resizing once,
and the error that explains how to make a dataset available offline.

Dataset builders call these at build time, so that a training step only ever indexes
ready-made tensors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.errors import DatasetUnavailableError, GanzooError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

DATA_ENV = "GANZOO_DATA"
#: Bad files named in one message; the rest are counted.
FILES_NAMED = 5


def data_root(root: str | Path | None = None) -> Path:
    """``root`` if given, else ``$GANZOO_DATA``, else ``~/.cache/ganzoo/data``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ganzoo" / "data"


def to_unit_range(images: ArrayLike, max_value: float | None = None) -> Tensor:
    """Map pixel values in ``[0, max_value]`` to float32 in [-1, 1].

    ``max_value`` defaults to 255 for uint8 input and is required for float input, whose
    scale (0–1, 0–16, 0–255) varies by source.
    """
    x = torch.as_tensor(images)
    if max_value is None:
        if x.dtype != torch.uint8:
            raise ValueError("max_value is required for non-uint8 images")
        max_value = 255.0
    return x.to(torch.float32) * (2.0 / max_value) - 1.0


def resize(images: Tensor, size: int | None) -> Tensor:
    """Resize a ``(N, C, H, W)`` batch in [-1, 1] to ``size`` × ``size`` (antialiased).

    ``None`` or the current size returns the batch unchanged.
    """
    if size is None or tuple(images.shape[-2:]) == (size, size):
        return images
    if size < 1:
        raise GanzooError(f"--image-size must be a positive number of pixels, not {size}.")
    out = F.interpolate(images, size=(size, size), mode="bilinear",
                        antialias=True, align_corners=False)
    return out.clamp_(-1.0, 1.0)


def square(image: Tensor, size: int) -> Tensor:
    """A ``(C, H, W)`` uint8 image scaled so its shorter side is ``size``, then center-cropped
    to ``size`` × ``size`` (the usual preparation of CelebA and photo folders)."""
    from torchvision.transforms.v2 import functional as TF

    return TF.center_crop(TF.resize(image, [size], antialias=True), [size, size])


def _damage(path: Path, exc: Exception) -> str:
    """Why PIL could not read ``path``, in a few words."""
    from PIL import UnidentifiedImageError

    if path.is_file() and path.stat().st_size == 0:
        return "an empty file"
    if isinstance(exc, UnidentifiedImageError):
        return "not an image format PIL knows"
    return f"{type(exc).__name__}: {exc}"


def _pil_errors() -> tuple[type[Exception], ...]:
    """What PIL raises for a damaged or unreadable file (SyntaxError: a broken PNG chunk;
    DecompressionBombError: absurdly many pixels)."""
    from PIL import Image

    return (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def read_rgb(path: str | Path) -> Tensor:
    """An image file decoded to a ``(3, H, W)`` uint8 RGB tensor (grey and RGBA converted).

    PIL reads every format torchvision's folder datasets accept (BMP, TIFF, PGM included).
    A file that cannot be decoded is refused naming it: mid-training, the bare decoder
    error would not say which of thousands of files is damaged.
    """
    from PIL import Image
    from torchvision.transforms.v2.functional import pil_to_tensor

    try:
        with Image.open(path) as image:
            return pil_to_tensor(image.convert("RGB"))
    except _pil_errors() as exc:
        raise GanzooError(
            f"Cannot read the image {path} ({_damage(Path(path), exc)}). Remove or replace it."
        ) from exc


def bad_files_error(dataset: str, problem: str, entries: Sequence[str], advice: str) -> GanzooError:
    """One paragraph naming the first few offending files (``entries``) and counting all."""
    named = "; ".join(entries[:FILES_NAMED])
    more = f"; and {len(entries) - FILES_NAMED} more" if len(entries) > FILES_NAMED else ""
    return GanzooError(
        f"Dataset {dataset!r} cannot use {len(entries)} of its files ({problem}): "
        f"{named}{more}. {advice}"
    )


def image_sizes(files: Sequence[Path], dataset: str) -> list[tuple[int, int]]:
    """Each image's ``(width, height)`` from its header, after PIL's cheap integrity check
    (``verify``: the header, and the chunk checksums of a PNG, without decoding pixels).

    Every file that is not a readable image is refused at once, by name, when the dataset
    is built, rather than one at a time in the middle of training.
    """
    from PIL import Image

    sizes, bad = [], []
    for path in files:
        try:
            with Image.open(path) as image:
                size = image.size
                image.verify()
            sizes.append(size)
        except _pil_errors() as exc:
            bad.append(f"{path} ({_damage(path, exc)})")
    if bad:
        raise bad_files_error(dataset, "not readable images", bad,
                              "Remove or replace them, or move them out of --data-root.")
    return sizes


class LazyImages(Dataset):
    """A dataset too large to decode up front: each item is decoded on first access, kept
    in memory as uint8, and served from there afterwards (as float32 in [-1, 1]).

    Subclasses implement :meth:`decode`, returning a ``(K, C, H, W)`` uint8 tensor; an item is
    the tuple of its K images, so K=1 gives ``(x,)`` and K=2 gives ``(input, target)``.
    """

    def __init__(self, count: int):
        self._count = count
        self._cache: dict[int, Tensor] = {}

    def decode(self, index: int) -> Tensor:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        index = int(index)
        if not -self._count <= index < self._count:
            raise IndexError(f"index {index} out of range for {self._count} items")
        index %= self._count
        images = self._cache.get(index)
        if images is None:
            images = self._cache[index] = self.decode(index)
        return tuple(to_unit_range(images))


def check_split(dataset: str, split: str, splits: Iterable[str] = ("train", "test")) -> None:
    """Refuse a split the dataset doesn't have."""
    splits = tuple(splits)
    if split not in splits:
        raise GanzooError(
            f"Dataset {dataset!r} has no split {split!r}; its splits are "
            f"{', '.join(repr(s) for s in splits)}."
        )


def unavailable(
    dataset: str,
    root: Path,
    expected: Iterable[str],
    *,
    note: str = "",
    cause: BaseException | None = None,
) -> DatasetUnavailableError:
    """The error for a dataset whose files are missing: which files, where, and how to fix it.

    ``expected`` are paths relative to ``root``; entries with ``*`` stand for many files.
    """
    expected = list(expected)
    files = [p for p in expected if "*" not in p]
    missing = [p for p in files if not (root / p).exists()]
    message = (
        f"Dataset {dataset!r} is not available: it expects these files under {root}: "
        f"{', '.join(expected)}{f' ({note})' if note else ''}."
    )
    if 0 < len(missing) < len(files):
        message += f" Missing: {', '.join(missing)}."
    if cause is not None:
        message += f" The download failed ({type(cause).__name__}: {cause})."
    message += (
        f" Put them there with that layout, or pass --data-root DIR pointing at a folder that "
        f"has it (the default root is ${DATA_ENV} or ~/.cache/ganzoo/data). On a machine with "
        f"internet access, add --download to fetch them."
    )
    return DatasetUnavailableError(message)
