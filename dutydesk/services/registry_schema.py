"""The client registry's file format (JSON, or CSV files in one folder), validated whole.

A malformed file is rejected with the path of its first problem
(``clients[2].contracts[0].starts: invalid date``) before anything is written.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dutydesk.errors import BadInput

Role = Literal["manager", "client_director", "executive_director", "duty", "engineer"]
ContractKind = Literal["hosting", "full_service", "other"]
ProductLine = Literal["Cetera", "Fastsite"]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StaffEntry(_Entry):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    role: Role
    email: str | None = None
    phone: str | None = None


class ContractEntry(_Entry):
    number: str = Field(min_length=1)
    kind: ContractKind
    starts: date
    ends: date | None = None
    services: list[str] = Field(default_factory=list)


class WarrantyEntry(_Entry):
    project: str | None = None
    until: date


class ProductEntry(_Entry):
    line: ProductLine
    name: str = Field(min_length=1)


class ProjectEntry(_Entry):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    manager: str | None = None


class ClientEntry(_Entry):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    emails: list[str] | None = None
    domains: list[str] | None = None
    contracts: list[ContractEntry] | None = None
    warranties: list[WarrantyEntry] | None = None
    products: list[ProductEntry] | None = None
    projects: list[ProjectEntry] | None = None

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if "@" not in item or any(c in item for c in " \r\n,;<>"):
                raise ValueError(f"not an e-mail address: {item!r}")
        return sorted({item.strip().lower() for item in value})

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if "." not in item or any(c in item for c in " @\r\n,;/"):
                raise ValueError(f"not a domain: {item!r}")
        return sorted({item.strip().lower().strip(".") for item in value})


class RegistryFile(_Entry):
    staff: list[StaffEntry] | None = None
    clients: list[ClientEntry] | None = None

    def check_references(self) -> None:
        """Ids unique; managers named by projects exist in the file's staff (or will be checked in the DB)."""
        seen: set[str] = set()
        for i, person in enumerate(self.staff or []):
            if person.id in seen:
                raise BadInput(f"staff[{i}].id: duplicate id {person.id!r}")
            seen.add(person.id)
        clients: set[str] = set()
        projects: set[str] = set()
        for i, client in enumerate(self.clients or []):
            if client.id in clients:
                raise BadInput(f"clients[{i}].id: duplicate id {client.id!r}")
            clients.add(client.id)
            for j, contract in enumerate(client.contracts or []):
                if contract.ends is not None and contract.ends < contract.starts:
                    raise BadInput(f"clients[{i}].contracts[{j}].ends: before starts")
            for j, project in enumerate(client.projects or []):
                if project.id in projects:
                    raise BadInput(f"clients[{i}].projects[{j}].id: duplicate id {project.id!r}")
                projects.add(project.id)


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_registry(data: object, *, source: str) -> RegistryFile:
    try:
        registry = RegistryFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        raise BadInput(f"{source}: {_loc(first['loc'])}: {message}") from exc
    try:
        registry.check_references()
    except BadInput as exc:
        raise BadInput(f"{source}: {exc}") from exc
    return registry


def load_registry(path: Path) -> RegistryFile:
    """A JSON file, or a folder of CSV files (one per list, as offices keep them in spreadsheets)."""
    if path.is_dir():
        return parse_registry(_csv_folder(path), source=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    return parse_registry(data, source=str(path))


# --- CSV: one file per list; child rows name their client in a `client` column ---

CSV_FILES = {
    "staff.csv": ("id", "name", "role", "email", "phone"),
    "clients.csv": ("id", "name"),
    "emails.csv": ("client", "email"),
    "domains.csv": ("client", "domain"),
    "contracts.csv": ("client", "number", "kind", "starts", "ends", "services"),
    "warranties.csv": ("client", "project", "until"),
    "products.csv": ("client", "line", "name"),
    "projects.csv": ("client", "id", "name", "manager"),
}
_CHILD = {"emails.csv": "emails", "domains.csv": "domains", "contracts.csv": "contracts",
          "warranties.csv": "warranties", "products.csv": "products", "projects.csv": "projects"}


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}") from exc
    first = text.splitlines()[0] if text else ""
    # Russian Excel saves CSV with semicolons; accept both.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    expected = set(CSV_FILES[path.name])
    missing = {"id", "client"} & expected - set(reader.fieldnames or [])
    if missing:
        raise BadInput(f"{path}: missing column {sorted(missing)[0]!r}")
    unknown = set(reader.fieldnames or []) - expected
    if unknown:
        raise BadInput(f"{path}: unknown column {sorted(unknown)[0]!r}")
    return [(n + 2, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader)]


def _csv_folder(folder: Path) -> dict:
    present = [name for name in CSV_FILES if (folder / name).exists()]
    if not present:
        raise BadInput(f"{folder}: no registry CSV files (expected some of {', '.join(CSV_FILES)})")
    data: dict = {}
    if (folder / "staff.csv").exists():
        data["staff"] = [{k: v or None for k, v in row.items()} for _, row in _read_csv(folder / "staff.csv")]
    clients: dict[str, dict] = {}
    if (folder / "clients.csv").exists():
        for _, row in _read_csv(folder / "clients.csv"):
            clients[row["id"]] = {"id": row["id"], "name": row["name"]}
    for name, key in _CHILD.items():
        if not (folder / name).exists():
            continue
        for line, row in _read_csv(folder / name):
            owner = row.pop("client", "")
            if owner not in clients:
                raise BadInput(f"{folder / name}:{line}: client {owner!r} is not in clients.csv")
            entry: object
            if key in ("emails", "domains"):
                entry = row[key[:-1]]
            elif key == "contracts":
                entry = {**row, "ends": row.get("ends") or None,
                         "services": [s.strip() for s in row.get("services", "").split("|") if s.strip()]}
            elif key == "warranties":
                entry = {**row, "project": row.get("project") or None}
            elif key == "projects":
                entry = {**row, "manager": row.get("manager") or None}
            else:
                entry = row
            clients[owner].setdefault(key, []).append(entry)
    if clients:
        data["clients"] = list(clients.values())
    return data
