"""JSON for machines: ``{"at": …, "timezone": …, "tasks": [ … ]}``, stable key order, one trailing newline."""

from __future__ import annotations

import json

from dutydesk.export.model import Snapshot


def dumps(data: object) -> str:
    """The one JSON spelling used for files and for the stored copy (so their bytes agree)."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_json(snapshot: Snapshot) -> bytes:
    return dumps(snapshot.to_json()).encode("utf-8")
