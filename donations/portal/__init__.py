"""/my: the donor portal (sign-in by emailed link, gifts, receipts, monthly gift)."""
