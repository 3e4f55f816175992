"""Every binding id the desk defines, so a keymap entry that names none can be reported."""

from __future__ import annotations

from textual.app import App


def binding_classes() -> list[type]:
    """The classes whose ``BINDINGS`` a keymap may rebind (imported lazily: they import the services)."""
    from dutydesk.screens.ack import AckScreen
    from dutydesk.screens.escalations import EscalationsScreen
    from dutydesk.screens.filters import FiltersScreen
    from dutydesk.screens.help import HelpScreen
    from dutydesk.screens.history import HistoryScreen
    from dutydesk.screens.lookup import LookupScreen
    from dutydesk.screens.pool import PoolScreen
    from dutydesk.screens.task import TaskScreen
    from dutydesk.widgets.pool_table import PoolTable
    from dutydesk.widgets.prompts import TextPrompt

    return [PoolScreen, TaskScreen, LookupScreen, AckScreen, EscalationsScreen, HelpScreen, FiltersScreen,
            HistoryScreen, PoolTable, TextPrompt]


def known_binding_ids(app: App) -> set[str]:
    ids = {b.id for _key, b in app._bindings if b.id}
    for cls in binding_classes():
        ids |= {b.id for _key, b in cls._merged_bindings if b.id}
    return ids
