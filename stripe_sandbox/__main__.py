"""``python -m stripe_sandbox --port PORT --webhook-url URL --webhook-secret SECRET``."""

from __future__ import annotations

import argparse
import logging
import sys

from werkzeug.serving import make_server

from .app import create_sandbox_app

log = logging.getLogger("stripe_sandbox")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_sandbox", description="Local stand-in for Stripe test mode (development, demos, tests)."
    )
    parser.add_argument("--port", type=int, default=12111, help="port to listen on (default 12111)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--webhook-url", help="where to POST signed events (none: events are only stored)")
    parser.add_argument("--webhook-secret", help="signing secret shared with the receiver (whsec_...)")
    parser.add_argument(
        "--public-url", help="base URL browsers use to reach the hosted pages (default http://HOST:PORT)"
    )
    parser.add_argument(
        "--sepa-delay",
        type=float,
        default=3.0,
        help="seconds before a SEPA debit settles (negative: only via the control endpoint)",
    )
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-secret is required with --webhook-url")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    app = create_sandbox_app(
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        public_url=public_url,
        sepa_delay=args.sepa_delay,
    )
    server = make_server(args.host, args.port, app, threaded=True)
    log.info("Stripe sandbox on %s (webhooks to %s)", public_url, args.webhook_url or "nowhere: stored only")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["stripe_sandbox"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
