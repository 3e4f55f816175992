"""Generate a realistic desk at scale with bulk Core inserts (ORM add_all is ~7× slower).

``python -m bench.generate --tasks 100000 --clients 10000 --db PATH`` — most tasks
done, 10–20% open in every status and priority, projects with several open tasks
so R-POOL-3 blocking happens, escalations, and the audit trail the services would
have written. The schema comes from the same migrations as ``dutydesk init``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text

from dutydesk.store.engine import make_engine, normalise_url
from dutydesk.store.migrate import ensure_schema
from dutydesk.store.models import (
    AuditEvent, Client, ClientAddress, ClientDomain, Contract, Escalation, Message, Project, Staff, Task,
)

GENERATOR_VERSION = 2
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # 11:00 in Moscow, a Tuesday
SLUGS = {1: "immediate", 2: "valuable", 3: "normal", 4: "low", 5: "insignificant"}
SUBJECTS = ["Не работает корзина", "Ошибка 500 на главной", "Обновить цены", "Добавить баннер", "Сайт медленно грузится",
            "Не приходят письма с формы", "Поправить опечатку", "Выгрузка из 1С упала", "Новый раздел каталога",
            "Сертификат SSL истекает", "Опубликовать новости", "Вопрос по Cetera CMS"]
BATCH = 20_000


def staff_rows() -> list[dict]:
    rows = [{"id": f"duty-{i}", "name": f"Дежурный {i}", "role": "duty", "email": f"duty{i}@cetera.ru",
             "phone": f"+7 495 100-30-{i:02d}"} for i in range(1, 17)]
    rows += [{"id": f"mgr-{i}", "name": f"Менеджер {i}", "role": "manager", "email": f"mgr{i}@cetera.ru",
              "phone": f"+7 495 100-20-{i:02d}"} for i in range(1, 41)]
    rows += [{"id": "dir-clients", "name": "Директор по работе с клиентами", "role": "client_director",
              "email": "dir@cetera.ru", "phone": "+7 495 100-10-02"},
             {"id": "dir-exec", "name": "Исполнительный директор", "role": "executive_director",
              "email": "exec@cetera.ru", "phone": "+7 495 100-10-01"}]
    return rows


def generate(db: str, *, tasks: int, clients: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    engine = make_engine(normalise_url(db))
    ensure_schema(engine, stamp=NOW)
    started = time.perf_counter()
    projects: list[tuple[str, str]] = []
    with engine.begin() as conn:
        conn.execute(insert(Staff), staff_rows())
        conn.execute(insert(Client), [{"id": f"c{i}", "name": f"ООО «Клиент {i}»"} for i in range(clients)])
        conn.execute(insert(ClientAddress), [{"client_id": f"c{i}", "email": f"boss@client{i}.ru"} for i in range(clients)])
        conn.execute(insert(ClientDomain), [{"client_id": f"c{i}", "domain": f"client{i}.ru"} for i in range(clients)])
        conn.execute(insert(Contract), [
            {"client_id": f"c{i}", "number": f"Д-{i}", "kind": rnd.choice(["hosting", "full_service", "other"]),
             "starts": datetime(2024, 1, 1).date(), "ends": datetime(2027 + i % 3, 12, 31).date(), "services": "[]"}
            for i in range(clients)])
        rows = []
        for i in range(clients):
            for j in range(1 + (i % 3 == 0)):
                pid = f"p{i}-{j}"
                projects.append((pid, f"c{i}"))
                rows.append({"id": pid, "client_id": f"c{i}", "name": f"client{i}.ru #{j}",
                             "manager_id": f"mgr-{1 + i % 40}"})
        conn.execute(insert(Project), rows)
    # Open work clusters on a few thousand busy projects, so blocking (R-POOL-3) is common.
    busy = rnd.sample(projects, k=min(len(projects), max(50, tasks // 40)))
    task_rows, audit_rows, messages, escalations = [], [], [], []
    open_count = 0
    for n in range(tasks):
        number = 1001 + n
        key = f"SUP-{number}"
        age_min = int(rnd.expovariate(1 / (60 * 24 * 120)))  # years of history, most of it old
        is_open = n >= tasks - tasks * 15 // 100
        if is_open:
            age_min = int(rnd.expovariate(1 / (60 * 24 * 6)))
            open_count += 1
        received = NOW - timedelta(minutes=age_min + 1)
        pid, cid = rnd.choice(busy) if is_open and rnd.random() < 0.7 else rnd.choice(projects)
        priority = rnd.choices([0, 1, 2, 3, 4, 5], weights=[3, 2, 12, 45, 25, 13])[0] if is_open else \
            rnd.choices([1, 2, 3, 4, 5], weights=[3, 12, 50, 25, 10])[0]
        if is_open:
            status = rnd.choices(["pool", "in_progress", "waiting_client", "needs_agreement"], weights=[60, 25, 12, 3])[0]
            if priority == 0:
                status = "pool"
        else:
            status = rnd.choices(["done", "handed_off"], weights=[93, 7])[0]
        # Nothing happens after NOW: the bench's desk stands at NOW, and a trail reaching into its
        # future would be a pool no desk can have (and would stop the snapshot reading current rows).
        reacted = min(received + timedelta(minutes=rnd.randint(5, 90)), NOW) if priority else None
        taken = min(reacted + timedelta(minutes=rnd.randint(1, 600)), NOW) \
            if status in ("in_progress", "waiting_client", "done") and reacted else None
        done = min(taken + timedelta(minutes=rnd.randint(30, 5000)), NOW) if status == "done" and taken else None
        assignee = f"duty-{1 + n % 16}" if taken else (f"mgr-{1 + n % 40}" if status == "handed_off" else None)
        task_rows.append({"number": number, "key": key, "project_id": pid, "client_id": cid,
                          "subject": f"{SUBJECTS[n % len(SUBJECTS)]} #{n}", "sender": f"boss@client{cid[1:]}.ru",
                          "priority_order": priority, "status": status, "channel": "email", "received_at": received,
                          "first_sent_at": received - timedelta(minutes=1), "reacted_at": reacted, "taken_at": taken,
                          "done_at": done, "assignee_id": assignee, "verdict": "{}", "created_at": received,
                          "updated_at": done or taken or reacted or received, "version": 1})
        audit_rows += _trail(n + 1, key, received, pid, cid, priority, reacted, taken, assignee, status, done)
        messages.append({"task_id": n + 1, "direction": "in", "kind": "request", "message_id": f"m{n}@client{cid[1:]}.ru",
                         "references": "", "sender": f"boss@client{cid[1:]}.ru", "recipients": "support@cetera.ru",
                         "cc": "", "subject": task_rows[-1]["subject"], "body_text": "…", "attachments": "[]",
                         "received_at": received, "outcome": "new_task", "created_at": received})
        if is_open and rnd.random() < 0.02:
            escalations.append({"task_id": n + 1, "trigger": rnd.choice(["requalify", "deadline", "no_reaction"]),
                                "level": rnd.choice([1, 1, 1, 2, 3]), "opened_at": NOW - timedelta(minutes=rnd.randint(1, 900)),
                                "opened_by": "duty-1"})
        if len(task_rows) >= BATCH:
            _flush(engine, task_rows, audit_rows, messages)
    _flush(engine, task_rows, audit_rows, messages)
    with engine.begin() as conn:
        if escalations:
            conn.execute(insert(Escalation), escalations)
        if engine.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_meta (k TEXT PRIMARY KEY, v TEXT)"))
        conn.execute(text("DELETE FROM bench_meta"))
        conn.execute(text("INSERT INTO bench_meta VALUES ('generator', :v)"),
                     {"v": json.dumps({"version": GENERATOR_VERSION, "tasks": tasks, "clients": clients})})
    engine.dispose()
    return {"tasks": tasks, "open": open_count, "clients": clients, "escalations": len(escalations),
            "seconds": round(time.perf_counter() - started, 1)}


def _trail(task_id, key, received, pid, cid, priority, reacted, taken, assignee, status, done) -> list[dict]:
    """What the services would have written for this task's life (so history rebuilds work at scale)."""
    def ev(at, actor, action, field, before, after):
        return {"at": at, "actor": actor, "action": action, "entity": "task", "entity_id": key, "task_id": task_id,
                "field": field, "before": before, "after": after}
    rows = [ev(received, "mail", "task.create", "status", None, "pool"),
            ev(received, "mail", "task.create", "project_id", None, pid),
            ev(received, "mail", "task.create", "client_id", None, cid)]
    if priority and reacted:
        rows.append(ev(reacted, "duty-lead", "task.priority", "priority", None, SLUGS[priority]))
    if taken:
        rows.append(ev(taken, assignee, "task.take", "status", "pool", "in_progress"))
        rows.append(ev(taken, assignee, "task.take", "assignee_id", None, assignee))
    if status == "waiting_client" and taken:
        rows.append(ev(min(taken + timedelta(minutes=5), NOW), assignee, "task.wait", "status", "in_progress",
                       "waiting_client"))
    if status == "handed_off":
        rows.append(ev(reacted or received, "duty-lead", "task.handoff", "status", "pool", "handed_off"))
    if status == "needs_agreement":
        rows.append(ev(reacted or received, "duty-lead", "task.scope", "status", "pool", "needs_agreement"))
    if done:
        rows.append(ev(done, assignee or "duty-1", "task.done", "status", "in_progress", "done"))
    return rows


def _flush(engine, task_rows, audit_rows, messages) -> None:
    with engine.begin() as conn:
        if task_rows:
            conn.execute(insert(Task), task_rows)
        if audit_rows:
            conn.execute(insert(AuditEvent), audit_rows)
        if messages:
            conn.execute(insert(Message), messages)
    task_rows.clear()
    audit_rows.clear()
    messages.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(generate(args.db, tasks=args.tasks, clients=args.clients, seed=args.seed)))


if __name__ == "__main__":
    main()
