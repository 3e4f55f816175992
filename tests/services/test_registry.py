"""Registry import/export (R-ELIG-*'s source of truth): upsert, audit, all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from dutydesk.errors import BadInput
from dutydesk.services.registry import export_registry, import_registry
from dutydesk.services.registry_schema import load_registry, parse_registry
from dutydesk.store.models import AuditEvent, Contract, Project, Staff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"

SMALL = {
    "staff": [{"id": "mgr-ivanova", "name": "Анна Иванова", "role": "manager", "email": "a@cetera.ru", "phone": "1"}],
    "clients": [{"id": "acme", "name": "ООО «Акме»", "emails": ["boss@acme.ru"], "domains": ["acme.ru"],
                 "contracts": [{"number": "Д-17/2024", "kind": "hosting", "starts": "2024-01-01",
                                "ends": "2026-12-31", "services": ["размещение"]}],
                 "warranties": [{"project": "acme-shop", "until": "2027-03-01"}],
                 "products": [{"line": "Fastsite", "name": "Fastsite Business"}],
                 "projects": [{"id": "acme-shop", "name": "acme.ru shop", "manager": "mgr-ivanova"}]}],
}


def events(desk) -> list[AuditEvent]:
    with desk.read() as s:
        return list(s.exec(select(AuditEvent).order_by(AuditEvent.id)))


def test_import_creates_everything_and_audits_it(desk) -> None:
    report = import_registry(desk, parse_registry(SMALL, source="t"), source="t")
    assert report.created == {"staff": 1, "clients": 1, "projects": 1}
    exported = export_registry(desk)
    assert exported["clients"][0]["contracts"][0]["number"] == "Д-17/2024"
    trail = events(desk)
    assert {e.entity for e in trail} == {"staff", "client", "project"}
    assert all(e.actor == "duty-lead" and e.at == desk.now() for e in trail)


def test_reimporting_the_same_file_changes_nothing(desk) -> None:
    registry = parse_registry(SMALL, source="t")
    import_registry(desk, registry, source="t")
    before = len(events(desk))
    report = import_registry(desk, registry, source="t")
    assert not report.changed
    assert len(events(desk)) == before


def test_a_changed_file_updates_in_place_and_audits_before_and_after(desk) -> None:
    import_registry(desk, parse_registry(SMALL, source="t"), source="t")
    changed = json.loads(json.dumps(SMALL))
    changed["staff"][0]["phone"] = "+7 999"
    changed["clients"][0]["contracts"][0]["ends"] = "2027-12-31"
    report = import_registry(desk, parse_registry(changed, source="t"), source="t")
    assert report.updated == {"staff": 1, "clients": 1}
    with desk.read() as s:
        assert s.get(Staff, "mgr-ivanova").phone == "+7 999"
        assert str(s.exec(select(Contract)).one().ends) == "2027-12-31"
    phone = [e for e in events(desk) if e.field == "phone" and e.action == "registry.update"]
    assert (phone[0].before, phone[0].after) == ("1", "+7 999")
    contracts = [e for e in events(desk) if e.field == "contracts" and e.action == "registry.update"]
    assert "2026-12-31" in contracts[-1].before and "2027-12-31" in contracts[-1].after


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["clients"][0]["contracts"][0].update(starts="31.12.2024"), r"clients\[0\]\.contracts\[0\]\.starts"),
        (lambda d: d["clients"][0]["contracts"][0].update(kind="rent"), r"clients\[0\]\.contracts\[0\]\.kind"),
        (lambda d: d["staff"][0].update(role="boss"), r"staff\[0\]\.role"),
        (lambda d: d["clients"][0].update(emails=["not-an-address"]), r"clients\[0\]\.emails"),
        (lambda d: d["clients"][0].update(colour="red"), r"clients\[0\]\.colour: unknown field"),
        (lambda d: d["clients"].append(dict(d["clients"][0])), r"clients\[1\]\.id: duplicate"),
    ],
)
def test_a_malformed_file_names_the_first_problem(mutate, message: str) -> None:
    data = json.loads(json.dumps(SMALL))
    mutate(data)
    with pytest.raises(BadInput, match=message):
        parse_registry(data, source="registry.json")


def test_a_bad_reference_rolls_the_whole_import_back(desk) -> None:
    data = json.loads(json.dumps(SMALL))
    data["clients"][0]["projects"][0]["manager"] = "nobody"
    with pytest.raises(BadInput, match=r"projects\[0\]\.manager: no staff member 'nobody'"):
        import_registry(desk, parse_registry(data, source="t"), source="t")
    with desk.read() as s:
        assert s.exec(select(Staff)).all() == [] and s.exec(select(Project)).all() == []
    assert events(desk) == []


def test_not_json_is_reported_with_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('{"staff": [}', encoding="utf-8")
    with pytest.raises(BadInput, match="not JSON: .* line 1 column 12"):
        load_registry(bad)


def test_csv_folder_imports_like_json(desk) -> None:
    registry = load_registry(FIXTURES / "registry-csv")
    import_registry(desk, registry, source="csv")
    exported = export_registry(desk)
    acme = exported["clients"][0]
    assert acme["emails"] == ["boss@acme.ru"]
    assert acme["contracts"][0]["services"] == ["размещение сайта", "резервное копирование"]
    assert acme["projects"][0]["manager"] == "mgr-ivanova"


def test_csv_with_an_unknown_client_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text("id,name\nacme,Acme\n", encoding="utf-8")
    (tmp_path / "emails.csv").write_text("client,email\nzeta,a@zeta.ru\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"emails.csv:2: client 'zeta' is not in clients.csv"):
        load_registry(tmp_path)


def test_export_round_trips_the_demo_registry(desk, make_desk) -> None:
    registry = load_registry(DEMO)
    import_registry(desk, registry, source="demo")
    first = export_registry(desk)
    report = import_registry(desk, parse_registry(first, source="export"), source="export")
    assert not report.changed
    assert export_registry(desk) == first
    assert len(first["clients"]) == 12
