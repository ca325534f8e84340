"""One writer per folder: a run folder or a bench's ``--out`` is locked for the life of the
process that writes it.

``FOLDER/.lock`` is an OS-level lock (``flock`` on POSIX, through ``filelock``): the kernel
releases it when its process ends, however it ends, so a lock left by a crashed or killed
process never blocks anyone.  ``FOLDER/.lock.owner`` says who holds it (pid, host, start
time, command), for the message that refuses a second writer; it is only informative.

Holding is re-entrant within a process (the ``ganzoo train`` command locks the folder
before reading it, then the training loop locks it again), and never waits: a folder in
use is refused at once.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from ganzoo.errors import GanzooError

LOCK_FILE = ".lock"
OWNER_FILE = ".lock.owner"
#: The files a lock leaves in its folder (a lock's leftovers are no one's data).
LOCK_FILES = frozenset({LOCK_FILE, OWNER_FILE})

#: Locks this process holds, by folder, with how many times each is held.
_held: dict[Path, tuple[FileLock, int]] = {}


class FolderLockedError(GanzooError):
    """Another live process writes the folder."""


def _owner() -> str:
    command = shlex.join(getattr(sys, "orig_argv", sys.argv)).replace("\n", "\\n")
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    return f"pid {os.getpid()} on {socket.gethostname()}, since {started}: {command}"


def _read_owner(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "it has not said who it is yet"
    except OSError:
        return "it has not said who it is yet"


@contextmanager
def folder_lock(folder: Path, *, what: str, advice: str, create: bool = True) -> Iterator[None]:
    """Hold ``folder``'s lock for the block (creating the folder); a folder another
    process holds is refused at once with a :class:`FolderLockedError` that names the
    holder, says it is ``what`` (e.g. "a training run") and gives ``advice``.

    ``create=False`` leaves a folder without a lock file untouched (and unlocked): no one
    holds it, and a check that may still refuse it should not leave files behind.  A folder
    this lock created is removed again if nothing but the lock was written into it (a run
    refused before its first write leaves no trace).
    """
    folder = Path(folder).resolve()
    lock, count = _held.get(folder, (None, 0))
    created = lock is None and not folder.exists()
    if lock is None and not create and not (folder / LOCK_FILE).exists():
        yield
        return
    if lock is None:
        lock = FileLock(folder / LOCK_FILE, timeout=0, thread_local=False)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            raise FolderLockedError(
                f"{folder} is in use by another process, {what} ("
                f"{_read_owner(folder / OWNER_FILE)}). {advice}"
            ) from None
        except OSError as exc:
            raise GanzooError(
                f"Cannot lock {folder} for writing ({exc.strerror or exc}): it must be a "
                "folder you can write to. Check the path and its permissions, or pick "
                "another folder."
            ) from exc
    _held[folder] = (lock, count + 1)
    try:
        if count == 0:  # one small write; a reader that finds it empty says so
            _informative(lambda: (folder / OWNER_FILE).write_text(_owner() + "\n",
                                                                  encoding="utf-8"))
        yield
    finally:
        if count > 0:
            _held[folder] = (lock, count)
        else:
            del _held[folder]
            # while still holding the lock: no one else can be using the folder
            _informative(lambda: (folder / OWNER_FILE).unlink(missing_ok=True))
            if created:
                _informative(lambda: _remove_if_unused(folder))
            lock.release()


def _informative(action: Callable[[], object]) -> None:
    """Do a write that only informs (who holds the lock); a folder that refuses it (read
    only, full) is reported where the run's own writes fail, not here."""
    try:
        action()
    except OSError:
        pass


def _remove_if_unused(folder: Path) -> None:
    """Remove a folder that holds nothing but its lock file (a run refused before its first
    write leaves no trace).  The lock is still held: a process that tries the folder now is
    refused at once (no one waits on the lock), and finds no folder afterwards."""
    if {p.name for p in folder.iterdir()} <= LOCK_FILES:
        (folder / LOCK_FILE).unlink(missing_ok=True)
        folder.rmdir()
