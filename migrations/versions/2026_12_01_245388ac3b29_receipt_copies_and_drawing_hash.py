"""Signed receipts: the unsigned drawing's hash on each receipt, and a row per stored copy

Revision ID: 245388ac3b29
Revises: e1da16eb1eb1
Create Date: 2026-12-01 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '245388ac3b29'
down_revision = 'e1da16eb1eb1'
branch_labels = None
depends_on = None


def upgrade():
    # Receipts stored before signing keep drawing_sha256 NULL: their pdf_sha256 is the unsigned
    # drawing's, which a redraw is checked against.
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drawing_sha256', sa.String(length=64), nullable=True))

    op.create_table(
        'receipt_copy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Enum('issued', 'redrawn', name='copyreason', native_enum=False,
                                    create_constraint=False, length=12), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('signed_by', sa.String(length=300), nullable=True),
        sa.Column('stored_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_receipt_copy_receipt_id_receipt')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_copy')),
    )
    with op.batch_alter_table('receipt_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_copy_receipt_id'), ['receipt_id'], unique=False)

    # The files already stored are each receipt's issued copy, unsigned.
    op.execute(
        "INSERT INTO receipt_copy (receipt_id, sha256, reason, signed_at, signed_by, stored_at) "
        "SELECT id, pdf_sha256, 'issued', NULL, NULL, issued_at FROM receipt WHERE pdf_sha256 IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('receipt_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_copy_receipt_id'))

    op.drop_table('receipt_copy')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('drawing_sha256')
