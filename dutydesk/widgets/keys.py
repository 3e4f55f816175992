"""Bindings in the user's language, and steady text cursors: small helpers every screen and widget uses."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from dutydesk.i18n import Catalogue


def steady_cursors(screen: Screen) -> None:
    """No blinking text cursors when the app asks for it (SVG snapshots must not depend on the blink phase)."""
    if not getattr(screen.app, "cursor_blink", True):
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False


def localise_bindings(node: DOMNode, t: Catalogue) -> None:
    """Footer labels and tooltips from the catalogue, looked up by binding id (``key.<id>``, ``tip.<id>``).

    ``BINDINGS`` are class attributes written once, in English; the language
    is chosen at run time, so each instance's own binding map is rebuilt
    with translated descriptions. Keys and ids are untouched, so the user's
    keymap (by id) still applies.
    """
    rebuilt: dict[str, list] = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        out = []
        for b in bindings:
            if b.id and t.has(f"key.{b.id}"):
                tip = t(f"tip.{b.id}") if t.has(f"tip.{b.id}") else b.tooltip
                b = replace(b, description=t(f"key.{b.id}"), tooltip=tip)
            if b.group is not None and t.has(f"key.{b.group.description}"):
                b = replace(b, group=replace(b.group, description=t(f"key.{b.group.description}")))
            out.append(b)
        rebuilt[key] = out
    node._bindings = BindingsMap.from_keys(rebuilt)
