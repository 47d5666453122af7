"""The probes' HTTP pool checks an idle connection's socket in one poll() (probes/http_pool.py),
and still notices a server that hung up on it.

A server closes kept-alive connections it considers idle (nginx's keepalive_timeout, 75 s by
default; an ALB's idle timeout, 60 s). A pool that lent such a connection again would read the
server's goodbye as the answer: `Server disconnected without sending a response`, an `error` on
a host that is up. The trap: a readability check that never reports the hang-up (a socket
looked up once and then never asked, or asked on the wrong object) passes every test where the
server keeps its connections open; this one closes each connection after its first answer.

A client handed its own transport no longer mounts the environment's proxies: a bastion that
reaches production through HTTPS_PROXY would have had its probes go direct (and fail, or worse,
answer for another network). A target the environment proxies keeps httpx's own transport.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading

from golive_tui.model import Item
from golive_tui.probes import http_client
from golive_tui.probes.base import ClientCache, ProbeContext
from golive_tui.probes.http_pool import QuickCheckBackend
from golive_tui.profile import Profile
from golive_tui.sandbox.faults import Freezable


class Listening:
    """A server on 127.0.0.1 that hands each connection to `serve` in a thread of its own."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self.listener.close()


class HangsUpAfterOneAnswer(Listening):
    """An HTTPS host that answers once per connection with keep-alive, then closes it."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                # No `Connection: close`: the client keeps the connection, as it may.
        except (OSError, ssl.SSLError):
            return


def test_a_connection_the_server_closed_while_idle_is_not_lent_again(sandbox_ca) -> None:
    host = HangsUpAfterOneAnswer(sandbox_ca.server_context())
    url = f"https://localhost:{host.port}/healthz"
    profile = Profile.model_validate({"http": {"ca_bundle": str(sandbox_ca.bundle)}})
    clients = ClientCache()
    ctx = ProbeContext(profile, Item(id="api", title="API"), clients, 5.0)

    async def three_requests_apart() -> tuple[list[str], object]:
        answers = []
        for _ in range(3):
            try:
                answers.append(str((await http_client.request(ctx, "GET", url)).status_code))
            except Exception as exc:  # the failure this test is about: say which
                answers.append(str(exc))
            await asyncio.sleep(0.2)  # the server's close reaches the idle socket
        pool = http_client.client(ctx, url)._transport._pool
        await clients.aclose()
        return answers, pool

    try:
        answers, pool = asyncio.run(three_requests_apart())
    finally:
        host.stop()
    assert answers == ["200", "200", "200"], answers
    assert host.connections == 3  # each hung-up connection was dropped, a new one opened
    # The pool in use is the one with the quick check (an httpx that renamed its pool attribute
    # would otherwise leave the default one in place without a word).
    assert isinstance(pool._network_backend, QuickCheckBackend)


class ConnectProxy(Listening):
    """A forward proxy that tunnels CONNECT requests and remembers where to."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        if method != b"CONNECT":
            client.close()
            return
        self.tunnels.append(target.decode())
        host, _, port = target.decode().rpartition(":")
        upstream = socket.create_connection(
            ("127.0.0.1" if host == "localhost" else host, int(port))
        )
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                dst.close()

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)


def test_a_target_the_environment_proxies_goes_through_the_proxy(sandbox_ca, monkeypatch) -> None:
    host, proxy = Freezable(sandbox_ca.server_context()), ConnectProxy()
    url = f"https://localhost:{host.endpoint.rpartition(':')[2]}/healthz"
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    profile = Profile.model_validate({"http": {"ca_bundle": str(sandbox_ca.bundle)}})

    async def one(clients: ClientCache) -> str:
        ctx = ProbeContext(profile, Item(id="api", title="API"), clients, 5.0)
        try:
            return str((await http_client.request(ctx, "GET", url)).status_code)
        finally:
            await clients.aclose()

    try:
        proxied = asyncio.run(one(ClientCache()))
        monkeypatch.setenv("NO_PROXY", "localhost")  # the environment's own exception: direct
        direct = asyncio.run(one(ClientCache()))
    finally:
        host.stop()
        proxy.stop()
    assert proxied == "200" and direct == "200"
    assert proxy.tunnels == [f"localhost:{url.split(':')[2].split('/')[0]}"]
