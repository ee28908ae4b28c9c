"""``python -m sandbox serve``: run the sandbox portal alone and print its URLs."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .limits import PLANS, Limits
from .persistence import StateKeeper, load_portal
from .runtime import Sandbox
from .server import RunningServer
from .state import Portal


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the sandbox portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--stores", type=int, default=250)
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--limits", choices=sorted(PLANS), default="standard")
    serve.add_argument("--state", type=Path, default=None,
                       help="load the portal from FILE if present; save it there on change and exit")
    return parser.parse_args(argv)


def build_or_load(args: argparse.Namespace) -> Portal:
    if args.state is not None:
        saved = load_portal(args.state)
        if saved is not None:
            return saved
    from .seed import build_portal
    return build_portal(stores=args.stores, seed=args.seed)


def serve(args: argparse.Namespace) -> int:
    portal = build_or_load(args)
    sandbox = Sandbox(portal)
    running = RunningServer(sandbox, args.host, args.port, Limits(args.limits, sandbox.clock.timestamp))
    keeper = StateKeeper(portal, args.state) if args.state is not None else None
    if keeper is not None:
        keeper.start()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    running.start()
    ctx = running.context
    base = running.base_url
    print(f"Sandbox portal {portal.domain} (member_id {portal.member_id}), limits {args.limits}")
    print(f"  REST base:     {base}/rest/")
    print(f"  admin webhook: {ctx.webhook_url(ctx.admin_webhook())}")
    print(f"  OAuth token:   {base}/oauth/token/")
    print(f"  portal UI:     {base}/")
    print(f"  control:       {base}/_sandbox/info")
    sys.stdout.flush()
    while not stop.wait(1.0):
        pass
    running.stop()
    if keeper is not None:
        keeper.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
