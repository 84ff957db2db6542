"""HTTP layer of the sandbox: routes `/bot<token>/<method>` and `/file/bot<token>/<path>`.

It only decodes requests and encodes answers; the Bot API semantics live behind the
`Backend` protocol (implemented by `BotApiSandbox`). Runs a `ThreadingHTTPServer` in a
daemon thread so it works beside an asyncio application in the same process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from bot.sandbox.multipart import BodyError, UploadedFile, parse_body

logger = logging.getLogger(__name__)

NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class Backend(Protocol):
    def handle_api(
        self, token: str, method: str, values: dict[str, str], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]: ...

    def read_file(self, token: str, file_path: str) -> tuple[int, bytes | dict[str, Any]]: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of new connections (dozens of users
    # answered at once) overflowed it, and Linux then drops the handshake's last ACK, so a
    # client that believed itself connected lost its request (httpx.ReadError). Telegram's
    # front ends accept such bursts.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], backend: Backend) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-connection (a bot process SIGKILLed) is not the sandbox's
        error: logged quietly instead of a traceback on stderr."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("sandbox client %s went away", client_address)
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Drop idle keep-alive connections so their handler threads end with the server."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: PTB/httpx reuse connections
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms stalls
    server: _Server
    timeout = 120  # idle keep-alive connections are closed after this

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox http: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        path = url.path
        backend = self.server.backend
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            status, payload = backend.read_file(unquote(token), unquote(file_path))
            if isinstance(payload, bytes):
                self._send(status, payload, "application/octet-stream")
            else:
                self._send_json(status, payload)
            return
        if not path.startswith("/bot"):
            self._send_json(404, NOT_FOUND)
            return
        token, _, method = path.removeprefix("/bot").partition("/")
        try:
            values, files = parse_body(body, self.headers.get("Content-Type"), url.query)
        except BodyError as exc:
            self._send_json(400, {"ok": False, "error_code": 400, "description": str(exc)})
            return
        status, payload = backend.handle_api(unquote(token), unquote(method), values, files)
        self._send_json(status, payload)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            # The client gave up (e.g. its timeout fired during an injected delay).
            logger.debug("sandbox client went away before the answer to %s", self.path)


class HttpServerThread:
    """The listening server and the thread running it."""

    def __init__(self, host: str, port: int, backend: Backend) -> None:
        self._server = _Server((host, port), backend)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() returns quickly
            name="sandbox-http",
            daemon=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=2)
