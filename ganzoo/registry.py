"""The one registry of everything a user can pick by name.

Entries are grouped by kind.  Each remembers the plugin that registered it, and
``"plugin:name"`` always finds a name through that plugin.  A target may be a plain object or
a lazy ``"module:attribute"`` string, so that plugins stay cheap to import: heavy code (torch,
torchvision) is imported only when an entry is actually built.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import importlib
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator

from ganzoo.errors import DuplicateNameError, EntryLoadError, RegistrationError, UnknownNameError

#: The environment variable listing plugins to turn off (comma-separated plugin names).
DISABLE_ENV = "GANZOO_DISABLE_PLUGINS"

KINDS: tuple[str, ...] = (
    "model",
    "generator",
    "discriminator",
    "loss",
    "regularizer",
    "method",
    "dataset",
    "metric",
    "tracker",
)


def resolve(target: Any) -> Any:
    """Import a ``"module:attribute"`` string; return anything else unchanged."""
    if isinstance(target, str) and ":" in target:
        module_name, _, attr = target.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    return target


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def is_lazy_target(text: str) -> bool:
    """Whether ``text`` is ``"dotted.module:attribute"`` (the attribute may be dotted too)."""
    module, sep, attr = text.partition(":")
    return bool(sep) and _is_dotted(module) and _is_dotted(attr)


def split_name(name: str) -> tuple[str | None, str]:
    """``"plugin:name"`` → ``("plugin", "name")``; a bare name has no plugin.

    Registered names never contain ``":"``, so the last colon is the separator.
    """
    plugin, sep, bare = name.rpartition(":")
    return (plugin, bare) if sep else (None, name)


def _origin(plugin: str, distribution: str | None) -> str:
    return f"plugin {plugin!r}" + (f" (distribution {distribution})" if distribution else "")


@dataclass(frozen=True)
class Entry:
    """One registered name: what it is, what it points to, and who registered it."""

    kind: str
    name: str
    target: Any
    summary: str = ""
    plugin: str = "<core>"
    distribution: str | None = None

    def load(self) -> Any:
        """The registered object, importing it first if it was given lazily.

        A target that fails to import is the plugin's fault, not the user's: the error says
        whose it is and how to get rid of it.  What the import prints goes to stderr, so
        it cannot corrupt ``--json`` output.
        """
        if not isinstance(self.target, str):
            return self.target
        try:
            with contextlib.redirect_stdout(sys.stderr):
                return resolve(self.target)
        except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
            raise EntryLoadError(self._load_failure(exc)) from exc

    def _load_failure(self, exc: Exception) -> str:
        fix = f"reinstall or upgrade {self.distribution}" if self.distribution else \
            "fix the plugin's module"
        return (
            f"The {self.kind} {self.name!r} of {_origin(self.plugin, self.distribution)} "
            f"could not be loaded from {self.target!r}: {type(exc).__name__}: {exc}. The "
            f"plugin is broken or not fully installed: {fix}, or disable it with "
            f"{DISABLE_ENV}={self.plugin}."
        )


def plural(noun: str) -> str:
    """``loss`` → ``losses``, ``entry`` → ``entries``, ``model`` → ``models``."""
    if noun.endswith("s"):
        return noun + "es"
    if noun.endswith("y"):
        return noun[:-1] + "ies"
    return noun + "s"


_KIND_ALIASES: dict[str, str] = {
    **{k: k for k in KINDS},
    **{plural(k): k for k in KINDS},
    "recipe": "model",
    "recipes": "model",
}


def is_kind(text: str) -> bool:
    return text.lower() in _KIND_ALIASES


def close_kind(text: str) -> str | None:
    """The kind ``text`` most likely misspells, if any."""
    close = difflib.get_close_matches(text.lower(), list(_KIND_ALIASES), n=1, cutoff=0.75)
    return _KIND_ALIASES[close[0]] if close else None


def normalize_kind(text: str) -> str:
    """The kind named by ``text``, which may be plural (``losses``) or ``recipe(s)``."""
    kind = _KIND_ALIASES.get(text.lower())
    if kind is None:
        guess = close_kind(text)
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise UnknownNameError(f"Unknown kind {text!r}.{hint} Kinds are: {', '.join(KINDS)}.")
    return kind


def _natural_key(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownNameError(
            f"Unknown kind {kind!r}. Kinds are: {', '.join(KINDS)}."
        )


@dataclass
class Registry:
    """Sections of named entries, one per kind."""

    _entries: dict[str, dict[str, Entry]] = field(
        default_factory=lambda: {k: {} for k in KINDS}
    )

    def add(
        self,
        kind: str,
        name: str,
        target: Any,
        *,
        summary: str = "",
        plugin: str = "<core>",
        distribution: str | None = None,
    ) -> Entry:
        """Register ``name``; a duplicate is refused with both plugins named."""
        _check_kind(kind)
        entry = Entry(kind, name, target, summary, plugin, distribution)
        existing = self._entries[kind].get(name)
        if existing is not None:
            raise DuplicateNameError(_duplicate_message(existing, entry))
        self._entries[kind][name] = entry
        return entry

    def remove(self, kind: str, name: str) -> None:
        self._entries[kind].pop(name, None)

    def __contains__(self, key: tuple[str, str]) -> bool:
        kind, name = key
        return kind in self._entries and self._lookup(kind, name) is not None

    def _lookup(self, kind: str, name: str) -> Entry | None:
        """The entry for a bare or ``plugin:name`` name, if there is one."""
        plugin, bare = split_name(name)
        entry = self._entries[kind].get(bare)
        return entry if entry is not None and plugin in (None, entry.plugin) else None

    def get(self, kind: str, name: str) -> Entry:
        """The entry for ``name`` or ``plugin:name``: the one door every lookup goes through.

        An unknown name raises an error listing close matches.
        """
        _check_kind(kind)
        entry = self._lookup(kind, name)
        if entry is None:
            raise UnknownNameError(self._unknown_message(kind, name))
        return entry

    def _unknown_message(self, kind: str, name: str) -> str:
        plugin, bare = split_name(name)
        if plugin is not None:
            return self._unknown_qualified_message(kind, plugin, bare)
        names = sorted(self._entries[kind], key=_natural_key)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        message = f"Unknown {kind} {name!r}."
        if close:
            message += " Did you mean " + " or ".join(repr(c) for c in close) + "?"
        if names:
            message += f" Installed {plural(kind)}: {', '.join(names)}."
        else:
            message += f" No {plural(kind)} are installed."
        return message + f" Run 'ganzoo list {kind}' to see each with its plugin."

    def _unknown_qualified_message(self, kind: str, plugin: str, name: str) -> str:
        message = (f"Unknown {kind} '{plugin}:{name}': plugin {plugin!r} registered no {kind} "
                   f"{name!r}.")
        owner = self._entries[kind].get(name)
        own = [e.name for e in self.list(kind) if e.plugin == plugin]
        if owner is not None:
            message += f" The {kind} {name!r} comes from plugin {owner.plugin!r} " \
                       f"('{owner.plugin}:{name}')."
        elif own:
            message += f" Its {plural(kind)}: {', '.join(own)}."
        elif plugin in self._entries[kind]:  # 'r1:gamma' meant as an option of r1?
            message += f" ({plugin!r} is a {kind}: an option is written {plugin}:{name}=VALUE.)"
        return message + (f" A qualified name is PLUGIN:NAME; run 'ganzoo list {kind}' to see "
                          f"each {kind} with its plugin.")

    def list(self, kind: str | None = None, pattern: str = "*") -> list[Entry]:
        """Entries of one kind (or all), whose names match a glob, in natural order."""
        kinds = [kind] if kind else list(KINDS)
        for k in kinds:
            _check_kind(k)
        return [
            e
            for k in kinds
            for e in sorted(self._entries[k].values(), key=lambda e: _natural_key(e.name))
            if fnmatch.fnmatchcase(e.name, pattern)
        ]

    def find(self, name: str, kind: str | None = None) -> list[Entry]:
        """Every entry called ``name`` or ``plugin:name`` (in one kind, or across all kinds).

        An unknown name raises an error with close matches from every kind searched.
        """
        if kind is not None:
            return [self.get(kind, name)]
        found = [e for k in KINDS if (e := self._lookup(k, name)) is not None]
        if found:
            return found
        raise UnknownNameError(self._nothing_called(name))

    def _nothing_called(self, name: str) -> str:
        plugin, bare = split_name(name)
        hint = " Run 'ganzoo list' to see every name with its kind and plugin."
        if plugin is None:
            message = f"Nothing called {name!r} is installed."
        else:
            message = f"Plugin {plugin!r} registered nothing called {bare!r}."
            owners = sorted({self._entries[k][bare].plugin for k in KINDS
                             if bare in self._entries[k]})
            if owners:
                return message + f" {bare!r} comes from plugin(s) {', '.join(owners)}." + hint
        kinds_of: dict[str, list[str]] = {}
        for e in self.list():
            kinds_of.setdefault(e.name, []).append(e.kind)
        close = difflib.get_close_matches(bare, list(kinds_of), n=3, cutoff=0.6)
        if close:
            message += " Did you mean " + " or ".join(
                f"{c!r} ({', '.join(kinds_of[c])})" for c in close) + "?"
        return message + hint

    def names(self, kind: str) -> list[str]:
        return [e.name for e in self.list(kind)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.list())


def _duplicate_message(existing: Entry, entry: Entry) -> str:
    """Why ``entry`` is refused: which plugin keeps the name, and how to silence the clash."""
    kind, name, plugin = entry.kind, entry.name, entry.plugin
    if existing.plugin == plugin:
        return f"Plugin {plugin!r} registers the {kind} {name!r} twice; register each name once."
    return (
        f"The {kind} {name!r} is registered twice: by "
        f"{_origin(existing.plugin, existing.distribution)}, which keeps it, and by "
        f"{_origin(plugin, entry.distribution)}, which was therefore not loaded (ganzoo's own "
        f"plugins load first, then the others by name; the first to register a name keeps "
        f"it). Ask the author of {plugin!r} to rename its {kind}, or disable it with "
        f"{DISABLE_ENV}={plugin}."
    )


#: The base class that registered classes of a kind must subclass, as (module, attribute).
_BASES: dict[str, tuple[str, str]] = {
    "loss": ("ganzoo.parts", "Loss"),
    "regularizer": ("ganzoo.parts", "Regularizer"),
    "method": ("ganzoo.method", "Method"),
    "metric": ("ganzoo.metrics.base", "Metric"),
}


def _loaded_base(kind: str) -> type | None:
    """The base class of ``kind``, only if its module is already imported: registering must
    stay cheap (no torch import for ``ganzoo list``), so unloaded bases are not checked."""
    if kind not in _BASES:
        return None
    module_name, attr = _BASES[kind]
    base = getattr(sys.modules.get(module_name), attr, None)
    return base if isinstance(base, type) else None


def _data_class(kind: str) -> type | None:
    """The class a ``model`` or ``dataset`` must be an instance of (plain data, no torch)."""
    if kind == "model":
        from ganzoo.recipe import Recipe

        return Recipe
    if kind == "dataset":
        from ganzoo.data.spec import DatasetInfo  # imports this module: not at the top

        return DatasetInfo
    return None


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe_target(target: Any) -> str:
    if isinstance(target, type):
        return f"the class {_qualname(target)}"
    if isinstance(target, str):
        return f"the string {target!r}"
    return f"an instance of {_qualname(type(target))}"


def _kind_problem(kind: Any) -> str | None:
    if kind in KINDS:
        return None
    guess = close_kind(kind) if isinstance(kind, str) else None
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return f"{kind!r} is not a kind{hint}; kinds are: {', '.join(KINDS)}"


def _name_problem(name: Any) -> str | None:
    if isinstance(name, str) and name and not any(c == ":" or c.isspace() for c in name):
        return None
    return ("a name must be a non-empty string without ':' or whitespace ('my-loss'); "
            "':' is reserved for qualified names ('my-plugin:my-loss')")


def _target_problem(kind: str, target: Any) -> str | None:
    data_class = _data_class(kind)
    if data_class is not None:
        if isinstance(target, data_class):
            return None
        return f"got {_describe_target(target)}, expected a {_qualname(data_class)} object"
    if isinstance(target, str):
        if is_lazy_target(target):
            return None
        return (f"the lazy target {target!r} is not a 'module:attr' string; expected a dotted "
                "module path, a colon and an attribute ('my_plugin.losses:MyLoss')")
    base = _loaded_base(kind)
    if base is not None and isinstance(target, type) and not issubclass(target, base):
        return (f"got {_describe_target(target)}, expected a subclass of {_qualname(base)} "
                "(or a lazy 'module:Class' string)")
    return None


class PluginRegistrar:
    """What a plugin's hooks receive: registers into a registry on the plugin's behalf.

    Entries are checked when added (so a wrong type fails the plugin at load, not the user
    at first use), staged, and committed only when all of the plugin's hooks succeed, so a
    plugin that fails half-way leaves nothing behind.
    """

    def __init__(self, registry: Registry, plugin: str, distribution: str | None = None):
        self._registry = registry
        self.plugin = plugin
        self.distribution = distribution
        self.staged: list[tuple[str, str, Any, str]] = []

    def add(self, kind: str, name: str, target: Any, *, summary: str = "") -> None:
        """Stage ``name`` of ``kind``; ``target`` may be an object or ``"module:attr"``."""
        problem = (_kind_problem(kind) or _target_problem(kind, target)
                   or _name_problem(name))
        if problem:
            raise RegistrationError(
                f"Plugin {self.plugin!r} cannot register the {kind} {name!r}: {problem}. "
                f"Fix the plugin, or disable it with {DISABLE_ENV}={self.plugin}."
            )
        self.staged.append((kind, name, target, summary))

    def add_model(self, recipe: Any) -> None:
        """Register a :class:`ganzoo.recipe.Recipe` under its own name."""
        self.add("model", getattr(recipe, "name", ""), recipe,
                 summary=getattr(recipe, "summary", ""))

    def add_dataset(self, info: Any) -> None:
        """Register a :class:`ganzoo.data.spec.DatasetInfo` under its own name."""
        self.add("dataset", getattr(info, "name", ""), info, summary=getattr(info, "summary", ""))

    def commit(self) -> list[Entry]:
        """Move staged entries into the registry; on a duplicate, roll back this plugin."""
        added: list[Entry] = []
        try:
            for kind, name, target, summary in self.staged:
                added.append(
                    self._registry.add(
                        kind, name, target, summary=summary,
                        plugin=self.plugin, distribution=self.distribution,
                    )
                )
        except DuplicateNameError:
            for entry in added:
                self._registry.remove(entry.kind, entry.name)
            raise
        return added
