"""Accounting rollups (the gift accounts per day and account, the receipts per year), donors counted per period and donations per status

Revision ID: 1b9344b8caba
Revises: 5135602b726a
Create Date: 2026-12-01 17:30:00.000000

finance_book_day: per Paris day, account (a company's gift, mécénat, or a person's) and Stripe mode, what the
FEC credits the gift accounts (gifts received) and debits them (refunds and lost disputes, those on earlier
years' gifts apart); finance_receipt_year: per year and mode, the art. 222 bis total of the receipts issued,
those for earlier years' gifts only, and the money kept of the year's gifts a receipt of the year covers;
finance_period_donors: the rows of finance_donor_period counted per month and year; finance_donation_status:
the donations of each kind in each status, counted with their amounts (the running monthly gifts). All filled here from the
rows already stored (donations.finance.books_rollups does the same for `flask finance rebuild-rollups`).
"""
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '1b9344b8caba'
down_revision = '5135602b726a'
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")
payment = sa.table(
    "payment",
    sa.column("id", sa.Integer),
    sa.column("donation_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("received_on", sa.Date),
    sa.column("livemode", sa.Boolean),
    sa.column("amount_cents", sa.Integer),
    sa.column("refunded_cents", sa.Integer),
)
donation = sa.table("donation", sa.column("id", sa.Integer), sa.column("tax_scheme", sa.String), sa.column("identity", sa.JSON))
reversal = sa.table(
    "payment_reversal",
    sa.column("payment_id", sa.Integer),
    sa.column("booked_on", sa.Date),
    sa.column("amount_cents", sa.Integer),
)
receipt = sa.table(
    "receipt",
    sa.column("id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("status", sa.String),
    sa.column("livemode", sa.Boolean),
    sa.column("amount_cents", sa.Integer),
    sa.column("cancelled_at", sa.DateTime),
)
link = sa.table("receipt_payment", sa.column("receipt_id", sa.Integer), sa.column("payment_id", sa.Integer))
period = sa.table("finance_donor_period", sa.column("span", sa.String), sa.column("starts_on", sa.Date))


def _company():
    return sa.or_(donation.c.tax_scheme == "company", donation.c.identity["donor_type"].as_string() == "company")


def _books(bind) -> dict:
    books: dict = {}
    company = _company()
    succeeded = sa.and_(payment.c.status == "succeeded", payment.c.received_on.is_not(None))
    for day, firm, live, cents in bind.execute(
        sa.select(payment.c.received_on, company, payment.c.livemode, sa.func.sum(payment.c.amount_cents))
        .join(donation, donation.c.id == payment.c.donation_id)
        .where(succeeded)
        .group_by(payment.c.received_on, company, payment.c.livemode)
    ):
        books.setdefault((day, bool(firm), bool(live)), Counter())["credited_cents"] += int(cents)
    earlier = sa.extract("year", payment.c.received_on) < sa.extract("year", reversal.c.booked_on)
    for day, firm, live, cents, earlier_cents in bind.execute(
        sa.select(
            reversal.c.booked_on,
            company,
            payment.c.livemode,
            sa.func.sum(reversal.c.amount_cents),
            sa.func.sum(sa.case((earlier, reversal.c.amount_cents), else_=0)),
        )
        .join(payment, payment.c.id == reversal.c.payment_id)
        .join(donation, donation.c.id == payment.c.donation_id)
        .group_by(reversal.c.booked_on, company, payment.c.livemode)
    ):
        books.setdefault((day, bool(firm), bool(live)), Counter()).update(
            reversed_cents=int(cents), earlier_reversed_cents=int(earlier_cents or 0)
        )
    # What remains of a refunded amount undated: on the day its receipt was cancelled, else its gift's.
    recorded = (
        sa.select(sa.func.coalesce(sa.func.sum(reversal.c.amount_cents), 0))
        .where(reversal.c.payment_id == payment.c.id)
        .scalar_subquery()
    )
    rows = bind.execute(
        sa.select(payment.c.id, payment.c.received_on, payment.c.livemode, payment.c.refunded_cents - recorded, company)
        .join(donation, donation.c.id == payment.c.donation_id)
        .where(succeeded, payment.c.refunded_cents > 0, payment.c.refunded_cents > recorded)
    ).all()
    for payment_id, received_on, live, rest, firm in rows:
        cancelled = bind.scalar(
            sa.select(sa.func.max(receipt.c.cancelled_at))
            .join(link, link.c.receipt_id == receipt.c.id)
            .where(link.c.payment_id == payment_id, receipt.c.status == "cancelled")
        )
        day = cancelled.replace(tzinfo=dt.UTC).astimezone(PARIS).date() if cancelled else received_on
        row = books.setdefault((day, bool(firm), bool(live)), Counter())
        row["reversed_cents"] += int(rest)
        if received_on < dt.date(day.year, 1, 1):
            row["earlier_reversed_cents"] += int(rest)
    return books


def _years(bind) -> dict:
    years: dict = {}
    later_payment = sa.exists().where(
        link.c.receipt_id == receipt.c.id,
        payment.c.id == link.c.payment_id,
        sa.extract("year", payment.c.received_on) >= receipt.c.year,
    )
    for year, live, declared, earlier in bind.execute(
        sa.select(
            receipt.c.year,
            receipt.c.livemode,
            sa.func.sum(receipt.c.amount_cents),
            sa.func.sum(sa.case((~later_payment, receipt.c.amount_cents), else_=0)),
        )
        .where(receipt.c.status == "issued")
        .group_by(receipt.c.year, receipt.c.livemode)
    ):
        years.setdefault((year, bool(live)), Counter()).update(
            declared_cents=int(declared or 0), earlier_receipts_cents=int(earlier or 0)
        )
    payment_year = sa.extract("year", payment.c.received_on)
    covered = sa.exists().where(
        link.c.payment_id == payment.c.id,
        receipt.c.id == link.c.receipt_id,
        receipt.c.status == "issued",
        receipt.c.year == payment_year,
    )
    for year, live, kept in bind.execute(
        sa.select(payment_year, payment.c.livemode, sa.func.sum(payment.c.amount_cents - payment.c.refunded_cents))
        .where(payment.c.status == "succeeded", payment.c.received_on.is_not(None), covered)
        .group_by(payment_year, payment.c.livemode)
    ):
        years.setdefault((int(year), bool(live)), Counter())["covered_kept_cents"] += int(kept or 0)
    return years


def _fill(bind, books_table, years_table) -> None:
    for table, key, counters, rows in (
        (books_table, ("day", "company", "livemode"), ("credited_cents", "reversed_cents", "earlier_reversed_cents"), _books(bind)),
        (years_table, ("year", "livemode"), ("declared_cents", "earlier_receipts_cents", "covered_kept_cents"), _years(bind)),
    ):
        values = [
            {**dict(zip(key, k)), **{c: int(row[c]) for c in counters}}
            for k, row in rows.items()
            if any(row[c] for c in counters)
        ]
        if values:
            op.bulk_insert(table, values)
    op.execute(
        "INSERT INTO finance_period_donors (span, starts_on, donors) "
        "SELECT span, starts_on, count(*) FROM finance_donor_period GROUP BY span, starts_on"
    )


def upgrade():
    books_table = op.create_table('finance_book_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('company', sa.Boolean(), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('credited_cents', sa.BigInteger(), nullable=False),
    sa.Column('reversed_cents', sa.BigInteger(), nullable=False),
    sa.Column('earlier_reversed_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'company', 'livemode', name=op.f('pk_finance_book_day'))
    )
    years_table = op.create_table('finance_receipt_year',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('declared_cents', sa.BigInteger(), nullable=False),
    sa.Column('earlier_receipts_cents', sa.BigInteger(), nullable=False),
    sa.Column('covered_kept_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('year', 'livemode', name=op.f('pk_finance_receipt_year'))
    )
    op.create_table('finance_period_donors',
    sa.Column('span', sa.Enum('M', 'Y', name='span', native_enum=False, create_constraint=False, length=1), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('donors', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('span', 'starts_on', name=op.f('pk_finance_period_donors'))
    )
    op.create_table('finance_donation_status',
    sa.Column('kind', sa.Enum('one_off', 'monthly', 'ifi', name='donationkind', native_enum=False, create_constraint=False, length=24), nullable=False),
    sa.Column('status', sa.Enum('pending', 'processing', 'paid', 'active', 'paused', 'failed', 'expired', 'cancelled', 'refunded', 'lapsed', name='donationstatus', native_enum=False, create_constraint=False, length=24), nullable=False),
    sa.Column('donations', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'status', name=op.f('pk_finance_donation_status'))
    )
    _fill(op.get_bind(), books_table, years_table)
    op.execute(
        "INSERT INTO finance_donation_status (kind, status, donations, amount_cents) "
        "SELECT kind, status, count(*), coalesce(sum(amount_cents), 0) FROM donation GROUP BY kind, status"
    )


def downgrade():
    op.drop_table('finance_donation_status')
    op.drop_table('finance_period_donors')
    op.drop_table('finance_receipt_year')
    op.drop_table('finance_book_day')
