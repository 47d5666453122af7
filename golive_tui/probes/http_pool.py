"""httpx's transport over an httpcore pool whose idle-connection check costs one poll().

Before each request it assigns and after each response it closes, httpcore asks every
connection of the pool whether its idle socket turned readable (a server that hung up). It
asks through anyio's typed attributes: each question rebuilds the stream's attribute table,
a `getpeername()` syscall included, to read the raw socket back. A warm sweep asks ~1,500
times, and each syscall lets the probes' SDK threads take the interpreter lock from the event
loop (`bench/sweep_cpu.py`: ~7 % of a warm sweep's CPU in that table alone). Here the raw
socket is read once per stream and the check is the same `is_socket_readable` poll.

httpx 0.28 takes no network backend: the transport is httpx's own, with its pool rebuilt with
one (tests/test_http_pool.py checks that the pool in use is this one, so an httpx that renames
the attribute fails there, not silently in production). A client given a transport no longer
mounts the environment's proxies (HTTPS_PROXY, ALL_PROXY), so a target the environment sends
through a proxy keeps httpx's own transport: a bastion's proxy is honoured as before.
"""

from __future__ import annotations

import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._backends.anyio import AnyIOBackend
from httpcore._utils import is_socket_readable


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream, whose raw socket is remembered for the readability check."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: Any = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info != "is_readable":
            return self._inner.get_extra_info(info)
        if self._socket is None:
            self._socket = self._inner.get_extra_info("socket")
        return is_socket_readable(self._socket)


class QuickCheckBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, with streams that check readability in one poll()."""

    def __init__(self) -> None:
        self._anyio = AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(
            await self._anyio.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._anyio.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._anyio.sleep(seconds)


def transport(ssl_context: ssl.SSLContext, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's transport (its request and error mapping) over a pool on QuickCheckBackend."""
    built = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits)
    built._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=QuickCheckBackend(),
    )
    return built


def through_environment_proxy(url: str) -> bool:
    """Whether the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, less NO_PROXY) sends requests
    for this URL through a proxy, as httpx reads it."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")
