"""Helpers for the app's Pilot tests: wait for workers, read the pool and the screen as the lead sees them."""

from __future__ import annotations

import time
from collections.abc import Callable


async def wait_for(pilot, predicate: Callable[[], object], *, timeout: float = 10.0, what: str = "condition"):
    """Let workers run until ``predicate()`` is truthy (thread workers finish on their own time)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def idle(pilot, *, timeout: float = 10.0) -> None:
    """No worker running (cancelled ones included) and the screen repainted.

    The PostgreSQL change listener lives as long as the app, so it is not waited for."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while any(not worker.is_finished and worker.name != "listen" for worker in app.workers):
        if time.monotonic() > deadline:
            raise AssertionError("workers still running")
        await pilot.pause(0.02)
    await pilot.pause(0.05)


async def pool_ready(pilot):
    from dutydesk.screens.pool import PoolScreen

    # The first paint, not just the first rows: the breach count starts only after it.
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PoolScreen) and pilot.app.screen.table.loaded
                   and pilot.app.first_rows_at is not None, what="pool rows painted")
    await idle(pilot)
    return pilot.app.screen


def pool_keys(screen) -> list[str]:
    table = screen.table
    return [table.rows[i].key for i in sorted(table.rows)]


async def select_key(pilot, key: str) -> None:
    """Put the pool cursor on ``key`` (by keyboard, as the lead would)."""
    screen = pilot.app.screen
    index = pool_keys(screen).index(key)
    await pilot.press("home", *(["down"] * index))
    assert screen.table.current.key == key


def notifications(app) -> list[tuple[str, str]]:
    """(severity, message) of every notification shown so far."""
    return [(n.severity, n.message) for n in app._notifications]


def screen_lines(app) -> list[str]:
    """The screen as plain text, line by line: what the lead reads."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]




class LoopbackSmtp:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps the messages it receives."""

    def __init__(self) -> None:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as s:  # aiosmtpd 1.4.6 cannot bind port 0 itself
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.received: list = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        import email
        import email.policy

        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def __enter__(self) -> "LoopbackSmtp":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
