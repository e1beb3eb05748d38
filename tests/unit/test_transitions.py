"""Each status changes through one transition function that only moves forward."""

from __future__ import annotations

import pytest

from donations.models import Payment, PaymentStatus, Receipt, ReceiptStatus
from donations.models.donation import PAYMENT_TRANSITIONS
from donations.models.receipt import RECEIPT_TRANSITIONS


@pytest.mark.parametrize("start", list(PaymentStatus))
@pytest.mark.parametrize("target", list(PaymentStatus))
def test_a_payment_moves_only_forward(start: PaymentStatus, target: PaymentStatus) -> None:
    payment = Payment(status=start)
    allowed = target == start or target in PAYMENT_TRANSITIONS[start]
    assert payment.move_to(target) is allowed
    assert payment.status == (target if allowed else start)


def test_a_succeeded_payment_is_final_and_a_failed_one_may_still_succeed() -> None:
    assert PAYMENT_TRANSITIONS[PaymentStatus.SUCCEEDED] == frozenset()
    assert Payment(status=PaymentStatus.FAILED).move_to(PaymentStatus.SUCCEEDED)
    assert not Payment(status=PaymentStatus.FAILED).move_to(PaymentStatus.PROCESSING)


def test_a_receipt_is_cancelled_once_and_never_issued_again() -> None:
    receipt = Receipt(status=ReceiptStatus.ISSUED)
    assert receipt.move_to(ReceiptStatus.CANCELLED)
    assert not receipt.move_to(ReceiptStatus.CANCELLED)
    assert not receipt.move_to(ReceiptStatus.ISSUED)
    assert receipt.status == ReceiptStatus.CANCELLED
    assert set(RECEIPT_TRANSITIONS) == set(ReceiptStatus)
