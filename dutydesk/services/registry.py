"""Import and export the client registry: upsert by id, audit every change, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlmodel import Session, col, delete, select

from dutydesk.errors import BadInput
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.services.registry_schema import ClientEntry, RegistryFile
from dutydesk.store.models import (
    Client, ClientAddress, ClientDomain, Contract, ProductLicence, Project, Staff, Warranty,
)


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, what: str) -> None:
        target = self.created if what == "created" else self.updated
        target[kind] = target.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def to_json(self) -> dict:
        return {"created": dict(sorted(self.created.items())), "updated": dict(sorted(self.updated.items()))}


def import_registry(desk: Desk, registry: RegistryFile, *, source: str) -> ImportReport:
    """One transaction: a problem anywhere leaves the database as it was."""
    report = ImportReport()
    now = desk.now()
    with desk.write() as session:
        def log(entity: str, entity_id: str, action: str, changes: dict) -> None:
            audit.record(session, at=now, actor=desk.actor, action=action, entity=entity,
                         entity_id=entity_id, changes=changes, reason=f"registry import {source}")
        for person in registry.staff or []:
            values = person.model_dump()
            values.pop("id")
            _upsert(session, Staff, person.id, values, kind="staff", entity="staff", report=report, log=log)
        session.flush()
        for index, entry in enumerate(registry.clients or []):
            _upsert_client(session, entry, index, report, log)
    return report


def _upsert_client(session: Session, entry: ClientEntry, index: int, report: ImportReport, log) -> None:
    row = session.get(Client, entry.id)
    if row is None:
        session.add(Client(id=entry.id, name=entry.name))
        log("client", entry.id, "registry.create", {"name": (None, entry.name)})
        report.count("clients", "created")
    elif row.name != entry.name:
        log("client", entry.id, "registry.update", {"name": (row.name, entry.name)})
        row.name = entry.name
        report.count("clients", "updated")
    session.flush()
    current = _client_lists(session, entry.id)
    wanted = _entry_lists(entry)
    changed = False
    for name, value in wanted.items():
        if value is None or value == current[name]:
            continue  # an absent list leaves what is stored; a present one is the truth
        _replace_list(session, entry.id, name, value)
        log("client", entry.id, "registry.update", {name: (current[name], value)})
        changed = True
    for j, project in enumerate(entry.projects or []):
        if project.manager is not None and session.get(Staff, project.manager) is None:
            raise BadInput(f"clients[{index}].projects[{j}].manager: no staff member {project.manager!r}")
        values = {"client_id": entry.id, "name": project.name, "manager_id": project.manager}
        _upsert(session, Project, project.id, values, kind="projects", entity="project", report=report, log=log)
    if changed and row is not None:
        report.count("clients", "updated")


def _upsert(session: Session, model, row_id: str, values: dict, *, kind: str, entity: str, report: ImportReport,
            log) -> None:
    """Create the row, or change only what differs — each way audited field by field."""
    stored = session.get(model, row_id)
    if stored is None:
        session.add(model(id=row_id, **values))
        log(entity, row_id, "registry.create", {"id": (None, row_id), **{k: (None, v) for k, v in values.items()}})
        report.count(kind, "created")
    elif changes := audit.diff(stored, values):
        for key, (_, after) in changes.items():
            setattr(stored, key, after)
        log(entity, row_id, "registry.update", changes)
        report.count(kind, "updated")


def _entry_lists(entry: ClientEntry) -> dict[str, list | None]:
    def dump(items, **kw):
        return None if items is None else sorted((i.model_dump(mode="json", **kw) for i in items),
                                                 key=lambda d: json.dumps(d, sort_keys=True))
    return {
        "emails": entry.emails,
        "domains": entry.domains,
        "contracts": dump(entry.contracts),
        "warranties": dump(entry.warranties),
        "products": dump(entry.products),
    }


def _client_lists(session: Session, client_id: str) -> dict[str, list]:
    def ordered(items):
        return sorted(items, key=lambda d: json.dumps(d, sort_keys=True))
    return {
        "emails": sorted(a.email for a in session.exec(select(ClientAddress).where(ClientAddress.client_id == client_id))),
        "domains": sorted(d.domain for d in session.exec(select(ClientDomain).where(ClientDomain.client_id == client_id))),
        "contracts": ordered({"number": c.number, "kind": c.kind, "starts": c.starts.isoformat(),
                              "ends": c.ends.isoformat() if c.ends else None, "services": json.loads(c.services)}
                             for c in session.exec(select(Contract).where(Contract.client_id == client_id))),
        "warranties": ordered({"project": w.project_id, "until": w.until.isoformat()}
                              for w in session.exec(select(Warranty).where(Warranty.client_id == client_id))),
        "products": ordered({"line": p.line, "name": p.name}
                            for p in session.exec(select(ProductLicence).where(ProductLicence.client_id == client_id))),
    }


def _replace_list(session: Session, client_id: str, name: str, items: list) -> None:
    from datetime import date

    table = {"emails": ClientAddress, "domains": ClientDomain, "contracts": Contract,
             "warranties": Warranty, "products": ProductLicence}[name]
    session.exec(delete(table).where(col(table.client_id) == client_id))  # type: ignore[attr-defined]
    for item in items:
        if name == "emails":
            session.add(ClientAddress(client_id=client_id, email=item))
        elif name == "domains":
            session.add(ClientDomain(client_id=client_id, domain=item))
        elif name == "contracts":
            session.add(Contract(client_id=client_id, number=item["number"], kind=item["kind"],
                                 starts=date.fromisoformat(item["starts"]),
                                 ends=date.fromisoformat(item["ends"]) if item["ends"] else None,
                                 services=json.dumps(item["services"], ensure_ascii=False)))
        elif name == "warranties":
            session.add(Warranty(client_id=client_id, project_id=item["project"],
                                 until=date.fromisoformat(item["until"])))
        else:
            session.add(ProductLicence(client_id=client_id, line=item["line"], name=item["name"]))
    session.flush()


def export_registry(desk: Desk) -> dict:
    """The registry as the JSON that ``registry import`` reads (a round trip changes nothing)."""
    with desk.read() as session:
        staff = [
            {k: v for k, v in {"id": s.id, "name": s.name, "role": s.role, "email": s.email, "phone": s.phone}.items()
             if v is not None}
            for s in session.exec(select(Staff).order_by(Staff.id))
        ]
        clients = []
        for client in session.exec(select(Client).order_by(Client.id)):
            lists = _client_lists(session, client.id)
            projects = [
                {k: v for k, v in {"id": p.id, "name": p.name, "manager": p.manager_id}.items() if v is not None}
                for p in session.exec(select(Project).where(Project.client_id == client.id).order_by(Project.id))
            ]
            clients.append({"id": client.id, "name": client.name, **lists, "projects": projects})
    return {"staff": staff, "clients": clients}
