"""Receipts remember why their PDF could not be drawn or stored (shown to finance, retried)

Revision ID: 71e57a05314c
Revises: 3c1e9a7d2b40
Create Date: 2026-12-01 08:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '71e57a05314c'
down_revision = '3c1e9a7d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_problem', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('pdf_problem_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('pdf_problem_at')
        batch_op.drop_column('pdf_problem')
