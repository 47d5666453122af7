"""Load test results from a k6 end-of-test summary (`k6 run --summary-export FILE`).

golive does not generate load; it judges what k6 measured against the seed's scenarios.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from .base import NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult, probe


class K6Params(ProbeParams):
    scenario: Literal["normal", "high", "spike", "soak"]
    p95_ms: float = 0.0
    """Bound on p95 of http_req_duration; 0: the item's metric."""


def _load_summary(ctx: ProbeContext, scenario: str) -> tuple[dict, str]:
    k6 = ctx.profile.k6
    source = k6.summaries.get(scenario) or k6.summary
    if not source:
        raise NotConfigured(f"no k6 summary for scenario {scenario!r} (profile k6.summaries.{scenario} or k6.summary)")
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=ctx.timeout)
            response.raise_for_status()
            return response.json(), source
        except (httpx.HTTPError, ValueError) as exc:
            raise ProbeError(f"cannot fetch k6 summary {source}: {type(exc).__name__}: {exc}") from None
    path = Path(source).expanduser()
    try:
        return json.loads(path.read_text()), str(path)
    except FileNotFoundError:
        raise ProbeError(f"k6 summary not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise ProbeError(f"cannot read k6 summary {path}: {exc}") from None


@probe("k6.scenario", K6Params)
def k6_scenario(ctx: ProbeContext, params: K6Params) -> ProbeResult:
    """Judge a k6 summary: p95 latency, failures, or memory growth for the soak test."""
    summary, source = _load_summary(ctx, params.scenario)
    metrics = summary.get("metrics", {})
    duration = metrics.get("http_req_duration", {})
    failed_rate = metrics.get("http_req_failed", {}).get("value", metrics.get("http_req_failed", {}).get("rate"))
    evidence = f"k6 summary {source}: p95 {duration.get('p(95)', '?')} ms, http_req_failed {failed_rate}, " \
               f"iterations {metrics.get('iterations', {}).get('count', '?')}"
    if params.scenario == "spike":
        if failed_rate is None:
            raise ProbeError(f"{source}: no http_req_failed metric")
        return ctx.judge(float(failed_rate) * 100, "%", "failed requests", evidence)
    if params.scenario == "soak":
        growth = metrics.get("memory_growth_pct", {}).get("value")
        if growth is None:
            raise NotConfigured(f"{source}: no memory_growth_pct metric (export it from the soak test)")
        return ctx.judge(float(growth), "%", "memory growth", evidence)
    if "p(95)" not in duration:
        raise ProbeError(f"{source}: no http_req_duration p(95) in the summary")
    p95 = float(duration["p(95)"])
    if params.p95_ms:
        from .base import failed, passed

        verdict = passed if p95 < params.p95_ms else failed
        return verdict(f"p95 {p95:.0f}ms vs bound {params.p95_ms:g}ms", evidence, value=p95, unit="ms")
    return ctx.judge(p95, "ms", "p95", evidence)
