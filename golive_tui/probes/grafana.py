"""Grafana HTTP API probe (GET only): a dashboard for each service, and the data sources its panels
use healthy.

A dashboard is a service's when it carries the service name as a tag or in its title
(`GET /api/search?type=dash-db`). Its panels' data sources (`GET /api/dashboards/uid/…`)
are asked `GET /api/datasources/uid/{uid}/health`: a dashboard over a data source that
cannot query shows nothing on the night it is needed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .api_tokens import api_token
from .base import Findings, NoParams, ProbeContext, ProbeError, ProbeResult, probe, profile_services
from .http_client import request


async def _get(ctx: ProbeContext, token: str, path: str) -> tuple[int, Any]:
    url = ctx.profile.grafana.url.rstrip("/") + path
    reply = await request(
        ctx, "GET", url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    if reply.status_code in (401, 403):
        raise ProbeError(
            f"Grafana refused the token ({reply.status_code}) on GET {path.split('?')[0]}"
        )
    try:
        return reply.status_code, reply.json()
    except ValueError:
        raise ProbeError(
            f"Grafana GET {path.split('?')[0]} answered {reply.status_code} with a body that is "
            "not JSON"
        ) from None


def datasource_uids(dashboard: dict[str, Any]) -> list[str]:
    """The data source uids the dashboard's panels (rows' panels included) name; template variables
    are skipped."""
    uids: list[str] = []
    panels = list(dashboard.get("panels") or [])
    while panels:
        panel = panels.pop(0)
        panels.extend(panel.get("panels") or [])
        source = panel.get("datasource")
        uid = source.get("uid") if isinstance(source, dict) else None
        if uid and not str(uid).startswith("$") and uid not in uids:
            uids.append(uid)
    return uids


@probe("grafana.dashboards", NoParams, blocking=False)
async def dashboards(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each service of target.services has a Grafana dashboard, and every data source those
    dashboards use is healthy."""
    services = profile_services(ctx)
    token = await api_token(ctx, "grafana.token_secret", ctx.profile.grafana.token_secret)
    _, listed = await _get(ctx, token, "/api/search?type=dash-db&limit=5000")
    found = Findings()
    found.line(f"Grafana {ctx.profile.grafana.url}: {len(listed)} dashboards")
    chosen: dict[str, dict[str, Any]] = {}
    for service in services:
        mine = [
            d
            for d in listed
            if service in (d.get("tags") or []) or service in str(d.get("title", ""))
        ]
        if mine:
            chosen[service] = mine[0]
            found.line(f"  {service}: {mine[0].get('title')} ({mine[0].get('uid')})")
        else:
            found.problem(
                f"no dashboard for {service}", f"  {service}: NO DASHBOARD (tag or title)"
            )
    # The dashboards, then their data sources' health, each asked at once (a sweep waits for its
    # slowest probe).
    bodies = await asyncio.gather(
        *(_get(ctx, token, f"/api/dashboards/uid/{d.get('uid')}") for d in chosen.values())
    )
    uses = {
        service: datasource_uids((body or {}).get("dashboard", {})) if status == 200 else []
        for service, (status, body) in zip(chosen, bodies, strict=True)
    }
    wanted = list(dict.fromkeys(uid for uids in uses.values() for uid in uids))
    answers = await asyncio.gather(
        *(_get(ctx, token, f"/api/datasources/uid/{uid}/health") for uid in wanted)
    )
    health = {
        uid: (str((answer or {}).get("status", code)), str((answer or {}).get("message", ""))[:160])
        for uid, (code, answer) in zip(wanted, answers, strict=True)
    }
    for service, uids in uses.items():
        found.line(
            f"    {service} data sources: "
            f"{', '.join(f'{u} {health[u][0]}' for u in uids) or 'none named by its panels'}"
        )
    for uid, (state, message) in health.items():
        if state != "OK":
            users = [service for service, uids in uses.items() if uid in uids]
            found.problem(
                f"data source {uid} fails its health check (the dashboards of {', '.join(users)})",
                f"  data source {uid}: {state} {message}",
            )
    return found.result(f"{len(chosen)} service dashboards, their data sources healthy")
