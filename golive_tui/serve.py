"""`golive serve`: the cockpit in a browser (textual-serve), read-only by default, behind a token.

textual-serve starts one `golive` process per browser session and relays its terminal
over a websocket. It has no authentication, so `TokenServer` adds an aiohttp middleware
to its application: every request (page, static files, websocket, downloads) needs the
random token printed at start, given once as `?token=…` (answered with a redirect that
sets an HttpOnly SameSite=Strict cookie and drops the token from the address bar) or
the cookie. A websocket from another origin is refused even with the cookie. The page
is sent with `Referrer-Policy: no-referrer` (it loads a web font) and the access log,
which would print URLs with the token, is silenced.

Bound to 127.0.0.1 unless told otherwise: reach it through an SSH tunnel.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler
from textual_serve.server import Server

COOKIE = "golive_serve"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Host header values we are willing to echo into the page's URLs.
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

FORBIDDEN = (
    "403 Forbidden: golive serve needs its access token.\n"
    "Open the URL printed by `golive serve` (it ends with ?token=…).\n"
)


def served_command(
    *,
    checklist: str | None,
    profile: str | None,
    state: str,
    overrides: tuple[str, ...] = (),
    allow_write: bool = False,
) -> str:
    """The golive command line each browser session runs (absolute paths: same files as ours)."""
    argv = [sys.executable, "-m", "golive_tui"]
    if checklist:
        argv += ["--checklist", str(Path(checklist).absolute())]
    if profile:
        argv += ["--profile", str(Path(profile).absolute())]
    for assignment in overrides:
        argv += ["--set", assignment]
    argv += ["--state", state if state.startswith("s3://") else str(Path(state).absolute())]
    if not allow_write:
        argv.append("--read-only")
    return shlex.join(argv)


def _valid(supplied: str | None, token: str) -> bool:
    if not supplied:
        return False
    return hmac.compare_digest(supplied.encode(), token.encode())


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def token_middleware(token: str) -> Any:
    """aiohttp middleware: 403 unless the request carries the token (query or cookie)."""

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        from_query = request.query.get("token")
        if not (_valid(from_query, token) or _valid(request.cookies.get(COOKIE), token)):
            return web.Response(status=403, text=FORBIDDEN, headers={"Cache-Control": "no-store"})
        if request.path == "/ws" and not _same_origin(request):
            return web.Response(status=403, text="403 Forbidden: cross-origin websocket refused.\n")
        if from_query and request.method == "GET" and request.path == "/":
            # Trade the token in the URL for a cookie, so history and Referer never carry it.
            rest = urlencode([(k, v) for k, v in request.query.items() if k != "token"])
            redirect = web.Response(
                status=303, headers={"Location": "/" + (f"?{rest}" if rest else "")}
            )
            redirect.set_cookie(
                COOKIE, token, httponly=True, samesite="Strict", path="/", secure=request.secure
            )
            redirect.headers["Referrer-Policy"] = "no-referrer"
            return redirect
        response = await handler(request)
        if not response.prepared:  # a websocket answer is already on the wire
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return require_token


class TokenServer(Server):
    """textual-serve's Server with the token middleware, quiet logs and host-relative URLs."""

    def __init__(
        self,
        command: str,
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        title: str = "golive",
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self.ready_message = ""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_middleware(self.token))
        return app

    def initialize_logging(self) -> None:
        super().initialize_logging()
        # aiohttp's access log prints each request line: with `?token=` in it.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        if self.ready_message:
            print(self.ready_message, flush=True)

    async def handle_index(self, request: web.Request) -> Any:
        # The page's static and websocket URLs are absolute: build them from the address the
        # browser used (an SSH tunnel's local port, or a 0.0.0.0 bind), not from the bind address.
        if _HOST_RE.match(request.host):
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)


def instructions(host: str, port: int, token: str, *, allow_write: bool) -> str:
    """What `golive serve` prints: the URL with its token, the SSH tunnel, the mode."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    mode = (
        "READ-WRITE: browser users can change the record"
        if allow_write
        else "read-only (--allow-write to let browser users change the record)"
    )
    return "\n".join(
        [
            f"golive serve: the cockpit on http://{shown}:{port}/ — {mode}",
            f"  open:    http://{shown}:{port}/?token={token}",
            f"  remote:  ssh -L {port}:127.0.0.1:{port} bastion   (then open the URL above "
            "on your machine)",
            "  anyone with the token can watch; stop with Ctrl+C",
        ]
    )


def serve(
    command: str,
    *,
    host: str,
    port: int,
    allow_write: bool,
    title: str = "golive",
    token: str | None = None,
) -> None:
    """Print how to connect, then serve until interrupted."""
    token = token or secrets.token_urlsafe(24)
    if host not in LOOPBACK:
        print(
            f"golive serve: WARNING: listening on {host}, not loopback: anyone who can reach "
            f"port {port} can try the token, and it travels in clear text (plain HTTP). "
            "Prefer the default 127.0.0.1 and an SSH tunnel.",
            file=sys.stderr,
            flush=True,
        )
    server = TokenServer(command, token=token, host=host, port=port, title=title)
    server.ready_message = instructions(host, port, token, allow_write=allow_write)
    server.serve()
