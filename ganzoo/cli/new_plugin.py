"""``ganzoo new-plugin NAME``: write a ready plugin package to start from."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ganzoo.scaffold import KINDS


@click.command("new-plugin", short_help="Write a ready plugin package to start from.")
@click.argument("name")
@click.option("--kinds", default=",".join(KINDS), show_default=True,
              help="Comma-separated kinds to write one example of.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="The folder to create (default: ./NAME).")
def new_plugin_command(name: str, kinds: str, out: Path | None) -> None:
    """Write the plugin package NAME (distribution ganzoo-NAME, module ganzoo_NAME): a
    pyproject with the 'ganzoo' entry point, one example of each kind asked for, a README
    and tests — ganzoo's contract suite among them. It installs and passes its tests at once.

    \b
      ganzoo new-plugin demo
      ganzoo new-plugin demo --kinds model,loss --out plugins/demo
      pip install -e demo && python -m pytest demo
    """
    from ganzoo.plugins import default_plugins
    from ganzoo.scaffold import parse_kinds, write_plugin

    folder = out or Path(name)
    taken = {p.name for p in default_plugins().plugins}
    written = write_plugin(name, parse_kinds(kinds), folder, taken)
    console = Console()
    console.print(f"Wrote the plugin [bold]{escape(name)}[/] to {escape(str(folder))}/ "
                  f"({len(written)} files). Next:")
    for line in (f"pip install -e {folder}", f"ganzoo plugins --check {name}",
                 f"cd {folder} && python -m pytest"):
        console.print(f"  {escape(line)}", highlight=False)
