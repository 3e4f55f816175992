"""Alembic environment: always run programmatically with a connection from dutydesk.store.migrate."""

from alembic import context
from sqlmodel import SQLModel

import dutydesk.store.models  # noqa: F401  (registers the tables for autogenerate)
import dutydesk.store.snapshot_models  # noqa: F401  (the stored pool snapshots, migration 0002)
import dutydesk.store.mail_models  # noqa: F401  (the IMAP cursor and inbound dedupe indexes, migration 0003)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("dutydesk migrations run through `dutydesk init`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
