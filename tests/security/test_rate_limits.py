"""The limiter only looks at POST requests other than Stripe's (donations/extensions.py): every limit must be one.

That the POST limits still bite is tested where they are: tests/finance/test_access.py
and tests/security/test_behind_a_proxy.py (staff sign-in, counted by
donations/finance/sign_in_backoff.py in the limiter's storage), tests/portal/test_portal.py
(sign-in links) and tests/security/test_checkout_limits.py (Checkout Sessions, counted by
donations/giving/checkout_limits.py inside POST /donate, never on a page or a webhook).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter.util import get_qualified_name

from donations.extensions import limiter


def test_every_declared_rate_limit_is_on_post_only(app: Flask) -> None:
    limited = {}
    with app.test_request_context():
        assert not limiter.limit_manager.application_limits and not limiter.limit_manager.default_limits
        for endpoint, view in app.view_functions.items():
            limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
            limits += limiter.limit_manager.blueprint_limits(app, endpoint.rpartition(".")[0])
            if limits:
                limited[endpoint] = {limit.methods for limit in limits}
    assert {"portal.request_link"} <= set(limited), limited  # the walk finds the limits there are
    assert all(methods == {("post",)} for methods in limited.values()), limited
    assert not any(endpoint.startswith("webhooks.") for endpoint in limited), limited
