"""A chat webhook look-alike over HTTPS: records each posted message; can answer 500 or hang (a dead
receiver)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from .tls import SandboxCA, TLSServer, free_port


class WebhookReceiver:
    """POST PATH with a JSON body -> 200 `ok` (Slack's answer), recorded in `messages`.

    `mode`: `ok`, `fail` (HTTP 500) or `hang` (reads the request, then answers nothing until
    stopped)."""

    def __init__(
        self, ca: SandboxCA, path: str = "/services/T0GOLIVE/B0NOTIFY/s3cr3t-t0ken-xyz"
    ) -> None:
        self.path = path
        self.mode = "ok"
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.attempts = 0
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}{path}"
        self._released = threading.Event()
        self._server = TLSServer(("127.0.0.1", self.port), self._handler(), ca.server_context())
        threading.Thread(
            target=self._server.serve_forever, name="webhook-sandbox", daemon=True
        ).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.attempts += 1
                if receiver.mode == "hang":
                    receiver._released.wait(120)
                    return
                if receiver.mode == "fail":
                    return self._send(500, b"internal error")
                if self.path != receiver.path:
                    return self._send(404, b"no_service")
                try:
                    receiver.messages.append(json.loads(body))
                except ValueError:
                    return self._send(400, b"invalid_payload")
                receiver.headers.append(dict(self.headers.items()))
                self._send(200, b"ok")

            def _send(self, code: int, data: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
