"""The wire side of the sandbox Kubernetes API server: a threading HTTPS server, the request
handler, and the shapes an answer can take (JSON, text, a Kubernetes `Status` error, an exec
upgrade, or no answer at all).

Split from `k8s_api`, which decides *what* each request is answered (`K8sApiServer.answer`);
this module only carries it over TLS. The server reaches into its `K8sApiServer` for the TLS
context, the open connections (so `stop` can close them) and the hang and latency switches.
"""

from __future__ import annotations

import json
import secrets
import ssl
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .k8s_build import Obj
from .k8s_exec_ws import CommandResult, serve_exec

if TYPE_CHECKING:
    from .k8s_api import K8sApiServer

HANG = "(never answered)"
"""The body `answer` gives for a request the server must leave hanging."""


@dataclass(frozen=True)
class ExecUpgrade:
    """An allowed `pods/exec` request: the handler upgrades the connection and streams `result`."""

    result: CommandResult
    argv: list[str]


def status(code: int, reason: str, message: str, **details: Any) -> Obj:
    """A Kubernetes `Status` object, the body of every API error."""
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class TlsHttpServer(ThreadingHTTPServer):
    """The listening socket of one `K8sApiServer`: each connection's TLS handshake in its own
    thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = (
        128  # a concurrent sweep opens dozens of connections at once; the default backlog is 5
    )

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], api: K8sApiServer
    ) -> None:
        self.api = api
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's thread, so a slow or silent client
        # never blocks the accept loop.
        api = self.api
        request.settimeout(10)
        try:
            conn = api._ssl.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        conn.settimeout(None)
        with api._lock:
            api._connections.add(conn)
        try:
            # typeshed types the handler's server as Self, which mypy leaves unbound on an
            # attribute read through `self`: this server is the one the handler expects
            self.RequestHandlerClass(conn, client_address, self)  # type: ignore[arg-type]
        except OSError:
            pass  # the client hung up
        finally:
            with api._lock:
                api._connections.discard(conn)
            conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client dropping a connection is not news


class ApiRequestHandler(BaseHTTPRequestHandler):
    """One connection's requests: each is answered by `K8sApiServer.answer`, then sent (or held)."""

    server: TlsHttpServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every small response waits ~40 ms for a delayed ACK
    timeout = 120  # idle keep-alive connections end eventually

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        api = self.server.api
        if api.hang:
            api._release.wait(600)
            self.close_connection = True
            return
        if api.latency:
            time.sleep(api.latency)
        code, body = api.answer(self.command, self.path, self.headers)
        if body is HANG:
            api._release.wait(600)
            self.close_connection = True
            return
        if isinstance(body, ExecUpgrade):
            serve_exec(self, body.result, body.argv)
            return
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header(
            "Content-Type",
            "text/plain; charset=utf-8" if isinstance(body, str) else "application/json",
        )
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Audit-Id", secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815
