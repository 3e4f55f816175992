"""Property tests of the registry importer: arbitrary input never raises anything but BadInput, never half-writes."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import func, select

from dutydesk.clock import Clock, parse_moment
from dutydesk.config import Settings
from dutydesk.errors import BadInput
from dutydesk.services.desk import open_desk
from dutydesk.services.registry import export_registry, import_registry
from dutydesk.services.registry_schema import load_registry, parse_registry
from dutydesk.store.models import AuditEvent, Client, Staff

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["staff", "clients", "id", "name", "role", "emails", "domains", "contracts", "kind",
                         "number", "starts", "ends", "projects", "manager", "x"]), inner, max_size=5),
    max_leaves=25)

ident = st.text(alphabet="abcdefgh-", min_size=1, max_size=8)
staff = st.builds(lambda i, r: {"id": f"s-{i}", "name": f"Имя {i}", "role": r}, ident,
                  st.sampled_from(["manager", "client_director", "executive_director", "duty", "engineer"]))
client = st.builds(
    lambda i, mail, kind, end: {"id": f"c-{i}", "name": f"ООО «{i}»", "emails": [f"{mail}@c-{i}.ru"],
                                "contracts": [{"number": f"Д-{i}", "kind": kind, "starts": "2025-01-01",
                                               "ends": end}]},
    ident, st.text(alphabet="abcxyz", min_size=1, max_size=6), st.sampled_from(["hosting", "full_service", "other"]),
    st.sampled_from([None, "2026-12-31", "2030-01-01"]))
registry = st.builds(lambda s, c: {"staff": list({x["id"]: x for x in s}.values()),
                                   "clients": list({x["id"]: x for x in c}.values())},
                     st.lists(staff, max_size=4), st.lists(client, max_size=4))


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_arbitrary_json_gives_a_registry_or_one_bad_input(data) -> None:
    try:
        parse_registry(data, source="fuzz.json")
    except BadInput as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.json")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_in_a_file_give_one_bad_input(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    try:
        load_registry(path)
    except BadInput:
        pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(registry, registry)
def test_import_is_idempotent_and_a_failure_writes_nothing(tmp_path_factory, first, second) -> None:
    cfg = Settings()
    desk = open_desk(str(tmp_path_factory.mktemp("p") / "d.sqlite"), cfg,
                     Clock(parse_moment("2026-12-01T10:00", cfg.tz)), "fuzz")
    import_registry(desk, parse_registry(first, source="a"), source="a")
    snapshot = export_registry(desk)
    assert not import_registry(desk, parse_registry(first, source="a"), source="a").changed
    broken = json.loads(json.dumps(second))
    broken.setdefault("clients", []).append({"id": "zz", "name": "Z", "projects": [
        {"id": "zz-p", "name": "p", "manager": "nobody-at-all"}]})
    with desk.read() as s:
        events = s.exec(select(func.count()).select_from(AuditEvent)).one()
    try:
        import_registry(desk, parse_registry(broken, source="b"), source="b")
        raise AssertionError("a project naming an unknown manager must be refused")
    except BadInput:
        pass
    assert export_registry(desk) == snapshot
    with desk.read() as s:
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == events
        assert s.exec(select(func.count()).select_from(Client)).one() == len(snapshot["clients"])
        assert s.exec(select(func.count()).select_from(Staff)).one() == len(snapshot["staff"])
    desk.engine.dispose()
