"""Backups that can be trusted: SQLite's online backup API, and a checked restore.

PostgreSQL is backed up with the server's own tools (``pg_dump``); the desk says
how rather than reimplementing them.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from dutydesk.errors import BadInput, Refused
from dutydesk.services import audit
from dutydesk.services.desk import Desk
from dutydesk.store.engine import sqlite_path
from dutydesk.store.migrate import backup_sqlite, known_revisions


@dataclass(frozen=True)
class BackupReport:
    path: Path | None
    tasks: int
    guidance: str | None = None


def pg_guidance(desk: Desk) -> str:
    url = desk.engine.url
    return (f"PostgreSQL: back up with the server's tools, e.g.\n"
            f"  pg_dump -h {url.host or 'localhost'} -p {url.port or 5432} -U {url.username or 'postgres'} "
            f"-Fc -f dutydesk.dump {url.database}\n"
            f"and restore with: pg_restore -h … -d {url.database} --clean dutydesk.dump")


def backup(desk: Desk, target: Path | None = None) -> BackupReport:
    path = sqlite_path(str(desk.engine.url))
    if path is None:
        return BackupReport(None, 0, pg_guidance(desk))
    if target is not None and target.exists():
        raise Refused(f"{target} exists; choose another file (a backup never overwrites)")
    made = backup_sqlite(desk.engine, label="backup", stamp=desk.now(), target=target)
    tasks = check_backup(made).tasks
    with desk.write() as session:
        audit.record(session, at=desk.now(), actor=desk.actor, action="desk.backup", entity="desk",
                     entity_id="*", reason=str(made))
    return BackupReport(made, tasks)


@dataclass(frozen=True)
class BackupCheck:
    revision: str
    tasks: int


def check_backup(path: Path) -> BackupCheck:
    """A restore target must be a whole, readable dutydesk database of a schema we know."""
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BadInput(f"{path}: the file is damaged (integrity check failed)")
            revision = conn.execute("select version_num from alembic_version").fetchone()[0]
            tasks = conn.execute("select count(*) from task").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{path}: not a dutydesk database ({exc})") from None
    if revision not in known_revisions():
        raise BadInput(f"{path}: schema {revision} is from a newer dutydesk")
    return BackupCheck(revision, tasks)


def restore(desk: Desk, source: Path) -> tuple[BackupCheck, Path]:
    """Check the file, keep the current database aside, then put the backup in its place."""
    path = sqlite_path(str(desk.engine.url))
    if path is None:
        raise Refused(pg_guidance(desk))
    check = check_backup(source)
    aside = backup_sqlite(desk.engine, label="before-restore", stamp=desk.now())
    desk.engine.dispose()
    tmp = path.with_name(path.name + ".restoring")
    shutil.copyfile(source, tmp)
    tmp.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    tmp.replace(path)
    return check, aside  # type: ignore[return-value]  # the next command upgrades an older backup
