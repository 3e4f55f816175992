"""waiting events index: each task's client-waiting pauses without reading its whole trail (R-WORK-1)

Every clock of the pool needs the task's pauses, which are the status events
into and out of ``waiting_client``. Through ``ix_audit_task_at`` that meant
reading every event of every task in the window (about 13 each); this
partial index holds only those events, with every column the read names
(so SQLite sees that it covers the read and picks it without statistics):
a pool window's pauses become an index-only probe per task.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

WAITING = "field = 'status' AND (before = 'waiting_client' OR after = 'waiting_client')"


def upgrade() -> None:
    op.create_index('ix_audit_waiting', 'audit_event', ['task_id', 'at', 'id', 'field', 'before', 'after'],
                    sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))


def downgrade() -> None:
    op.drop_index('ix_audit_waiting', table_name='audit_event')
