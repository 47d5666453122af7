"""An HTTP relay in front of moto that loses chosen answers: the request reaches S3, the answer
never comes back.

That is what a flaky network does to a PUT: S3 wrote the object, the client saw the
connection die, botocore retried. The relay forwards every request to the upstream
server (moto in server mode) and relays its answer, except for requests matching a
rule: it reads the answer (so the write happened), optionally runs a callback (another
captain writing in that moment), then closes the client's connection without a byte.
Clients are never patched: boto3 talks real HTTP to the relay.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .tls import free_port

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "proxy-connection",
}


@dataclass
class Rule:
    method: str
    path_contains: str
    times: int = 1
    """How many matching answers to lose."""
    then: Callable[[], None] | None = None
    """Runs after the upstream answered and before the connection is dropped (once per drop)."""


@dataclass
class DropRelay:
    upstream_port: int
    port: int = field(default_factory=free_port)
    rules: list[Rule] = field(default_factory=list)
    dropped: list[tuple[str, str, int]] = field(default_factory=list)
    """(method, path, upstream status) of every answer lost."""
    seen: list[tuple[str, str, int]] = field(default_factory=list)
    """(method, path, upstream status) of every request relayed."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _relay(self) -> None:
                relay.handle(self)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"drop-relay-{self.port}", daemon=True
        )
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop(
        self,
        method: str,
        path_contains: str,
        *,
        times: int = 1,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Lose the answers to the next `times` requests of `method` whose path contains
        `path_contains`."""
        with self._lock:
            self.rules.append(Rule(method, path_contains, times, then))

    def _match(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.times > 0 and rule.method == method and rule.path_contains in path:
                    rule.times -= 1
                    return rule
        return None

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            upstream.request(request.command, request.path, body=body, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
        finally:
            upstream.close()
        self.seen.append((request.command, request.path, status))
        rule = self._match(request.command, request.path)
        if rule is not None:
            self.dropped.append((request.command, request.path, status))
            if rule.then is not None:
                rule.then()
            request.close_connection = True
            try:
                request.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        request.send_response_only(status, reason)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                request.send_header(name, value)
        if request.command != "HEAD":
            request.send_header("Content-Length", str(len(payload)))
        else:
            request.send_header(
                "Content-Length",
                dict((k.lower(), v) for k, v in answer_headers).get("content-length", "0"),
            )
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
