"""Standard output into a pipe whose reader has gone (``ganzoo train … | head -1``).

Python ignores SIGPIPE, so a write into such a pipe raises ``BrokenPipeError`` — and rich's
console turns that into ``SystemExit(1)``, which would end a training run half-way, with no
checkpoint or pictures.  While a command runs, ``sys.stdout`` is wrapped so that a write
into a closed pipe points the standard output at the null device instead: the command goes
on and saves everything, and its output goes where its reader wanted it, nowhere.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, TextIO


def discard_output(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so that what is buffered
    and what is written later goes nowhere, without errors."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


class _ReaderMayLeave:
    """A text stream whose writes never fail because its reader closed the pipe."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            discard_output(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            discard_output(self._stream)
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def stdout_reader_may_leave() -> Iterator[None]:
    """Within the block, output into a closed pipe is discarded instead of raising."""
    stream = sys.stdout
    if stream is None or not hasattr(stream, "fileno"):
        yield
        return
    guarded = _ReaderMayLeave(stream)
    sys.stdout = guarded  # type: ignore[assignment]
    try:
        yield
    finally:
        guarded.flush()  # before Python's own flush at exit, which would complain
        sys.stdout = stream
