"""Stop signals: Ctrl-C (SIGINT), SIGTERM (``docker stop``, Slurm, ``kill``) and SIGHUP (a
dropped ssh session) all mean "stop, keeping what was done".

During training the first one only sets a flag (:class:`StopRequest`), so the loop stops at
the next step boundary and saves a checkpoint; a second one, of any kind, acts at once.
Elsewhere (a bench evaluating, a command setting up) SIGTERM and SIGHUP raise
:class:`Stopped` where they land, as SIGINT raises ``KeyboardInterrupt``, so ``finally``
blocks still run.  Either way the command exits with the conventional ``128 + signal``
(130, 143, 129).  A signal that was ignored when we started (``nohup`` ignores SIGHUP) stays
ignored.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Callable, Iterator

#: The signals that stop a run or a bench (SIGHUP does not exist on Windows).
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

Handler = Callable[[int, FrameType | None], Any]


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code(signum: int) -> int:
    """The shell's convention for a command ended by ``signum``: 128 + its number."""
    return 128 + signum


class Stopped(KeyboardInterrupt):
    """A stop signal that ends the work where it lands.

    A ``KeyboardInterrupt`` so that code handling Ctrl-C handles it too, remembering which
    signal it was for the exit code.
    """

    def __init__(self, signum: int):
        super().__init__(signal_name(signum))
        self.signum = signum


def stop_signal(exc: BaseException) -> int:
    """The signal behind ``exc``: a plain ``KeyboardInterrupt`` is Ctrl-C."""
    return getattr(exc, "signum", signal.SIGINT)


def _install(handler: Handler, signums: tuple[int, ...],
             previous: dict[int, Any] | None = None) -> dict[int, Any]:
    """Point ``signums`` at ``handler``; returns the handlers replaced.  Signals that were
    ignored stay ignored, as do those whose handler was set outside Python (``None``: it
    could not be put back), and only the main thread may set handlers (elsewhere: none)."""
    previous = {} if previous is None else previous
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in signums:
        current = signal.getsignal(signum)
        if current is not signal.SIG_IGN and current is not None:
            previous[signum] = current  # recorded first: a signal may land while installing
            signal.signal(signum, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    previous.clear()


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped` (SIGINT already raises
    ``KeyboardInterrupt``)."""
    previous = _install(_raise_stopped, tuple(s for s in STOP_SIGNALS if s != signal.SIGINT))
    try:
        yield
    finally:
        _restore(previous)


class StopRequest:
    """Turns the first stop signal into a request (``requested``, ``signum``) to stop at
    the next step boundary.  The handlers in place before are back from then on, so a
    second signal acts at once."""

    def __init__(self) -> None:
        self.requested = False
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        self.signum = signum
        _restore(self._previous)

    def __enter__(self) -> "StopRequest":
        _install(self._handle, STOP_SIGNALS, self._previous)  # filled as it goes
        return self

    def __exit__(self, *exc: Any) -> None:
        _restore(self._previous)
