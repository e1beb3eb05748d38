"""Donations remember which notices their donor got, and a portal change Stripe answered but no webhook confirmed yet

Revision ID: 5d2f8c41a9e7
Revises: 5a7c19e3d4b2
Create Date: 2026-12-01 11:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2f8c41a9e7'
down_revision = "5a7c19e3d4b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_notice_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failure_notice_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('awaited_status', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('awaited_amount_cents', sa.Integer(), nullable=True))
    # Gifts already under way were told what they needed before these notices existed: only
    # gifts still waiting for their payment may get one (no welcome at an old donor's next renewal).
    op.execute("UPDATE donation SET started_notice_at = updated_at WHERE status <> 'pending'")
    op.execute("UPDATE donation SET failure_notice_at = updated_at WHERE status = 'failed'")


def downgrade():
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_column('awaited_amount_cents')
        batch_op.drop_column('awaited_status')
        batch_op.drop_column('failure_notice_at')
        batch_op.drop_column('started_notice_at')
