"""The state calendar by year, cached on disk: start-up reads a small file instead of loading ``holidays``.

The ``holidays`` package imports every country it knows before it answers
(about 0.3 s), and the desk asks it the same question each start. The
answers are kept per package version in the cache folder; a new version,
a missing or unreadable file just means asking the package again. Nothing
here changes a verdict: the calendar applies configuration on top, as before.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from importlib.util import find_spec
from pathlib import Path

from dutydesk.domain.calendar import PublicDays, russian_public_days

_LOCK = threading.Lock()


def cached_public_days(folder: Path, source: Callable[[int], PublicDays] = russian_public_days,
                       source_name: str | None = None) -> Callable[[int], PublicDays]:
    """``source`` with its years remembered in ``folder`` (one JSON file per installed package)."""
    path = folder / f"public-days-ru-{source_name or _package_version()}.json"

    def public_days(year: int) -> PublicDays:
        with _LOCK:
            years = _read(path)
            found = years.get(str(year))
            if found is not None:
                try:
                    return _decode(found)
                except (KeyError, TypeError, ValueError):
                    pass  # a damaged entry: ask again and overwrite it
            answer = source(year)
            years[str(year)] = _encode(answer)
            _write(path, years)
            return answer

    return public_days


def _package_version() -> str:
    """The installed package, by its file's modification time: an upgrade rewrites it. (Asking
    ``importlib.metadata`` for the version costs 13 ms of start-up; this costs a ``stat``.)"""
    spec = find_spec("holidays")
    try:
        return f"holidays-{os.stat(spec.origin).st_mtime_ns}" if spec and spec.origin else "holidays-unknown"
    except OSError:  # pragma: no cover - the package is a dependency of the project
        return "holidays-unknown"


def _encode(days: PublicDays) -> dict:
    named, working = days
    return {"off": {d.isoformat(): name for d, name in sorted(named.items())},
            "working": sorted(d.isoformat() for d in working)}


def _decode(entry: dict) -> PublicDays:
    return ({date.fromisoformat(d): str(name) for d, name in entry["off"].items()},
            frozenset(date.fromisoformat(d) for d in entry["working"]))


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, years: dict) -> None:
    """Best effort and atomic: a read-only or full disk only costs the next start its speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(years, handle, ensure_ascii=False, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        try:
            Path(tmp).unlink(missing_ok=True)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
