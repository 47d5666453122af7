"""Secrets: scrubbed in every form they leak in (through the PagerDuty probe, the state and every
report), the keyring backend named, a plaintext backend refused unless allowed, `file:` secrets,
test-only keyrings.alt."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from golive_tui.errors import GoliveError
from golive_tui.secrets import get_secret, scrub

REPO = Path(__file__).resolve().parent.parent
KEY = "R0UT1NG/key+abc=def0123456789abcdef01"
"""A routing key with '/', '+' and '=' so that URL-encoding changes it."""

LEAKS = {
    "exact": KEY,
    "upper": KEY.upper(),
    "lower": KEY.lower(),
    "url-encoded": quote(KEY, safe=""),
    "url-encoded, lower-case hex": quote(KEY, safe="")
    .replace("%2F", "%2f")
    .replace("%2B", "%2b")
    .replace("%3D", "%3d"),
    "form-encoded": quote_plus(KEY),
    "base64": base64.b64encode(KEY.encode()).decode(),
    "base64 url-safe, no padding": base64.urlsafe_b64encode(KEY.encode()).decode().rstrip("="),
    "base64 inside basic auth": "Basic " + base64.b64encode(f"events:{KEY}".encode()).decode(),
    "first 8 characters": KEY[:8],
    "first 8 upper-cased": KEY[:8].upper(),
    "first 20 characters": KEY[:20],
}


def _windows(text: str) -> list[str]:
    """Every 8-character window of the secret, for asserting that no piece of it survives."""
    return [text[i : i + 8].lower() for i in range(len(text) - 7)]


def assert_clean(text: str) -> None:
    lowered = text.lower()
    assert not [w for w in _windows(KEY) if w in lowered], "a piece of the key survived"
    for form in (quote(KEY, safe=""), base64.b64encode(KEY.encode()).decode()):
        assert not [w for w in _windows(form) if w in lowered], f"a piece of {form} survived"
    assert base64.b64encode(f"events:{KEY}".encode()).decode()[8:24] not in text


@pytest.mark.parametrize("form", list(LEAKS))
def test_scrub_removes_every_form(form: str) -> None:
    text = f"PagerDuty said: invalid routing key {LEAKS[form]} (request 42)"
    scrubbed = scrub(text, KEY)
    assert_clean(scrubbed)
    assert (
        "***" in scrubbed
        and scrubbed.startswith("PagerDuty said: invalid routing key")
        and scrubbed.endswith("(request 42)")
    )


def test_scrub_leaves_other_text_alone() -> None:
    text = (
        "POST https://events.pagerduty.com/v2/enqueue "
        "trigger -> 202 Event processed (dedup golive-abc)"
    )
    assert scrub(text, KEY) == text
    assert scrub("R0UT1NG", KEY) == "R0UT1NG"  # 7 characters of it are not the key
    assert scrub("anything", "") == "anything"


class _EchoingPagerDuty:
    """A PagerDuty look-alike that refuses the event and echoes the routing key back in one form."""

    def __init__(self, form: str) -> None:
        echo = LEAKS[form]

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(
                    {"status": "invalid event", "message": f"routing key {echo} is not valid"}
                ).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("form", list(LEAKS))
def test_an_echoed_key_reaches_neither_the_state_nor_any_report(
    form: str, monkeypatch, tmp_path: Path
) -> None:
    from golive_tui import actions
    from golive_tui.actor import Actor
    from golive_tui.checklists import load_checklist
    from golive_tui.engine import run_sync
    from golive_tui.profile import Profile
    from golive_tui.report import render
    from golive_tui.state import open_store

    monkeypatch.setenv("GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY", KEY)
    echoing = _EchoingPagerDuty(form)
    try:
        checklist = load_checklist()
        item = checklist.item_map()["go-live.monitoring.pagerduty"]
        profile = Profile.model_validate({"pagerduty": {"events_url": echoing.url}})
        outcome = run_sync(profile, [item], confirmed=True)[0]
    finally:
        echoing.stop()
    assert (
        outcome.result.verdict == "fail" and "refused the trigger (400)" in outcome.result.summary
    )
    assert (
        "routing key " in outcome.result.evidence and "*** is not valid" in outcome.result.evidence
    )  # arrived, scrubbed
    store = open_store(tmp_path / "golive-state.toml")
    actions.record_results(store, [outcome], actor=Actor.current())
    state = store.read()
    texts = [outcome.result.summary, outcome.result.evidence, store.path.read_text()]
    texts += [
        render(fmt, checklist, state, profile, outcome.result.checked_at)
        for fmt in ("markdown", "html", "json", "junit")
    ]
    for text in texts:
        assert_clean(text)


def golive(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        env={**os.environ, **(env or {})},
    )


def test_a_plaintext_backend_is_named_and_refused_unless_allowed() -> None:
    value = {"MY_KEY": KEY}
    refused = golive("secret", "set", "pagerduty-routing-key", "--from-env", "MY_KEY", env=value)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        "keyrings.alt.file.PlaintextKeyring stores secrets in a plaintext file: refused"
        in refused.stderr
    )
    assert "--allow-plaintext" in refused.stderr and golive("secret", "list").stdout == ""
    prompted = golive(
        "secret", "set", "pagerduty-routing-key"
    )  # refused before it asks for the value
    assert prompted.returncode == 2 and "value for" not in prompted.stdout + prompted.stderr
    stored = golive(
        "secret",
        "set",
        "pagerduty-routing-key",
        "--from-env",
        "MY_KEY",
        "--allow-plaintext",
        env=value,
    )
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.strip() == (
        "pagerduty-routing-key: stored by the keyring backend keyrings.alt.file.PlaintextKeyring "
        "(PLAINTEXT file: secrets are not encrypted)"
    )
    assert get_secret("pagerduty-routing-key") == KEY and KEY not in stored.stdout + stored.stderr


def test_no_backend_and_a_broken_backend_are_one_line_errors() -> None:
    none = golive(
        "secret",
        "set",
        "x",
        "--from-env",
        "HOME",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert (
        none.returncode == 2
        and "no keyring backend is available" in none.stderr
        and "GOLIVE_SECRET_" in none.stderr
    )
    broken = golive("secret", "list", env={"PYTHON_KEYRING_BACKEND": "no.such.Backend"})
    assert broken.returncode == 0  # listing names needs no backend
    deleted = golive("secret", "delete", "x", env={"PYTHON_KEYRING_BACKEND": "no.such.Backend"})
    assert (
        deleted.returncode == 2
        and "PYTHON_KEYRING_BACKEND='no.such.Backend' cannot be loaded" in deleted.stderr
    )
    assert (
        "Traceback" not in none.stderr + deleted.stderr
        and len(deleted.stderr.strip().splitlines()) == 1
    )


def test_file_secrets_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "routing-key"
    path.write_text(KEY + "\n")
    path.chmod(0o644)
    with pytest.raises(GoliveError, match="readable by others .*chmod 600"):
        get_secret(f"file:{path}")
    path.chmod(0o600)
    assert get_secret(f"file:{path}") == KEY
    with pytest.raises(GoliveError, match="no such file|No such file"):
        get_secret(f"file:{tmp_path / 'missing'}")


def test_keyrings_alt_is_test_only() -> None:
    """A plain `uv sync` (the default groups) and every extra leave keyrings.alt out: only
    ./scripts/test adds it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    runtime = list(project["project"]["dependencies"])
    runtime += [d for extra in project["project"]["optional-dependencies"].values() for d in extra]
    groups = project["dependency-groups"]
    runtime += [
        d
        for g in project["tool"]["uv"].get("default-groups", ["dev"])
        for d in groups[g]
        if isinstance(d, str)
    ]
    assert not [d for d in runtime if d.lower().startswith(("keyrings.alt", "keyrings-alt"))]
    assert any(d.startswith("keyrings.alt") for d in groups["test"])
    assert "--all-groups" in (REPO / "scripts" / "test").read_text()
