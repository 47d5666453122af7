"""`golive serve`: the cockpit in a real browser behind a token; everything else gets 403.

Real parts: the `golive serve` command in its own process (textual-serve + our token
middleware), aiohttp as an HTTP/websocket client, and headless Chromium (Debian's
`chromium`) driven over the Chrome DevTools Protocol. The terminal is drawn on a canvas
by xterm.js, so the browser test reads what the page's own websocket received
(Network.webSocketFrameReceived) instead of the DOM.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from golive_tui.sandbox.tls import free_port
from golive_tui.serve import served_command

MINI = Path(__file__).parent / "data" / "mini.toml"
CHECKLIST_TEXT = (b"Mini go-live", b"Infrastructure", b"Rollback Plan", b"On-Call Schedule")
pytestmark = pytest.mark.slow


@dataclass
class Served:
    """A running `golive serve` and what it printed."""

    proc: subprocess.Popen
    port: int
    token: str
    state: Path
    output: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed(self) -> str:
        return "".join(self.output)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "AWS_", "XDG_"))}
    env.pop("NO_COLOR", None)
    env.update(
        {
            "HOME": str(home),
            "GOLIVE_USER": "tester@ci",
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CONFIG_HOME": str(home / "config"),
        }
    )
    return env


def start_serve(directory: Path, *extra: str) -> Served:
    state = directory / "golive-state.toml"
    port = free_port()
    home = directory / "home"
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--checklist",
            str(MINI),
            "--state",
            str(state),
            "mark",
            "go-live.infra.cluster",
            "done",
            "--note",
            "served",
        ],
        check=True,
        env=_env(home),
        capture_output=True,
        timeout=60,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--checklist",
            str(MINI),
            "--state",
            str(state),
            "serve",
            "--port",
            str(port),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(home),
        cwd=directory,
        # its own process group: the app sessions it starts are stopped with it
        start_new_session=True,
    )
    served = Served(proc, port, "", state)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            served.output.append(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = re.search(r"\?token=([A-Za-z0-9_\-]+)", served.printed())
        if found:
            served.token = found.group(1)
            return served
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop(served)
    pytest.fail(f"golive serve did not start:\n{served.printed()}")


def stop(served: Served) -> None:
    if served.proc.poll() is None:
        os.killpg(served.proc.pid, signal.SIGTERM)
        try:
            served.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(served.proc.pid, signal.SIGKILL)
            served.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = start_serve(tmp_path_factory.mktemp("serve"))
    yield running
    stop(running)


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # aiohttp keeps no cookies for IP hosts otherwise


# --- the served command ---------------------------------------------------------------------------
def test_served_command_is_read_only_unless_write_is_allowed(tmp_path: Path) -> None:
    command = served_command(
        checklist="c.toml", profile=None, state="s.toml", overrides=("aws.region=eu-west-1",)
    )
    assert command.endswith("--read-only")
    assert (
        f"--checklist {tmp_path / 'c.toml'}" in command
        and f"--state {tmp_path / 's.toml'}" in command
    )
    assert "--set aws.region=eu-west-1" in command
    writable = served_command(
        checklist=None, profile=None, state="s3://bucket/state.toml", allow_write=True
    )
    assert "--read-only" not in writable and "--state s3://bucket/state.toml" in writable


# --- the token ------------------------------------------------------------------------------------
async def test_every_request_without_the_token_is_refused(served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        for path in (
            "/",
            "/?token=wrong",
            "/static/js/textual.js",
            "/download/x",
            f"/?token={served.token[:-1]}",
        ):
            async with http.get(served.base + path, allow_redirects=False) as response:
                assert response.status == 403, path
                assert "needs its access token" in await response.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            async with http.ws_connect(served.base + "/ws"):
                pass
        assert info.value.status == 403


async def test_the_token_becomes_a_cookie_and_the_page_loads_the_client(served: Served) -> None:
    async with aiohttp.ClientSession(cookie_jar=jar()) as http:
        async with http.get(
            f"{served.base}/?token={served.token}&fontsize=14", allow_redirects=False
        ) as response:
            assert response.status == 303 and response.headers["Location"] == "/?fontsize=14"
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        async with http.get(served.base + "/") as response:
            page = await response.text()
            assert response.status == 200 and response.headers["Referrer-Policy"] == "no-referrer"
        assert (
            "js/textual.js" in page
            and f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
        )
        async with http.get(served.base + "/static/js/textual.js") as response:
            assert response.status == 200
        # The cookie alone is not enough for a page of another origin (cross-site websocket
        # hijacking).
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            async with http.ws_connect(served.base + "/ws", origin="http://evil.example"):
                pass
        assert info.value.status == 403


def test_start_banner_explains_the_tunnel_and_the_token_is_not_logged(served: Served) -> None:
    printed = served.printed()
    assert f"ssh -L {served.port}:127.0.0.1:{served.port} bastion" in printed
    assert "read-only" in printed and "WARNING" not in printed
    assert (
        printed.count(served.token) == 1
    )  # only in the URL printed at start, never in a request log


def test_binding_beyond_loopback_warns(tmp_path: Path) -> None:
    other = start_serve(tmp_path, "--host", "0.0.0.0")
    try:
        deadline = time.monotonic() + 5
        while "WARNING" not in other.printed() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "WARNING: listening on 0.0.0.0, not loopback" in other.printed()
    finally:
        stop(other)


# --- a real browser -------------------------------------------------------------------------------
class Chromium:
    """Headless Chromium driven over the DevTools protocol (one page, its network events)."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-port=0",
    )

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}

    async def __aenter__(self) -> Chromium:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            pytest.fail(
                "chromium is not installed (apt-get install -y chromium; scripts/test does it)"
            )
        self.proc = subprocess.Popen(
            [binary, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = self.profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        self.http = aiohttp.ClientSession()
        async with self.http.get(f"http://127.0.0.1:{port}/json/list") as response:
            page = next(t for t in await response.json() if t["type"] == "page")
        self.ws = await self.http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.call("Network.enable")
        await self.call("Page.enable")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await self.ws.close()
        await self.http.close()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._waiting[ident] = asyncio.get_running_loop().create_future()
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        reply = await asyncio.wait_for(self._waiting[ident], 15)
        assert "error" not in reply, reply
        return reply.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        return (await self.call("Runtime.evaluate", expression=expression, returnByValue=True))[
            "result"
        ].get("value")

    def statuses(self, url: str) -> list[int]:
        return [
            e["params"]["response"]["status"]
            for e in self.events
            if e["method"] == "Network.responseReceived" and e["params"]["response"]["url"] == url
        ]

    def websocket_bytes(self) -> bytes:
        """Everything the page's websockets received (terminal output from the served app)."""
        out = b""
        for e in self.events:
            if e["method"] == "Network.webSocketFrameReceived":
                frame = e["params"]["response"]
                out += (
                    base64.b64decode(frame["payloadData"])
                    if frame["opcode"] == 2
                    else frame["payloadData"].encode()
                )
        return out


def _session_commands(server_pid: int) -> list[str]:
    """Command lines of the processes the server started (one per browser session)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != server_pid or int(entry.name) == server_pid:
                continue
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ProcessLookupError):
            continue
    return found


async def test_browser_with_the_token_sees_the_checklist_read_only_and_without_it_gets_403(
    served: Served, tmp_path: Path
) -> None:
    async with Chromium(tmp_path / "chromium") as browser:
        await browser.call("Page.navigate", url=f"{served.base}/?token={served.token}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            t in browser.websocket_bytes() for t in CHECKLIST_TEXT
        ):
            await asyncio.sleep(0.2)
        received = browser.websocket_bytes()
        assert any(text in received for text in CHECKLIST_TEXT), received[-2000:]
        assert (
            await browser.evaluate("location.href") == f"{served.base}/"
        )  # the token left the address bar
        assert (
            await browser.evaluate("document.cookie") == ""
        )  # HttpOnly: page scripts cannot read it
        assert any(
            "--read-only" in cmd and str(served.state) in cmd
            for cmd in _session_commands(served.proc.pid)
        )

        await browser.call("Network.clearBrowserCookies")
        browser.events.clear()
        await browser.call("Page.navigate", url=f"{served.base}/")
        for _ in range(100):
            if browser.statuses(f"{served.base}/"):
                break
            await asyncio.sleep(0.05)
        assert browser.statuses(f"{served.base}/") == [403]
        text = ""
        for _ in range(
            200
        ):  # the status arrives before the new document replaces the old one: wait for it
            text = await browser.evaluate("document.body ? document.body.innerText : ''")
            if "needs its access token" in text:
                break
            await asyncio.sleep(0.05)
        assert "needs its access token" in text
