"""A small, hand-made registry for service tests (the demo one is for people)."""

from __future__ import annotations

from dutydesk.services.registry import import_registry
from dutydesk.services.registry_schema import parse_registry

REGISTRY = {
    "staff": [
        {"id": "mgr-ivanova", "name": "Анна Иванова", "role": "manager", "email": "ivanova@cetera.ru", "phone": "+7 1"},
        {"id": "dir-clients", "name": "Михаил Кузнецов", "role": "client_director", "phone": "+7 2"},
        {"id": "dir-exec", "name": "Елена Соколова", "role": "executive_director", "phone": "+7 3"},
        {"id": "duty-lead", "name": "Дмитрий Волков", "role": "duty"},
        {"id": "duty-1", "name": "Игорь Новиков", "role": "duty"},
        {"id": "duty-2", "name": "Пётр Орлов", "role": "duty"},
    ],
    "clients": [
        {"id": "acme", "name": "ООО «Акме»", "emails": ["boss@acme.ru"], "domains": ["acme.ru"],
         "contracts": [{"number": "Д-17", "kind": "hosting", "starts": "2024-01-01", "ends": "2026-12-31"}],
         "projects": [{"id": "acme-shop", "name": "acme shop", "manager": "mgr-ivanova"},
                      {"id": "acme-corp", "name": "acme corp", "manager": "mgr-ivanova"}]},
        {"id": "solo", "name": "ИП Соло", "emails": ["solo@gmail.com"],
         "warranties": [{"project": "solo-site", "until": "2027-01-31"}],
         "projects": [{"id": "solo-site", "name": "solo site", "manager": "mgr-ivanova"}]},
        {"id": "lineya", "name": "Бюро Линия", "domains": ["liniya.ru"],
         "contracts": [{"number": "Р-11", "kind": "other", "starts": "2025-01-01"}],
         "projects": [{"id": "lineya-site", "name": "liniya site"}]},
    ],
}


def seed(desk) -> None:
    import_registry(desk, parse_registry(REGISTRY, source="seed"), source="seed")
