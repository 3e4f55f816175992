"""pool snapshot: the stored daily snapshot of the pool (issue 6)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import dutydesk.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pool_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', dutydesk.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_at', dutydesk.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tasks', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('folder', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('pool_snapshot')
