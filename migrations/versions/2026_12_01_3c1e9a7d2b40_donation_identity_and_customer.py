"""Each donation keeps the identity given with it, and its own Stripe customer

A visitor who types a known email no longer updates that donor's record: the
identity typed with a gift is stored on the donation and printed on its
receipts. Existing donations take their donor record's identity as it stands,
which is what their next receipts would have printed; receipts already issued
keep their frozen snapshot and do not change.

Revision ID: 3c1e9a7d2b40
Revises: eafe624a7ed4
Create Date: 2026-12-01 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c1e9a7d2b40'
down_revision = 'eafe624a7ed4'
branch_labels = None
depends_on = None

BATCH = 5000


def _identity(row) -> dict:
    company = row.donor_type == 'company'
    return {
        'donor_type': row.donor_type,
        'first_name': row.first_name or '',
        'last_name': row.last_name or '',
        'address_line1': row.address_line1 or '',
        'address_line2': row.address_line2 or '',
        'postal_code': row.postal_code or '',
        'city': row.city or '',
        'country': row.country or '',
        'company_name': (row.company_name or '') if company else '',
        'legal_form': (row.legal_form or '') if company else '',
        'siren': (row.siren or '') if company else '',
    }


def upgrade():
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('identity', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_donation_stripe_customer_id'), ['stripe_customer_id'], unique=False)

    conn = op.get_bind()
    donation = sa.table(
        'donation', sa.column('id', sa.Integer), sa.column('identity', sa.JSON),
        sa.column('stripe_customer_id', sa.String), sa.column('stripe_subscription_id', sa.String),
    )
    last_id = 0
    while True:
        rows = conn.execute(sa.text(
            'SELECT donation.id AS donation_id, donation.stripe_subscription_id, donor.donor_type, donor.first_name,'
            ' donor.last_name, donor.address_line1, donor.address_line2, donor.postal_code, donor.city, donor.country,'
            ' donor.company_name, donor.legal_form, donor.siren, donor.stripe_customer_id'
            ' FROM donation JOIN donor ON donor.id = donation.donor_id'
            ' WHERE donation.id > :last ORDER BY donation.id LIMIT :size'
        ), {'last': last_id, 'size': BATCH}).all()
        if not rows:
            break
        for row in rows:
            # A monthly gift was charged on its donor's customer: keep it, so its card can still be changed.
            customer = row.stripe_customer_id if row.stripe_subscription_id else None
            conn.execute(
                donation.update().where(donation.c.id == row.donation_id).values(identity=_identity(row), stripe_customer_id=customer)
            )
        last_id = rows[-1].donation_id

    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.alter_column('identity', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_stripe_customer_id'))
        batch_op.drop_column('identity')
        batch_op.drop_column('stripe_customer_id')
