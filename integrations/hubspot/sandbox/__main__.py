"""``python -m integrations.hubspot.sandbox``: run the HubSpot sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys

from .server import DEFAULT_TOKEN, SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.hubspot.sandbox",
        description="A HubSpot CRM API look-alike on 127.0.0.1 (control API under /_sandbox/).",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--token",
        default=DEFAULT_TOKEN,
        help="bearer token the server accepts (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=190,
        help="calls per rolling 10 s window (default: %(default)s)",
    )
    parser.add_argument("--daily-limit", type=int, default=650_000)
    parser.add_argument(
        "--search-rate-limit",
        type=int,
        default=None,
        help="search calls per second (HubSpot: 4); off unless given",
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="fraction of calls answered 502/503/500"
    )
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--timeout-rate",
        type=float,
        default=0.0,
        help="fraction of calls that hang for --hang-seconds",
    )
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    parser.add_argument(
        "--search-delay-ms",
        type=int,
        default=0,
        help="how long new records stay out of search results",
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = SandboxServer(
        port=args.port,
        token=args.token,
        rate_limit=args.rate_limit,
        fail_rate=args.fail_rate,
        latency_ms=args.latency_ms,
        seed=args.seed,
        timeout_rate=args.timeout_rate,
        hang_seconds=args.hang_seconds,
        daily_limit=args.daily_limit,
        search_rate_limit=args.search_rate_limit,
        search_delay_ms=args.search_delay_ms,
    )
    print(f"HubSpot sandbox on {server.url} (token {args.token!r}); Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
