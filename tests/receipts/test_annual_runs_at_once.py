"""Two January runs over the same donors at once: each recap is issued once.

It happens when the batch is started twice (cron and a person), or when a
chunk whose worker died is delivered again while a rerun takes the same
donors. The second run must wait for the first and then find every payment
covered, not issue a second recap from what it read before the first committed.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

from donations.models import Donor, Receipt, receipt_payment
from receipts.annual import issue_recaps
from tests.support.bulk import make_monthly_donors
from tests.support.factories import issuing_context

DONORS = 30


def test_a_second_run_over_the_same_donors_waits_for_the_first_and_issues_nothing(database_url: str) -> None:
    engine = sa.create_engine(database_url, connect_args={"timeout": 30} if database_url.startswith("sqlite") else {})
    ctx = issuing_context()
    year = ctx.today.year - 1  # the January batch recaps the year just ended
    make_monthly_donors(engine, DONORS, year=year)
    with Session(engine) as session:
        donor_ids = list(session.scalars(sa.select(Donor.id).order_by(Donor.id)))

    first = Session(engine)
    assert len(issue_recaps(first, year, donor_ids, ctx)) == DONORS  # issued, not yet committed

    outcome: dict[str, object] = {}

    def second_run() -> None:
        try:
            with Session(engine) as session:
                outcome["issued"] = len(issue_recaps(session, year, donor_ids, ctx))
                session.commit()
        except Exception as error:  # reported below, not lost in the thread
            outcome["error"] = error

    second = threading.Thread(target=second_run)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive(), "the second run should wait while the first holds the donors' gifts"
    first.commit()
    first.close()
    second.join(timeout=60)
    assert not second.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["issued"] == 0

    with engine.connect() as conn:
        sequences = conn.execute(sa.select(Receipt.sequence).order_by(Receipt.sequence)).scalars().all()
        listed, distinct = conn.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(receipt_payment.c.payment_id))).select_from(
                receipt_payment
            )
        ).one()
    engine.dispose()
    assert sequences == list(range(1, DONORS + 1))
    assert listed == distinct == DONORS * 12
