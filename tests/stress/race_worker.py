"""One desk in the race: take next until nothing is left, then print what it took (run as a process)."""

from __future__ import annotations

import json
import sys

from dutydesk.clock import Clock, parse_moment
from dutydesk.config import Settings
from dutydesk.errors import Refused
from dutydesk.services.claims import take_next
from dutydesk.services.desk import open_desk


def main() -> None:
    url, staff = sys.argv[1], sys.argv[2]
    settings = Settings()
    desk = open_desk(url, settings, Clock(parse_moment("2026-12-01T10:00", settings.tz)), staff)
    taken, told = [], []
    while True:
        try:
            taken.append(take_next(desk, staff=staff).key)
        except Refused as refusal:
            told.append(str(refusal))
            if "nothing can be taken" in str(refusal):
                break
    print(json.dumps({"staff": staff, "taken": taken, "told": told}))


if __name__ == "__main__":
    main()
