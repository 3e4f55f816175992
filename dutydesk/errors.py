"""Errors the lead can act on. Each carries one clear line; the CLI exits 1 with it, the app notifies."""

from __future__ import annotations


class DutydeskError(Exception):
    """Base of every user-facing error."""


class NotFound(DutydeskError):
    pass


class Refused(DutydeskError):
    """The regulation or the task's state does not allow it; the message says why."""


class StaleWrite(Refused):
    """Another desk changed the task first; the message names who and when."""


class BadInput(DutydeskError):
    pass
