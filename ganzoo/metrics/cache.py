"""Where measurement artefacts are kept, the hashes that key them, and their formats.

Trained feature extractors and real-data features are cached under ``$GANZOO_CACHE``
(default ``~/.cache/ganzoo``), keyed by hashes of the data and of the code that produced
them, so a changed dataset or a changed extractor never reuses a stale entry.  Anyone who
can write to that folder must not be able to run code in ``ganzoo eval``: entries are
stored in formats that carry no code and are read without full pickle.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Callable

import numpy as np
import torch
from torch import Tensor

from ganzoo.files import atomic_writer

CACHE_ENV = "GANZOO_CACHE"


def cache_dir(override: Path | str | None = None) -> Path:
    """The cache root: ``override``, else ``$GANZOO_CACHE``, else ``~/.cache/ganzoo``."""
    root = override or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "ganzoo"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def tensor_sha256(*tensors: Tensor) -> str:
    """A hash of the tensors' dtypes, shapes and values."""
    digest = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


@lru_cache(maxsize=32)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:  # size and mtime key the cache
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The file's sha256, computed once per process while the file is unchanged."""
    stat = path.stat()
    return _file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through ``write(handle)`` atomically (:func:`ganzoo.files.atomic_writer`;
    no fsync: a lost cache entry is computed again)."""
    with atomic_writer(path, fsync=False) as handle:
        write(handle)


def atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` to ``path`` atomically (for tensors and plain containers only: they
    are read back with ``torch.load(..., weights_only=True)``)."""
    atomic_write(path, lambda handle: torch.save(obj, handle))


def load_saved(path: Path) -> Any | None:
    """What :func:`atomic_save` stored at ``path``, or ``None`` when there is none or the
    file cannot be read.  ``weights_only=True`` builds tensors and plain containers only,
    so a planted pickle is refused instead of run."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError):
        return None


def save_array(path: Path, array: np.ndarray) -> None:
    """Store a numeric array as ``.npz`` atomically: numbers only, nothing that runs."""
    atomic_write(path, lambda handle: np.savez(handle, array=array))


def load_array(path: Path) -> np.ndarray | None:
    """The array :func:`save_array` stored at ``path``, or ``None`` when there is none or the
    file is not such an array (a damaged or planted entry is a cache miss, recomputed and
    overwritten).  Read with ``allow_pickle=False``, so no file can run code here."""
    try:
        stored = np.load(path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            return None
        with stored:
            array = stored["array"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return array if array.dtype.kind in "fiub" else None
