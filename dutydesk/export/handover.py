"""The shift handover as data, and its Markdown and HTML renderings (pure, no database).

The service (``dutydesk.services.report.handover``) fills a :class:`Handover`
from the audit trail; here it only becomes text for mail or chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dutydesk.domain.priority import Priority
from dutydesk.export.html import template
from dutydesk.export.markdown import md_escape
from dutydesk.export.model import PRIORITY_COLOURS, UNTRIAGED
from dutydesk.textsafe import safe_line

NO_PROJECT = "No project"


@dataclass(frozen=True)
class HandoverItem:
    """One task in one section; ``detail`` is the desk's own words (when, who, which clock)."""

    key: str
    subject: str
    project: str
    priority: str | None
    status: str
    assignee: str | None
    detail: str

    @property
    def priority_label(self) -> str:
        if not self.priority:
            return "Untriaged"
        level = Priority[self.priority.upper()]
        return f"{level.english} / {level.russian}"

    def to_json(self) -> dict:
        return {"key": self.key, "subject": self.subject, "project": self.project, "priority": self.priority,
                "status": self.status, "assignee": self.assignee, "detail": self.detail}


@dataclass(frozen=True)
class HandoverSection:
    name: str
    title: str
    groups: tuple[tuple[str, tuple[HandoverItem, ...]], ...]

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.groups)

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "count": self.count,
                "projects": [{"project": p, "tasks": [i.to_json() for i in items]} for p, items in self.groups]}


@dataclass(frozen=True)
class Handover:
    """What the next shift must know: what happened since ``since``, and what falls due before ``horizon``."""

    at: datetime
    since: datetime
    horizon: datetime
    timezone: str
    pool_total: int
    sections: tuple[HandoverSection, ...]

    def section(self, name: str) -> HandoverSection:
        return next(s for s in self.sections if s.name == name)

    def local(self, value: datetime) -> str:
        return f"{value.astimezone(ZoneInfo(self.timezone)):%Y-%m-%d %H:%M}"

    @property
    def title(self) -> str:
        return f"Shift handover, {self.local(self.at)} ({self.timezone})"

    @property
    def summary(self) -> str:
        return (f"Since {self.local(self.since)}; open in the pool now: {self.pool_total}; "
                f"due list up to {self.local(self.horizon)}.")

    def to_json(self) -> dict:
        return {"at": self.at.astimezone(ZoneInfo(self.timezone)).isoformat(),
                "since": self.since.astimezone(ZoneInfo(self.timezone)).isoformat(),
                "horizon": self.horizon.astimezone(ZoneInfo(self.timezone)).isoformat(),
                "timezone": self.timezone, "pool_total": self.pool_total,
                "sections": [s.to_json() for s in self.sections]}


def handover_markdown(report: Handover) -> str:
    lines = [f"# {md_escape(report.title)}", "", md_escape(report.summary), ""]
    for section in report.sections:
        lines += [f"## {md_escape(section.title)} ({section.count})", ""]
        if not section.count:
            lines += ["Nothing.", ""]
            continue
        for project, items in section.groups:
            lines += [f"### {md_escape(safe_line(project))}", ""]
            for item in items:
                who = f" · {md_escape(safe_line(item.assignee))}" if item.assignee else ""
                lines.append(f"- **{item.key}** {md_escape(safe_line(item.subject))} "
                             f"· {md_escape(item.priority_label)} · {item.status}{who} — {md_escape(item.detail)}")
            lines.append("")
    return "\n".join(lines)


_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ report.title }}</title>
<style>
body { font-family: system-ui, sans-serif; font-size: 14px; }
h2 { margin-top: 1.2em; border-bottom: 1px solid #ccc; }
h3 { margin: 0.6em 0 0.2em; font-size: 14px; }
ul { margin: 0; }
span.p { padding: 0 4px; }
{% for slug, colour in colours %}span.p-{{ slug }} { background: #{{ colour }}; }
{% endfor %}</style>
</head>
<body>
<h1>{{ report.title }}</h1>
<p>{{ report.summary }}</p>
{% for section in report.sections %}<h2>{{ section.title }} ({{ section.count }})</h2>
{% if not section.count %}<p>Nothing.</p>
{% endif %}{% for project, items in section.groups %}<h3>{{ clean(project) }}</h3>
<ul>
{% for item in items %}<li><b>{{ item.key }}</b> {{ clean(item.subject) }} {#
#}<span class="p p-{{ item.priority or untriaged }}">{{ item.priority_label }}</span> {{ item.status }}{#
#}{% if item.assignee %} · {{ clean(item.assignee) }}{% endif %} — {{ item.detail }}</li>
{% endfor %}</ul>
{% endfor %}{% endfor %}</body>
</html>
"""


def handover_html(report: Handover) -> str:
    return template(_PAGE).render(report=report, clean=safe_line, untriaged=UNTRIAGED,
                                  colours=sorted(PRIORITY_COLOURS.items()))


def render_handover(report: Handover, fmt: str) -> bytes:
    if fmt == "md":
        return handover_markdown(report).encode("utf-8")
    if fmt == "html":
        return handover_html(report).encode("utf-8")
    raise ValueError(f"unknown handover format {fmt!r}: use md or html")
