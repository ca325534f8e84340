"""A tiny document model rendered both as Markdown and as self-contained HTML.

The bench report is written once as blocks (headings, paragraphs, tables, figures, code) and
rendered twice, so report.md and report.html can never disagree.  Images are referenced by a
path relative to the report; nothing else is external (no scripts, fonts or stylesheets).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """Images shown side by side, each with its caption."""

    images: list[tuple[str, str]]  # (relative path, caption)


@dataclass(frozen=True)
class Code:
    text: str


Block = Union[Heading, Paragraph, Table, Figure, Code]


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def markdown(self) -> str:
        parts = [f"# {self.title}"]
        parts.extend(_markdown(block) for block in self.blocks)
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        body = "\n".join(_html(block) for block in self.blocks)
        title = html.escape(self.title)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
        )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {block.text}"
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Table):
        lines = [
            "| " + " | ".join(_md_cell(h) for h in block.header) + " |",
            "|" + "|".join("---" for _ in block.header) + "|",
        ]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        if block.caption:
            lines += ["", f"*{block.caption}*"]
        return "\n".join(lines)
    if isinstance(block, Figure):
        return "\n".join(f"![{caption}]({path})  \n*{caption}*" for path, caption in block.images)
    return f"```\n{block.text}\n```"


def _html(block: Block) -> str:
    esc = html.escape
    if isinstance(block, Heading):
        return f"<h{block.level}>{esc(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{esc(block.text)}</p>"
    if isinstance(block, Table):
        head = "".join(f"<th>{esc(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        caption = f"<caption>{esc(block.caption)}</caption>" if block.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Figure):
        items = "".join(
            f'<figure><img src="{esc(path)}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>"
            for path, caption in block.images
        )
        return f'<div class="figures">{items}</div>'
    return f"<pre>{esc(block.text)}</pre>"


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: #555; padding-top: .4rem; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead { background: #f3f3f3; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; }
figure img { max-width: 22rem; border: 1px solid #ddd; }
figcaption { font-size: .9rem; color: #555; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; }
"""
