"""Infrastructure: Stripe's API, jobs and workers, mail, the web layer, security."""
