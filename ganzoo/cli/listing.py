"""``ganzoo list``, ``ganzoo info`` and ``ganzoo plugins``: what is installed, and from where.

They read the registry only, so they never import torch and stay fast; the one exception is
``info`` on a part, which imports that part's builder to show its docstring and options.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ganzoo.errors import EntryLoadError, UnknownNameError
from ganzoo.plugins import PluginInfo, PluginSet, default_plugins, failed_note
from ganzoo.registry import Entry, close_kind, is_kind, normalize_kind, plural
from ganzoo.training.resolve import CORE_ARGUMENTS

_GLOB_CHARS = frozenset("*?[")
_STATUS_STYLE = {"loaded": "green", "failed": "bold red", "disabled": "yellow"}


def _stdout() -> Console:
    # built per call, so output follows the current sys.stdout (pytest's capture, a pipe)
    return Console()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def _debug() -> bool:
    """Whether the global ``--debug`` flag was given."""
    return bool(click.get_current_context().find_root().params.get("debug"))


def _note_failed(plugins: PluginSet) -> None:
    """One line on stderr when some plugins failed, so a missing name is explained."""
    note = failed_note(plugins)
    if note:
        Console(stderr=True).print(escape(note), style="yellow", soft_wrap=True)


def _find(plugins: PluginSet, name: str, kind: str | None = None) -> list[Entry]:
    """Entries called ``name``; an unknown name's error also names failed plugins."""
    try:
        return plugins.registry.find(name, kind)
    except UnknownNameError as exc:
        note = failed_note(plugins)
        if not note:
            raise
        raise UnknownNameError(f"{exc} {note}") from None


def _count(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else plural(noun)}"


# --------------------------------------------------------------------------- list


def _list_filter(kind: str | None, pattern: str | None) -> tuple[str | None, str]:
    """``KIND [PATTERN]``, where a lone argument that is not a kind is a glob over all."""
    if kind is None:
        return None, "*"
    if pattern is not None or is_kind(kind):
        return normalize_kind(kind), pattern or "*"
    return None, kind


def _explain_no_match(plugins: PluginSet, word: str) -> None:
    """A lone word that is neither a kind nor a name: most likely a typo of one of them."""
    if close_kind(word):
        normalize_kind(word)  # raises, suggesting the kind
    _find(plugins, word)  # raises, suggesting close names


def _entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "name": entry.name,
        "plugin": entry.plugin,
        "distribution": entry.distribution,
        "summary": entry.summary,
    }


@click.command("list", short_help="Everything installed, by kind, with its plugin.")
@click.argument("kind", required=False)
@click.argument("pattern", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable rows.")
def list_command(kind: str | None, pattern: str | None, as_json: bool) -> None:
    """List installed models, parts, datasets and metrics, with the plugin of each.

    KIND is one of model, generator, discriminator, loss, regularizer, dataset, metric
    (plural is fine); PATTERN is a glob over names. A lone PATTERN searches every kind.

    \b
      ganzoo list                 everything
      ganzoo list models          one kind
      ganzoo list loss 'w*'       one kind, names matching a glob
      ganzoo list '*gan*'         a glob over every kind
    """
    kind_name, glob = _list_filter(kind, pattern)
    plugins = default_plugins()
    entries = plugins.registry.list(kind_name, glob)
    if not entries and kind_name is None and not _GLOB_CHARS & set(glob):
        _explain_no_match(plugins, glob)
    _note_failed(plugins)
    if as_json:
        _print_json([_entry_row(e) for e in entries])
        return
    if not entries:
        what = plural(kind_name or "entry")
        _stdout().print(f"No {what} match {glob!r}.")
        return
    table = Table(caption=f"{_count(len(entries), 'entry')} from "
                          f"{_count(len({e.plugin for e in entries}), 'plugin')}")
    table.add_column("kind", no_wrap=True, style="cyan")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("plugin", no_wrap=True)
    table.add_column("summary")
    for e in entries:
        table.add_row(e.kind, escape(e.name), escape(e.plugin), escape(e.summary))
    _stdout().print(table)


# --------------------------------------------------------------------------- info


def _signature_options(builder: Any, kind: str) -> list[str]:
    """The keyword options a builder accepts beyond its contract, as ``name: type = default``."""
    try:
        params = inspect.signature(builder).parameters.values()
    except (TypeError, ValueError):  # builtins and the like
        return []
    skip = CORE_ARGUMENTS.get(kind, frozenset())
    options = []
    for p in params:
        if p.name in skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        text = p.name
        if p.annotation is not p.empty:
            annotation = p.annotation if isinstance(p.annotation, str) else \
                inspect.formatannotation(p.annotation)
            text += f": {annotation}"
        text += " (required)" if p.default is p.empty else f" = {p.default!r}"
        options.append(text)
    return options


def _model_details(recipe: Any) -> dict[str, Any]:
    return {k: v for k, v in recipe.describe().items() if k not in ("name", "summary")}


def _dataset_details(info: Any) -> dict[str, Any]:
    spec = info.spec
    return {
        "spec": spec.describe(),
        "shape": list(spec.shape),
        "classes": spec.num_classes,
        "paired": spec.paired,
        "offline": info.offline,
        "source": info.source,
        "splits": list(info.splits),
        "builder": info.builder if isinstance(info.builder, str) else repr(info.builder),
    }


def _reflow(doc: str) -> str:
    """A docstring's paragraphs, each on one line, for the terminal to wrap."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _part_details(entry: Entry, obj: Any) -> dict[str, Any]:
    own_doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
    details: dict[str, Any] = {
        "doc": _reflow(own_doc) if own_doc else "",
        "options": _signature_options(obj, entry.kind),
    }
    if entry.kind == "metric":  # figure -> which way is better (ganzoo.metrics.base.Metric)
        details["figures"] = dict(getattr(obj, "figures", {}))
    return details


def describe_entry(entry: Entry, plugins: PluginSet) -> dict[str, Any]:
    """Everything ``ganzoo info`` shows about one entry, as plain data."""
    plugin = next((p for p in plugins.plugins if p.name == entry.plugin), None)
    details: dict[str, Any] = {
        "kind": entry.kind,
        "name": entry.name,
        "plugin": entry.plugin,
        "distribution": entry.distribution,
        "version": plugin.version if plugin else None,
        "summary": entry.summary,
    }
    if isinstance(entry.target, str):
        details["target"] = entry.target
    try:
        obj = entry.load()
    except EntryLoadError as exc:  # a broken entry is shown, not fatal
        details["error"] = str(exc)
        return details
    if entry.kind == "model":
        details.update(_model_details(obj))
    elif entry.kind == "dataset":
        details.update(_dataset_details(obj))
    else:
        details.update(_part_details(entry, obj))
    return details


def _format_value(value: Any, separator: str = ", ") -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else str(value)


def _render_details(details: dict[str, Any]) -> Table:
    table = Table(title=f"{details['kind']} [bold]{escape(details['name'])}[/]",
                  show_header=False, title_justify="left")
    table.add_column(style="cyan", no_wrap=True)
    table.add_column()
    for key, value in details.items():
        if key in ("kind", "name"):
            continue
        if key == "doc" and not value:
            continue
        style = "bold red" if key == "error" else ""
        text = _format_value(value, "\n" if key == "options" else ", ")
        table.add_row(key.replace("_", " "), escape(text), style=style)
    return table


@click.command("info", short_help="What a name is: recipe, dataset, or part options.")
@click.argument("name")
@click.option("--kind", metavar="KIND", help="Only look in this kind (model, loss, dataset, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable details.")
def info_command(name: str, kind: str | None, as_json: bool) -> None:
    """Show what NAME is: its plugin and, for a model, its recipe; for a dataset, its
    shape and where it comes from; for a part, its docstring and options.

    A name used by several kinds (a generator and a discriminator called 'mlp', say) shows
    each; --kind picks one.
    """
    plugins = default_plugins()
    entries = _find(plugins, name, normalize_kind(kind) if kind else None)
    details = [describe_entry(e, plugins) for e in entries]
    if as_json:
        _print_json(details)
        return
    console = _stdout()
    for d in details:
        console.print(_render_details(d))


# --------------------------------------------------------------------------- plugins


def _registered_names(info: PluginInfo) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for entry in info.registered:
        names.setdefault(entry.kind, []).append(entry.name)
    return names


def _plugin_row(info: PluginInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "distribution": info.distribution,
        "version": info.version,
        "module": info.module,
        "status": info.status,
        "hooks": info.hooks,
        "registered": _registered_names(info),
        "error": info.error,
        "traceback": info.traceback,
    }


def _short_hook(name: str) -> str:
    return name.removeprefix("ganzoo_register_")


@click.command("plugins", short_help="Plugins found: version, status, what they added.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable rows.")
@click.option("--check", "check", metavar="NAME",
              help="Run the contract checks on every entry plugin NAME registers (the suite "
                   "of ganzoo.testing) and print what passed; exit 1 if any failed.")
def plugins_command(as_json: bool, check: str | None) -> None:
    """List the plugins found through the 'ganzoo' entry point group: version, status,
    hooks and what each registered. Failed plugins show their error (the whole traceback
    with --debug); set GANZOO_DISABLE_PLUGINS=a,b to turn plugins off by name.

    \b
      ganzoo plugins --check demo     check plugin demo's parts honour ganzoo's contracts
    """
    if check is not None:
        from ganzoo.cli.contracts import check_plugin

        check_plugin(check, as_json=as_json, debug=_debug())
        return
    plugins = default_plugins()
    if as_json:
        _print_json([_plugin_row(p) for p in plugins.plugins])
        return
    table = Table(caption=f"{_count(len(plugins.plugins), 'plugin')}, "
                          f"{len(plugins.failed)} failed")
    table.add_column("plugin", no_wrap=True, style="bold")
    table.add_column("distribution")
    table.add_column("status", no_wrap=True)
    table.add_column("hooks")
    table.add_column("registered")
    for p in plugins.plugins:
        registered = ", ".join(_count(len(names), kind)
                               for kind, names in _registered_names(p).items())
        table.add_row(
            escape(p.name), escape(" ".join(filter(None, (p.distribution, p.version))) or "—"),
            f"[{_STATUS_STYLE[p.status]}]{p.status}[/]",
            ", ".join(_short_hook(h) for h in p.hooks) or "—", registered or "—",
        )
    console = _stdout()
    console.print(table)
    debug = _debug()
    for p in plugins.failed:
        if debug:
            console.rule(f"[red]{escape(p.name)}[/]")
            console.print(escape(p.traceback or p.error or ""), highlight=False,
                          soft_wrap=True)
        else:
            console.print(f"[bold red]{escape(p.name)}[/] failed: {escape(p.error or '')}",
                          soft_wrap=True, highlight=False)
    if plugins.failed and not debug:
        console.print("Run 'ganzoo --debug plugins' for the full tracebacks.")
