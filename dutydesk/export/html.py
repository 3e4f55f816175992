"""HTML for mail and the browser: one self-contained page, autoescaped, priority colours inline."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from dutydesk.export.cells import formatters
from dutydesk.export.model import COLUMNS, PRIORITY_COLOURS, UNTRIAGED, Snapshot, table, title

HTML_COLUMNS = tuple(c for c in COLUMNS if c.name != "snapshot_at")

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; font-size: 13px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eee; position: sticky; top: 0; }
td.n { text-align: right; }
td.breach { color: #b00; font-weight: bold; }
{% for slug, colour in colours %}tr.p-{{ slug }} td.p { background: #{{ colour }}; }
{% endfor %}</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>{{ counts }}</p>
{% if rows %}<table>
<thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{{ rows }}</tbody>
</table>
{% endif %}</body>
</html>
"""


@lru_cache(maxsize=4)
def template(source: str) -> jinja2.Template:
    """Autoescaping on: a subject like ``<script>`` arrives as text, never as markup."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source)


def _class(name: str, kind: str, text: str) -> str:
    if name in ("priority", "priority_ru"):
        return "p"
    if name == "breaches" and text:
        return "breach"
    return "n" if kind in ("number", "int") else ""


def to_html(snapshot: Snapshot) -> str:
    """The rows are escaped here, cell by cell, and handed to the page as markup: a template
    loop per cell would take seconds on a big pool."""
    fmt = formatters(HTML_COLUMNS)
    classes = [(column.name, column.kind) for column in HTML_COLUMNS]
    lines = []
    for row, values in zip(snapshot.rows, table(snapshot, HTML_COLUMNS)):
        cells = []
        for (name, kind), f, value in zip(classes, fmt, values):
            text = f(value)
            cls = _class(name, kind, text)
            cells.append(f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>")
        lines.append(f'<tr class="p-{escape(row.priority or UNTRIAGED)}">{"".join(cells)}</tr>\n')
    counts = ", ".join(f"{name} {n}" for name, n in snapshot.counts().items() if n) or "The pool is empty."
    return template(_PAGE).render(title=title(snapshot), counts=counts, headers=[c.header for c in HTML_COLUMNS],
                                  rows=Markup("".join(lines)), colours=sorted(PRIORITY_COLOURS.items()))
