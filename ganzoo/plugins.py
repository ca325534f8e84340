"""Finding and loading plugins, each in isolation.

We iterate the entry point group ourselves instead of pluggy's
``load_setuptools_entrypoints``: a plugin that fails to import, implements a hook that does
not exist, raises inside a hook or registers a name that is taken is recorded as failed
(name, distribution, error) and everything else keeps working.  ganzoo's own plugins load
first, so their names can never be taken by a third party.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Iterable

import pluggy

from ganzoo import DISTRIBUTION, hookspecs
from ganzoo.errors import DuplicateNameError
from ganzoo.registry import DISABLE_ENV, Entry, PluginRegistrar, Registry

ENTRY_POINT_GROUP = "ganzoo"


@dataclass
class PluginInfo:
    """What `ganzoo plugins` shows about one plugin."""

    name: str
    distribution: str | None
    version: str | None
    module: str
    status: str = "loaded"  # loaded | failed | disabled
    error: str | None = None
    traceback: str | None = None
    hooks: list[str] = field(default_factory=list)
    registered: list[Entry] = field(default_factory=list)


@dataclass
class PluginSet:
    """The outcome of loading: the registry and a report on every plugin found."""

    registry: Registry
    plugins: list[PluginInfo]
    #: the pluggy manager holding every loaded plugin, through which lifecycle hooks fire
    manager: pluggy.PluginManager

    @property
    def failed(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status == "failed"]


def disabled_names() -> set[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return {n.strip() for n in raw.split(",") if n.strip()}


def _describe(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _fail(info: PluginInfo, exc: BaseException) -> None:
    info.status = "failed"
    info.error = f"{type(exc).__name__}: {exc}"
    info.traceback = "".join(traceback.format_exception(exc))


def _hook_mistakes(manager: pluggy.PluginManager, plugin: object) -> str | None:
    """What is wrong with a plugin's hook functions, if anything: a name that matches no
    hookspec (a misspelling, say) or a hook function without the ``@hookimpl`` marker.
    Either would otherwise be silently ignored."""
    implemented = {c.name for c in manager.get_hookcallers(plugin) or []}
    unknown = [name for name in implemented if name not in hookspecs.HOOK_NAMES]
    unmarked = []
    for attr in dir(plugin):
        # submodules such as ``ganzoo_gan`` imported by a plugin are not hook functions
        if not attr.startswith("ganzoo_") or not inspect.isfunction(getattr(plugin, attr, None)):
            continue
        if attr not in hookspecs.HOOK_NAMES and attr not in unknown:
            unknown.append(attr)
        elif attr in hookspecs.HOOK_NAMES and attr not in implemented:
            unmarked.append(attr)
    problems = []
    if unknown:
        described = []
        for name in sorted(unknown):
            close = difflib.get_close_matches(name, hookspecs.HOOK_NAMES, n=1)
            described.append(f"{name} (did you mean {close[0]}?)" if close else name)
        problems.append(f"unknown hook(s) {', '.join(described)}; known hooks are "
                        f"{', '.join(hookspecs.HOOK_NAMES)}")
    if unmarked:
        problems.append(f"{', '.join(sorted(unmarked))} lack(s) the @hookimpl marker "
                        "(from ganzoo.hookspecs import hookimpl)")
    return "; ".join(problems) or None


def _canonical(distribution: str) -> str:
    """A distribution name as pip compares it (case and ``-``/``_``/``.`` runs ignored)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _same_distribution(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _canonical(a) == _canonical(b)


def is_builtin(distribution: str | None) -> bool:
    """Whether a plugin comes from ganzoo's own distribution.  Those load first, so a third
    party can never take a built-in name, whatever its plugin is called."""
    return _same_distribution(distribution, DISTRIBUTION)


def _twin_message(first: PluginInfo, second: PluginInfo) -> str:
    """Why ``second`` is refused: ``first``, from another distribution, has its name."""
    def described(info: PluginInfo) -> str:
        return " ".join(filter(None, (info.distribution or "an unknown distribution",
                                      info.version)))

    return (
        f"The plugin name {second.name!r} is used by two installed distributions: "
        f"{described(first)}, whose plugin is the one used, and {described(second)}, whose "
        f"plugin was therefore not loaded (ganzoo's own distribution comes first, then the "
        f"others in the order Python finds them). Uninstall one of the two "
        f"(pip uninstall {second.distribution or described(second)}) or ask the author of "
        f"{described(second)} to rename its entry point; {DISABLE_ENV}={second.name} would "
        f"disable both."
    )


def _import_entry_points(
    eps: Iterable[EntryPoint], manager: pluggy.PluginManager
) -> tuple[list[PluginInfo], list[tuple[PluginInfo, object]]]:
    """Import every entry point not blocked, ganzoo's own first, each in isolation."""
    found = sorted(((ep, *_describe(ep)) for ep in eps),
                   key=lambda f: (not is_builtin(f[1]), f[0].name))
    infos: list[PluginInfo] = []
    candidates: list[tuple[PluginInfo, object]] = []
    owners: dict[str, PluginInfo] = {}
    for ep, dist, ver in found:
        first = owners.get(ep.name)
        if first is not None and _same_distribution(first.distribution, dist):
            continue  # the same distribution visible twice on sys.path
        info = PluginInfo(ep.name, dist, ver, ep.value)
        infos.append(info)
        owners.setdefault(ep.name, info)
        if manager.is_blocked(ep.name):
            info.status = "disabled"
        elif first is not None:
            _fail(info, DuplicateNameError(_twin_message(first, info)))
        else:
            try:
                candidates.append((info, ep.load()))
            except BaseException as exc:  # noqa: BLE001 - a plugin must never break ganzoo
                if isinstance(exc, KeyboardInterrupt):
                    raise
                _fail(info, exc)
    return infos, candidates


def _register(
    manager: pluggy.PluginManager, registry: Registry, info: PluginInfo, obj: object
) -> None:
    """Register one imported plugin and run its registration hooks; on any failure the
    plugin is unregistered and nothing it added is kept."""
    try:
        manager.register(obj, name=info.name)
    except Exception as exc:  # noqa: BLE001
        _fail(info, exc)
        return
    mistakes = _hook_mistakes(manager, obj)
    if mistakes:
        manager.unregister(obj)
        _fail(info, AttributeError(mistakes))
        return
    info.hooks = sorted(c.name for c in manager.get_hookcallers(obj) or [])
    registrar = PluginRegistrar(registry, info.name, info.distribution)
    try:
        for hook_name in hookspecs.REGISTRATION_HOOKS:
            for impl in getattr(manager.hook, hook_name).get_hookimpls():
                if impl.plugin is obj:
                    impl.function(registry=registrar)
        info.registered = registrar.commit()
    except Exception as exc:  # noqa: BLE001
        manager.unregister(obj)
        _fail(info, exc)


def _warn_unknown_disabled(disabled: set[str], installed: list[str]) -> None:
    """A misspelled name in GANZOO_DISABLE_PLUGINS would silently disable nothing."""
    for name in sorted(disabled - set(installed)):
        close = difflib.get_close_matches(name, installed, n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        print(f"Warning: {DISABLE_ENV} names {name!r}, which is not an installed plugin, so "
              f"it disables nothing.{hint} Installed plugins: {', '.join(sorted(installed))}.",
              file=sys.stderr)


def load_plugins(
    eps: Iterable[EntryPoint] | None = None,
    extra: Iterable[tuple[str, ModuleType | object]] = (),
) -> PluginSet:
    """Load every plugin of the entry point group (or ``eps``) plus ``extra`` objects.

    What plugins print while they import and register goes to stderr, so that it cannot
    corrupt machine-readable output (``ganzoo list --json``).
    """
    with contextlib.redirect_stdout(sys.stderr):
        return _load(entry_points(group=ENTRY_POINT_GROUP) if eps is None else eps, extra)


def _load(eps: Iterable[EntryPoint], extra: Iterable[tuple[str, object]]) -> PluginSet:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    disabled = disabled_names()
    for name in disabled:
        manager.set_blocked(name)  # shown as "disabled", never imported
    infos, candidates = _import_entry_points(eps, manager)
    for name, obj in extra:
        info = PluginInfo(name, None, None, getattr(obj, "__name__", repr(obj)))
        infos.append(info)
        if manager.is_blocked(name):
            info.status = "disabled"
        else:
            candidates.append((info, obj))
    _warn_unknown_disabled(disabled, [info.name for info in infos])
    registry = Registry()
    for info, obj in candidates:
        _register(manager, registry, info, obj)
    manager.check_pending()  # every remaining implementation has a spec
    return PluginSet(registry, infos, manager)


def failed_note(plugins: PluginSet) -> str:
    """A sentence naming the plugins that failed to load ("" when none did): one of them
    may be what provides a name the user asked for."""
    failed = plugins.failed
    if not failed:
        return ""
    names = ", ".join(p.name for p in failed)
    return (f"Note: {len(failed)} plugin(s) failed to load ({names}); "
            "run 'ganzoo plugins' for details.")


@lru_cache(maxsize=1)
def default_plugins() -> PluginSet:
    """The installed plugins, loaded once per process."""
    return load_plugins()


def get_registry() -> Registry:
    return default_plugins().registry
