"""MNIST, Fashion-MNIST, CIFAR-10 and CelebA through torchvision, read with ``download=False``
unless asked.

The three small sets are read once per process into uint8 arrays and returned as in-memory
TensorDatasets; CelebA (200,000 photos) decodes each face on first access and keeps it
(as a 64×64 uint8 square, 12 KiB a face).
The files each set needs are read off torchvision's own class attributes, so the error
message names exactly what torchvision will look for.  MNIST-format files are checked
against their own headers first: torchvision's reader names no file when one is damaged.
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor
from torch.utils.data import TensorDataset
from torchvision import datasets

from ganzoo.api import (
    bad_files_error,
    check_split,
    data_root,
    resize,
    to_unit_range,
    unavailable,
)
from ganzoo_torchvision.folders import FolderImages

CELEBA_SIZE = 64


def _mnist_files(cls: type[datasets.MNIST]) -> list[str]:
    names = [os.path.splitext(os.path.basename(url))[0] for url, _ in cls.resources]
    return [f"{cls.__name__}/raw/{name}" for name in names]


def _idx_problem(path: Path) -> str | None:
    """What is wrong with an uncompressed idx file of unsigned bytes, if anything: its magic
    number (0x0000080N, N dimensions as the name's ``idxN`` says) and a size matching the
    dimensions in its header."""
    ndim = int(re.search(r"idx(\d)", path.name).group(1))  # type: ignore[union-attr]
    header_size = 4 + 4 * ndim
    with path.open("rb") as f:
        header = f.read(header_size)
    if len(header) < header_size:
        return f"{len(header)} bytes, too short for an idx header"
    if header[:4] != bytes([0, 0, 8, ndim]):
        return "not an uncompressed idx file (wrong magic number)"
    dims = [int.from_bytes(header[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    expected, size = header_size + math.prod(dims), path.stat().st_size
    return None if size == expected else f"{size} bytes where its header promises {expected}"


def _check_idx_files(name: str, root: Path, files: list[str]) -> None:
    """Refuse damaged (truncated, garbage, still gzipped) idx files, naming each."""
    damaged = [f"{root / file} ({problem})" for file in files
               if (root / file).is_file() and (problem := _idx_problem(root / file))]
    if damaged:
        raise bad_files_error(
            name, "damaged", damaged,
            "Replace them with the original uncompressed idx files (or delete them and add "
            "--download on a machine with internet access).")


def _cifar_files(cls: type[datasets.CIFAR10]) -> list[str]:
    names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
    return [f"{cls.base_folder}/{name}" for name in names]


def _celeba_files() -> list[str]:
    lists = [name for _, _, name in datasets.CelebA.file_list if not name.endswith(".zip")]
    return [f"{datasets.CelebA.base_folder}/img_align_celeba/*.jpg"] + [
        f"{datasets.CelebA.base_folder}/{name}" for name in lists
    ]


def _open(name: str, expected: list[str], root: Path, download: bool,
          factory: Callable[..., Any], note: str = "", **kwargs: Any) -> Any:
    """``factory(root, download=..., **kwargs)``, turning torchvision's "not found" into an
    error that says which files to put where."""
    try:
        return factory(str(root), download=download, **kwargs)
    except (RuntimeError, OSError) as exc:  # not found / corrupted, or a failed download
        raise unavailable(name, root, expected, note=note,
                          cause=exc if download else None) from exc


@lru_cache(maxsize=8)
def _read_small(name: str, root: Path, download: bool, split: str) -> tuple[Tensor, Tensor]:
    """A whole split of MNIST, Fashion-MNIST or CIFAR-10 as ``(N, C, H, W)`` uint8 and labels."""
    cls, files, note = {
        "mnist": (datasets.MNIST, _mnist_files(datasets.MNIST), "uncompressed idx files"),
        "fashion-mnist": (datasets.FashionMNIST, _mnist_files(datasets.FashionMNIST),
                          "uncompressed idx files"),
        "cifar10": (datasets.CIFAR10, _cifar_files(datasets.CIFAR10),
                    "cifar-10-python.tar.gz extracted"),
    }[name]
    if cls in (datasets.MNIST, datasets.FashionMNIST):
        _check_idx_files(name, root, files)
    ds = _open(name, files, root, download, cls, note=note, train=split == "train")
    images = torch.as_tensor(ds.data)
    images = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
    return images.contiguous(), torch.as_tensor(ds.targets, dtype=torch.long)


def _small(name: str, root: str | Path | None, download: bool, split: str,
           image_size: int | None) -> TensorDataset:
    check_split(name, split)
    images, labels = _read_small(name, data_root(root), download, split)
    return TensorDataset(resize(to_unit_range(images), image_size), labels.clone())


def mnist(*, root: str | Path | None = None, download: bool = False, split: str = "train",
          image_size: int | None = None) -> TensorDataset:
    return _small("mnist", root, download, split, image_size)


def fashion_mnist(*, root: str | Path | None = None, download: bool = False, split: str = "train",
                  image_size: int | None = None) -> TensorDataset:
    return _small("fashion-mnist", root, download, split, image_size)


def cifar10(*, root: str | Path | None = None, download: bool = False, split: str = "train",
            image_size: int | None = None) -> TensorDataset:
    return _small("cifar10", root, download, split, image_size)


def celeba(*, root: str | Path | None = None, download: bool = False, split: str = "train",
           image_size: int | None = None) -> FolderImages:
    check_split("celeba", split)
    root = data_root(root)
    faces = _open("celeba", _celeba_files(), root, download, datasets.CelebA,
                  split=split, target_type=[], note="img_align_celeba.zip extracted")
    folder = Path(faces.root) / faces.base_folder / "img_align_celeba"
    return FolderImages([folder / name for name in faces.filename], image_size or CELEBA_SIZE)
