"""Finance daily rollups for the dashboard, and the audit trail's keyset indexes

Revision ID: c4e8a1f2b905
Revises: c4a81e6f2d93
Create Date: 2026-12-01 14:20:00.000000

finance_day: the succeeded payments of each Paris day by kind of gift, method and Stripe mode (count,
amount, refunded, refunded count, Stripe fees and the amount they were taken on); finance_donor_period: each donor's count of succeeded payments per
month and per year (the dashboard's donor counts). Both filled here from the payments already stored;
the flush keeps them up to date afterwards (donations.models.rollup_upkeep) and `flask finance
rebuild-rollups` recomputes them. audit_entry (at, id) and (action, at, id): the trail read by keyset;
payment (status, created_at, id): the failed payments newest first; payment (method, deposit_slip_id):
the cheques not yet deposited; donation (kind, status, amount_cents): the running monthly gifts; donation.tribute_kind: the tributes;
receipt (year, status, livemode, article, amount_cents): the art. 222 bis totals of a year.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4e8a1f2b905'
down_revision = "c4a81e6f2d93"
branch_labels = None
depends_on = None

SUCCEEDED = "FROM payment p JOIN donation d ON d.id = p.donation_id WHERE p.status = 'succeeded' AND p.received_on IS NOT NULL"


def _fill(bind) -> None:
    op.execute(
        "INSERT INTO finance_day (day, kind, method, livemode, payments, amount_cents, refunded_cents, refunded_payments, "
        "fee_cents, fee_amount_cents) "
        "SELECT p.received_on, d.kind, p.method, p.livemode, count(*), sum(p.amount_cents), sum(p.refunded_cents), "
        "sum(CASE WHEN p.refunded_cents > 0 THEN 1 ELSE 0 END), coalesce(sum(p.fee_cents), 0), "
        f"sum(CASE WHEN p.fee_cents IS NOT NULL THEN p.amount_cents ELSE 0 END) {SUCCEEDED} "
        "GROUP BY p.received_on, d.kind, p.method, p.livemode"
    )
    for span, unit in (("M", "month"), ("Y", "year")):
        if bind.dialect.name == "postgresql":
            start = f"CAST(date_trunc('{unit}', p.received_on) AS DATE)"
        else:
            start = f"date(p.received_on, 'start of {unit}')"
        op.execute(
            "INSERT INTO finance_donor_period (span, starts_on, donor_id, payments) "
            f"SELECT '{span}', {start}, d.donor_id, count(*) {SUCCEEDED} GROUP BY {start}, d.donor_id"
        )


def upgrade():
    op.create_table('finance_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('one_off', 'monthly', 'ifi', name='donationkind', native_enum=False, create_constraint=False, length=24), nullable=False),
    sa.Column('method', sa.Enum('card', 'sepa_debit', 'cheque', 'transfer', 'cash', name='paymentmethod', native_enum=False, create_constraint=False, length=24), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('refunded_cents', sa.BigInteger(), nullable=False),
    sa.Column('refunded_payments', sa.Integer(), nullable=False),
    sa.Column('fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('fee_amount_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'method', 'livemode', name=op.f('pk_finance_day'))
    )
    op.create_table('finance_donor_period',
    sa.Column('span', sa.Enum('M', 'Y', name='span', native_enum=False, create_constraint=False, length=1), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['donor_id'], ['donor.id'], name=op.f('fk_finance_donor_period_donor_id_donor')),
    sa.PrimaryKeyConstraint('span', 'starts_on', 'donor_id', name=op.f('pk_finance_donor_period'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at_id', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_action_at_id', ['action', 'at', 'id'], unique=False)
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_receipt_declaration', ['year', 'status', 'livemode', 'article', 'amount_cents'], unique=False
        )
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.create_index('ix_donation_kind_status_amount', ['kind', 'status', 'amount_cents'], unique=False)
        batch_op.create_index('ix_donation_tribute_kind', ['tribute_kind'], unique=False)
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index('ix_payment_status_created_at_id', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_payment_method_deposit_slip_id', ['method', 'deposit_slip_id'], unique=False)
    _fill(op.get_bind())


def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_method_deposit_slip_id')
        batch_op.drop_index('ix_payment_status_created_at_id')
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_index('ix_donation_tribute_kind')
        batch_op.drop_index('ix_donation_kind_status_amount')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_receipt_declaration')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_action_at_id')
        batch_op.drop_index('ix_audit_entry_at_id')
    op.drop_table('finance_donor_period')
    op.drop_table('finance_day')
