"""Load test results from a k6 end-of-test summary (`k6 run --summary-export FILE`).

golive does not generate load; it judges what k6 measured against the seed's scenarios.
"""

from __future__ import annotations

from typing import Any, Literal

from .artifacts import read_json
from .base import (
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
    probe,
)


class K6Params(ProbeParams):
    scenario: Literal["normal", "high", "spike", "soak"]
    p95_ms: float = 0.0
    """Bound on p95 of http_req_duration; 0: the item's metric."""


async def _load_summary(ctx: ProbeContext, scenario: str) -> tuple[dict[str, Any], str]:
    k6 = ctx.profile.k6
    source = k6.summaries.get(scenario) or k6.summary
    if not source:
        raise NotConfigured(
            f"no k6 summary for scenario {scenario!r} (profile k6.summaries.{scenario} or "
            "k6.summary)"
        )
    artifact = await read_json(ctx, source, "k6 summary")
    if not isinstance(artifact.data, dict):
        raise ProbeError(f"k6 summary {artifact.where} is not a JSON object")
    return artifact.data, artifact.where


@probe("k6.scenario", K6Params, blocking=False)
async def k6_scenario(ctx: ProbeContext, params: K6Params) -> ProbeResult:
    """Judge a k6 summary: p95 latency, failures, or memory growth for the soak test."""
    summary, source = await _load_summary(ctx, params.scenario)
    metrics = summary.get("metrics", {})
    duration = metrics.get("http_req_duration", {})
    failed_rate = metrics.get("http_req_failed", {}).get(
        "value", metrics.get("http_req_failed", {}).get("rate")
    )
    evidence = (
        f"k6 summary {source}: p95 {duration.get('p(95)', '?')} ms, http_req_failed {failed_rate}, "
        f"iterations {metrics.get('iterations', {}).get('count', '?')}"
    )
    if params.scenario == "spike":
        if failed_rate is None:
            raise ProbeError(f"{source}: no http_req_failed metric")
        return ctx.judge(float(failed_rate) * 100, "%", "failed requests", evidence)
    if params.scenario == "soak":
        growth = metrics.get("memory_growth_pct", {}).get("value")
        if growth is None:
            raise NotConfigured(
                f"{source}: no memory_growth_pct metric (export it from the soak test)"
            )
        return ctx.judge(float(growth), "%", "memory growth", evidence)
    if "p(95)" not in duration:
        raise ProbeError(f"{source}: no http_req_duration p(95) in the summary")
    p95 = float(duration["p(95)"])
    if params.p95_ms:
        verdict = passed if p95 < params.p95_ms else failed
        return verdict(
            f"p95 {p95:.0f}ms vs bound {params.p95_ms:g}ms", evidence, value=p95, unit="ms"
        )
    return ctx.judge(p95, "ms", "p95", evidence)
