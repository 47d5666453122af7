"""The shared async httpx client of a run: TLS verification always on, one total deadline per
request.

httpx's own timeouts bound each connect and each read, not the request: a server sending
one byte a second never trips them. So every request runs inside `asyncio.timeout(left)`
with the time the probe has left (`ProbeContext.remaining()`), and bodies are read as a
stream up to a size cap. See bench/deadlines.py for the sync alternatives measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
import weakref
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlsplit

from ..text import shorten
from .base import ProbeContext, ProbeError

MAX_BODY = 2 * 1024 * 1024
"""Bytes of a response body kept; probes judge headers and the start of a body, never megabytes."""


def tls_context(ctx: ProbeContext) -> ssl.SSLContext:
    """The run's verifying SSLContext: the system store plus the profile's CA bundle."""

    def build() -> ssl.SSLContext:
        context = ssl.create_default_context()
        if ctx.profile.http.ca_bundle:
            try:
                context.load_verify_locations(cafile=ctx.profile.http.ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise ProbeError(
                    f"cannot load CA bundle {ctx.profile.http.ca_bundle}: {exc}"
                ) from None
        return context

    return ctx.clients.get("tls-context", build)


def _httpx() -> Any:
    """The httpx module, imported without its command-line tool.

    `import httpx` imports `httpx._main` (the `httpx` CLI) whenever click, rich and pygments
    are installed — they are, for the cockpit — and that costs a `golive run` CPU
    for a console nobody opens (measured: ~45 ms of CPU here): the module is hidden while httpx is
    first imported.
    """
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # httpx then defines a stub main()
        try:
            import httpx  # noqa: F401
        finally:
            if sys.modules.get("httpx._main", "") is None:
                del sys.modules["httpx._main"]
    import httpx

    return httpx


class LoopClient:
    """One httpx.AsyncClient per event loop: a long-lived ClientCache may outlive the loop of a run.

    A client whose request ended by a timeout or a cancellation is retired: httpcore can keep a
    connection cancelled while it was still connecting in its pool for good (encode/httpcore#1093),
    and once a target's slots are all taken that way every later request waits out its deadline
    for a slot, sweep after sweep, against a host that answers again. The retired client is
    closed once every request still using it has reached its deadline.
    """

    def __init__(self, build: Any) -> None:
        self._build = build
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._client: Any = None
        self._retired: set[Any] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(POOL_CONNECTIONS)
        """Requests to the target in flight at once. The rest wait here, not in httpcore's queue:
        its pool rescans every queued request and connection (a getpeername on each) whenever one
        ends, so the CORS probe's ~190 requests queued at once cost ~0.4 s of CPU a sweep."""

    def get(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is None or self._loop() is not loop:
            # The previous loop's connections cannot be used (or closed) from this one: drop them.
            self._client, self._loop = None, weakref.ref(loop)
            self._retired.clear()
            self.slots = asyncio.Semaphore(POOL_CONNECTIONS)
        if self._client is None:
            self._client = self._build()
        return self._client

    def retire(self, client: Any, grace: float) -> None:
        """Stop lending `client`; close it after `grace` seconds (the longest a request on it may
        last)."""
        if client is not self._client:
            return  # already retired by another request's timeout
        self._client = None
        self._retired.add(client)
        loop = asyncio.get_running_loop()
        loop.call_later(grace, self._close_retired, client)

    def _close_retired(self, client: Any) -> None:
        if client in self._retired:
            self._retired.discard(client)
            task = asyncio.get_running_loop().create_task(client.aclose())
            self._closing.add(task)  # held until done: a task only weakly referenced may vanish
            task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        clients = [self._client, *self._retired]
        self._client, self._loop = None, None
        self._retired.clear()
        for client in clients:
            if client is not None:
                await client.aclose()

    def close(self) -> None:
        self._client, self._loop = None, None
        self._retired.clear()


def POOL_LIMITS() -> Any:  # noqa: N802 - a constant, built lazily (httpx is imported on first use)
    httpx = _httpx()

    return httpx.Limits(
        max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
    )


POOL_CONNECTIONS = 8
"""Connections each target's HTTP client keeps open at most (measured: bench/sweep.py, warm
sweeps)."""


def origin(url: str) -> str:
    """`https://api.example.com:443` of a URL: the key of its target's client."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def client(ctx: ProbeContext, url: str) -> Any:
    """The kept-alive client of the URL's target (scheme, host, port) for this ClientCache and
    loop."""
    return _holder(ctx, url).get()


def _holder(ctx: ProbeContext, url: str) -> LoopClient:
    httpx = _httpx()

    def build() -> Any:  # an httpx.AsyncClient (httpx is imported on first use: Any here)
        # One small pool per target, not one pool for all: httpcore rescans every pooled connection
        # (a poll() on each socket) for every request it assigns, so one pool of a sweep's 50-odd
        # connections cost ~30 % of a warm sweep's CPU; a target's pool holds a handful.
        from .http_pool import through_environment_proxy, transport

        settings: dict[str, Any] = {
            "cookies": NoCookies(),
            "timeout": ctx.timeout,
            "follow_redirects": False,
            "headers": {"User-Agent": "golive-probe"},
        }
        if through_environment_proxy(url):  # httpx's own transport, which mounts the proxy
            return httpx.AsyncClient(verify=tls_context(ctx), limits=POOL_LIMITS(), **settings)
        return httpx.AsyncClient(transport=transport(tls_context(ctx), POOL_LIMITS()), **settings)

    with ctx.setup():
        holder: LoopClient = ctx.clients.get(
            f"httpx-async {origin(url)}", lambda: LoopClient(build)
        )
        return holder


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: every request of a probe is a first visit.

    A target's client is shared by every probe and kept from sweep to sweep, and an httpx client
    stores each cookie its answers set and sends it back: the login page's session cookie
    (http.session-cookies) then rode along with http.openapi-auth's requests "without
    credentials". It also spares parsing every Set-Cookie into a jar nobody reads.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass

    def set_cookie(self, cookie: Any) -> None:
        pass


class TimedOut(ProbeError):
    """A request that reached the probe's deadline (its client may hold a half-open connection)."""


@dataclass
class Reply:
    """What a probe reads of a response: status, headers and the body's first MAX_BODY bytes."""

    method: str
    url: str
    status_code: int
    headers: Any
    """httpx.Headers (case-insensitive; `get_list` for repeated headers)."""
    content: bytes
    encoding: str

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


async def request(
    ctx: ProbeContext, method: str, url: str, *, max_body: int = MAX_BODY, **kwargs: Any
) -> Reply:
    """One HTTP request within the probe's deadline; every failure becomes a one-line ProbeError."""
    holder = _holder(ctx, url)
    http = holder.get()
    try:
        return await _request(
            ctx, http, method, url, max_body=max_body, slots=holder.slots, **kwargs
        )
    except (TimedOut, asyncio.CancelledError):
        # Cut while connecting, the pool may keep the slot forever: the next request gets a new
        # pool.
        holder.retire(http, grace=ctx.timeout + 1)
        raise


def request_blocking(
    ctx: ProbeContext, method: str, url: str, *, max_body: int = MAX_BODY, **kwargs: Any
) -> Reply:
    """`request` for a blocking probe (a thread without a loop): same deadline, a short-lived client
    of its own."""
    httpx = _httpx()

    async def once() -> Reply:
        async with httpx.AsyncClient(
            verify=tls_context(ctx),
            follow_redirects=False,
            headers={"User-Agent": "golive-probe"},
            cookies=NoCookies(),
        ) as http:
            return await _request(ctx, http, method, url, max_body=max_body, **kwargs)

    return asyncio.run(once())


async def _request(
    ctx: ProbeContext,
    http: Any,
    method: str,
    url: str,
    *,
    max_body: int,
    slots: asyncio.Semaphore | None = None,
    **kwargs: Any,
) -> Reply:
    httpx = _httpx()

    left = ctx.remaining()
    if left <= 0:
        raise ProbeError(f"{url}: no time left of the probe's {ctx.timeout:g}s")
    try:
        async with asyncio.timeout(left), slots or contextlib.nullcontext():
            left = max(ctx.remaining(), 0.001)  # what the wait for a slot left of the deadline
            async with http.stream(method, url, timeout=left, **kwargs) as response:
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= max_body:
                        break
                return Reply(
                    method,
                    url,
                    response.status_code,
                    response.headers,
                    b"".join(chunks)[:max_body],
                    response.encoding or "utf-8",
                )
    except TimeoutError:  # asyncio.timeout: the whole request, however the peer trickles
        raise TimedOut(f"{url} timed out after {ctx.timeout:g}s") from None
    except httpx.TimeoutException:  # PoolTimeout included
        raise TimedOut(f"{url} timed out after {ctx.timeout:g}s") from None
    except httpx.ConnectError as exc:
        if _caused_by(
            exc, ConnectionRefusedError
        ):  # anyio wraps it in "All connection attempts failed"
            raise ProbeError(f"cannot connect to {url}: connection refused") from None
        raise ProbeError(connect_reason(url, str(exc) or type(exc).__name__)) from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{url}: {type(exc).__name__}: {shorten(exc, 200)}") from None


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 10:
        if isinstance(cause, kind):
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


def connect_reason(url: str, reason: str) -> str:
    """A connect failure in one line that says which kind it was: TLS, DNS, refused, other."""
    if "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason:
        return f"TLS error talking to {url}: {shorten(reason, 200)}"
    if (
        "Name or service not known" in reason
        or "nodename nor servname" in reason
        or "No address" in reason
    ):
        return f"DNS failure for {url}: {shorten(reason, 200)}"
    if "Connection refused" in reason or "Errno 111" in reason:
        return f"cannot connect to {url}: connection refused"
    return f"cannot connect to {url}: {shorten(reason, 200)}"
