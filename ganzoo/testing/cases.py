"""One contract check, and what running it gave.

A check raises :class:`ContractError` (an ``AssertionError``, so pytest reports it as a
plain failure) with a sentence saying what the part did and what the contract asks, or
:class:`NotChecked` when it cannot run here (a dataset whose files are absent); it returns
a short note on what it covered.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Callable

PASSED, FAILED, NOT_CHECKED = "passed", "failed", "not checked"


class ContractError(AssertionError):
    """A registered entry breaks ganzoo's contract for its kind."""


class NotChecked(Exception):
    """A check that cannot run on this machine (and says why)."""


@dataclass(frozen=True)
class Check:
    """The contract check of one registered entry (or of a plugin as a whole)."""

    kind: str
    name: str
    plugin: str
    run: Callable[[], str]

    @property
    def id(self) -> str:
        """``kind:name``, the check's pytest id and its row in ``ganzoo plugins --check``."""
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Outcome:
    check: Check
    status: str
    message: str
    seconds: float
    traceback: str = ""


def run_check(check: Check) -> Outcome:
    """Run ``check``; a crash inside the part is a failure reported with its exception."""
    started = time.perf_counter()
    try:
        note = check.run()
    except ContractError as exc:
        return Outcome(check, FAILED, str(exc), time.perf_counter() - started,
                       traceback.format_exc())
    except NotChecked as exc:
        return Outcome(check, NOT_CHECKED, str(exc), time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - the part's own crash is the finding
        return Outcome(check, FAILED, f"{type(exc).__name__}: {exc}",
                       time.perf_counter() - started, traceback.format_exc())
    return Outcome(check, PASSED, note, time.perf_counter() - started)


def require(condition: bool, message: str) -> None:
    """Fail the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ContractError(message)
