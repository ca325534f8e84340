"""The one registry of everything a user can pick by name.

Entries are grouped by kind.  Each remembers the plugin that registered it.  A target may be
a plain object or a lazy ``"module:attribute"`` string, so that plugins stay cheap to import:
heavy code (torch, torchvision) is imported only when an entry is actually built.
"""

from __future__ import annotations

import difflib
import fnmatch
import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ganzoo.errors import DuplicateNameError, UnknownNameError

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
        """The registered object, importing it first if it was given lazily."""
        return resolve(self.target)


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
        existing = self._entries[kind].get(name)
        if existing is not None:
            raise DuplicateNameError(
                f"The {kind} {name!r} is registered twice: by plugin {existing.plugin!r} "
                f"and by plugin {plugin!r}. Disable one of them with "
                f"GANZOO_DISABLE_PLUGINS={plugin} or rename the {kind} in one plugin."
            )
        entry = Entry(kind, name, target, summary, plugin, distribution)
        self._entries[kind][name] = entry
        return entry

    def remove(self, kind: str, name: str) -> None:
        self._entries[kind].pop(name, None)

    def __contains__(self, key: tuple[str, str]) -> bool:
        kind, name = key
        return name in self._entries.get(kind, {})

    def get(self, kind: str, name: str) -> Entry:
        """The entry for ``name``; an unknown name raises an error listing close matches."""
        _check_kind(kind)
        try:
            return self._entries[kind][name]
        except KeyError:
            raise UnknownNameError(self._unknown_message(kind, name)) from None

    def _unknown_message(self, kind: str, name: str) -> str:
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
        """Every entry called ``name`` (in one kind, or across all kinds).

        An unknown name raises an error with close matches from every kind searched.
        """
        if kind is not None:
            return [self.get(kind, name)]
        found = [self._entries[k][name] for k in KINDS if name in self._entries[k]]
        if found:
            return found
        kinds_of: dict[str, list[str]] = {}
        for e in self.list():
            kinds_of.setdefault(e.name, []).append(e.kind)
        close = difflib.get_close_matches(name, list(kinds_of), n=3, cutoff=0.6)
        message = f"Nothing called {name!r} is installed."
        if close:
            message += " Did you mean " + " or ".join(
                f"{c!r} ({', '.join(kinds_of[c])})" for c in close) + "?"
        hint = " Run 'ganzoo list' to see every name with its kind and plugin."
        raise UnknownNameError(message + hint)

    def names(self, kind: str) -> list[str]:
        return [e.name for e in self.list(kind)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.list())


class PluginRegistrar:
    """What a plugin's hooks receive: registers into a registry on the plugin's behalf.

    Entries are staged and committed only when all of the plugin's hooks succeed, so a
    plugin that fails half-way leaves nothing behind.
    """

    def __init__(self, registry: Registry, plugin: str, distribution: str | None = None):
        self._registry = registry
        self.plugin = plugin
        self.distribution = distribution
        self.staged: list[tuple[str, str, Any, str]] = []

    def add(self, kind: str, name: str, target: Any, *, summary: str = "") -> None:
        """Stage ``name`` of ``kind``; ``target`` may be an object or ``"module:attr"``."""
        _check_kind(kind)
        self.staged.append((kind, name, target, summary))

    def add_model(self, recipe: Any) -> None:
        """Register a :class:`ganzoo.recipe.Recipe` under its own name."""
        self.add("model", recipe.name, recipe, summary=recipe.summary)

    def add_dataset(self, info: Any) -> None:
        """Register a :class:`ganzoo.data.spec.DatasetInfo` under its own name."""
        self.add("dataset", info.name, info, summary=info.summary)

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
