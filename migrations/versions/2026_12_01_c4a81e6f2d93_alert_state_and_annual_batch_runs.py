"""Monitoring: the alerts' state, the January batch runs, and receipts indexed by emailed_at

Revision ID: c4a81e6f2d93
Revises: c4e8a1f7b2d9
Create Date: 2026-12-01 14:20:00.000000

`alert_state` keeps, per alert condition, whether its email went out (so it is sent once
until the condition clears); `annual_batch_run` records each run of `flask receipts annual`
(the alert on a failed run reads the last); `receipt.emailed_at` is indexed so that the
receipts still owed an email are counted from the index (metrics and alerts at scrape time).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4a81e6f2d93'
down_revision = "c4e8a1f7b2d9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_state',
        sa.Column('condition', sa.String(length=40), nullable=False),
        sa.Column('raised', sa.Boolean(), nullable=False),
        sa.Column('raised_at', sa.DateTime(), nullable=True),
        sa.Column('cleared_at', sa.DateTime(), nullable=True),
        sa.Column('detail', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('condition', name=op.f('pk_alert_state')),
    )
    op.create_table(
        'annual_batch_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('chunks', sa.Integer(), nullable=False),
        sa.Column('chunks_done', sa.Integer(), nullable=False),
        sa.Column('issued', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_batch_run')),
    )
    with op.batch_alter_table('annual_batch_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_batch_run_started_at'), ['started_at'], unique=False)
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_emailed_at'), ['emailed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_emailed_at'))
    with op.batch_alter_table('annual_batch_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_batch_run_started_at'))
    op.drop_table('annual_batch_run')
    op.drop_table('alert_state')
