"""The state calendar cached by year: start-up skips the ``holidays`` package, verdicts never change."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from dutydesk.domain.calendar import WorkingCalendar, russian_public_days
from dutydesk.services.holiday_cache import cached_public_days

MSK = ZoneInfo("Europe/Moscow")


def test_a_cached_year_is_the_packages_answer_and_is_not_asked_again(tmp_path: Path) -> None:
    asked: list[int] = []

    def source(year: int):
        asked.append(year)
        return russian_public_days(year)

    first = cached_public_days(tmp_path, source, "v1")
    assert first(2026) == russian_public_days(2026)
    again = cached_public_days(tmp_path, source, "v1")  # the next start of the desk
    assert again(2026) == russian_public_days(2026)
    assert asked == [2026]
    cached = WorkingCalendar(MSK, public_days=again)
    plain = WorkingCalendar(MSK)
    for year in (2025, 2026, 2027):
        assert cached.year(year) == plain.year(year)
    assert cached.day_info(date(2026, 1, 7)).source == "public holiday: Christmas Day"


def test_a_new_package_version_asks_again(tmp_path: Path) -> None:
    asked: list[str] = []
    for version in ("v1", "v2"):
        cached_public_days(tmp_path, lambda year, v=version: asked.append(v) or ({}, frozenset()), version)(2026)
    assert asked == ["v1", "v2"]


def test_a_damaged_or_unwritable_cache_costs_speed_not_answers(tmp_path: Path) -> None:
    (tmp_path / "public-days-ru-v1.json").write_text('{"2026": {"off": "garbage"', encoding="utf-8")
    assert cached_public_days(tmp_path, russian_public_days, "v1")(2026) == russian_public_days(2026)
    (tmp_path / "public-days-ru-v1.json").write_text('{"2026": {"off": {"not a date": 1}, "working": []}}',
                                                      encoding="utf-8")
    assert cached_public_days(tmp_path, russian_public_days, "v1")(2026) == russian_public_days(2026)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    assert cached_public_days(blocked, russian_public_days, "v1")(2026) == russian_public_days(2026)
