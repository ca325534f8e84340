"""Images from outside ganzoo — a folder of PNG/JPEG files or one array in an ``.npz`` — read
as a generator's samples, so that any library's model is measured like a ganzoo run.

Input that could be read in two ways is refused rather than guessed: the array's layout
(channels first or last) and its value range must be unambiguous.  What was read, and every
conversion made to fit the dataset (channels, size), is recorded with the figures.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: ITU-R BT.601 luma weights, for RGB images measured on grayscale data
LUMA = (0.299, 0.587, 0.114)
CHANNELS = (1, 3)


@dataclass
class ExternalImages:
    """Images in [-1, 1] (N×C×H×W, float) and the record of where they came from."""

    images: Tensor
    record: dict[str, Any]


def _folder_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise GanzooError(
            f"No PNG or JPEG files in {folder} (looked in its subfolders too). Save the "
            "generated images there as .png/.jpg, or pass an .npz holding them as one array."
        )
    return files


def _read_folder(folder: Path) -> tuple[np.ndarray, str, dict[str, Any]]:
    """The folder's images as uint8 N×H×W×C, its content sha256 (names and bytes)."""
    from PIL import Image

    digest = hashlib.sha256()
    arrays = []
    for path in _folder_files(folder):
        data = path.read_bytes()
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + data)
        with Image.open(path) as image:
            rgb = image.mode not in ("1", "L", "LA", "I", "I;16", "F")
            arrays.append(np.asarray(image.convert("RGB" if rgb else "L")))
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise GanzooError(
            f"The images in {folder} differ in size or colour "
            f"({', '.join(map(str, sorted(shapes)))}). Save every sample at one size, in one "
            "mode (all grayscale or all RGB)."
        )
    if len(arrays[0].shape) == 2:
        arrays = [a[..., None] for a in arrays]
    return np.stack(arrays), digest.hexdigest(), {"format": "image folder",
                                                   "values": "uint8 0..255"}


def _read_npz(path: Path) -> tuple[np.ndarray, str]:
    """The one array an ``.npz`` holds (read without pickle) and the file's sha256."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            names = list(stored.keys())
            if len(names) != 1:
                raise GanzooError(
                    f"{path} holds {len(names)} arrays ({', '.join(names) or 'none'}); it must "
                    "hold exactly one, the images (np.savez(path, images=array))."
                )
            array = stored[names[0]]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise GanzooError(f"{path} is not a readable .npz of numbers ({exc}).") from exc
    return array, hashlib.sha256(path.read_bytes()).hexdigest()


def _layout(shape: tuple[int, ...], source: Path) -> str:
    """``NHWC`` or ``NCHW``; an array that could be either, or neither, is refused."""
    if len(shape) != 4 or min(shape) < 1:
        raise GanzooError(
            f"The array in {source} has shape {shape}; it must be N×H×W×C or N×C×H×W with "
            "1 or 3 channels (add a channel axis to grayscale images: array[..., None])."
        )
    last, first = shape[3] in CHANNELS, shape[1] in CHANNELS
    if last == first:
        what = "both axis 1 and axis 3 could be" if last else "neither axis 1 nor axis 3 is"
        raise GanzooError(
            f"The array in {source} has shape {shape}: {what} the channel axis (1 or 3 "
            "channels), so its layout is ambiguous. Store it as N×H×W×C or N×C×H×W with 1 or "
            "3 channels and images larger than 3 pixels."
        )
    return "N×H×W×C" if last else "N×C×H×W"


def _values(array: np.ndarray, source: Path) -> tuple[Tensor, str]:
    """Pixels mapped to [-1, 1] and how they were read (uint8 0..255, float [0, 1] or
    float [-1, 1]); anything else is refused."""
    if array.dtype == np.uint8:
        return torch.from_numpy(array.astype(np.float32)) / 127.5 - 1, "uint8 0..255"
    if array.dtype.kind != "f":
        raise GanzooError(
            f"The array in {source} holds {array.dtype} values; store uint8 0..255 or floats "
            "in [0, 1] or [-1, 1]."
        )
    values = torch.from_numpy(array.astype(np.float32))
    if not torch.isfinite(values).all():
        raise GanzooError(f"The array in {source} holds NaN or infinite values.")
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1:
        return values * 2 - 1, "float [0, 1]"
    if low >= -1 and high <= 1:
        return values, "float [-1, 1]"
    raise GanzooError(
        f"The array in {source} holds floats from {low:.4g} to {high:.4g}; ganzoo reads floats "
        "in [0, 1] or [-1, 1] only (store 0..255 pixels as uint8)."
    )


def _fit(images: Tensor, spec: DataSpec, source: Path) -> tuple[Tensor, list[str]]:
    """``images`` converted to ``spec``'s channels and size; the conversions made."""
    done: list[str] = []
    channels, height, width = spec.shape
    if images.shape[1] != channels:
        if images.shape[1] == 1 and channels == 3:
            images = images.expand(-1, 3, -1, -1)
            done.append("gray → RGB (repeated)")
        elif images.shape[1] == 3 and channels == 1:
            images = (images * torch.tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)
            done.append("RGB → gray (ITU-R BT.601 luma)")
        else:
            raise GanzooError(
                f"The images in {source} have {images.shape[1]} channels; the dataset has "
                f"{channels}."
            )
    size = tuple(images.shape[-2:])
    if size != (height, width):
        if size[0] * width != size[1] * height:
            raise GanzooError(
                f"The images in {source} are {size[0]}×{size[1]}, not the dataset's "
                f"{height}×{width} aspect ratio; crop them to it (they are resized, never "
                "stretched)."
            )
        images = F.interpolate(images, size=(height, width), mode="bilinear", antialias=True,
                               align_corners=False).clamp(-1, 1)
        done.append(f"resized {size[0]}×{size[1]} → {height}×{width} (bilinear, antialiased)")
    return images.contiguous(), done


def read_images(source: Path | str, spec: DataSpec) -> ExternalImages:
    """The images at ``source`` (a folder of PNG/JPEG files or an ``.npz`` of one array)
    in [-1, 1], fitted to ``spec``; refused with a clear message when they cannot be read
    unambiguously."""
    source = Path(source).expanduser()
    if source.is_dir():
        array, sha, record = _read_folder(source)
        layout = "N×H×W×C"
        pixels = torch.from_numpy(array.astype(np.float32)) / 127.5 - 1
    elif source.is_file() and source.suffix.lower() == ".npz":
        array, sha = _read_npz(source)
        layout = _layout(tuple(array.shape), source)
        pixels, values = _values(array, source)
        record = {"format": "npz", "values": values}
    else:
        raise GanzooError(
            f"--images must be a folder of PNG/JPEG files or an .npz file holding one array; "
            f"{source} is neither."
        )
    if len(pixels) < 2:
        raise GanzooError(f"{source} holds {len(pixels)} image; measuring needs at least 2.")
    if layout == "N×H×W×C":
        pixels = pixels.permute(0, 3, 1, 2)
    read_shape = tuple(pixels.shape[1:])
    images, conversions = _fit(pixels, spec, source)
    record.update(path=str(source.resolve()), sha256=sha, count=len(images), layout=layout,
                  shape=list(read_shape), conversions=conversions)
    return ExternalImages(images, record)

