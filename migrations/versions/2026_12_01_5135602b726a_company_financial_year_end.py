"""A company's financial-year end on its donor record

Revision ID: 5135602b726a
Revises: c4e8a1f2b905
Create Date: 2026-12-01 17:40:00.000000

donor.financial_year_end: "MM-DD", the day and month a company's financial year ends (its recaps, Cerfa
16216, cover one financial year). Every existing row gets 12-31, the calendar year, as before.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5135602b726a'
down_revision = "c4e8a1f2b905"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("donor") as batch_op:
        batch_op.add_column(sa.Column("financial_year_end", sa.String(length=5), server_default="12-31", nullable=False))


def downgrade():
    with op.batch_alter_table("donor") as batch_op:
        batch_op.drop_column("financial_year_end")
