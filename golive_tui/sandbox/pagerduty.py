"""A PagerDuty Events API v2 look-alike: POST /v2/enqueue answers 202 and records events."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .tls import free_port


class PagerDutySandbox:
    def __init__(self, routing_key: str) -> None:
        self.routing_key = routing_key
        self.events: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v2/enqueue"
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="pagerduty-sandbox", daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = json.loads(body)
                except ValueError:
                    return self._send(
                        400, {"status": "invalid event", "message": "Event object is invalid"}
                    )
                if sandbox.fail_with:
                    return self._send(sandbox.fail_with, {"status": "error"})
                if self.path != "/v2/enqueue" or event.get("routing_key") != sandbox.routing_key:
                    return self._send(
                        400, {"status": "invalid event", "message": "Invalid routing key"}
                    )
                if event.get("event_action") == "trigger" and not (event.get("payload") or {}).get(
                    "summary"
                ):
                    return self._send(
                        400, {"status": "invalid event", "message": "payload.summary is required"}
                    )
                sandbox.events.append(event)
                self._send(
                    202,
                    {
                        "status": "success",
                        "message": "Event processed",
                        "dedup_key": event.get("dedup_key", ""),
                    },
                )

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
