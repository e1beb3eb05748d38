"""/finance: the back office of finance staff (sign-in, donations, receipts, exports, actions, audit).

Its blueprint is `donations.finance.views.bp`; `action_views` and `staff_views` add theirs to it.
"""
