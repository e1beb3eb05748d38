"""Offline gifts: cheque, transfer and cash payments, deposit slips, bank statement credits, postal receipts

Revision ID: b7d3f0a91c5e
Revises: 7f3a2c9d1e58
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3f0a91c5e'
down_revision = "7f3a2c9d1e58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deposit_slip',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deposited_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_deposit_slip_created_by_id_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit_slip')),
    )
    with op.batch_alter_table('deposit_slip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposit_slip_deposited_on'), ['deposited_on'], unique=False)

    # Every donation recorded so far came through Stripe.
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('stripe', 'cheque', 'transfer', 'cash', name='donationchannel',
                                                         native_enum=False, create_constraint=False, length=24),
                                      server_default='stripe', nullable=False))
        batch_op.add_column(sa.Column('transfer_reference', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_donation_transfer_reference'), ['transfer_reference'])

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column('cheque_bank', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('cheque_received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('offline_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('deposit_slip_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_payment_offline_key'), ['offline_key'])
        batch_op.create_index(batch_op.f('ix_payment_deposit_slip_id'), ['deposit_slip_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_deposit_slip_id_deposit_slip'), 'deposit_slip', ['deposit_slip_id'], ['id'])

    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('posted_at', sa.DateTime(), nullable=True))

    op.create_table(
        'bank_credit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_key', sa.String(length=64), nullable=False),
        sa.Column('booked_on', sa.Date(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=140), nullable=False),
        sa.Column('debtor_name', sa.String(length=140), nullable=False),
        sa.Column('statement', sa.String(length=140), nullable=False),
        sa.Column('status', sa.Enum('unmatched', 'matched', 'ignored', name='bankcreditstatus', native_enum=False,
                                    create_constraint=False, length=24), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_bank_credit_amount_positive')),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_bank_credit_payment_id_payment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_credit')),
        sa.UniqueConstraint('entry_key', name=op.f('uq_bank_credit_entry_key')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_bank_credit_payment_id')),
    )
    with op.batch_alter_table('bank_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_credit_booked_on'), ['booked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_credit_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_credit_status'))
        batch_op.drop_index(batch_op.f('ix_bank_credit_booked_on'))
    op.drop_table('bank_credit')

    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('posted_at')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_deposit_slip_id_deposit_slip'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_deposit_slip_id'))
        batch_op.drop_constraint(batch_op.f('uq_payment_offline_key'), type_='unique')
        batch_op.drop_column('deposit_slip_id')
        batch_op.drop_column('offline_key')
        batch_op.drop_column('cheque_received_on')
        batch_op.drop_column('cheque_bank')
        batch_op.drop_column('reference')

    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_donation_transfer_reference'), type_='unique')
        batch_op.drop_column('transfer_reference')
        batch_op.drop_column('channel')

    with op.batch_alter_table('deposit_slip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposit_slip_deposited_on'))
    op.drop_table('deposit_slip')
