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


def _unknown_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """Hook implementations whose name matches no hookspec (a misspelling, say)."""
    unknown = []
    for caller in manager.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            unknown.append(caller.name)
    for attr in dir(plugin):
        # an unmarked function named like a hook (a forgotten @hookimpl, or a misspelling);
        # submodules such as ``ganzoo_gan`` imported by a plugin are not hooks
        value = getattr(plugin, attr, None)
        if (attr.startswith("ganzoo_") and inspect.isfunction(value)
                and attr not in hookspecs.HOOK_NAMES and attr not in unknown):
            unknown.append(attr)
    return unknown


def _unknown_hooks_message(unknown: list[str]) -> str:
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, hookspecs.HOOK_NAMES, n=1)
        parts.append(f"{name} (did you mean {close[0]}?)" if close else name)
    return (f"unknown hook(s) {', '.join(parts)}; known hooks are "
            f"{', '.join(hookspecs.HOOK_NAMES)}")


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
        unknown = _unknown_hooks(manager, obj)
        if unknown:
            manager.unregister(obj)
            _fail(info, AttributeError(_unknown_hooks_message(unknown)))
            continue
        info.hooks = sorted(c.name for c in manager.get_hookcallers(obj) or [])
        registrar = PluginRegistrar(registry, info.name, info.distribution)
        try:
            for hook_name in hookspecs.HOOK_NAMES:
                for impl in getattr(manager.hook, hook_name).get_hookimpls():
                    if impl.plugin is obj:
                        impl.function(registry=registrar)
            info.registered = registrar.commit()
        except Exception as exc:  # noqa: BLE001
            manager.unregister(obj)
            _fail(info, exc)
    manager.check_pending()  # every remaining implementation has a spec
    return PluginSet(registry, infos)


@lru_cache(maxsize=1)
def default_plugins() -> PluginSet:
    """The installed plugins, loaded once per process."""
    return load_plugins()


def get_registry() -> Registry:
    return default_plugins().registry
