"""Your own images: ``image-folder`` (any folder of pictures), ``paired-folder`` (pix2pix's
side-by-side A|B layout), ``unpaired-folder`` (CycleGAN's two domains) and
``image-captions`` (pictures with a caption each).  Each file is decoded on first access and
kept in memory.

image-folder reads every image below ``--data-root`` recursively, converts it to RGB, scales
its shorter side to the image size (default 64) and center-crops a square.  It is unlabeled:
class subfolders are read like any other subfolder.  If the root has ``train/`` or ``test/``
subfolders, each split reads its own; otherwise every tenth file (in sorted order) is the
``test`` split and the rest is ``train``.

paired-folder reads ``--data-root/<split>/`` (e.g. facades: ``train/*.jpg``, ``test/*.jpg``),
where each image holds the input A on its left half and the target B on its right half;
items are ``(A, B)`` (pix2pix's AtoB), each half resized to a square (default 256).

unpaired-folder reads CycleGAN's layout (horse2zebra and the authors' other sets):
``trainA/``, ``trainB/``, ``testA/``, ``testB/`` in ``<data root>/unpaired-folder/`` or in
``--data-root`` itself; items are ``(a, b)`` drawn independently (see
:class:`UnpairedFolderImages`), each image resized and center-cropped to a square (default
256).

image-captions reads ``train/`` and ``test/`` in ``<data root>/image-captions/`` or in
``--data-root`` itself: each image ``x.png`` (or .jpg...) with its caption in ``x.txt`` beside
it (the first line); items are ``(image, caption codes)`` (:mod:`ganzoo.data.text`), each
image RGB and center-cropped to a square (default 64, Reed et al.'s size), and the
dataset's ``captions`` lists the texts.

All of them check every file when the dataset is built (its header and PIL's cheap integrity
check, see ``image_sizes``), so a damaged file, an empty one or text named ``.jpg`` is
named before training starts; paired-folder also refuses an image whose halves are not
squares side by side (a width other than twice the height).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.api import (
    DatasetUnavailableError,
    GanzooError,
    LazyImages,
    bad_files_error,
    check_split,
    data_root,
    encode_captions,
    image_sizes,
    read_rgb,
    square,
)

IMAGE_SIZE = 64
PAIRED_SIZE = 256
HELD_OUT_EVERY = 10
UNPAIRED_FOLDERS = ("trainA", "trainB", "testA", "testB")
UNPAIRING_SEED = 0


def _extensions() -> tuple[str, ...]:
    from torchvision.datasets.folder import IMG_EXTENSIONS

    return IMG_EXTENSIONS


def image_files(folder: Path) -> list[Path]:
    """Every image below ``folder`` (any depth), in sorted order."""
    exts = _extensions()
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in exts and p.is_file())


def _require_root(name: str, root: str | Path | None) -> Path:
    if root is None:
        raise DatasetUnavailableError(
            f"Dataset {name!r} reads your own images: pass --data-root DIR (see "
            f"'ganzoo info {name}' for the layout it expects)."
        )
    return Path(root).expanduser()


def _image_folder_files(root: Path, split: str) -> list[Path]:
    if (root / "train").is_dir() or (root / "test").is_dir():
        return image_files(root / split) if (root / split).is_dir() else []
    every = image_files(root) if root.is_dir() else []
    if split == "test":
        return every[::HELD_OUT_EVERY]
    return [p for i, p in enumerate(every) if i % HELD_OUT_EVERY]


class FolderImages(LazyImages):
    """Image files, each converted to RGB and cropped to a ``size`` square on first access."""

    def __init__(self, files: list[Path], size: int):
        super().__init__(len(files))
        self.files = files
        self.size = size

    def decode(self, index: int) -> Tensor:
        return square(read_rgb(self.files[index]), self.size)[None]


class PairedFolderImages(FolderImages):
    """Side-by-side A|B files, each split into ``(A, B)`` squares of ``size`` on first access."""

    def decode(self, index: int) -> Tensor:
        from torchvision.transforms.v2.functional import resize

        image = read_rgb(self.files[index])
        half = image.shape[-1] // 2
        a, b = image[..., :half], image[..., half:2 * half]
        return torch.stack([resize(x, [self.size, self.size], antialias=True) for x in (a, b)])


def image_folder(*, root: str | Path | None = None, split: str = "train",
                 image_size: int | None = None, **_: object) -> FolderImages:
    check_split("image-folder", split)
    folder = _require_root("image-folder", root)
    files = _image_folder_files(folder, split)
    if not files:
        raise DatasetUnavailableError(
            f"Dataset 'image-folder' found no {split!r} images under {folder}. It reads every "
            f"image ({', '.join(_extensions())}) below --data-root at any depth, or, when the "
            f"root has train/ and test/ subfolders, the split's own subfolder. Point "
            f"--data-root at such a folder."
        )
    image_sizes(files, "image-folder")
    return FolderImages(files, image_size or IMAGE_SIZE)


def _check_side_by_side(files: list[Path]) -> None:
    """Refuse images that cannot be an A|B pair of squares: twice as wide as tall."""
    odd = [f"{path} ({width}×{height})"
           for path, (width, height) in zip(files, image_sizes(files, "paired-folder"))
           if width != 2 * height]
    if odd:
        raise bad_files_error(
            "paired-folder", "not A|B pairs: an input and a target square side by side, "
            "twice as wide as tall, e.g. 512×256", odd,
            "Join each input and its target side by side into one image, as in pix2pix's "
            "facades set, or remove these files.")


def paired_folder(*, root: str | Path | None = None, split: str = "train",
                  image_size: int | None = None, **_: object) -> PairedFolderImages:
    check_split("paired-folder", split)
    folder = _require_root("paired-folder", root)
    files = image_files(folder / split) if (folder / split).is_dir() else []
    if not files:
        raise DatasetUnavailableError(
            f"Dataset 'paired-folder' found no images in {folder / split}. It expects "
            f"pix2pix's layout: <root>/train/*.jpg and <root>/test/*.jpg (or .png), each image "
            f"holding the input A on its left half and the target B on its right half, as in "
            f"the facades set. Point --data-root at such a folder."
        )
    _check_side_by_side(files)
    return PairedFolderImages(files, image_size or PAIRED_SIZE)


class UnpairedFolderImages(Dataset):
    """Two domains of different sizes as one dataset that ``Batcher`` shuffles and resumes.

    It has ``max(|A|, |B|)`` items; item ``i`` pairs ``A[i % |A|]`` with ``B[p[i] % |B|]``
    for a fixed permutation ``p`` (seeded), so every image of the larger domain is seen
    once an epoch, the smaller one's cycle, and the partner of an A image is unrelated to
    it.  The data order is then the batcher's alone, which a checkpoint restores exactly.
    ``domains`` holds each domain on its own (items ``(x,)``), for metrics.
    """

    true_partners = False  # B is not the translation of A (horse2zebra has no such pairs)

    def __init__(self, files_a: list[Path], files_b: list[Path], size: int):
        self.domains = (FolderImages(files_a, size), FolderImages(files_b, size))
        self._count = max(len(files_a), len(files_b))
        seed = torch.Generator().manual_seed(UNPAIRING_SEED)
        self._partner = torch.randperm(self._count, generator=seed).tolist()

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        a, b = self.domains
        return a[index % len(a)][0], b[self._partner[index] % len(b)][0]


def unpaired_folder(*, root: str | Path | None = None, split: str = "train",
                    image_size: int | None = None, **_: object) -> UnpairedFolderImages:
    check_split("unpaired-folder", split)
    base = data_root(root)
    folder = base if any((base / name).is_dir() for name in UNPAIRED_FOLDERS) else (
        base / "unpaired-folder")
    files = [image_files(folder / f"{split}{d}") if (folder / f"{split}{d}").is_dir() else []
             for d in "AB"]
    if not all(files):
        empty = ", ".join(f"{folder / f'{split}{d}'}/" for d, found in zip("AB", files)
                          if not found)
        raise DatasetUnavailableError(
            f"Dataset 'unpaired-folder' found no images in {empty}. It expects CycleGAN's "
            f"layout (e.g. horse2zebra): trainA/, trainB/, testA/ and testB/ holding the "
            f"images ({', '.join(_extensions())}) of domains A and B, in "
            f"{data_root() / 'unpaired-folder'} or in the folder --data-root names."
        )
    for found in files:
        image_sizes(found, "unpaired-folder")
    return UnpairedFolderImages(files[0], files[1], image_size or PAIRED_SIZE)


class CaptionedFolderImages(FolderImages):
    """Image files with a caption each: items ``(image, caption codes)``."""

    def __init__(self, files: list[Path], captions: list[str], size: int):
        super().__init__(files, size)
        self.captions = captions
        self.codes = encode_captions(captions)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return (*super().__getitem__(index), self.codes[int(index)])


def _check_captions(files: list[Path], captions: list[str]) -> None:
    """Refuse captions that cannot be encoded (empty, or characters outside the alphabet)."""
    bad = []
    for path, text in zip(files, captions):
        try:
            encode_captions([text])
        except GanzooError as exc:
            bad.append(f"{path} ({str(exc).split(':')[0]})")
    if bad:
        raise bad_files_error(
            "image-captions", "captions that cannot be read", bad,
            "Give each image a non-empty first line of lowercase or capital letters, digits, "
            "spaces and .,;:!?'\"-()/& only.")


def image_captions(*, root: str | Path | None = None, split: str = "train",
                   image_size: int | None = None, **_: object) -> CaptionedFolderImages:
    check_split("image-captions", split)
    base = data_root(root)
    folder = (base if (base / "train").is_dir() or (base / "test").is_dir()
              else base / "image-captions") / split
    files = image_files(folder) if folder.is_dir() else []
    layout = (f"It expects <data root>/image-captions/train/ and test/ (or the folder "
              f"--data-root names) holding images ({', '.join(_extensions())}), each with its "
              f"caption in a .txt file of the same name beside it (x.png and x.txt); default "
              f"data root: {data_root()}.")
    if not files:
        raise DatasetUnavailableError(
            f"Dataset 'image-captions' found no images in {folder}/. {layout}")
    texts = [path.with_suffix(".txt") for path in files]
    missing = [str(t) for t in texts if not t.is_file()]
    if missing:
        raise DatasetUnavailableError(
            f"Dataset 'image-captions' found {len(missing)} image(s) without a caption, e.g. "
            f"{', '.join(missing[:3])}. {layout}")
    captions = [(t.read_text(encoding="utf-8").strip().splitlines() or [""])[0] for t in texts]
    _check_captions(texts, captions)
    image_sizes(files, "image-captions")
    return CaptionedFolderImages(files, captions, image_size or IMAGE_SIZE)
