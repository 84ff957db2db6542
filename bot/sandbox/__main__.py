"""Run the sandbox standalone: `python -m bot.sandbox [--port 8081] [--token T]`.

Point a bot at it with base_url=http://HOST:PORT/bot and base_file_url=http://HOST:PORT/file/bot.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from bot.sandbox.sandbox import BotApiSandbox

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(description="Offline Telegram Bot API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:SANDBOX-TOKEN")
    parser.add_argument("--username", default="ProxiSandboxBot")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sandbox = BotApiSandbox(args.token, bot_username=args.username, host=args.host, port=args.port)
    done = threading.Event()
    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: done.set())
    with sandbox:
        logger.info("base_url=%s base_file_url=%s", sandbox.base_url, sandbox.base_file_url)
        try:
            done.wait()
        except KeyboardInterrupt:
            logger.info("interrupted")


if __name__ == "__main__":
    main()
