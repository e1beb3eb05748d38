"""A local stand-in for Stripe test mode: the API subset the donation service uses,
hosted Checkout and billing portal pages, signed webhooks with retries, and
/_sandbox controls to pay, settle, renew and dispute from tests and demos.

    handle = serve_in_thread({"webhook_url": ..., "webhook_secret": "whsec_..."})
    client = stripe.StripeClient("sk_test_sandbox", base_addresses={"api": handle.url, ...})
"""

from .app import Sandbox, SandboxHandle, create_sandbox_app, serve_in_thread
from .webhooks import DEFAULT_RETRY_SCHEDULE, sign

__all__ = ["DEFAULT_RETRY_SCHEDULE", "Sandbox", "SandboxHandle", "create_sandbox_app", "serve_in_thread", "sign"]
