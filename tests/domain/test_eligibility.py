"""R-TRI-1 / R-ELIG-1..4: who is on support, and how the verdict is kept."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from dutydesk.domain.eligibility import (
    Basis,
    ClientFacts,
    ContractFact,
    ProductFact,
    ProjectFact,
    Verdict,
    WarrantyFact,
    candidate_domains,
    client_bases,
    match_clients,
    override_verdict,
    verdict,
)
from dutydesk.domain.priority import Priority

FREE = frozenset({"gmail.com", "mail.ru", "yandex.ru"})
ON = date(2024, 5, 15)
MSK = timezone(timedelta(hours=3))


def hosting(number="H-1", starts=date(2024, 1, 1), ends=date(2024, 12, 31), kind="hosting"):
    return ContractFact(number=number, kind=kind, starts=starts, ends=ends, services=("hosting", "backup"))


def client(id="c1", name="Acme", emails=(), domains=(), contracts=(), warranties=(), products=(), projects=()):
    return ClientFacts(
        id=id,
        name=name,
        emails=tuple(emails),
        domains=tuple(domains),
        contracts=tuple(contracts),
        warranties=tuple(warranties),
        products=tuple(products),
        projects=tuple(projects),
    )


# --- matching ---------------------------------------------------------------


def test_r_elig_match_exact_address_beats_domain():
    by_domain = client(id="a", domains=("acme.ru",))
    by_address = client(id="b", emails=("Boss@Acme.RU",))
    found = match_clients("boss@acme.ru", [by_domain, by_address], free_mail_domains=FREE)
    assert [(c.id, how) for c, how in found] == [("b", "address")]


def test_r_elig_match_address_is_case_insensitive_and_accepts_display_name():
    c = client(emails=("ann@acme.ru",))
    assert match_clients('"Ann" <ANN@Acme.Ru>', [c], free_mail_domains=FREE) == [(c, "address")]


def test_r_elig_match_subdomain_matches_parent_domain():
    c = client(domains=("acme.ru",))
    assert match_clients("ops@shop.acme.ru", [c], free_mail_domains=FREE) == [(c, "domain:acme.ru")]


def test_r_elig_match_most_specific_domain_wins():
    parent = client(id="a", domains=("acme.ru",))
    shop = client(id="b", domains=("shop.acme.ru",))
    found = match_clients("ops@shop.acme.ru", [parent, shop], free_mail_domains=FREE)
    assert [(c.id, how) for c, how in found] == [("b", "domain:shop.acme.ru")]


def test_r_elig_match_never_by_bare_tld():
    assert candidate_domains("x@shop.acme.ru") == ["shop.acme.ru", "acme.ru"]
    assert candidate_domains("not-an-address.acme.ru") == [] and candidate_domains("@acme.ru") == []
    tld_client = client(domains=("ru",))
    assert match_clients("x@acme.ru", [tld_client], free_mail_domains=FREE) == []


def test_r_elig_match_free_mail_never_by_domain():
    registered_gmail = client(domains=("gmail.com",))
    assert match_clients("someone@gmail.com", [registered_gmail], free_mail_domains=FREE) == []
    # ...but a registered free-mail address still matches exactly.
    known = client(emails=("acme.owner@gmail.com",))
    assert match_clients("Acme.Owner@gmail.com", [known], free_mail_domains=FREE) == [(known, "address")]


def test_r_elig_match_registered_domain_with_at_sign_and_case():
    c = client(domains=("@ACME.ru",))
    assert match_clients("a@acme.ru", [c], free_mail_domains=FREE) == [(c, "domain:acme.ru")]


def test_r_elig_match_results_sorted_by_client_id():
    b, a = client(id="b", domains=("acme.ru",)), client(id="a", domains=("acme.ru",))
    assert [c.id for c, _ in match_clients("x@acme.ru", [b, a], free_mail_domains=FREE)] == ["a", "b"]


# --- R-ELIG-1: contracts ----------------------------------------------------


def test_r_elig_1_active_hosting_contract_is_eligible():
    v = verdict("x@acme.ru", [client(domains=("acme.ru",), contracts=[hosting()])], on=ON, free_mail_domains=FREE)
    assert (v.eligible, v.rule, v.default_priority) == (True, "R-ELIG-1", None)
    assert v.client_id == "c1" and v.client_name == "Acme" and v.matched_by == "domain:acme.ru"
    assert v.basis[0].kind == "contract" and v.basis[0].detail["number"] == "H-1"


def test_r_elig_1_full_service_contract_is_eligible():
    c = client(emails=("x@acme.ru",), contracts=[hosting(kind="full_service")])
    assert verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE).rule == "R-ELIG-1"


@pytest.mark.parametrize("on", [date(2024, 1, 1), date(2024, 12, 31)])
def test_r_elig_1_contract_dates_inclusive_at_both_ends(on):
    c = client(emails=("x@acme.ru",), contracts=[hosting()])
    assert verdict("x@acme.ru", [c], on=on, free_mail_domains=FREE).rule == "R-ELIG-1"


@pytest.mark.parametrize("on", [date(2023, 12, 31), date(2025, 1, 1)])
def test_r_elig_1_contract_outside_dates_is_not_a_basis(on):
    c = client(emails=("x@acme.ru",), contracts=[hosting()])
    v = verdict("x@acme.ru", [c], on=on, free_mail_domains=FREE)
    assert (v.eligible, v.rule, v.basis) == (False, "R-ELIG-4", ())


def test_r_elig_1_open_ended_contract_stays_active():
    c = client(emails=("x@acme.ru",), contracts=[hosting(ends=None)])
    assert verdict("x@acme.ru", [c], on=date(2099, 1, 1), free_mail_domains=FREE).eligible


def test_r_elig_1_expired_contract_listed_inactive_only_in_client_bases():
    c = client(contracts=[hosting(number="OLD", starts=date(2020, 1, 1), ends=date(2020, 12, 31)), hosting()])
    bases = client_bases(c, on=ON)
    assert [(b.detail["number"], b.active) for b in bases] == [("H-1", True), ("OLD", False)]


def test_r_elig_1_other_contract_never_eligible_so_r_elig_4_insignificant():
    c = client(emails=("x@acme.ru",), contracts=[hosting(kind="other")])
    v = verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE)
    assert (v.eligible, v.rule, v.default_priority) == (False, "R-ELIG-4", Priority.INSIGNIFICANT)
    assert v.client_id == "c1" and v.basis == ()
    assert client_bases(c, on=ON) == ()


# --- R-ELIG-2: warranties ---------------------------------------------------


def test_r_elig_2_warranty_active_through_until_inclusive():
    c = client(emails=("x@acme.ru",), warranties=[WarrantyFact("p1", ON)], projects=[ProjectFact("p1", "Shop")])
    v = verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE)
    assert (v.rule, v.project_id, v.project_name) == ("R-ELIG-2", "p1", "Shop")
    expired = verdict("x@acme.ru", [c], on=ON + timedelta(days=1), free_mail_domains=FREE)
    assert expired.rule == "R-ELIG-4"


def test_r_elig_2_warranty_project_chosen_over_only_project_rule():
    projects = [ProjectFact("p1", "Shop"), ProjectFact("p2", "Blog", "m1")]
    c = client(emails=("x@acme.ru",), contracts=[hosting()], warranties=[WarrantyFact("p2", ON)], projects=projects)
    v = verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE)
    assert (v.rule, v.project_id, v.project_name) == ("R-ELIG-1", "p2", "Blog")


def test_r_elig_project_is_only_project_else_unknown():
    one = client(emails=("x@acme.ru",), contracts=[hosting()], projects=[ProjectFact("p1", "Shop")])
    assert verdict("x@acme.ru", [one], on=ON, free_mail_domains=FREE).project_id == "p1"
    two = client(emails=("x@acme.ru",), contracts=[hosting()], projects=[ProjectFact("p1", "A"), ProjectFact("p2", "B")])
    v = verdict("x@acme.ru", [two], on=ON, free_mail_domains=FREE)
    assert (v.project_id, v.project_name) == (None, None)


# --- R-ELIG-3: products -----------------------------------------------------


def test_r_elig_3_product_owner_is_eligible_without_dates():
    c = client(emails=("x@acme.ru",), products=[ProductFact("Fastsite", "Fastsite Pro")])
    v = verdict("x@acme.ru", [c], on=date(2099, 1, 1), free_mail_domains=FREE)
    assert (v.eligible, v.rule) == (True, "R-ELIG-3")
    assert dict(v.basis[0].detail) == {"line": "Fastsite", "name": "Fastsite Pro"}


# --- R-ELIG-4 ---------------------------------------------------------------


def test_r_elig_4_unknown_sender_is_insignificant_without_client():
    v = verdict("stranger@gmail.com", [client(domains=("acme.ru",))], on=ON, free_mail_domains=FREE)
    assert (v.eligible, v.rule, v.client_id, v.default_priority) == (False, "R-ELIG-4", None, Priority.INSIGNIFICANT)
    assert v.to_json()["client"] is None and v.to_json()["default_priority"] == "insignificant"


def test_r_elig_4_override_makes_eligible_keeps_rule_and_records_who():
    at = datetime(2024, 5, 15, 11, 0, tzinfo=MSK)
    v = override_verdict(
        verdict("x@new.ru", [], on=ON, free_mail_domains=FREE), reason="  prospective client  ", by="lead", at=at
    )
    assert (v.eligible, v.rule, v.default_priority) == (True, "R-ELIG-4", Priority.INSIGNIFICANT)
    assert (v.override_reason, v.override_by, v.override_at, v.overridden) == ("prospective client", "lead", at, True)
    assert Verdict.from_json(json.loads(json.dumps(v.to_json()))) == v


def test_r_elig_4_override_refused_for_eligible_or_without_reason():
    c = client(emails=("x@acme.ru",), contracts=[hosting()])
    at = datetime(2024, 5, 15, 11, 0, tzinfo=MSK)
    with pytest.raises(ValueError, match="R-ELIG-1"):
        override_verdict(verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE), reason="x", by="lead", at=at)
    with pytest.raises(ValueError, match="reason"):
        override_verdict(verdict("x@new.ru", [], on=ON, free_mail_domains=FREE), reason=" ", by="lead", at=at)


# --- strongest first --------------------------------------------------------


def test_r_elig_1_2_3_all_active_bases_listed_strongest_first():
    c = client(
        emails=("x@acme.ru",),
        contracts=[hosting(), hosting(number="OLD", ends=date(2024, 1, 31))],
        warranties=[WarrantyFact(None, date(2024, 6, 1))],
        products=[ProductFact("Cetera", "Cetera CMS")],
    )
    v = verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE)
    assert v.rule == "R-ELIG-1"
    assert [(b.kind, b.rule, b.active) for b in v.basis] == [
        ("contract", "R-ELIG-1", True),
        ("warranty", "R-ELIG-2", True),
        ("product", "R-ELIG-3", True),
    ]


def test_r_elig_several_clients_strongest_verdict_wins():
    product_owner = client(id="a", name="A", domains=("acme.ru",), products=[ProductFact("Cetera", "CMS")])
    contracted = client(id="b", name="B", domains=("acme.ru",), contracts=[hosting()])
    nothing = client(id="0", name="Zero", domains=("acme.ru",))
    v = verdict("x@acme.ru", [product_owner, nothing, contracted], on=ON, free_mail_domains=FREE)
    assert (v.rule, v.client_id) == ("R-ELIG-1", "b")


def test_r_elig_several_clients_tie_goes_to_lowest_client_id():
    a = client(id="a", name="A", domains=("acme.ru",), contracts=[hosting()])
    b = client(id="b", name="B", domains=("acme.ru",), contracts=[hosting()])
    assert verdict("x@acme.ru", [b, a], on=ON, free_mail_domains=FREE).client_id == "a"


# --- storage ----------------------------------------------------------------


def test_r_tri_1_verdict_json_round_trip_and_shape():
    c = client(
        emails=("x@acme.ru",),
        contracts=[hosting(ends=None)],
        warranties=[WarrantyFact("p1", date(2024, 6, 1))],
        products=[ProductFact("Cetera", "CMS")],
        projects=[ProjectFact("p1", "Shop")],
    )
    v = verdict("X@Acme.ru", [c], on=ON, free_mail_domains=FREE)
    data = json.loads(json.dumps(v.to_json()))
    assert set(data) == {
        "sender", "eligible", "rule", "on", "client", "project", "basis", "matched_by", "default_priority", "override"
    }
    assert data["sender"] == "x@acme.ru"
    assert data["client"] == {"id": "c1", "name": "Acme"}
    assert data["project"] == {"id": "p1", "name": "Shop"}
    assert data["basis"][0] == {
        "kind": "contract",
        "rule": "R-ELIG-1",
        "number": "H-1",
        "contract_kind": "hosting",
        "starts": "2024-01-01",
        "ends": None,
        "services": ["hosting", "backup"],
        "active": True,
    }
    assert data["basis"][1] == {"kind": "warranty", "rule": "R-ELIG-2", "project": "p1", "until": "2024-06-01", "active": True}
    assert Verdict.from_json(data) == v


def test_r_tri_1_stored_verdict_does_not_change_with_registry():
    c = client(emails=("x@acme.ru",), contracts=[hosting()])
    stored = verdict("x@acme.ru", [c], on=ON, free_mail_domains=FREE).to_json()
    # The registry changes later: the contract is gone.
    assert verdict("x@acme.ru", [client(emails=("x@acme.ru",))], on=ON, free_mail_domains=FREE).rule == "R-ELIG-4"
    assert Verdict.from_json(stored).rule == "R-ELIG-1"


def test_r_tri_1_from_json_rejects_unknown_rule():
    with pytest.raises(ValueError):
        Verdict.from_json({"sender": "x", "eligible": True, "rule": "R-ELIG-9"})


def test_basis_detail_is_read_only_and_hashable():
    b = client_bases(client(contracts=[hosting()]), on=ON)[0]
    with pytest.raises(TypeError):
        b.detail["number"] = "X"  # type: ignore[index]
    assert hash(b) == hash(Basis.from_json(b.to_json()))
