"""Prometheus HTTP API probes: targets up, Alertmanager routing, PromQL metrics judged against targets."""

from __future__ import annotations

from typing import ClassVar

from .base import NoParams, ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed, probe
from .http_client import request


class QueryParams(ProbeParams):
    needs_metric: ClassVar[bool] = True
    query: str
    scale: float = 1.0
    unit: str = ""


def _api(ctx: ProbeContext, path: str, **params) -> dict:
    url = ctx.profile.prometheus.url.rstrip("/") + path
    response = request(ctx, "GET", url, params=params)
    if response.status_code != 200:
        raise ProbeError(f"Prometheus {path} answered {response.status_code}: {response.text[:120]}")
    try:
        body = response.json()
    except ValueError:
        raise ProbeError(f"Prometheus {path} did not answer JSON") from None
    if body.get("status") != "success":
        raise ProbeError(f"Prometheus {path}: {body.get('errorType', 'error')}: {body.get('error', '')}")
    return body["data"]


@probe("prometheus.targets", NoParams)
def targets(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every active scrape target is up."""
    active = _api(ctx, "/api/v1/targets", state="active").get("activeTargets", [])
    if not active:
        return failed("Prometheus has no active targets", f"{ctx.profile.prometheus.url}/api/v1/targets: 0 active")
    down = [t for t in active if t.get("health") != "up"]
    lines = [f"{t.get('labels', {}).get('job', '?')} {t.get('scrapeUrl', '')}: {t.get('health')} {t.get('lastError', '')}".rstrip()
             for t in active]
    if down:
        names = ", ".join(f"{t.get('labels', {}).get('job', '?')}/{t.get('labels', {}).get('instance', '?')}" for t in down)
        return failed(f"{len(down)} of {len(active)} targets down: {names}", "\n".join(lines))
    return passed(f"all {len(active)} targets up", "\n".join(lines))


@probe("alertmanager.config", NoParams)
def alertmanager(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Alertmanager answers and routes to at least one receiver."""
    url = ctx.profile.prometheus.alertmanager_url.rstrip("/") + "/api/v2/status"
    response = request(ctx, "GET", url)
    if response.status_code != 200:
        raise ProbeError(f"Alertmanager {url} answered {response.status_code}")
    try:
        original = response.json().get("config", {}).get("original", "")
    except ValueError:
        raise ProbeError(f"Alertmanager {url} did not answer JSON") from None
    receivers = [line.split(":", 1)[1].strip().strip("'\"") for line in original.splitlines()
                 if line.strip().startswith("- name:")]
    has_route = any(line.startswith("route:") for line in original.splitlines())
    evidence = f"GET {url}\nroute: {'yes' if has_route else 'no'}; receivers: {', '.join(receivers) or '(none)'}"
    if not receivers or not has_route:
        return failed("Alertmanager has no route or receiver", evidence)
    return passed(f"routes to {len(receivers)} receiver(s): {', '.join(receivers)}", evidence)


@probe("prometheus.query", QueryParams)
def query(ctx: ProbeContext, params: QueryParams) -> ProbeResult:
    """Evaluate a PromQL query to one number and judge it against the item's target."""
    data = _api(ctx, "/api/v1/query", query=params.query)
    result = data.get("result")
    if data.get("resultType") == "scalar":
        raw = result[1]
    elif isinstance(result, list) and len(result) == 1:
        raw = result[0]["value"][1]
    elif isinstance(result, list) and not result:
        raise ProbeError(f"query returned no data: {params.query}")
    else:
        raise ProbeError(f"query returned {len(result)} series, expected one: {params.query}")
    try:
        value = float(raw) * params.scale
    except (TypeError, ValueError):
        raise ProbeError(f"query returned a non-number {raw!r}") from None
    if value != value:  # NaN: e.g. a rate over no samples
        raise ProbeError(f"query returned NaN (no samples in the window?): {params.query}")
    unit = params.unit or (ctx.item.metric.target.unit if ctx.item.metric else "")
    return ctx.judge(value, unit, ctx.item.metric.label or ctx.item.title if ctx.item.metric else ctx.item.title,
                     f"PromQL: {params.query}\nresult: {raw} × {params.scale:g} = {value:.4g}{unit}")
