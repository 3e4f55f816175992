"""pool window index: the open pool in the order of work, as a partial index (R-POOL-2)

The pool screen reads the first rows of the open pool ordered by priority and
age. With this index both back ends walk it in order and stop after the window
instead of sorting every open task (15k at 100k tasks: 40 ms → under 1 ms raw).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "status IN ('pool', 'in_progress', 'waiting_client', 'needs_agreement')"


def upgrade() -> None:
    op.create_index('ix_task_open_order', 'task', ['priority_order', 'received_at', 'number'],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    # Superseded: with it present, planners without statistics sort the whole open pool instead.
    op.drop_index('ix_task_pool_order', table_name='task')


def downgrade() -> None:
    op.create_index('ix_task_pool_order', 'task', ['status', 'priority_order', 'received_at', 'number'])
    op.drop_index('ix_task_open_order', table_name='task')
