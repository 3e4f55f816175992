"""mail intake: the IMAP cursor, and R-IN-2 dedupe enforced on inbound messages (issue 4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import dutydesk.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_INBOUND_ID = "direction = 'in' AND message_id IS NOT NULL"
_INBOUND_HASH = "direction = 'in' AND message_id IS NULL AND content_hash IS NOT NULL"


def upgrade() -> None:
    op.create_table('mailbox_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=512), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', dutydesk.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mailbox')
    )
    op.create_index('ux_message_inbound_message_id', 'message', ['message_id'], unique=True,
                    sqlite_where=sa.text(_INBOUND_ID), postgresql_where=sa.text(_INBOUND_ID))
    op.create_index('ux_message_inbound_content_hash', 'message', ['content_hash'], unique=True,
                    sqlite_where=sa.text(_INBOUND_HASH), postgresql_where=sa.text(_INBOUND_HASH))
    op.create_index('ix_message_outcome', 'message', ['outcome'])


def downgrade() -> None:
    op.drop_index('ix_message_outcome', table_name='message')
    op.drop_index('ux_message_inbound_content_hash', table_name='message')
    op.drop_index('ux_message_inbound_message_id', table_name='message')
    op.drop_table('mailbox_cursor')
