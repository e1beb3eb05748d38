"""Giving extras: fees covered, tributes, campaigns and the source of the visit on each donation

Revision ID: 5a7c19e3d4b2
Revises: b7d3f0a91c5e
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7c19e3d4b2'
down_revision = "b7d3f0a91c5e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('text_markdown', sa.Text(), nullable=False),
        sa.Column('image_url', sa.String(length=500), nullable=True),
        sa.Column('image_alt', sa.String(length=300), nullable=True),
        sa.Column('goal_cents', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('preset_amounts', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('goal_cents > 0', name=op.f('ck_campaign_goal_positive')),
        sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name=op.f('ck_campaign_ends_after_start')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
        sa.UniqueConstraint('slug', name=op.f('uq_campaign_slug')),
    )
    # The landing page's article is the default campaign: gifts naming no campaign count for it.
    op.execute(
        "INSERT INTO campaign (slug, title, text_markdown, goal_cents, preset_amounts, created_at) "
        "VALUES ('dystonie', 'Dystonie', '', 10000000, '', CURRENT_TIMESTAMP)"
    )
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fees_covered_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fees_method', sa.Enum('card', 'sepa_debit', name='paymentmethod', native_enum=False,
                                                              create_constraint=False, length=12), nullable=True))
        batch_op.add_column(sa.Column('tribute_kind', sa.Enum('in_memory_of', 'in_honour_of', name='tributekind', native_enum=False,
                                                               create_constraint=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('tribute_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('tribute_notify_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('tribute_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('tribute_show_amount', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('tribute_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('utm_source', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('utm_medium', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('utm_campaign', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_donation_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_donation_campaign_id_campaign'), 'campaign', ['campaign_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_donation_fees_within_amount'), 'fees_covered_cents >= 0 AND fees_covered_cents < amount_cents'
        )


def downgrade():
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_donation_fees_within_amount'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_donation_campaign_id_campaign'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_donation_campaign_id'))
        for column in ('utm_campaign', 'utm_medium', 'utm_source', 'campaign_id', 'tribute_notified_at', 'tribute_show_amount',
                       'tribute_message', 'tribute_notify_email', 'tribute_name', 'tribute_kind', 'fees_method',
                       'fees_covered_cents'):
            batch_op.drop_column(column)
    op.drop_table('campaign')
