"""The mode (live or test) of each donor's Stripe customer id

Revision ID: b7d2c4e9f013
Revises: 245388ac3b29
Create Date: 2026-12-01 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2c4e9f013'
down_revision = '245388ac3b29'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_customer_livemode', sa.Boolean(), nullable=True))
    # A customer id kept before: its mode is that of a gift made with the same customer; otherwise
    # it stays unknown (NULL), and an unknown customer is never reused.
    op.execute(
        "UPDATE donor SET stripe_customer_livemode = ("
        " SELECT donation.livemode FROM donation"
        " WHERE donation.donor_id = donor.id AND donation.stripe_customer_id = donor.stripe_customer_id"
        " ORDER BY donation.id DESC LIMIT 1)"
        " WHERE stripe_customer_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.drop_column('stripe_customer_livemode')
