"""Finance at scale: the indexes the back office's pages and exports need, and normalised search text

Revision ID: 8d5c2f4a9e17
Revises: 5d2f8c41a9e7
Create Date: 2026-12-01 11:40:00.000000

Plain indexes on both databases: receipt (issued_at, id) and pdf_problem, audit_entry
(target_type, target_id), payment.status, donation (created_at, id) and
(amount_cents, id) for keyset pages, donor.siren and donor.last_name.
`search_text` on donor and donation (names, and the donor's email,
normalised in Python: donations.models.search_text), filled here for the
rows already stored.

PostgreSQL only (donations.models.search_indexes.POSTGRES_ONLY_INDEXES): lower(email)
for an exact email whatever its case, and trigram (pg_trgm) indexes on the
search columns, made when the extension can be created; without it the
search still works, scanning.
"""
import logging

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8d5c2f4a9e17'
down_revision = "5d2f8c41a9e7"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 2000


def _fill_search_text(bind) -> None:
    from donations.models.search_text import normalised_parts

    donor = sa.table('donor', sa.column('id'), sa.column('first_name'), sa.column('last_name'), sa.column('company_name'),
                     sa.column('email'), sa.column('search_text'))
    donation = sa.table('donation', sa.column('id'), sa.column('identity', sa.JSON), sa.column('search_text'))
    last = 0
    while True:
        rows = bind.execute(sa.select(donor.c.id, donor.c.first_name, donor.c.last_name, donor.c.company_name, donor.c.email)
                            .where(donor.c.id > last).order_by(donor.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(donor.update().where(donor.c.id == sa.bindparam('row_id')).values(search_text=sa.bindparam('text')),
                     [{'row_id': r.id, 'text': normalised_parts(r[1:])} for r in rows])
        last = rows[-1].id
    last = 0
    while True:
        rows = bind.execute(sa.select(donation.c.id, donation.c.identity).where(donation.c.id > last).order_by(donation.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(donation.update().where(donation.c.id == sa.bindparam('row_id')).values(search_text=sa.bindparam('text')),
                     [{'row_id': r.id, 'text': normalised_parts((r.identity or {}).get(k) for k in ('first_name', 'last_name', 'company_name'))}
                      for r in rows])
        last = rows[-1].id


def _trigram_available(bind) -> bool:
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        log.warning("pg_trgm is not available on this server: name searches will scan (install postgresql-contrib)")
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        log.warning("pg_trgm could not be created (a superuser must run CREATE EXTENSION pg_trgm): name searches will scan")
        return False
    return True


def upgrade():
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.create_index('ix_donor_siren', ['siren'], unique=False)
        batch_op.create_index('ix_donor_last_name', ['last_name'], unique=False)
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.create_index('ix_donation_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_donation_amount_cents_id', ['amount_cents', 'id'], unique=False)
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_status'), ['status'], unique=False)
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index('ix_receipt_issued_at_id', ['issued_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_pdf_problem'), ['pdf_problem'], unique=False)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_target', ['target_type', 'target_id'], unique=False)

    bind = op.get_bind()
    _fill_search_text(bind)
    if bind.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_donor_email_lower ON donor (lower(email))")
        if _trigram_available(bind):
            op.execute("CREATE INDEX ix_donor_search_text_trgm ON donor USING gin (search_text gin_trgm_ops)")
            op.execute("CREATE INDEX ix_donation_search_text_trgm ON donation USING gin (search_text gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_donation_search_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_donor_search_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_donor_email_lower")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_target')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_pdf_problem'))
        batch_op.drop_index('ix_receipt_issued_at_id')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_status'))
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_index('ix_donation_amount_cents_id')
        batch_op.drop_index('ix_donation_created_at_id')
        batch_op.drop_column('search_text')
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.drop_index('ix_donor_last_name')
        batch_op.drop_index('ix_donor_siren')
        batch_op.drop_column('search_text')
