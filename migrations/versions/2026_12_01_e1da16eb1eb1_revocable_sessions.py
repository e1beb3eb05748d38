"""Revocable sessions: a session generation per staff account, and the end of a donor's portal session

Revision ID: e1da16eb1eb1
Revises: 71e57a05314c
Create Date: 2026-12-01 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1da16eb1eb1'
down_revision = '71e57a05314c'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts start at generation 0, which is what their sessions lack: every session
    # opened before this migration ends, and staff sign in once more.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('donor_sign_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_ended_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('donor_sign_in', schema=None) as batch_op:
        batch_op.drop_column('session_ended_at')

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
