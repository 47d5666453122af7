"""PagerDuty Events API v2: a test event that really pages, so it runs only when confirmed.

The routing key comes from the OS keyring (or GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY) and is
scrubbed from every text this probe returns. A trigger is followed by a resolve with the
same dedup key, so nobody stays paged.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Literal

from ..errors import GoliveError
from ..secrets import get_secret, scrub
from .base import ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed, probe, skipped
from .http_client import request
from .threads import in_daemon_thread


class PagerDutyParams(ProbeParams):
    severity: Literal["info", "warning", "error", "critical"] = "info"
    summary: str = "golive test event"


@probe("pagerduty.event", PagerDutyParams, blocking=False)
async def send_event(ctx: ProbeContext, params: PagerDutyParams) -> ProbeResult:
    """Send a test event (trigger, then resolve) and check PagerDuty accepted it."""
    if not ctx.confirmed:
        return skipped("needs confirmation: pages a human; run with --yes or confirm in the TUI")
    try:
        # The keyring may talk D-Bus to a daemon: off the loop, and within the deadline.
        async with asyncio.timeout(ctx.remaining()):
            key = await in_daemon_thread(get_secret, ctx.profile.pagerduty.routing_key_secret)
    except GoliveError as exc:
        raise ProbeError(str(exc)) from None
    except TimeoutError:
        raise ProbeError(f"the keyring did not answer within {ctx.timeout:g}s") from None
    url = ctx.profile.pagerduty.events_url
    dedup = f"golive-{uuid.uuid4().hex[:12]}"
    lines = []
    try:
        for action in ("trigger", "resolve"):
            body: dict[str, Any] = {"routing_key": key, "event_action": action, "dedup_key": dedup}
            if action == "trigger":
                body["payload"] = {
                    "summary": params.summary,
                    "severity": params.severity,
                    "source": "golive",
                }
            response = await request(ctx, "POST", url, json=body)
            lines.append(
                f"POST {url} {action} -> {response.status_code} {scrub(response.text, key)[:200]}"
            )
            if response.status_code != 202:
                return failed(
                    f"PagerDuty refused the {action} ({response.status_code})", "\n".join(lines)
                )
    except ProbeError as exc:
        raise ProbeError(scrub(str(exc), key)) from None
    return passed(f"test event accepted and resolved (dedup {dedup})", "\n".join(lines))
