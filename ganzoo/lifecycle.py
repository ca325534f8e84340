"""Firing lifecycle hooks: into every loaded plugin and the run's trackers, each isolated.

Plugin modules' hooks are called through pluggy's hook callers, one implementation at a
time (in pluggy's order).  Trackers chosen with ``--tracker`` belong to one run: their hook
methods are checked when the run is set up (a misspelled hook or argument is refused before
anything is written) and called directly, so two runs in one process never see each
other's trackers.  A plugin hook or a tracker that raises is reported once and skipped for
the rest of the run — except the run's own log (``required``), whose failure stops it.
"""

from __future__ import annotations

import difflib
import inspect
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pluggy

from ganzoo import hookspecs
from ganzoo.errors import GanzooError
from ganzoo.hookspecs import LIFECYCLE_HOOKS, PROJECT


@dataclass(frozen=True)
class RunInfo:
    """What lifecycle hooks learn about a run (see :mod:`ganzoo.hookspecs`)."""

    plan: Any  # ganzoo.plan.Plan
    run_dir: Path
    start_step: int
    steps: int
    resumed: bool


Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def tracker_hooks(name: str, tracker: object) -> dict[str, tuple[Callable[..., Any], tuple[str, ...]]]:
    """The tracker's lifecycle hook methods with the arguments each takes, or a clear error
    for a method named like a hook that is not one, lacks ``@hookimpl`` or takes an
    argument the hook does not pass."""
    hooks = {}
    for attr in dir(tracker):
        method = getattr(tracker, attr, None)
        if not attr.startswith("ganzoo_") or not callable(method):
            continue
        problem = None
        if attr not in LIFECYCLE_HOOKS:
            close = difflib.get_close_matches(attr, LIFECYCLE_HOOKS, n=1)
            problem = f"{attr} is not a lifecycle hook" + (
                f" (did you mean {close[0]}?)" if close else "")
        elif not hasattr(method, f"{PROJECT}_impl"):
            problem = f"{attr} lacks the @hookimpl marker"
        else:
            allowed = set(inspect.signature(getattr(hookspecs, attr)).parameters)
            args = tuple(inspect.signature(method).parameters)
            extra = sorted(set(args) - allowed)
            if extra:
                problem = (f"{attr} takes {', '.join(extra)}, which the hook does not pass "
                           f"(it passes {', '.join(sorted(allowed))})")
        if problem:
            raise GanzooError(
                f"The tracker {name!r} cannot be used: {problem}. Lifecycle hooks are: "
                f"{', '.join(LIFECYCLE_HOOKS)}. Fix the tracker, or run without it."
            )
        hooks[attr] = (method, args)
    return hooks


class Lifecycle:
    """Fires lifecycle hooks for one run or bench; a context manager that closes the
    run's ``trackers`` on exit.  ``required`` names trackers whose failures propagate."""

    def __init__(self, manager: pluggy.PluginManager | None,
                 trackers: Iterable[tuple[str, object]] = (), warn: Warn = _stderr,
                 required: Iterable[str] = ()):
        self.manager = manager
        self.trackers = [(name, tracker, tracker_hooks(name, tracker))
                         for name, tracker in trackers]
        self.required = frozenset(required)
        self.warn = warn
        self._broken: set[tuple[str, str]] = set()  # (plugin, hook); (tracker, "*")

    def __enter__(self) -> "Lifecycle":
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, tracker, _ in self.trackers:
            close = getattr(tracker, "close", None)
            if callable(close) and (name, "*") not in self._broken:
                self._call(f"tracker {name!r}", "close", close, {}, whole=name)

    def fire(self, hook: str, **kwargs: Any) -> None:
        """Call every implementation of ``hook`` with ``kwargs``, isolating failures."""
        if hook not in LIFECYCLE_HOOKS:
            raise ValueError(f"{hook!r} is not a lifecycle hook")
        if self.manager is not None:
            caller = getattr(self.manager.hook, hook)
            for impl in reversed(caller.get_hookimpls()):  # pluggy's order: last registered first
                if (impl.plugin_name, hook) not in self._broken:
                    self._call(impl.plugin_name, hook, impl.function,
                               {k: kwargs[k] for k in impl.argnames if k in kwargs})
        for name, _, hooks in self.trackers:
            if hook in hooks and (name, "*") not in self._broken:
                method, args = hooks[hook]
                self._call(f"tracker {name!r}", hook, method,
                           {k: kwargs[k] for k in args if k in kwargs}, whole=name)

    def _call(self, plugin: str, hook: str, function: Callable[..., Any],
              kwargs: dict[str, Any], whole: str | None = None) -> None:
        """Call one implementation; on failure skip it from now on (a tracker, ``whole``,
        is skipped entirely: a tracker that failed to start can't log either)."""
        try:
            function(**kwargs)
        except Exception as exc:  # noqa: BLE001 - a plugin must never break a run
            if whole in self.required:
                raise
            self._broken.add((whole, "*") if whole is not None else (plugin, hook))
            who = plugin if whole is not None else f"plugin {plugin!r}"
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
            self.warn(f"Warning: {who} failed in {hook} ({type(exc).__name__}: {exc}"
                      f"{where}); it is skipped for the rest of this run.")
