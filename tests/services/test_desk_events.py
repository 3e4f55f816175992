"""Two desks see each other: on PostgreSQL a change is pushed (LISTEN/NOTIFY), elsewhere the counter grows."""

from __future__ import annotations

import threading

import pytest

from dutydesk.services.desk_events import listening
from dutydesk.services.intake import create_request

from registry_seed import seed


def test_a_change_by_another_desk_is_announced(make_desk, db_url: str) -> None:
    mine, theirs = make_desk(), make_desk(actor="duty-2")
    seed(theirs)
    before = mine.change_counter()
    with listening(mine) as listener:
        if listener.pushes:
            assert listener.wait(0.2) is False  # nothing happened yet
            got: list[bool] = []
            waiter = threading.Thread(target=lambda: got.append(listener.wait(10)))
            waiter.start()
            create_request(theirs, subject="x", sender="boss@acme.ru", project_id="acme-shop")
            waiter.join(15)
            assert got == [True]
        else:
            assert "sqlite" in db_url or "+psycopg" not in db_url
            create_request(theirs, subject="x", sender="boss@acme.ru", project_id="acme-shop")
    assert mine.change_counter() > before


@pytest.mark.postgres
def test_postgres_desks_get_pushed_changes_not_polling(pg_database: str, settings) -> None:
    from dutydesk.clock import Clock
    from dutydesk.services.desk import open_desk

    desk = open_desk(pg_database, settings, Clock(), "duty-1")
    with listening(desk) as listener:
        assert listener.pushes
    desk.engine.dispose()
