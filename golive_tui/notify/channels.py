"""Where messages go: a Slack-compatible incoming webhook, or a generic JSON webhook.

A channel knows its kind and the *name* of the secret holding its URL (the profile names
it; the keyring or $GOLIVE_SECRET_<NAME> holds it). The URL is read when the notifier
starts and never leaves this module: errors name the channel and its secret, not the URL,
and every text that could echo it (an exception's message) is scrubbed. TLS verification
is always on; the profile's `http.ca_bundle` adds a private CA (as for the probes).
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from typing import Any, cast

from ..secrets import scrub, scrub_known
from .events import Event

USER_AGENT = "golive-notify/1"


@dataclass(frozen=True)
class Channel:
    kind: str
    """`slack` (Slack, Mattermost, Rocket.Chat, Teams' Slack-compatible hooks) or `json` (anything
    else)."""
    secret: str
    """The name of the secret holding the URL (shown in messages; the URL never is)."""
    url: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.kind} webhook (secret {self.secret})"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(
    channel: Channel, event: Event, context: dict[str, str], note: str = ""
) -> dict[str, Any]:
    """The JSON body for one event: Slack's `text` (short lines, a phone reads them), or a generic
    record."""
    lines = list(event.lines) + ([note] if note else [])
    where = " · ".join(v for v in (context.get("target", ""), context.get("checklist", "")) if v)
    if channel.kind == "slack":
        text = f"*{_slack_escape(event.title)}*" + (f"\n{_slack_escape(where)}" if where else "")
        text += "".join(f"\n• {_slack_escape(line)}" for line in lines)
        return {"text": scrub_known(text)}
    body = {
        "event": event.kind,
        "subject": event.subject,
        "title": event.title,
        "lines": lines,
        "text": "\n".join([event.title, *lines]),
        "at": event.at.isoformat() if event.at else "",
        **context,
        "facts": event.facts,
    }
    # a dict dumped to JSON and read back is a dict
    return cast(dict[str, Any], json.loads(scrub_known(json.dumps(body, default=str))))


def tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def client(*, timeout: float, ca_bundle: str = "") -> Any:
    """One HTTP client for a notifier's worker (a TLS context costs ~0.15 s to build: once, not per
    message)."""
    import httpx

    return httpx.Client(
        verify=tls_context(ca_bundle),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def post(channel: Channel, body: dict[str, Any], *, http: Any, timeout: float) -> str:
    """Send one message; '' when the receiver took it, else why not (never containing the URL)."""
    import httpx

    try:
        response = http.post(channel.url, json=body)
    except httpx.TimeoutException:
        return f"no answer within {timeout:g} s"
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        return _clean(f"{type(exc).__name__}: {exc}", channel.url)
    if response.status_code >= 300:
        said = " ".join(response.text.split())[:120]
        return _clean(f"HTTP {response.status_code}" + (f": {said}" if said else ""), channel.url)
    return ""


def _clean(text: str, url: str) -> str:
    return scrub(text.replace(url, "***"), _host_path(url))


def _host_path(url: str) -> str:
    """The part after the host, where a webhook's token lives (`/services/T…/B…/XXXX`); the host
    when it has none."""
    rest = url.split("://", 1)[-1]
    path = rest[rest.find("/") :] if "/" in rest else ""
    return path if len(path) > 1 else rest


def open_channel(kind: str, secret_name: str) -> Channel:
    """A channel whose URL is read from the secret now (GoliveError naming the secret if it is not
    set)."""
    from ..errors import GoliveError
    from ..secrets import get_secret, remember_part

    url = get_secret(secret_name)
    if not url.startswith("https://"):
        raise GoliveError(
            f"notify: the {kind} webhook in secret {secret_name!r} is not an https:// URL "
            "(messages about a production go-live are not sent in clear text)"
        )
    remember_part(url, _host_path(url))
    return Channel(kind, secret_name, url)
