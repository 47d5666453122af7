"""HTTPS services of the staged production: API health, headers, CORS, error pages, status page.

An API is described by an `ApiShape` (CORS policy and error-page style per route prefix,
CSP, Server banner, unhealthy services). The named scenarios:
`healthy` answers like a well-configured production; `degraded` misses a CSP, reflects
any CORS origin with credentials, leaks a Python traceback and a Werkzeug banner on
errors, has one service unhealthy, and serves a certificate with 20 days left; `mixed`
(the demo) only misses the CSP, leaks on errors and has the 20-day certificate. The
second staged production (second_production.py) builds its own shape.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal

from ..profile import SEED_SERVICES
from .tls import SandboxCA, TLSServer, free_port

SECURE_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/usr/src/app/api/views.py", line 88, in create_deal\n'
    "    payload = json.loads(request.body)\n"
    "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: "
    "line 1 column 2 (char 1)\n"
)
NODE_TRACE = """NotFoundError: Not Found
    at /usr/src/app/node_modules/express/lib/router/index.js:646:15
    at next (/usr/src/app/node_modules/express/lib/router/index.js:265:14)
    at Function.handle (/usr/src/app/src/routes/api.js:41:9)
"""
Cors = Literal["allow-list", "wildcard", "reflect", "reflect-credentials"]
Leak = Literal["none", "python", "node"]
Answer = tuple[int, dict[str, str], str | bytes]
"""(status code, headers, body) of one response."""
Handler = Callable[[str, str, Any, bytes], Answer]


@dataclass(frozen=True)
class ApiShape:
    """How one API answers: per route prefix (longest match wins; `/` is everything else)."""

    allowed_origins: tuple[str, ...] = ("https://app.autolytiq.com",)
    cors: dict[str, Cors] = field(default_factory=lambda: {"/": "allow-list"})
    leaks: dict[str, Leak] = field(default_factory=lambda: {"/": "none"})
    csp: bool = True
    server: str = "api"
    services: tuple[str, ...] = tuple(SEED_SERVICES)
    unhealthy: frozenset[str] = frozenset()


SHAPES = {
    "healthy": ApiShape(),
    "degraded": ApiShape(
        cors={"/": "reflect-credentials"},
        leaks={"/": "python"},
        csp=False,
        server="Werkzeug/3.0.1 Python/3.11",
        unhealthy=frozenset({"deal-service"}),
    ),
    "mixed": ApiShape(leaks={"/": "python"}, csp=False, server="Werkzeug/3.0.1 Python/3.11"),
}


class HttpsService:
    """One HTTPS server on 127.0.0.1 with a handler function (method, path, headers, body) -> (code,
    headers, body)."""

    def __init__(
        self,
        ca: SandboxCA,
        handler: Handler,
        *,
        days: float = 90,
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
        legacy_tls: bool = False,
    ) -> None:
        import ssl

        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        self.hang = threading.Event()
        minimum = ssl.TLSVersion.TLSv1 if legacy_tls else ssl.TLSVersion.TLSv1_2
        server = TLSServer(
            ("127.0.0.1", self.port),
            _handler_class(handler, self.hang),
            ca.server_context(*hosts, days=days, minimum_version=minimum),
        )
        self._server = server
        threading.Thread(
            target=server.serve_forever, name=f"https-{self.port}", daemon=True
        ).start()

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.port}"

    def stop(self) -> None:
        self.hang.set()
        self._server.shutdown()
        self._server.server_close()


def _handler_class(handler: Handler, hang: threading.Event) -> type[BaseHTTPRequestHandler]:
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

        do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815

    return Handler


def _by_prefix(table: dict[str, Any], path: str) -> Any:
    matches = [prefix for prefix in table if path.startswith(prefix) or prefix == "/"]
    return table[max(matches, key=len)] if matches else None


def cors_headers(policy: Cors, origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """The CORS answer of one policy to one Origin (none without an Origin)."""
    if not origin:
        return {}
    if policy == "wildcard":
        return {"Access-Control-Allow-Origin": "*"}
    if policy == "reflect":
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if policy == "reflect-credentials" or origin in allowed:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }
    return {}


def api_handler(shape: ApiShape) -> Handler:
    def handle(method: str, path: str, headers: Any, body: bytes) -> Answer:
        route = path.split("?")[0]
        out = dict(SECURE_HEADERS)
        out["Server"] = shape.server
        if not shape.csp:
            out.pop("Content-Security-Policy")
        out.update(
            cors_headers(
                _by_prefix(shape.cors, route), headers.get("Origin"), shape.allowed_origins
            )
        )
        if method == "OPTIONS" and headers.get("Access-Control-Request-Method"):
            if (
                "Access-Control-Allow-Origin" in out
            ):  # a preflight is answered before routing, as CORS middleware does
                out["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
                out["Access-Control-Allow-Headers"] = "authorization, content-type"
            return 204, out, b""
        out["Content-Type"] = "application/json"
        leak = _by_prefix(shape.leaks, route)
        parts = [p for p in route.split("/") if p]
        if parts == ["health"] or (
            len(parts) == 2 and parts[1] == "health" and parts[0] in shape.services
        ):
            if method not in ("GET", "HEAD"):
                return (
                    405,
                    {**out, "Allow": "GET, HEAD"},
                    json.dumps({"error": "method not allowed"}),
                )
            if len(parts) == 2 and parts[0] in shape.unhealthy:
                return 503, out, json.dumps({"status": "degraded", "service": parts[0]})
            return (
                200,
                out,
                json.dumps({"status": "ok", **({"service": parts[0]} if len(parts) == 2 else {})}),
            )
        if method == "POST":
            if leak == "python":
                return 500, {**out, "Content-Type": "text/plain"}, TRACEBACK
            return 400, out, json.dumps({"error": "bad request"})
        if leak == "python":
            return (
                404,
                {**out, "Content-Type": "text/html"},
                "<h1>Not Found</h1><p>/usr/src/app/api/urls.py: no route</p>",
            )
        if leak == "node":
            return 404, {**out, "Content-Type": "text/plain"}, NODE_TRACE
        return 404, out, json.dumps({"error": "not found"})

    return handle


def health_handler(service: str) -> Handler:
    """A service's own health endpoint (its pod's port, not the gateway)."""

    def handle(method: str, path: str, headers: Any, body: bytes) -> Answer:
        if path.split("?")[0] == "/health":
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps({"status": "ok", "service": service}),
            )
        return 404, {"Content-Type": "application/json"}, json.dumps({"error": "not found"})

    return handle


def status_handler(method: str, path: str, headers: Any, body: bytes) -> Answer:
    return 200, {"Content-Type": "text/html"}, "<h1>All systems operational</h1>"


class WebSandbox:
    """The public API and the status page of the staged production (and, optionally, each service's
    own endpoint)."""

    def __init__(
        self,
        ca: SandboxCA,
        scenario: str | ApiShape = "healthy",
        allowed_origins: tuple[str, ...] | None = None,
        *,
        days: float | None = None,
        service_endpoints: bool = False,
        legacy_services: frozenset[str] = frozenset(),
    ) -> None:
        shape = SHAPES[scenario] if isinstance(scenario, str) else scenario
        if allowed_origins is not None:
            shape = ApiShape(**{**shape.__dict__, "allowed_origins": tuple(allowed_origins)})
        self.ca = ca
        self.scenario = scenario if isinstance(scenario, str) else "custom"
        self.shape = shape
        days = days if days is not None else (90 if scenario == "healthy" else 20)
        self.api = HttpsService(ca, api_handler(shape), days=days)
        self.status = HttpsService(ca, status_handler)
        self.allowed_origins = list(shape.allowed_origins)
        # Each service's own endpoint (legacy_services still accept TLS 1.0/1.1); else health
        # through the API.
        self.services: dict[str, HttpsService] = (
            {
                s: HttpsService(ca, health_handler(s), legacy_tls=s in legacy_services)
                for s in shape.services
            }
            if service_endpoints
            else {}
        )

    def health_urls(self) -> dict[str, str]:
        if self.services:
            return {s: f"{svc.url}/health" for s, svc in self.services.items()}
        return {s: f"{self.api.url}/{s}/health" for s in self.shape.services}

    def profile_overrides(self) -> dict[str, Any]:
        return {
            "target": {"domains": ["localhost"]},
            "http": {
                "ca_bundle": str(self.ca.bundle),
                "api_url": self.api.url,
                "health_urls": self.health_urls(),
                "status_page_url": self.status.url,
                "allowed_origins": self.allowed_origins,
                "tls_endpoints": [self.api.endpoint],
            },
        }

    def stop(self) -> None:
        for service in (self.api, self.status, *self.services.values()):
            service.stop()
