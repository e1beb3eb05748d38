"""Receipts signed without the TSA's timestamp (it was unreachable), to timestamp later

Revision ID: c4e8a1f7b2d9
Revises: 8d5c2f4a9e17
Create Date: 2026-12-01 14:10:00.000000

`receipt.timestamp_missing_since`: set when a receipt's stored PDF was signed
PAdES B-B because the time-stamping authority (RECEIPT_TSA_URL) gave no
timestamp in time; `flask receipts send-pending` signs it again with a
timestamp (a new copy) and clears it. Indexed: the dashboard and the job ask
for the receipts that have it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f7b2d9'
down_revision = '8d5c2f4a9e17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timestamp_missing_since', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_receipt_timestamp_missing_since'), ['timestamp_missing_since'], unique=False)


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_timestamp_missing_since'))
        batch_op.drop_column('timestamp_missing_since')
