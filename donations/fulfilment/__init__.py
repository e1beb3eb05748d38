"""Stripe says what happened: the webhook, stored events, their handlers, reconcile."""
