"""The bench's comparison as rich tables on the console, one per dataset."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ganzoo.bench.cells import REAL, TRAINED
from ganzoo.bench.summary import by_dataset, group_rows, statistics_note, summary_table

_STYLE = {REAL: "green", TRAINED: "bold"}


def print_tables(console: Console, rows: list[dict[str, Any]], caption: str = "") -> None:
    """Print each dataset's comparison (mean ± std over seeds, with confidence intervals and
    significance marks from 3 seeds on, explained under the table), then any failed cells."""
    groups = group_rows(rows)
    for dataset, dataset_groups in by_dataset(groups).items():
        header, lines = summary_table(dataset_groups, wrap=True)
        note = " · ".join(filter(None, (caption, statistics_note(dataset_groups))))
        table = Table(title=f"ganzoo bench · {dataset}", caption=escape(note),
                      title_justify="left", caption_justify="left")
        for index, name in enumerate(header):
            table.add_column(escape(name), justify="left" if index == 0 else "right")
        for group, line in zip(dataset_groups, lines):
            table.add_row(*(escape(c) for c in line), style=_STYLE.get(group.kind, "dim"))
        console.print(table)
    errors = [e for g in groups for e in g.errors]
    for error in errors:
        console.print(f"[red]✗ {escape(error)}[/]", soft_wrap=True)
