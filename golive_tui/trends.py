"""The last hour of each performance metric, from Prometheus range queries, for the sparklines.

A metric item checked by `prometheus.query` is re-asked over a window (`query_range`,
the item's own query filled in from the profile as the probe fills it, and its scale)
through the probes' shared httpx client, so the cockpit pays no second TLS handshake and
trusts the same CA bundle, within the same per-request deadline. Items measured another
way (CloudWatch, k6 summaries) have no trend; a query that fails gives its reason instead.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Item
from .probes.base import ClientCache, ProbeContext, ProbeError
from .profile import Profile

WINDOW = timedelta(hours=1)
POINTS = 60
"""One point a minute over the hour: a sparkline of 10–20 cells summarises 3–6 points each."""


@dataclass(frozen=True)
class Trend:
    key: str
    values: tuple[float, ...] = ()
    """Oldest first, in the metric's unit (the probe's scale applied); NaN samples dropped."""
    error: str = ""
    short: str = ""
    """Why there is no sparkline, in a table cell's width (`CloudWatch`, `k6 run`, `no data`)."""

    @property
    def cell(self) -> str:
        """What the sparkline's cell says when there is none: never blank, so a missing trend is
        explained."""
        if self.values:
            return ""
        if self.short:
            return self.short
        return "no data" if self.error.startswith("no data") or not self.error else "error"

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None


def trend_query(item: Item) -> tuple[str, float] | None:
    """The item's PromQL query and scale, when a `prometheus.query` probe measures it."""
    for spec in item.probe:
        if spec.kind == "prometheus.query" and spec.params.get("query"):
            return str(spec.params["query"]), float(spec.params.get("scale", 1.0))
    return None


async def range_values(
    ctx: ProbeContext, query: str, start: datetime, end: datetime, step: float
) -> list[float]:
    """Values of a query that gives one series, oldest first (ProbeError on any other answer)."""
    from .probes.http_client import request
    from .probes.prometheus import expand

    url = ctx.profile.prometheus.url.rstrip("/") + "/api/v1/query_range"
    response = await request(
        ctx,
        "GET",
        url,
        params={
            "query": expand(ctx, query),
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step:g}",
        },
    )
    if response.status_code != 200:
        raise ProbeError(f"Prometheus query_range answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise ProbeError("Prometheus query_range did not answer JSON") from None
    if body.get("status") != "success":
        raise ProbeError(f"Prometheus: {body.get('errorType', 'error')}: {body.get('error', '')}")
    series = body.get("data", {}).get("result") or []
    if not series:
        raise ProbeError("no data in the last hour")
    if len(series) > 1:
        raise ProbeError(f"{len(series)} series, expected one")
    values = []
    for _, raw in series[0].get("values", []):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue
        if not math.isnan(value) and not math.isinf(value):
            values.append(value)
    return values


async def trend(
    profile: Profile,
    item: Item,
    clients: ClientCache,
    now: datetime,
    *,
    window: timedelta = WINDOW,
    points: int = POINTS,
) -> Trend:
    """One metric's last `window`, as `points` values (or the reason there are none)."""
    found = trend_query(item)
    if found is None:
        return Trend(item.key, error="not measured by a Prometheus query")
    query, scale = found
    ctx = ProbeContext(profile, item, clients, profile.run.timeout)
    try:
        values = await range_values(
            ctx, query, now - window, now, max(1.0, window.total_seconds() / points)
        )
    except ProbeError as exc:
        return Trend(item.key, error=str(exc))
    return Trend(item.key, tuple(v * scale for v in values))


NO_TREND = {
    "aws.db-metric": (
        "CloudWatch",
        "a CloudWatch metric, read as one value: no range query for a trend here",
    ),
    "k6.scenario": ("k6 run", "one k6 load-test run, not a time series: no trend"),
}
"""Probe kind -> (cell, detail): why a metric measured that way has no sparkline."""


def without_trend(item: Item) -> Trend:
    """The reason a metric item that no Prometheus query measures has no sparkline."""
    for spec in item.probe:
        if spec.kind in NO_TREND:
            short, why = NO_TREND[spec.kind]
            return Trend(item.key, error=why, short=short)
    return Trend(
        item.key,
        error="not measured by a Prometheus query: no range query for a trend",
        short="no query",
    )


async def trends(
    profile: Profile, items: Iterable[Item], clients: ClientCache, now: datetime
) -> dict[str, Trend]:
    """The trend of every metric item: a Prometheus query's last hour (the queries at once, on one
    loop), or, for a metric measured another way, the reason it has none."""
    metrics = [i for i in items if i.metric is not None]
    wanted = [i for i in metrics if trend_query(i) is not None]
    found = await asyncio.gather(*(trend(profile, i, clients, now) for i in wanted))
    others = [without_trend(i) for i in metrics if trend_query(i) is None]
    return {t.key: t for t in [*found, *others]}
