"""The app's pieces without running it: catalogue, bindings, pool row formatting."""

from __future__ import annotations

import re
import string
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.text import Text

from dutydesk.domain.clocks import Clock, TaskClocks
from dutydesk.domain.escalation import Level, Trigger
from dutydesk.domain.priority import Priority, Status
from dutydesk.i18n import LANGUAGES, MESSAGES, Catalogue
from dutydesk.services.pool import PoolRow
from dutydesk.widgets.pool_format import clock_text, columns_for, hm, layout, row_text, untrusted

SOURCES = Path(__file__).resolve().parents[2] / "dutydesk"
TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=TZ)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders():
    for key, texts in MESSAGES.items():
        assert len(texts) == len(LANGUAGES) and all(texts), key
        assert _fields(texts[0]) == _fields(texts[1]), key


def test_every_message_id_used_in_the_code_exists():
    used: set[str] = set()
    for path in [SOURCES / "app.py", *SOURCES.glob("screens/*.py"), *SOURCES.glob("widgets/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.\-]+)["']""", path.read_text(encoding="utf-8")))
    families = [f"status.{s.value}" for s in Status] + [f"esc.trigger.{tr.value}" for tr in Trigger] + \
        [f"esc.level.{lv.value}" for lv in Level] + [f"clock.{n}" for n in ("reaction", "start", "due")] + \
        [f"ack.state.{s}" for s in ("sent", "outbox", "failed")]
    used = {k for k in used if not k.endswith(".")}  # t("clock." + name): covered by the families
    missing = sorted(k for k in used | set(families) if k not in MESSAGES)
    assert not missing, missing


def test_unknown_message_id_shows_itself_instead_of_crashing():
    assert Catalogue("ru")("no.such.id") == "no.such.id"
    assert Catalogue("xx").lang == "en"


def test_every_binding_has_an_id_and_a_label_in_both_languages():
    from dutydesk.app import DutyDeskApp
    from dutydesk.screens.keys import binding_classes

    ours = {c for cls in [DutyDeskApp, *binding_classes()] for c in cls.__mro__ if c.__module__.startswith("dutydesk")}
    for cls in ours:
        for binding in cls.__dict__.get("BINDINGS", []):  # ours only: Textual's tab/ctrl+c are its own
            assert binding.id, (cls.__name__, binding.key)
            assert binding.description, (cls.__name__, binding.id)
            assert f"key.{binding.id}" in MESSAGES, (cls.__name__, binding.id)


def test_issue_keys_are_bound_as_listed():
    from dutydesk.app import DutyDeskApp
    from dutydesk.screens.pool import PoolScreen

    keys = {b.id: b.key for _k, b in PoolScreen._merged_bindings} | {b.id: b.key for _k, b in
                                                                      DutyDeskApp._merged_bindings if b.id}
    expected = {"priority-1": "1", "priority-2": "2", "priority-3": "3", "priority-4": "4", "priority-5": "5",
                "ack": "a", "take": "t", "take-next": "n", "wait": "w", "split": "s", "hand-off": "h",
                "escalations": "e", "lookup": "c", "search": "slash", "filters": "f", "open": "enter",
                "export": "x", "refresh": "r", "help": "question_mark", "command-palette": "ctrl+p", "quit": "q"}
    assert {k: keys.get(k) for k in expected} == expected


# --- pool rows --------------------------------------------------------------------------------------


class FakeCalendar:
    """Working minutes are wall minutes: enough to test the words and signs."""

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        return (b - a).total_seconds() / 60


def row(*, subject="Сайт лежит", due_in: float | None = 42, name="reaction", status="pool", priority=None,
        blocked_by=None) -> PoolRow:
    clock = None
    if due_in is not None:
        due = NOW + timedelta(minutes=due_in)
        clock = Clock(name, "R-SLA-REACT", due, None, due_in < 0, due_in, False)
    clocks = TaskClocks(clock if name == "reaction" else None, None, clock if name == "due" else None)
    return PoolRow(key="SUP-1042", subject=subject, sender="a@b.ru", client_name="ООО «Акме»", client_id="acme",
                   project_name="acme.ru", project_id="acme-shop", priority=priority, status=status,
                   blocked_by=blocked_by, received_at=NOW - timedelta(hours=3), assignee=None, version=1,
                   clocks=clocks)


@pytest.mark.parametrize(("lang", "due_in", "short", "expected"), [
    ("ru", 42, False, "реакция через 0:42"),
    ("ru", -70, False, "реакция: просрочено 1:10"),
    ("ru", -70, True, "просрочено 1:10"),
    ("en", 42, True, "reaction in 0:42"),
    ("en", -70, False, "reaction overdue 1:10"),
])
def test_the_countdown_reads_as_the_issue_says(lang, due_in, short, expected):
    assert clock_text(row(due_in=due_in), NOW, FakeCalendar(), Catalogue(lang), short=short).plain == expected


def test_the_countdown_moves_with_now_without_a_reload():
    r, cal, t = row(due_in=42), FakeCalendar(), Catalogue("en")
    assert clock_text(r, NOW + timedelta(minutes=2), cal, t).plain == "reaction in 0:40"
    assert clock_text(r, NOW + timedelta(minutes=50), cal, t).plain == "reaction overdue 0:08"


def test_no_deadline_shows_age_and_waiting_shows_paused():
    t, cal = Catalogue("en"), FakeCalendar()
    assert clock_text(row(due_in=None, priority=Priority.NORMAL), NOW, cal, t).plain == "3 h old"
    assert clock_text(row(due_in=None, status="waiting_client"), NOW, cal, t).plain == "paused"


def test_hm():
    assert (hm(0), hm(59.9), hm(61), hm(-130)) == ("0:00", "0:59", "1:01", "2:10")


@pytest.mark.parametrize("width", [60, 80, 99, 100, 120, 149, 150, 200, 240])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_row_fills_exactly_its_width(width, lang):
    columns = columns_for(width, lang)
    widths = layout(columns, width)
    text = row_text(row(subject="x" * 300, blocked_by="SUP-100000", priority=Priority.INSIGNIFICANT), columns,
                    widths, NOW, FakeCalendar(), Catalogue(lang))
    assert text.cell_len == max(width, sum(widths) + len(widths) - 1)
    assert "НЕЗНАЧИТЕЛЬНО" in text.plain and "SUP-1042" in text.plain


def test_untrusted_text_is_literal_and_escape_free():
    shown = untrusted("[bold red]x[/] \x1b]0;t\x07\u202e")
    assert isinstance(shown, Text) and shown.plain == "[bold red]x[/]" and not shown.spans
    assert untrusted(None).plain == "—"
