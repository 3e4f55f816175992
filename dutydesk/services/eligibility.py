"""R-TRI-1 against the stored registry: who is on support, and the lookup behind ``dutydesk check``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from dutydesk.domain.eligibility import (
    Basis, ClientFacts, ContractFact, ProductFact, ProjectFact, Verdict, WarrantyFact, candidate_domains,
    client_bases, normalize_address, verdict, verdict_for_client,
)
from dutydesk.services.desk import Desk
from dutydesk.store.models import (
    Client, ClientAddress, ClientDomain, Contract, ProductLicence, Project, Staff, Warranty,
)


def load_clients(session: Session, client_ids: Iterable[str]) -> list[ClientFacts]:
    """The registry facts of these clients, in a handful of queries whatever their number."""
    ids = sorted(set(client_ids))
    if not ids:
        return []
    def rows(model):
        return session.exec(select(model).where(model.client_id.in_(ids)))  # type: ignore[attr-defined]
    by: dict[str, dict[str, list]] = {i: {k: [] for k in ("emails", "domains", "contracts", "warranties",
                                                         "products", "projects")} for i in ids}
    for a in rows(ClientAddress):
        by[a.client_id]["emails"].append(a.email)
    for d in rows(ClientDomain):
        by[d.client_id]["domains"].append(d.domain)
    for c in rows(Contract):
        by[c.client_id]["contracts"].append(ContractFact(c.number, c.kind, c.starts, c.ends, tuple(json.loads(c.services))))
    for w in rows(Warranty):
        by[w.client_id]["warranties"].append(WarrantyFact(w.project_id, w.until))
    for p in rows(ProductLicence):
        by[p.client_id]["products"].append(ProductFact(p.line, p.name))
    for p in rows(Project):
        by[p.client_id]["projects"].append(ProjectFact(p.id, p.name, p.manager_id))
    names = dict(session.execute(select(Client.id, Client.name).where(Client.id.in_(ids))).all())  # type: ignore[attr-defined]
    return [
        ClientFacts(id=i, name=names[i], **{k: tuple(sorted(v, key=repr)) for k, v in by[i].items()})
        for i in ids if i in names
    ]


def clients_for_sender(session: Session, sender: str) -> list[ClientFacts]:
    """Only the clients that could match: the exact address, or the address's domain and its parents."""
    address = normalize_address(sender)
    domains = candidate_domains(address) if "@" in address else []
    query = select(ClientAddress.client_id).where(ClientAddress.email == address)
    ids = set(session.execute(query).scalars())
    if domains:
        ids |= set(session.execute(select(ClientDomain.client_id).where(ClientDomain.domain.in_(domains))).scalars())  # type: ignore[attr-defined]
    return load_clients(session, ids)


def verdict_in(session: Session, desk: Desk, sender: str) -> Verdict:
    on = desk.now().astimezone(desk.settings.tz).date()
    return verdict(sender, clients_for_sender(session, sender), on=on,
                   free_mail_domains=frozenset(desk.settings.free_mail_domains))


def check_sender(desk: Desk, sender: str) -> Verdict:
    with desk.read() as session:
        return verdict_in(session, desk, sender)


@dataclass(frozen=True)
class ClientCard:
    """A client as the lookup shows it: every basis (expired ones marked), projects and their managers."""

    verdict: Verdict
    bases: tuple[Basis, ...]
    projects: tuple[tuple[str, str, str | None, str | None], ...]  # id, name, manager id, manager name

    def to_json(self) -> dict:
        data = self.verdict.to_json()
        data["all_basis"] = [b.to_json() for b in self.bases]
        data["projects"] = [{"id": p[0], "name": p[1], "manager": {"id": p[2], "name": p[3]} if p[2] else None}
                            for p in self.projects]
        return data


def lookup(desk: Desk, query: str) -> list[ClientCard]:
    """``dutydesk check``: an address gives its verdict; a client id or a name fragment lists every match."""
    on = desk.now().astimezone(desk.settings.tz).date()
    text = query.strip()
    with desk.read() as session:
        if "@" in text:
            result = verdict_in(session, desk, text)
            ids = [result.client_id] if result.client_id else []
            facts = {c.id: c for c in load_clients(session, ids)}
            return [_card(session, result, facts.get(result.client_id or ""), on)]
        pattern = f"%{text.lower()}%"
        ids = set(session.execute(select(Client.id).where(or_(
            Client.id == text, func.lower(Client.name).like(pattern), func.lower(Client.id).like(pattern)))).scalars())
        domain = text.lower().lstrip("@")
        if "." in domain:
            ids |= set(session.execute(select(ClientDomain.client_id).where(
                ClientDomain.domain.in_(candidate_domains("x@" + domain)))).scalars())  # type: ignore[attr-defined]
        cards = []
        for client in load_clients(session, ids):
            result = verdict_for_client(client, text, on=on, matched_by="lookup")
            cards.append(_card(session, result, client, on))
        return cards


def _card(session: Session, result: Verdict, client: ClientFacts | None, on: date) -> ClientCard:
    if client is None:
        return ClientCard(result, (), ())
    managers = dict(session.execute(select(Staff.id, Staff.name)).all())
    projects = tuple((p.id, p.name, p.manager_id, managers.get(p.manager_id or "")) for p in client.projects)
    return ClientCard(result, client_bases(client, on=on), projects)
