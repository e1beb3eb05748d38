"""One-off gifts paid by card at the Stripe sandbox, for the webhook bench's receipt variant.

Each gift is a pending one-off donation of the bench's database: its Checkout
Session is opened with the service's own parameters (`stripe_api.checkout_params`),
paid with Stripe's test card through the sandbox's control, and its
`checkout.session.completed` event, as the sandbox made it, is what the bench
sends. Applying that event reads the PaymentIntent from the sandbox (as the
service reads it from Stripe), records the payment and issues the numbered
receipt.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from donations.platform import stripe_api as payments
from stripe_sandbox import SandboxHandle

CARD_OK = "4242424242424242"
THREADS = 4


def _paid(sandbox: SandboxHandle, client: object, public_id: str, amount_cents: int) -> None:
    request = payments.CheckoutRequest(
        donation_public_id=public_id,
        monthly=False,
        amount_cents=amount_cents,
        product_name="Don à la fondation",
        description="Don ponctuel",
        locale="fr",
        success_url="http://127.0.0.1/donate/thanks",
        cancel_url="http://127.0.0.1/donate",
        customer_email=f"donor-{public_id[:8]}@example.org",
    )
    checkout = payments.create_checkout_session(client, request)  # type: ignore[arg-type]
    answer = requests.post(f"{sandbox.url}/_sandbox/checkout/{checkout['id']}/pay", data={"card": CARD_OK}, timeout=30)
    if answer.status_code != 200 or answer.json().get("status") != "succeeded":
        raise RuntimeError(f"the sandbox did not take the payment of {public_id}: {answer.text[:300]}")


def paid_checkout_events(sandbox: SandboxHandle, public_ids: list[str], amount_cents: int) -> list[str]:
    """The `checkout.session.completed` bodies of one paid gift per donation, in the donations' order."""
    client = payments.make_client({"STRIPE_USES_SANDBOX": True, "STRIPE_API_BASE": sandbox.url})
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda public_id: _paid(sandbox, client, public_id, amount_cents), public_ids))
    completed = {
        event["data"]["object"]["metadata"]["donation_id"]: json.dumps(event)
        for event in payments.list_events(client, 0)
        if event["type"] == "checkout.session.completed"
    }
    missing = [public_id for public_id in public_ids if public_id not in completed]
    if missing:
        raise RuntimeError(f"{len(missing)} paid gifts have no checkout.session.completed event")
    return [completed[public_id] for public_id in public_ids]
