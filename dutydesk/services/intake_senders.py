"""R-TRI-1 for an import: each sender's eligibility verdict, looked up once, a batch's senders together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from dutydesk.domain.eligibility import ClientFacts, Verdict, candidate_domains, normalize_address, verdict
from dutydesk.services.desk import Desk
from dutydesk.services.eligibility import clients_for_sender, load_clients
from dutydesk.store.models import ClientAddress, ClientDomain


def slices(values: list, size: int = 500) -> Iterable[list]:
    """``values`` in parts small enough for one ``IN (...)`` on either back end."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


class SenderCache:
    """R-TRI-1 per sender, looked up once per import (the registry does not change under an import).

    The registry rows for a batch's new senders are read together (:meth:`prefetch`),
    with the same matching as :func:`~dutydesk.services.eligibility.clients_for_sender`:
    the exact address, or the address's domain and its parents.
    """

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._facts: dict[str, list[ClientFacts]] = {}
        self._verdicts: dict[tuple[str, date | None], Verdict] = {}
        self._free = frozenset(desk.settings.free_mail_domains)

    def prefetch(self, session: Session, senders: Iterable[str]) -> None:
        new = {sender: normalize_address(sender) for sender in senders if sender and sender not in self._facts}
        if not new:
            return
        domains = {sender: candidate_domains(address) if "@" in address else [] for sender, address in new.items()}
        by_address: dict[str, set[str]] = {}
        for part in slices(sorted(set(new.values()))):
            for email, client_id in session.execute(select(ClientAddress.email, ClientAddress.client_id)
                                                    .where(ClientAddress.email.in_(part))):  # type: ignore[attr-defined]
                by_address.setdefault(email, set()).add(client_id)
        by_domain: dict[str, set[str]] = {}
        for part in slices(sorted({d for ds in domains.values() for d in ds})):
            for domain, client_id in session.execute(select(ClientDomain.domain, ClientDomain.client_id)
                                                     .where(ClientDomain.domain.in_(part))):  # type: ignore[attr-defined]
                by_domain.setdefault(domain, set()).add(client_id)
        wanted = {sender: by_address.get(address, set()).union(*(by_domain.get(d, set()) for d in domains[sender]))
                  for sender, address in new.items()}
        facts = {f.id: f for f in load_clients(session, set().union(*wanted.values()))}
        for sender, ids in wanted.items():
            self._facts[sender] = [facts[i] for i in sorted(ids) if i in facts]

    def verdict(self, session: Session, sender: str, on: date) -> Verdict:
        found = self._verdicts.get((sender, on))
        if found is None:
            facts = self._facts.get(sender)
            if facts is None:
                facts = self._facts[sender] = clients_for_sender(session, sender)
            stranger = self._verdicts.get((sender, None)) if not facts else None
            if stranger is not None:
                found = replace(stranger, on=on)  # no client, no dates to weigh: only the day differs
            else:
                found = verdict(sender, facts, on=on, free_mail_domains=self._free)
                if not facts:
                    self._verdicts[(sender, None)] = found
            self._verdicts[(sender, on)] = found
        return found
