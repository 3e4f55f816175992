"""The eligibility verdict card (R-TRI-1, R-ELIG-1..4) as a Rich renderable.

Built from the verdict's stored JSON (what a task keeps) or a lookup
``ClientCard.to_json()`` (which adds every basis, expired ones included,
and the client's projects with their managers), so the task pane, the
task screen and the lookup screen draw the same card. Expired or not yet
active bases are struck through. Registry text is untrusted: it goes in
as plain ``Text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from dutydesk.domain.priority import Priority
from dutydesk.i18n import Catalogue
from dutydesk.textsafe import safe_line

ON_STYLE = "bold #000000 on #5fd75f"
OFF_STYLE = "bold #ffffff on #d75f5f"


def _s(value: Any) -> str:
    return safe_line(str(value)) if value is not None else "—"


def basis_line(basis: Mapping[str, Any], t: Catalogue) -> Text:
    """One contract, warranty or product; struck through when it supports nothing today."""
    kind = basis.get("kind")
    if kind == "contract":
        body = t("verdict.contract", number=_s(basis.get("number")), kind=_s(basis.get("contract_kind")),
                 starts=_s(basis.get("starts")), ends=_s(basis.get("ends")) if basis.get("ends")
                 else t("verdict.open_ended"))
        services = basis.get("services") or ()
        if services:
            body += " · " + ", ".join(_s(s) for s in services)
    elif kind == "warranty":
        body = t("verdict.warranty", project=_s(basis.get("project")), until=_s(basis.get("until")))
    else:
        body = t("verdict.product", line=_s(basis.get("line")), name=_s(basis.get("name")))
    line = Text(f"{_s(basis.get('rule'))} ", style="bold")
    line.append(body, style="" if basis.get("active", True) else "strike dim")
    return line


def verdict_card(data: Mapping[str, Any] | None, t: Catalogue) -> RenderableType:
    """The card for a verdict dict; ``all_basis`` and ``projects`` are drawn when present (lookup)."""
    if not data:
        return Text(t("verdict.none"), style="dim")
    head = Text()
    eligible = bool(data.get("eligible"))
    head.append(f" {t('verdict.on') if eligible else t('verdict.off')} ", style=ON_STYLE if eligible else OFF_STYLE)
    head.append(f" {_s(data.get('rule'))} ", style="bold")
    client = data.get("client") or {}
    if client:
        head.append(_s(client.get("name")))
        head.append(f"  ({_s(client.get('id'))})", style="dim")
    project = data.get("project") or {}
    if project:
        head.append(" · " + _s(project.get("name")))
    lines: list[RenderableType] = [head]
    sender = data.get("sender")
    matched = data.get("matched_by")
    if sender or matched:
        info = Text(_s(sender) if sender else "", style="dim")
        if matched:
            info.append(("  " if sender else "") + t("verdict.matched", how=_s(matched)), style="dim")
        lines.append(info)
    if data.get("default_priority"):
        try:
            p = Priority.parse(data["default_priority"])
            lines.append(Text(t("verdict.default_priority", p=f"{p.russian} / {p.english}"), style="dim"))
        except ValueError:
            pass
    override = data.get("override")
    if override:
        lines.append(Text(t("verdict.override", by=_s(override.get("by")), reason=_s(override.get("reason"))),
                          style="#ffaf00"))
    for basis in data.get("all_basis", data.get("basis", ())):
        lines.append(basis_line(basis, t))
    projects = data.get("projects")
    if projects:
        lines.append(Text(t("verdict.projects"), style="bold underline"))
        for p in projects:
            manager = p.get("manager") or {}
            who = t("verdict.manager", name=_s(manager.get("name") or manager.get("id"))) if manager \
                else t("verdict.no_manager")
            row = Text("  ")
            row.append(_s(p.get("id")), style="bold")
            row.append(f"  {_s(p.get('name'))}  ")
            row.append(who, style="dim" if not manager else "")
            lines.append(row)
    return Group(*lines)
