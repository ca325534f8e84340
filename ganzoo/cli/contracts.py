"""``ganzoo plugins --check NAME``: run the contract checks of :mod:`ganzoo.testing` on an
installed plugin and print what passed, failed or could not be checked here."""

from __future__ import annotations

import difflib
import json

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ganzoo.errors import GanzooError

_STYLE = {"passed": "green", "failed": "bold red", "not checked": "yellow"}


def check_plugin(name: str, *, as_json: bool = False, debug: bool = False) -> None:
    """Check plugin ``name`` against the built-ins; exit 1 when a check failed."""
    from ganzoo.testing import contract_checks, plugin_set
    from ganzoo.testing.cases import FAILED, run_check

    plugins = plugin_set(name)
    known = [p.name for p in plugins.plugins]
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise GanzooError(
            f"No installed plugin is called {name!r}.{hint} Plugins are named by their entry "
            "point in the 'ganzoo' group; 'ganzoo plugins' lists them. A package you are "
            "writing must be installed first: pip install -e PATH."
        )
    checks = contract_checks(name, plugins)
    err = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=as_json) as progress:
        task = progress.add_task(f"Checking plugin {name}", total=len(checks))
        outcomes = []
        for check in checks:
            progress.update(task, description=f"Checking {check.id}")
            outcomes.append(run_check(check))
            progress.advance(task)
    if as_json:
        print(json.dumps([{"kind": o.check.kind, "name": o.check.name, "status": o.status,
                           "message": o.message, "seconds": round(o.seconds, 3)}
                          for o in outcomes], indent=2))
    else:
        _print_table(name, outcomes, debug)
    if any(o.status == FAILED for o in outcomes):
        raise SystemExit(1)


def _print_table(name: str, outcomes: list, debug: bool) -> None:
    counts = {status: sum(o.status == status for o in outcomes) for status in _STYLE}
    table = Table(title=f"Contract checks of plugin {escape(name)}",
                  caption=", ".join(f"{n} {status}" for status, n in counts.items()),
                  caption_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("result", no_wrap=True)
    table.add_column("details")
    table.add_column("s", justify="right")
    for o in outcomes:
        table.add_row(o.check.kind, escape(o.check.name), f"[{_STYLE[o.status]}]{o.status}[/]",
                      escape(o.message), f"{o.seconds:.1f}")
    console = Console()
    console.print(table)
    for o in outcomes:
        if debug and o.traceback:
            console.rule(f"[red]{escape(o.check.id)}[/]")
            console.print(escape(o.traceback), highlight=False, soft_wrap=True)
