"""Reusable pieces of the desk's screens: the virtual pool table, bars, panes, cards, dialogs.

Widgets receive frozen values (``PoolRow``, ``TaskDetail``, verdict dicts) and never touch the database.
"""
