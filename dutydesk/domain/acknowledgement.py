"""What the standard acknowledgement tells the client (R-TRI-4): the priority and what it means for timing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from dutydesk.domain.priority import Priority

# R-POOL-2's table, in the regulation's own words.
PRIORITY_MEANING_RU = {
    Priority.IMMEDIATE: "Не работает ключевой модуль или весь сайт: к исполнению приступаем немедленно; "
                        "обычный, но не гарантируемый срок разрешения — в течение рабочего дня.",
    Priority.VALUABLE: "Огромное влияние на цель сайта: к исполнению приступаем в тот же или в ближайший полный "
                       "рабочий день; исполнение — в течение 1–2 дней или перевод в «Обычную», если объём окажется "
                       "больше предполагаемого.",
    Priority.NORMAL: "Обычное влияние на цель сайта: к исполнению приступаем при отсутствии задач более высокого "
                     "приоритета; срок зависит от объёма работ.",
    Priority.LOW: "Ничтожное влияние на цель сайта: сроки не регламентируются; выполним в разумное время, когда не "
                  "будет задач более высокого приоритета.",
    Priority.INSIGNIFICANT: "На цель сайта не влияет (или заявка рассматривается в индивидуальном порядке): "
                            "исполнение в обозримой перспективе маловероятно.",
}

_WEEKDAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def when_ru(moment: datetime, tz: ZoneInfo) -> str:
    """``01.12.2026 (вт) 14:05`` — what the client quotes back when they call (R-ESC-4)."""
    local = moment.astimezone(tz)
    return f"{local:%d.%m.%Y} ({_WEEKDAYS_RU[local.weekday()]}) {local:%H:%M}"


def timing_lines(*, start_due: datetime | None, due: datetime | None, tz: ZoneInfo) -> Sequence[str]:
    """The concrete dates the clocks give (R-SLA-IMM, R-SLA-VAL), in the client's terms."""
    lines = []
    if start_due is not None:
        lines.append(f"Начнём не позднее: {when_ru(start_due, tz)}.")
    if due is not None:
        lines.append(f"Ориентировочный срок решения: {when_ru(due, tz)}.")
    return lines
