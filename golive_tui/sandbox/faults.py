"""Peers that misbehave on purpose, on 127.0.0.1: a blackhole and a trickle server.

A probe must end by its deadline whatever the peer does. `Blackhole` accepts connections
and never answers (a TLS handshake or a request waits forever); `Trickle` answers one byte
a second, in the headers or in the body, so no single read ever times out. Both record
when the first connection arrived, which is when the probes' deadlines started.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from typing import Literal

from .tls import free_port


class _Listener:
    def __init__(self) -> None:
        self.port = free_port()
        self.first_accept: float | None = None
        """time.monotonic() of the first connection."""
        self.accepted = 0
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", self.port), backlog=128)
        self._sock.settimeout(0.2)
        self._held: list[socket.socket] = []
        threading.Thread(
            target=self._accept_loop, name=f"{type(self).__name__}-{self.port}", daemon=True
        ).start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            if self.first_accept is None:
                self.first_accept = time.monotonic()
            self.accepted += 1
            self._held.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._held:
            try:
                conn.close()
            except OSError:
                pass


class Blackhole(_Listener):
    """Accepts, reads nothing, answers nothing, closes nothing."""

    def _serve(self, conn: socket.socket) -> None:
        self._stop.wait()


class Trickle(_Listener):
    """An HTTP/1.1 server sending its answer one byte a second (`phase`: in the headers, or in the
    body).

    With `context`, it speaks TLS (the handshake is quick; then the trickle).
    """

    def __init__(
        self,
        phase: Literal["headers", "body"] = "headers",
        context: ssl.SSLContext | None = None,
        interval: float = 1.0,
    ) -> None:
        self.phase = phase
        self.context = context
        self.interval = interval
        super().__init__()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.context is not None:
                conn.settimeout(5)
                conn = self.context.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
            conn.recv(65536)  # the request (its first segment is enough to answer)
            body = b'{"status": "ok"}' + b" " * 100000
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            if self.phase == "body":
                conn.sendall(head)
                head = b""
            for byte in head + body:
                if self._stop.wait(self.interval):
                    return
                conn.sendall(bytes([byte]))
        except (OSError, ssl.SSLError):
            return


class Freezable(_Listener):
    """An HTTPS host that answers `200 ok` on kept-alive connections until frozen, like a process
    under SIGSTOP: frozen, it accepts connections (the kernel does) and says nothing, not even the
    TLS handshake; thawed, every new connection is answered again."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.frozen = threading.Event()
        super().__init__()

    def _serve(self, conn: socket.socket) -> None:
        if self.frozen.is_set():
            self._stop.wait()  # held silent: a stopped process never reads what it was sent
            return
        try:
            conn.settimeout(5)
            tls = self.context.wrap_socket(conn, server_side=True)
            while not self._stop.is_set():
                if not tls.recv(65536):
                    return
                while self.frozen.is_set() and not self._stop.wait(0.05):
                    pass  # frozen mid-connection: the answer waits for the thaw
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except (OSError, ssl.SSLError):
            return
