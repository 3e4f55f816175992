"""Learning that another desk changed something: LISTEN/NOTIFY on PostgreSQL, the change counter elsewhere.

Every service writes audit events, and on PostgreSQL ``audit.record`` also
sends ``NOTIFY dutydesk_changes``, delivered when the transaction commits.
:func:`wait_for_change` blocks (in a worker thread) until a notification or
the timeout; on SQLite it simply sleeps the timeout, and the caller compares
``desk.change_counter()`` as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from dutydesk.services.audit import CHANNEL
from dutydesk.services.desk import Desk


class ChangeListener:
    """One LISTEN connection per app (PostgreSQL); ``wait(timeout)`` is True when a change was announced."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._conn = None
        self._lock = threading.Lock()
        if desk.engine.dialect.name == "postgresql":
            import psycopg

            url = desk.engine.url.set(drivername="postgresql")
            self._conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            self._conn.execute(f"LISTEN {CHANNEL}")

    @property
    def pushes(self) -> bool:
        return self._conn is not None

    def wait(self, timeout: float) -> bool:
        if self._conn is None:
            time.sleep(timeout)
            return False
        with self._lock:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                return True
        return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@contextmanager
def listening(desk: Desk) -> Iterator[ChangeListener]:
    listener = ChangeListener(desk)
    try:
        yield listener
    finally:
        listener.close()
