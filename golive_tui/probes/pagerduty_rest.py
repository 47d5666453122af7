"""PagerDuty REST API probes (GET only, nobody is paged): on-call coverage of the go-live window,
escalation levels.

The service is found by pagerduty.service_name (exact name) through `GET /services?query=`;
its escalation policy's schedules are rendered over [now, now + oncall_window_hours] with
`GET /schedules/{id}?since&until`, and the coverage is computed from the rendered entries
(the final schedule, overrides included) rather than trusted from a percentage.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import quote

from pydantic import Field

from .api_tokens import api_token
from .base import (
    Findings,
    NoParams,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    probe,
)
from .http_client import request


class EscalationParams(ProbeParams):
    min_levels: int = Field(default=2, ge=1)
    """Escalation levels the service's policy needs, each with at least one target."""


async def _get(ctx: ProbeContext, token: str, path: str) -> Any:
    """A GET of the REST API, made once per sweep for the probes that ask the same (the service,
    its escalation policy)."""
    url = ctx.profile.pagerduty.api_url.rstrip("/") + path
    return await ctx.clients.shared_async(
        ("pagerduty", url, token), lambda: _read(ctx, url, path, token)
    )


async def _read(ctx: ProbeContext, url: str, path: str, token: str) -> Any:
    reply = await request(
        ctx,
        "GET",
        url,
        headers={
            "Authorization": f"Token token={token}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        },
    )
    if reply.status_code in (401, 403):
        raise ProbeError(
            f"PagerDuty refused the API token ({reply.status_code}) on GET {path.split('?')[0]}"
        )
    if reply.status_code != 200:
        raise ProbeError(f"PagerDuty GET {path.split('?')[0]} answered {reply.status_code}")
    return reply.json()


async def _service(ctx: ProbeContext) -> tuple[str, dict[str, Any]]:
    """(token, the service named exactly pagerduty.service_name)."""
    token = await api_token(
        ctx, "pagerduty.api_token_secret", ctx.profile.pagerduty.api_token_secret
    )
    name = ctx.profile.pagerduty.service_name
    services = (await _get(ctx, token, f"/services?query={quote(name)}&limit=100")).get(
        "services", []
    )
    exact = [s for s in services if s.get("name") == name]
    if not exact:
        others = ", ".join(s.get("name", "?") for s in services[:5]) or "none"
        raise ProbeError(
            f"no PagerDuty service named {name!r} (found: {others}): check pagerduty.service_name"
        )
    return token, exact[0]


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def gaps(
    entries: list[dict[str, Any]], since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of [since, until] no rendered entry covers."""
    spans = sorted((max(_when(e["start"]), since), min(_when(e["end"]), until)) for e in entries)
    out, at = [], since
    for start, end in spans:
        if end <= at:
            continue
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if at < until:
        out.append((at, until))
    return out


@probe("pagerduty.oncall-coverage", NoParams, blocking=False)
async def oncall_coverage(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Someone is on call for the service now, and its schedules cover the go-live window without a
    gap."""
    token, service = await _service(ctx)
    policy_id = (service.get("escalation_policy") or {}).get("id", "")
    policy = (await _get(ctx, token, f"/escalation_policies/{policy_id}")).get(
        "escalation_policy", {}
    )
    schedules = [
        t["id"]
        for rule in policy.get("escalation_rules", [])[:1]
        for t in rule.get("targets", [])
        if t.get("type", "").startswith("schedule")
    ]
    now = ctx.now().astimezone(dt.UTC)
    until = now + dt.timedelta(hours=ctx.profile.pagerduty.oncall_window_hours)
    found = Findings()
    found.line(
        f"service {service.get('name')} ({service.get('id')}), escalation policy "
        f"{policy.get('name', policy_id)}; window {now:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} "
        "UTC"
    )
    since, end = now.strftime("%Y-%m-%dT%H:%M:%SZ"), until.strftime("%Y-%m-%dT%H:%M:%SZ")
    answers = await asyncio.gather(
        _get(ctx, token, f"/oncalls?escalation_policy_ids[]={policy_id}&earliest=true"),
        *(_get(ctx, token, f"/schedules/{s}?since={since}&until={end}") for s in schedules),
    )
    oncalls = answers[0].get("oncalls", [])
    first = [o for o in oncalls if o.get("escalation_level") == 1]
    if first:
        found.line(
            "  on call now (level 1): "
            + ", ".join((o.get("user") or {}).get("summary", "?") for o in first)
        )
    else:
        found.problem("nobody is on call now at level 1", "  on call now (level 1): NOBODY")
    if not schedules:
        found.problem(
            "the first escalation level names no schedule",
            "  level 1: no schedule (only users: no rotation)",
        )
    for schedule_id, answer in zip(schedules, answers[1:], strict=True):
        schedule = answer.get("schedule", {})
        entries = (schedule.get("final_schedule") or {}).get("rendered_schedule_entries", [])
        holes = gaps(entries, now, until)
        label = f"schedule {schedule.get('name', schedule_id)} ({schedule_id})"
        if holes:
            shown = ", ".join(f"{a:%a %d %H:%M}-{b:%H:%M} UTC" for a, b in holes[:3])
            found.problem(
                f"{label} has nobody on call {shown}",
                f"  {label}: {len(entries)} entries, GAPS: {shown}",
            )
        else:
            found.line(f"  {label}: {len(entries)} entries, no gap")
    return found.result(
        f"on call now, and {len(schedules)} schedule(s) cover the next "
        f"{ctx.profile.pagerduty.oncall_window_hours:g} h without a gap"
    )


@probe("pagerduty.escalation-policy", EscalationParams, blocking=False)
async def escalation_policy(ctx: ProbeContext, params: EscalationParams) -> ProbeResult:
    """The service's escalation policy has at least `min_levels` levels, each with a target."""
    token, service = await _service(ctx)
    policy_id = (service.get("escalation_policy") or {}).get("id", "")
    policy = (await _get(ctx, token, f"/escalation_policies/{policy_id}")).get(
        "escalation_policy", {}
    )
    rules = policy.get("escalation_rules", [])
    found = Findings()
    found.line(
        f"service {service.get('name')} ({service.get('id')}): escalation policy "
        f"{policy.get('name', '?')} ({policy_id}), {len(rules)} levels"
    )
    for n, rule in enumerate(rules, start=1):
        targets = rule.get("targets", [])
        shown = ", ".join(
            f"{t.get('type', '?').replace('_reference', '')} {t.get('id', '?')}" for t in targets
        )
        if targets:
            found.line(
                f"  level {n}: {shown} (after {rule.get('escalation_delay_in_minutes', '?')} min)"
            )
        else:
            found.problem(
                f"level {n} has no target", f"  level {n}: NO TARGET (the page stops here)"
            )
    if len(rules) < params.min_levels:
        return failed(
            f"escalation policy {policy.get('name', policy_id)} has {len(rules)} level(s) (< "
            f"{params.min_levels})",
            found.evidence,
        )
    return found.result(
        f"escalation policy {policy.get('name', policy_id)}: {len(rules)} levels, each with a "
        "target"
    )
