"""Prometheus HTTP API probes: targets up, Alertmanager routing, PromQL metrics judged against
targets.

Benchmark queries name their series through the profile: `$selector` (every query's
matchers, by default the target namespace) and `$<name>` for each `[prometheus] series`
entry (`$login` = selector + the login route's matchers). When a query finds nothing,
the probe says which series it looked for and which label values do exist.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from string import Template
from typing import Any, ClassVar

from ..text import safe_line
from .alert_routing import read_routing
from .base import (
    NoParams,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    errored,
    failed,
    passed,
    probe,
)
from .http_client import request
from .prometheus_pods import is_per_pod, judge_per_pod

SELECTOR = re.compile(r"([a-zA-Z_:][\w:]*)\s*\{([^{}]*)\}")
MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
SHOWN_VALUES = 12


class QueryParams(ProbeParams):
    needs_metric: ClassVar[bool] = True
    query: str
    """PromQL; `$selector` and `$<series name>` are filled in from the profile's [prometheus]
    keys."""
    scale: float = 1.0
    unit: str = ""
    per_pod_of: str = ""
    """For a `by (pod)` query over series without a pod label: the Deployment whose Ready pods
    divide the service total (`gateway`: the profile's target.gateway_service); empty: the figure
    stays per service."""


async def _api(ctx: ProbeContext, path: str, **params: Any) -> Any:
    """The answer's `data`: a JSON object or a list, by endpoint."""
    url = ctx.profile.prometheus.url.rstrip("/") + path
    response = await request(ctx, "GET", url, params=params)
    if response.status_code != 200:
        raise ProbeError(
            f"Prometheus {path} answered {response.status_code}: {safe_line(response.text[:120])}"
        )
    try:
        body = response.json()
    except ValueError:
        raise ProbeError(f"Prometheus {path} did not answer JSON") from None
    if body.get("status") != "success":
        raise ProbeError(
            f"Prometheus {path}: {body.get('errorType', 'error')}: {body.get('error', '')}"
        )
    return body["data"]


@probe("prometheus.targets", NoParams, blocking=False)
async def targets(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every active scrape target is up."""
    data = await _api(ctx, "/api/v1/targets", state="active")
    active = data.get("activeTargets", []) if isinstance(data, dict) else []
    if not active:
        return failed(
            "Prometheus has no active targets",
            f"{ctx.profile.prometheus.url}/api/v1/targets: 0 active",
        )
    down = [t for t in active if t.get("health") != "up"]
    lines = [
        f"{t.get('labels', {}).get('job', '?')} {t.get('scrapeUrl', '')}: {t.get('health')} "
        f"{t.get('lastError', '')}".rstrip()
        for t in active
    ]
    if down:
        names = ", ".join(
            f"{t.get('labels', {}).get('job', '?')}/{t.get('labels', {}).get('instance', '?')}"
            for t in down
        )
        return failed(f"{len(down)} of {len(active)} targets down: {names}", "\n".join(lines))
    return passed(f"all {len(active)} targets up", "\n".join(lines))


@probe("alertmanager.config", NoParams, blocking=False)
async def alertmanager(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Alertmanager answers, and its route tree sends alerts to a receiver that reaches someone."""
    import yaml

    url = ctx.profile.prometheus.alertmanager_url.rstrip("/") + "/api/v2/status"
    response = await request(ctx, "GET", url)
    if response.status_code != 200:
        raise ProbeError(f"Alertmanager {url} answered {response.status_code}")
    try:
        original = response.json().get("config", {}).get("original", "")
    except (ValueError, AttributeError):
        raise ProbeError(f"Alertmanager {url} did not answer JSON") from None
    try:
        routing = read_routing(yaml.safe_load(original or "") or {})
    except yaml.YAMLError:
        raise ProbeError(f"Alertmanager {url}: config.original is not YAML") from None
    except ValueError as exc:
        return failed(
            f"Alertmanager has no route: {exc}", f"GET {url}: config.original has no route"
        )
    known = ", ".join(
        f"{name} ({', '.join(how) or 'no integration'})" for name, how in routing.receivers.items()
    )
    evidence = "\n".join(
        [
            f"GET {url}",
            "route tree:",
            *(f"  {line}" for line in routing.tree),
            f"receivers: {known or '(none)'}",
        ]
    )
    if routing.undefined:
        return failed(f"routes to undefined receiver(s): {', '.join(routing.undefined)}", evidence)
    reaching = routing.reaching
    if not reaching:
        return failed(
            f"alerts reach no one: routed receiver(s) {', '.join(routing.routed)} have no "
            "integration",
            evidence,
        )
    if not routing.receivers.get(routing.catch_all):
        evidence += (
            f"\nnote: alerts no child route matches go to {routing.catch_all} (no integration)"
        )
    shown = ", ".join(f"{name} ({', '.join(routing.receivers[name])})" for name in reaching)
    return passed(f"routes to {len(reaching)} receiver(s): {shown}", evidence)


def expand(ctx: ProbeContext, query: str) -> str:
    """Fill `$selector` and `$<series>` from the profile; an unknown name is a ProbeError naming the
    known ones."""
    settings = ctx.profile.prometheus
    selector = settings.selector or f'namespace="{ctx.profile.target.namespace}"'
    mapping = {
        name: ",".join(p for p in (selector, matchers) if p)
        for name, matchers in settings.series.items()
    }
    mapping["selector"] = selector
    try:
        expanded = Template(query).substitute(mapping)
    except KeyError as exc:
        raise ProbeError(
            f"query uses ${exc.args[0]}, which is not a [prometheus] series "
            f"(known: {', '.join(sorted(mapping))})"
        ) from None
    except ValueError as exc:
        raise ProbeError(f"query has a stray $: {exc}") from None
    # An empty selector must not leave `{,code="500"}` behind.
    return re.sub(r"\{\s*,", "{", re.sub(r",\s*\}", "}", re.sub(r",\s*,", ",", expanded)))


@probe("prometheus.query", QueryParams, blocking=False)
async def query(ctx: ProbeContext, params: QueryParams) -> ProbeResult:
    """Evaluate a PromQL query to one number and judge it against the item's target."""
    promql = expand(ctx, params.query)
    data = await _api(ctx, "/api/v1/query", query=promql)
    result: Any = data.get("result") if isinstance(data, dict) else None
    if data.get("resultType") == "scalar":
        raw = result[1]
    elif isinstance(result, list) and len(result) == 1:
        raw = result[0]["value"][1]
    elif isinstance(result, list) and not result:
        return await _no_data(ctx, promql, "query returned no data")
    else:
        raise ProbeError(f"query returned {len(result or [])} series, expected one: {promql}")
    try:
        value = float(raw) * params.scale
    except (TypeError, ValueError):
        raise ProbeError(f"query returned a non-number {raw!r}") from None
    if value != value:  # NaN: e.g. a rate over no samples
        return await _no_data(ctx, promql, "query returned NaN (no samples in the window?)")
    unit = params.unit or (ctx.item.metric.target.unit if ctx.item.metric else "")
    label = ctx.item.metric.label or ctx.item.title if ctx.item.metric else ctx.item.title
    evidence = f"PromQL: {promql}\nresult: {raw} × {params.scale:g} = {value:.4g}{unit}"
    first = SELECTOR.search(promql)
    if is_per_pod(promql) and first:  # per pod only if the series have pods (prometheus_pods)
        return await judge_per_pod(
            ctx, _api, first.group(0), params.per_pod_of, value, unit, label, evidence
        )
    return ctx.judge(value, unit, label, evidence)


async def _no_data(ctx: ProbeContext, promql: str, what: str) -> ProbeResult:
    """An `error` naming each series the query selects that does not exist, with the label values
    that do."""
    lines = [f"PromQL: {promql}", what]
    missing: dict[str, str] = {}  # selector -> what exists instead, in one line
    for metric, matchers in dict.fromkeys(SELECTOR.findall(promql)):
        selector = f"{metric}{{{matchers}}}"
        if await _api(ctx, "/api/v1/series", **{"match[]": selector}):
            lines.append(f"{selector}: series exist (the window or the expression is empty)")
            continue
        labels = [name for name, _, _ in MATCHER.findall(matchers)]
        values = await asyncio.gather(
            *(_api(ctx, f"/api/v1/label/{name}/values", **{"match[]": metric}) for name in labels)
        )
        if not any(values):
            names = await _api(ctx, "/api/v1/label/__name__/values")
            close = difflib.get_close_matches(
                metric, names if isinstance(names, list) else [], n=5, cutoff=0.5
            )
            missing[selector] = f"no metric {metric} at all (similar: {', '.join(close) or 'none'})"
            lines.append(f"{selector}: {missing[selector]}")
            continue
        listed = [
            f"{name} has {_listing(existing)}"
            for name, existing in zip(labels, values, strict=True)
        ]
        missing[selector] = "; ".join(listed)
        lines.append(f"{selector}: no such series; {metric} exists with:")
        lines += [f"  {line}" for line in listed]
    if not missing:
        return errored(f"{what}: {promql}", "\n".join(lines))
    selector, instead = next(iter(missing.items()))
    lines.append(
        "Set [prometheus] selector / series in the profile to this production's labels (README, "
        "Target profile)."
    )
    return errored(f"{what}: looked for {selector}; {instead}", "\n".join(lines))


def _listing(values: object) -> str:
    shown = [safe_line(v) for v in values][:SHOWN_VALUES] if isinstance(values, list) else []
    more = len(values) - len(shown) if isinstance(values, list) else 0
    return (", ".join(shown) or "(none)") + (f" … (+{more})" if more > 0 else "")
