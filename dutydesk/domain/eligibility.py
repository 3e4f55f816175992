"""Is this sender on support? R-TRI-1 asks it of every request; R-ELIG-1..4 answer.

The registry arrives as plain frozen facts (the store builds them), and the
answer is a :class:`Verdict` that a task keeps as JSON: a task must go on
showing the verdict it was triaged with even after the registry changes.
Nothing here reads the clock; the caller names the day (``on``), already in
the studio's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import parseaddr
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from dutydesk.domain.priority import Priority

ContractKind = Literal["hosting", "full_service", "other"]
ProductLine = Literal["Cetera", "Fastsite"]
Rule = Literal["R-ELIG-1", "R-ELIG-2", "R-ELIG-3", "R-ELIG-4"]
BasisKind = Literal["contract", "warranty", "product"]

#: R-ELIG-1: only these contract kinds put a client on support.
SUPPORTED_CONTRACT_KINDS: frozenset[str] = frozenset({"hosting", "full_service"})
#: Strongest rule first; also the order bases are listed in.
RULE_ORDER: tuple[Rule, ...] = ("R-ELIG-1", "R-ELIG-2", "R-ELIG-3", "R-ELIG-4")
_BASIS_RULE: dict[str, Rule] = {"contract": "R-ELIG-1", "warranty": "R-ELIG-2", "product": "R-ELIG-3"}
_DATE_KEYS = ("starts", "ends", "until")


# --- registry facts -------------------------------------------------------


@dataclass(frozen=True)
class ContractFact:
    """A contract in the client registry; ``ends=None`` means open-ended."""

    number: str
    kind: ContractKind
    starts: date
    ends: date | None
    services: tuple[str, ...] = ()

    def active_on(self, on: date) -> bool:
        """Active means ``on`` lies in [starts, ends], both ends inclusive."""
        return self.starts <= on and (self.ends is None or on <= self.ends)


@dataclass(frozen=True)
class WarrantyFact:
    """Warranty obligations (R-ELIG-2), optionally tied to one project."""

    project_id: str | None
    until: date

    def active_on(self, on: date) -> bool:
        """Warranties have no start in the registry: active while ``on <= until``."""
        return on <= self.until


@dataclass(frozen=True)
class ProductFact:
    """An owned licence of a Cetera or Fastsite product (R-ELIG-3); it has no dates."""

    line: ProductLine
    name: str


@dataclass(frozen=True)
class ProjectFact:
    id: str
    name: str
    manager_id: str | None = None


@dataclass(frozen=True)
class ClientFacts:
    """One client of the registry with everything eligibility needs to know."""

    id: str
    name: str
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    contracts: tuple[ContractFact, ...] = ()
    warranties: tuple[WarrantyFact, ...] = ()
    products: tuple[ProductFact, ...] = ()
    projects: tuple[ProjectFact, ...] = ()


# --- sender → client ------------------------------------------------------


@lru_cache(maxsize=8192)
def normalize_address(sender: str) -> str:
    """``"Ann <Ann@Acme.RU>"`` → ``"ann@acme.ru"``: the comparable form of an address.

    Remembered: a mail import asks it for the sender and again for every registry
    address it compares (43k times for 10k messages), and ``parseaddr`` is slow."""
    _, address = parseaddr(sender)
    return (address or sender).strip().strip("<>").casefold()


def _normalize_domain(domain: str) -> str:
    return domain.strip().lstrip("@").rstrip(".").casefold()


def candidate_domains(address: str) -> list[str]:
    """The address's domain and its parents, most specific first, never a bare TLD.

    ``a@shop.acme.ru`` → ``["shop.acme.ru", "acme.ru"]``. Without a public
    suffix list a parent such as ``com.ru`` is still a candidate; it matches
    only if some client registered it, which the registry should not do.
    """
    local, at, domain = normalize_address(address).rpartition("@")
    if not at or not local:
        return []
    labels = [label for label in _normalize_domain(domain).split(".") if label]
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def match_clients(
    sender: str,
    clients: Iterable[ClientFacts],
    *,
    free_mail_domains: frozenset[str],
) -> list[tuple[ClientFacts, str]]:
    """Clients the sender belongs to, with how: ``"address"`` or ``"domain:acme.ru"``.

    Order of evidence (R-ELIG-* interpretation): an exact address (any case)
    outranks any domain, so if one exists only address matches return. Among
    domains the most specific wins: a client that registered ``shop.acme.ru``
    outranks one that registered ``acme.ru`` for ``a@shop.acme.ru``. A
    free-mail domain never matches by domain alone, nor does any domain if
    the sender's own domain is free mail. Result is sorted by client id.
    """
    address = normalize_address(sender)
    free = {_normalize_domain(d) for d in free_mail_domains}
    domains = candidate_domains(address)
    if domains and domains[0] in free:
        domains = []
    domains = [d for d in domains if d not in free]
    rank = {d: i for i, d in enumerate(domains)}

    by_address: list[tuple[ClientFacts, str]] = []
    by_domain: dict[int, list[tuple[ClientFacts, str]]] = {}
    for client in clients:
        if address and any(normalize_address(e) == address for e in client.emails):
            by_address.append((client, "address"))
            continue
        ranks = [rank[d] for d in map(_normalize_domain, client.domains) if d in rank]
        if ranks:
            best = min(ranks)
            by_domain.setdefault(best, []).append((client, f"domain:{domains[best]}"))

    found = by_address or (by_domain[min(by_domain)] if by_domain else [])
    return sorted(found, key=lambda pair: pair[0].id)


# --- bases and the verdict ------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """One contract, warranty or licence that can put a client on support.

    ``detail`` holds the facts a lead reads on the verdict card: for a
    contract ``number, contract_kind, starts, ends, services`` (not ``kind``,
    which is the basis's own kind in the flat JSON); for a warranty
    ``project, until``; for a product ``line, name``. It is read-only.
    """

    kind: BasisKind
    rule: Rule
    detail: Mapping[str, Any] = field(hash=False)
    active: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "detail", MappingProxyType(dict(self.detail)))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "rule": self.rule}
        for key, value in self.detail.items():
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        out["active"] = self.active
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Basis":
        detail: dict[str, Any] = {}
        for key, value in d.items():
            if key in ("kind", "rule", "active"):
                continue
            if key in _DATE_KEYS and value is not None:
                value = date.fromisoformat(value)
            elif isinstance(value, list):
                value = tuple(value)
            detail[key] = value
        kind = d["kind"]
        if kind not in _BASIS_RULE:
            raise ValueError(f"unknown basis kind {kind!r}")
        return cls(kind=kind, rule=d.get("rule", _BASIS_RULE[kind]), detail=detail, active=bool(d.get("active", True)))


def client_bases(client: ClientFacts, *, on: date) -> tuple[Basis, ...]:
    """Every basis the client has, active or not, strongest first (R-ELIG-1, -2, -3).

    A contract of kind ``other`` is never a basis (R-ELIG-1 names only
    hosting and full service), so it is left out. Expired and not yet
    started ones are kept here with ``active=False`` for the lookup screen;
    a :class:`Verdict` lists only the active ones.
    """
    contracts = [
        Basis(
            "contract",
            "R-ELIG-1",
            {"number": c.number, "contract_kind": c.kind, "starts": c.starts, "ends": c.ends, "services": tuple(c.services)},
            c.active_on(on),
        )
        for c in sorted(client.contracts, key=lambda c: (c.starts, c.number))
        if c.kind in SUPPORTED_CONTRACT_KINDS
    ]
    warranties = [
        Basis("warranty", "R-ELIG-2", {"project": w.project_id, "until": w.until}, w.active_on(on))
        for w in sorted(client.warranties, key=lambda w: (w.until, w.project_id or ""), reverse=True)
    ]
    products = [
        Basis("product", "R-ELIG-3", {"line": p.line, "name": p.name}, True)
        for p in sorted(client.products, key=lambda p: (p.line, p.name))
    ]
    # Active before inactive within a kind, the kinds in rule order.
    ordered = contracts + warranties + products
    return tuple(sorted(ordered, key=lambda b: (RULE_ORDER.index(b.rule), not b.active)))


@dataclass(frozen=True)
class Verdict:
    """R-TRI-1's answer for one sender on one day, self-contained for storage.

    ``rule`` is the strongest rule that matched; ``basis`` lists every
    *active* basis found, strongest first (expired contracts and warranties
    are not listed: they support nothing). R-ELIG-4 verdicts carry the
    default priority Insignificant; the lead's override (individual
    consideration) makes them eligible but keeps the rule and that default.
    """

    sender: str
    eligible: bool
    rule: Rule
    on: date | None = None
    client_id: str | None = None
    client_name: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    basis: tuple[Basis, ...] = ()
    matched_by: str | None = None
    default_priority: Priority | None = None
    override_reason: str | None = None
    override_by: str | None = None
    override_at: datetime | None = None

    @property
    def overridden(self) -> bool:
        return self.override_at is not None

    def to_json(self) -> dict[str, Any]:
        """The stored form; dates as ISO strings, the priority as its slug."""
        return {
            "sender": self.sender,
            "eligible": self.eligible,
            "rule": self.rule,
            "on": self.on.isoformat() if self.on else None,
            "client": {"id": self.client_id, "name": self.client_name} if self.client_id is not None else None,
            "project": {"id": self.project_id, "name": self.project_name} if self.project_id is not None else None,
            "basis": [b.to_json() for b in self.basis],
            "matched_by": self.matched_by,
            "default_priority": self.default_priority.slug if self.default_priority else None,
            "override": (
                {"reason": self.override_reason, "by": self.override_by, "at": self.override_at.isoformat()}
                if self.override_at is not None
                else None
            ),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Verdict":
        """Inverse of :meth:`to_json`; raises ValueError on an unknown rule."""
        rule = d["rule"]
        if rule not in RULE_ORDER:
            raise ValueError(f"unknown eligibility rule {rule!r}")
        client = d.get("client") or {}
        project = d.get("project") or {}
        override = d.get("override") or {}
        return cls(
            sender=d["sender"],
            eligible=bool(d["eligible"]),
            rule=rule,
            on=date.fromisoformat(d["on"]) if d.get("on") else None,
            client_id=client.get("id"),
            client_name=client.get("name"),
            project_id=project.get("id"),
            project_name=project.get("name"),
            basis=tuple(Basis.from_json(b) for b in d.get("basis", ())),
            matched_by=d.get("matched_by"),
            default_priority=Priority.parse(d["default_priority"]) if d.get("default_priority") else None,
            override_reason=override.get("reason"),
            override_by=override.get("by"),
            override_at=datetime.fromisoformat(override["at"]) if override.get("at") else None,
        )


def _project_for(client: ClientFacts, active: tuple[Basis, ...]) -> tuple[str | None, str | None]:
    """The warranty's project when a warranty names one, else the client's only project."""
    names = {p.id: p.name for p in client.projects}
    for b in active:
        if b.kind == "warranty" and b.detail.get("project"):
            pid = b.detail["project"]
            return pid, names.get(pid)
    if len(client.projects) == 1:
        return client.projects[0].id, client.projects[0].name
    return None, None


def verdict_for_client(client: ClientFacts | None, sender: str, *, on: date, matched_by: str | None = None) -> Verdict:
    """The verdict for one known (or no) client: R-ELIG-1..3 by its strongest active basis, else R-ELIG-4."""
    sender = normalize_address(sender)
    if client is None:
        return Verdict(sender=sender, eligible=False, rule="R-ELIG-4", on=on, default_priority=Priority.INSIGNIFICANT)
    active = tuple(b for b in client_bases(client, on=on) if b.active)
    rule: Rule = active[0].rule if active else "R-ELIG-4"
    project_id, project_name = _project_for(client, active)
    return Verdict(
        sender=sender,
        eligible=rule != "R-ELIG-4",
        rule=rule,
        on=on,
        client_id=client.id,
        client_name=client.name,
        project_id=project_id,
        project_name=project_name,
        basis=active,
        matched_by=matched_by,
        default_priority=Priority.INSIGNIFICANT if rule == "R-ELIG-4" else None,
    )


def verdict(
    sender: str,
    clients: Iterable[ClientFacts],
    *,
    on: date,
    free_mail_domains: frozenset[str],
) -> Verdict:
    """R-TRI-1: decide whether ``sender`` is on support on day ``on``.

    When several clients match equally well, the strongest verdict wins
    (R-ELIG-1 over -2 over -3 over -4); a tie goes to the lowest client id so
    the answer never depends on registry order.
    """
    matches = match_clients(sender, clients, free_mail_domains=free_mail_domains)
    if not matches:
        return verdict_for_client(None, sender, on=on)
    candidates = [verdict_for_client(c, sender, on=on, matched_by=how) for c, how in matches]
    return min(candidates, key=lambda v: (RULE_ORDER.index(v.rule), v.client_id or ""))


def override_verdict(v: Verdict, *, reason: str, by: str, at: datetime) -> Verdict:
    """R-ELIG-4 "individual consideration": the lead accepts a request anyway.

    Only an R-ELIG-4 verdict can be overridden (the others are already
    eligible); a reason is required because the override is audited.
    """
    if v.rule != "R-ELIG-4":
        raise ValueError(f"only an R-ELIG-4 verdict can be overridden, this one is {v.rule}")
    if not reason.strip():
        raise ValueError("an override needs a reason (R-ELIG-4)")
    return replace(v, eligible=True, override_reason=reason.strip(), override_by=by, override_at=at)
