"""Firing lifecycle hooks: into every loaded plugin and the run's trackers, each isolated.

Hooks are called through pluggy's hook callers, one implementation at a time (in pluggy's
order), so that an implementation that raises is reported once, skipped for the rest of
the run, and never stops training or a bench.  Trackers chosen with ``--tracker`` are
registered with the plugin manager for the length of a run and unregistered after it.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pluggy

from ganzoo.errors import GanzooError
from ganzoo.hookspecs import LIFECYCLE_HOOKS


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


class Lifecycle:
    """Fires lifecycle hooks for one run or bench; a context manager that registers
    ``trackers`` (plugin objects) on entry and unregisters them on exit."""

    def __init__(self, manager: pluggy.PluginManager | None,
                 trackers: Iterable[tuple[str, object]] = (), warn: Warn = _stderr):
        self.manager = manager
        self.trackers = list(trackers)
        self.warn = warn
        self._broken: set[tuple[str, str]] = set()
        self._registered: list[object] = []

    def __enter__(self) -> "Lifecycle":
        if self.manager is not None:
            for name, tracker in self.trackers:
                self.manager.register(tracker, name=f"tracker:{name}")
                self._registered.append(tracker)
                try:
                    self.manager.check_pending()  # a misspelled hook method is an error
                except pluggy.PluginValidationError as exc:
                    self.__exit__()
                    raise GanzooError(
                        f"The tracker {name!r} implements a hook that does not exist "
                        f"({exc}). Lifecycle hooks are: {', '.join(LIFECYCLE_HOOKS)}."
                    ) from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.manager is not None:
            for tracker in self._registered:
                self.manager.unregister(tracker)
                close = getattr(tracker, "close", None)
                if callable(close):
                    self._call("close", "close", close, {})
        self._registered.clear()

    def fire(self, hook: str, **kwargs: Any) -> None:
        """Call every implementation of ``hook`` with ``kwargs``, isolating failures."""
        if hook not in LIFECYCLE_HOOKS:
            raise ValueError(f"{hook!r} is not a lifecycle hook")
        if self.manager is None:
            return
        caller = getattr(self.manager.hook, hook)
        for impl in reversed(caller.get_hookimpls()):  # pluggy calls the last registered first
            plugin = impl.plugin_name
            if (plugin, hook) in self._broken:
                continue
            self._call(plugin, hook, impl.function,
                       {k: kwargs[k] for k in impl.argnames if k in kwargs})

    def _call(self, plugin: str, hook: str, function: Callable[..., Any],
              kwargs: dict[str, Any]) -> None:
        try:
            function(**kwargs)
        except Exception as exc:  # noqa: BLE001 - a plugin must never break a run
            self._broken.add((plugin, hook))
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
            self.warn(f"Warning: plugin {plugin!r} failed in {hook} "
                      f"({type(exc).__name__}: {exc}{where}); it is skipped for the rest "
                      "of this run.")
