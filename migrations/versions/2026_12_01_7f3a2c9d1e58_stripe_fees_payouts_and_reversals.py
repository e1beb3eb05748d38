"""Stripe money and the books: each payment's fee and net, payouts and their lines, dated reversals

Revision ID: 7f3a2c9d1e58
Revises: b7d2c4e9f013
Create Date: 2026-12-01 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3a2c9d1e58'
down_revision = 'b7d2c4e9f013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stripe_payout_id', sa.String(length=255), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('arrival_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
        sa.UniqueConstraint('stripe_payout_id', name=op.f('uq_payout_stripe_payout_id')),
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_arrival_on'), ['arrival_on'], unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_balance_transaction_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('fee_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('net_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payout_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_stripe_balance_transaction_id'), ['stripe_balance_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_payout_id'), ['payout_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_payout_id_payout'), 'payout', ['payout_id'], ['id'])

    op.create_table(
        'payout_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payout_id', sa.Integer(), nullable=False),
        sa.Column('stripe_balance_transaction_id', sa.String(length=255), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('fee_cents', sa.Integer(), nullable=False),
        sa.Column('net_cents', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=255), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('booked_at', sa.DateTime(), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['payout_id'], ['payout.id'], name=op.f('fk_payout_line_payout_id_payout')),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payout_line_payment_id_payment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_line')),
        sa.UniqueConstraint('stripe_balance_transaction_id', name=op.f('uq_payout_line_stripe_balance_transaction_id')),
    )
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_line_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_line_payment_id'), ['payment_id'], unique=False)

    op.create_table(
        'payment_reversal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('refund', 'dispute', name='reversalkind', native_enum=False,
                                  create_constraint=False, length=12), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('booked_at', sa.DateTime(), nullable=False),
        sa.Column('booked_on', sa.Date(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payment_reversal_amount_positive')),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_reversal_payment_id_payment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reversal')),
    )
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reversal_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_reversal_booked_on'), ['booked_on'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reversal_booked_on'))
        batch_op.drop_index(batch_op.f('ix_payment_reversal_payment_id'))
    op.drop_table('payment_reversal')
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_line_payment_id'))
        batch_op.drop_index(batch_op.f('ix_payout_line_payout_id'))
    op.drop_table('payout_line')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_payout_id_payout'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_payout_id'))
        batch_op.drop_index(batch_op.f('ix_payment_stripe_balance_transaction_id'))
        batch_op.drop_column('payout_id')
        batch_op.drop_column('net_cents')
        batch_op.drop_column('fee_cents')
        batch_op.drop_column('stripe_balance_transaction_id')
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_arrival_on'))
    op.drop_table('payout')
