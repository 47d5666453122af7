"""HTTPS services of the staged production: API health, headers, CORS, error pages, status page.

`healthy` answers like a well-configured production; `degraded` misses a CSP, echoes any
CORS origin with credentials, leaks a Python traceback and a Werkzeug banner on errors,
has one service unhealthy, and serves a certificate with 20 days left; `mixed` (the demo)
only misses the CSP, leaks on errors and has the 20-day certificate.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from ..profile import SEED_SERVICES
from .tls import SandboxCA, TLSServer, free_port

SECURE_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}
TRACEBACK = """Traceback (most recent call last):
  File "/usr/src/app/api/views.py", line 88, in create_deal
    payload = json.loads(request.body)
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)
"""


class HttpsService:
    """One HTTPS server on 127.0.0.1 with a handler function (method, path, headers, body) -> (code, headers, body)."""

    def __init__(self, ca: SandboxCA, handler, *, days: float = 90, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
                 legacy_tls: bool = False) -> None:
        import ssl

        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        self.hang = threading.Event()
        minimum = ssl.TLSVersion.TLSv1 if legacy_tls else ssl.TLSVersion.TLSv1_2
        server = TLSServer(("127.0.0.1", self.port), _handler_class(handler, self.hang),
                           ca.server_context(*hosts, days=days, minimum_version=minimum))
        self._server = server
        threading.Thread(target=server.serve_forever, name=f"https-{self.port}", daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.port}"

    def stop(self) -> None:
        self.hang.set()
        self._server.shutdown()
        self._server.server_close()


def _handler_class(handler, hang: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            code, headers, payload = handler(self.command, self.path, self.headers, body)
            data = payload.encode() if isinstance(payload, str) else payload
            self.send_response_only(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    return Handler


def api_handler(scenario: str, allowed_origins: list[str], unhealthy: set[str]):
    def handle(method: str, path: str, headers, body: bytes):
        out = dict(SECURE_HEADERS)
        leaky = scenario in ("degraded", "mixed")
        out["Server"] = "Werkzeug/3.0.1 Python/3.11" if leaky else "api"
        if leaky:
            out.pop("Content-Security-Policy")
        origin = headers.get("Origin")
        if origin and (scenario == "degraded" or origin in allowed_origins):
            out["Access-Control-Allow-Origin"] = origin
            out["Access-Control-Allow-Credentials"] = "true"
        out["Content-Type"] = "application/json"
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts == ["health"]:
            return 200, out, json.dumps({"status": "ok"})
        if len(parts) == 2 and parts[1] == "health" and parts[0] in SEED_SERVICES:
            if parts[0] in unhealthy:
                return 503, out, json.dumps({"status": "degraded", "service": parts[0]})
            return 200, out, json.dumps({"status": "ok", "service": parts[0]})
        if method == "POST":
            if leaky:
                out["Content-Type"] = "text/plain"
                return 500, out, TRACEBACK
            return 400, out, json.dumps({"error": "bad request"})
        if leaky:
            out["Content-Type"] = "text/html"
            return 404, out, "<h1>Not Found</h1><p>/usr/src/app/api/urls.py: no route</p>"
        return 404, out, json.dumps({"error": "not found"})

    return handle


def status_handler(method: str, path: str, headers, body: bytes):
    return 200, {"Content-Type": "text/html"}, "<h1>All systems operational</h1>"


class WebSandbox:
    """The public API and the status page of the staged production."""

    def __init__(self, ca: SandboxCA, scenario: str = "healthy", allowed_origins: tuple[str, ...] = ("https://app.autolytiq.com",)) -> None:
        self.ca = ca
        self.scenario = scenario
        unhealthy = {"deal-service"} if scenario == "degraded" else set()
        days = 90 if scenario == "healthy" else 20
        self.api = HttpsService(ca, api_handler(scenario, list(allowed_origins), unhealthy), days=days)
        self.status = HttpsService(ca, status_handler)
        self.allowed_origins = list(allowed_origins)

    def profile_overrides(self) -> dict[str, Any]:
        return {
            "target": {"domains": ["localhost"]},
            "http": {"ca_bundle": str(self.ca.bundle), "api_url": self.api.url,
                     "health_urls": {s: f"{self.api.url}/{s}/health" for s in SEED_SERVICES},
                     "status_page_url": self.status.url, "allowed_origins": self.allowed_origins,
                     "tls_endpoints": [self.api.endpoint]},
        }

    def stop(self) -> None:
        self.api.stop()
        self.status.stop()
