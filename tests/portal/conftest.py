"""The portal is tested on the live app with a real local SMTP server."""

from tests.receipts.conftest import live_settings, smtp  # noqa: F401  (mail goes to aiosmtpd)
from tests.e2e.conftest import give, live  # noqa: F401
