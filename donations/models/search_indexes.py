"""Indexes the migrations make on PostgreSQL only, outside the models' metadata.

SQLite cannot reflect an expression index, and the trigram indexes exist only
where the pg_trgm extension could be created, so none of these is declared
on a model: the schema check (tests/test_schema.py) leaves them aside, and
the migration 8d5c2f4a9e17 makes them.
"""

POSTGRES_ONLY_INDEXES = frozenset({"ix_donor_email_lower", "ix_donor_search_text_trgm", "ix_donation_search_text_trgm"})
