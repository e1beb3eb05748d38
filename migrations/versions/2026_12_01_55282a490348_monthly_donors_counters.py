"""The monthly-donors report's counters: each month's giving, new, lapsed and stopped monthly gifts

Revision ID: 55282a490348
Revises: 1b9344b8caba
Create Date: 2026-12-01 17:40:00.000000

finance_monthly_gift_month: the months in which each monthly gift had a succeeded payment (on its Paris
day); finance_monthly_gift_stop: the Paris month each stopped monthly gift ended (Stripe's first
customer.subscription.deleted event, else its last change); finance_monthly_donors: per month, how
many monthly gifts gave, were new, lapsed (gave the month before, not this one, not stopped by then)
and stopped. payout_line (booked_at) over the lines of fees charged apart from a payment: the fees
report's. Filled here from the history already stored; the flush keeps them up to date afterwards
(donations.models.monthly_upkeep) and `flask finance rebuild-rollups` recomputes them.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '55282a490348'
down_revision = "1b9344b8caba"
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")
FIGURES = ("giving", "new", "lapsed", "stopped")
# The payout lines of fees charged apart from a payment (a dispute's): the fees report reads only them.
OTHER_FEES = "type NOT IN ('charge', 'payment') AND fee_cents <> 0"


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _fill(bind) -> None:
    postgres = bind.dialect.name == "postgresql"
    start = "CAST(date_trunc('month', p.received_on) AS DATE)" if postgres else "date(p.received_on, 'start of month')"
    op.execute(
        f"INSERT INTO finance_monthly_gift_month (donation_id, month) SELECT DISTINCT p.donation_id, {start} "
        "FROM payment p JOIN donation d ON d.id = p.donation_id "
        "WHERE d.kind = 'monthly' AND p.status = 'succeeded' AND p.received_on IS NOT NULL"
    )
    stopped = bind.execute(
        sa.text(
            "SELECT d.id, d.updated_at, min(e.created) AS ended FROM donation d "
            "LEFT JOIN stripe_event e ON e.donation_id = d.id AND e.type = 'customer.subscription.deleted' "
            "WHERE d.kind = 'monthly' AND d.status = 'cancelled' GROUP BY d.id, d.updated_at"
        ).columns(sa.column("id"), sa.column("updated_at", sa.DateTime), sa.column("ended", sa.DateTime))
    ).all()
    stops = sa.table("finance_monthly_gift_stop", sa.column("donation_id", sa.Integer), sa.column("month", sa.Date))
    rows = []
    for donation_id, updated, ended in stopped:
        at = (ended or updated).replace(tzinfo=dt.timezone.utc).astimezone(PARIS)
        rows.append({"donation_id": donation_id, "month": at.date().replace(day=1)})
    if rows:
        op.bulk_insert(stops, rows)
    after = "CAST(g.month + INTERVAL '1 month' AS DATE)" if postgres else "date(g.month, '+1 month')"
    queries = {
        "giving": "SELECT month, count(*) FROM finance_monthly_gift_month GROUP BY month",
        "new": "SELECT m, count(*) FROM (SELECT min(month) AS m FROM finance_monthly_gift_month "
        "GROUP BY donation_id) f GROUP BY m",
        "stopped": "SELECT month, count(*) FROM finance_monthly_gift_stop GROUP BY month",
        "lapsed": f"SELECT {after}, count(*) FROM finance_monthly_gift_month g "
        f"LEFT JOIN finance_monthly_gift_month h ON h.donation_id = g.donation_id AND h.month = {after} "
        "LEFT JOIN finance_monthly_gift_stop s ON s.donation_id = g.donation_id "
        f"WHERE h.donation_id IS NULL AND (s.month IS NULL OR s.month > {after}) GROUP BY {after}",
    }
    counts: dict[dt.date, dict[str, int]] = {}
    for figure, query in queries.items():
        for month, count in bind.execute(sa.text(query)):
            counts.setdefault(_date(month), dict.fromkeys(FIGURES, 0))[figure] = int(count)
    months = sa.table(
        "finance_monthly_donors", sa.column("month", sa.Date), *(sa.column(f, sa.Integer) for f in FIGURES)
    )
    if counts:
        op.bulk_insert(months, [{"month": m, **c} for m, c in sorted(counts.items())])


def upgrade():
    op.create_table('finance_monthly_gift_month',
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['donation_id'], ['donation.id'], name=op.f('fk_finance_monthly_gift_month_donation_id_donation')),
    sa.PrimaryKeyConstraint('donation_id', 'month', name=op.f('pk_finance_monthly_gift_month'))
    )
    op.create_table('finance_monthly_gift_stop',
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['donation_id'], ['donation.id'], name=op.f('fk_finance_monthly_gift_stop_donation_id_donation')),
    sa.PrimaryKeyConstraint('donation_id', name=op.f('pk_finance_monthly_gift_stop'))
    )
    op.create_table('finance_monthly_donors',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('giving', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('lapsed', sa.Integer(), nullable=False),
    sa.Column('stopped', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_finance_monthly_donors'))
    )
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.create_index(
            'ix_payout_line_other_fees', ['booked_at'], unique=False,
            postgresql_where=sa.text(OTHER_FEES), sqlite_where=sa.text(OTHER_FEES),
        )
    _fill(op.get_bind())


def downgrade():
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_line_other_fees')
    op.drop_table('finance_monthly_donors')
    op.drop_table('finance_monthly_gift_stop')
    op.drop_table('finance_monthly_gift_month')
