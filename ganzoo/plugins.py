"""Finding and loading plugins, each in isolation.

We iterate the entry point group ourselves instead of pluggy's
``load_setuptools_entrypoints``: a plugin that fails to import, implements a hook that does
not exist, or raises inside a hook is recorded as failed (name, distribution, error) and
everything else keeps working.
"""

from __future__ import annotations

import difflib
import inspect
import os
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Iterable

import pluggy

from ganzoo import hookspecs
from ganzoo.registry import Entry, PluginRegistrar, Registry

ENTRY_POINT_GROUP = "ganzoo"
DISABLE_ENV = "GANZOO_DISABLE_PLUGINS"


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


def load_plugins(
    eps: Iterable[EntryPoint] | None = None,
    extra: Iterable[tuple[str, ModuleType | object]] = (),
) -> PluginSet:
    """Load every plugin of the entry point group (or ``eps``) plus ``extra`` objects."""
    if eps is None:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    blocked = disabled_names()
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    registry = Registry()
    infos: list[PluginInfo] = []
    candidates: list[tuple[PluginInfo, object]] = []

    owners: dict[str, str | None] = {}
    for ep in sorted(eps, key=lambda e: e.name):
        dist, ver = _describe(ep)
        if ep.name in owners and owners[ep.name] == dist:
            continue  # the same distribution visible twice on sys.path
        info = PluginInfo(ep.name, dist, ver, ep.value)
        infos.append(info)
        if ep.name in owners:
            _fail(info, NameError(
                f"the plugin name {ep.name!r} is already taken by distribution "
                f"{owners[ep.name]!r}; one of the two must rename its entry point"
            ))
            continue
        owners[ep.name] = dist
        if ep.name in blocked:
            info.status = "disabled"
            continue
        try:
            candidates.append((info, ep.load()))
        except BaseException as exc:  # noqa: BLE001 - a plugin must never break ganzoo
            if isinstance(exc, KeyboardInterrupt):
                raise
            _fail(info, exc)
    for name, obj in extra:
        info = PluginInfo(name, None, None, getattr(obj, "__name__", repr(obj)))
        infos.append(info)
        candidates.append((info, obj))

    for info, obj in candidates:
        try:
            manager.register(obj, name=info.name)
        except Exception as exc:  # noqa: BLE001
            _fail(info, exc)
            continue
        mistakes = _hook_mistakes(manager, obj)
        if mistakes:
            manager.unregister(obj)
            _fail(info, AttributeError(mistakes))
            continue
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
