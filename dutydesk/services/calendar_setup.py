"""Build the working calendar (R-SLA-*, Calendar) from configuration."""

from __future__ import annotations

from dutydesk import paths
from dutydesk.config import Settings
from dutydesk.domain.calendar import WorkingCalendar, YearOverrides
from dutydesk.services.holiday_cache import cached_public_days


def calendar_from_settings(settings: Settings) -> WorkingCalendar:
    overrides = {
        year: YearOverrides(
            days_off=frozenset(spec.days_off),
            working_days=frozenset(spec.working_days),
            short_days=dict(spec.short_days),
        )
        for year, spec in settings.calendar.items()
    }
    return WorkingCalendar(settings.tz, overrides=overrides, public_days=cached_public_days(paths.cache_dir()))
