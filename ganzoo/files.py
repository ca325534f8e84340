"""Writing files so that a crash, a kill -9 or a full disk never leaves half of one.

Every file ganzoo writes (checkpoints, config.json, eval.json, pictures, the bench's
results and reports) goes through :func:`atomic_writer`: the bytes go to a temporary file
beside the target, named ``.NAME.<random>.tmp``, which is flushed (and fsynced where losing
it would matter) and then renamed over the target.  Readers see the old file or the new
one, never a mix; a failed write leaves the old file as it was.  A temporary file left by
a killed process is removed by :func:`remove_temp_files` when its folder's owner next
starts.  Failures the user can fix (a full disk, a file-size limit, no permission, a file
where a folder should be) become a :class:`WriteError` that names the path and what to do.
"""

from __future__ import annotations

import errno
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from ganzoo.errors import GanzooError

TEMP_SUFFIX = ".tmp"

_FULL = "free some space, or write somewhere else"
_DENIED = "make it writable, or write somewhere else"
_NOT_A_FOLDER = "a file is in the way of a folder on that path; choose another path"
_ADVICE = {
    errno.ENOSPC: "the disk is full: " + _FULL,
    errno.EDQUOT: "the disk quota is used up: " + _FULL,
    errno.EFBIG: "the file would exceed the largest file this process may write (see "
                 "'ulimit -f'): raise that limit, or free space if it is a quota",
    errno.EACCES: "no permission: " + _DENIED,
    errno.EPERM: "no permission: " + _DENIED,
    errno.EROFS: "the file system is read-only: write somewhere else",
    errno.ENOTDIR: _NOT_A_FOLDER,
    errno.EEXIST: _NOT_A_FOLDER,
    errno.EISDIR: "it is a folder; give the path of a file",
}


class WriteError(GanzooError):
    """A file or folder that could not be written for a reason the user can fix."""


def write_error(path: Path, exc: OSError, *, kept: bool = False) -> WriteError:
    """``exc`` (raised while writing ``path``) as a message that says what to do;
    ``kept`` adds that the previous file is still there."""
    reason = exc.strerror or str(exc)
    advice = _ADVICE.get(exc.errno or 0, "check the path and the disk, then try again")
    note = f" {path} was left as it was." if kept else ""
    return WriteError(f"Could not write {path} ({reason}): {advice}.{note}")


def _os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def make_folder(path: Path) -> Path:
    """Create ``path`` and its parents if missing; a clear error if that cannot be done."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(path, exc) from exc
    return path


class _Handle:
    """The temporary file, remembering an :class:`OSError` from ``write``: writers such as
    ``torch.save`` re-raise it as an unhelpful ``RuntimeError``."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.error: OSError | None = None

    def write(self, data: Any) -> int:
        try:
            return self.raw.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


@contextmanager
def atomic_writer(path: Path | str, *, fsync: bool = True) -> Iterator[BinaryIO]:
    """A binary handle whose contents replace ``path`` when the block ends without error.

    ``fsync`` forces the contents (and the rename) to disk first: for files that a power
    cut must not empty, such as checkpoints.  Missing parent folders are created.
    """
    path = Path(path)
    folder = make_folder(path.parent)
    fd, tmp = _temp_file(folder, path)
    handle = _Handle(os.fdopen(fd, "wb"))
    try:
        with handle.raw:
            yield handle  # type: ignore[misc]
            handle.raw.flush()
            if fsync:
                os.fsync(handle.raw.fileno())
        os.replace(tmp, path)
        if fsync:
            _fsync_folder(folder)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        cause = exc if isinstance(exc, OSError) else handle.error
        if cause is None or not isinstance(exc, Exception) or isinstance(exc, GanzooError):
            raise
        raise write_error(path, cause, kept=path.is_file()) from exc


def _temp_file(folder: Path, target: Path) -> tuple[int, Path]:
    """A new temporary file in ``folder`` for ``target``: its descriptor and path.  Its
    permissions follow the umask, like any file the user creates (``mkstemp`` would make
    it private)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = folder / f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(target, exc) from exc


def _probe(folder: Path, target: Path) -> None:
    """Create and delete a temporary file in ``folder``: the one sure test of writing."""
    fd, tmp = _temp_file(folder, target)
    os.close(fd)
    tmp.unlink(missing_ok=True)  # a lock holder may have cleaned it up already


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable where the system allows it (POSIX; some file
    systems refuse to sync a folder, and the rename itself has succeeded by then)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path | str, data: bytes, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, fsync=fsync) as handle:
        handle.write(data)


def atomic_write_text(path: Path | str, text: str, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically (see :func:`atomic_writer`)."""
    atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)


def check_writable(path: Path | str) -> Path:
    """Refuse, before any work, an output file that cannot be written: a folder, a path
    through a file, a folder without write permission.  Missing parents are created."""
    path = Path(path)
    if path.is_dir():
        raise write_error(path, _os_error(errno.EISDIR))
    _probe(make_folder(path.parent), path)
    return path


def check_writable_folder(path: Path | str) -> Path:
    """Refuse a folder that cannot be written, or created, without creating anything."""
    path = Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise write_error(path, _os_error(errno.ENOTDIR))
    if existing == path:
        _probe(path, path)
    elif not os.access(existing, os.W_OK | os.X_OK):
        raise write_error(path, _os_error(errno.EACCES))
    return path


def remove_temp_files(*folders: Path) -> list[Path]:
    """Delete the temporary files that killed writers left in ``folders`` (not below).

    Only call this while no other process may be writing there (holding the folder's lock).
    """
    removed = []
    for folder in folders:
        if folder.is_dir():
            for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
                if leftover.is_file():
                    leftover.unlink(missing_ok=True)
                    removed.append(leftover)
    return removed
