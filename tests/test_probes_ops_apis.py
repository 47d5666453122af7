"""PagerDuty REST and Grafana probes against their HTTPS look-alikes (sandbox/ops_apis.py): pass on
the healthy shape, fail naming the culprit on the degraded one, and fail on the traps one, where a
plausible but wrong probe passes (each `test_trap_*` docstring names it). Only GETs are sent: the
look-alikes answer anything else with 405, which no test sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.ops_apis import DEGRADED_OPS, HEALTHY_OPS, TRAPS_OPS, OpsApis

KINDS = ["pagerduty.oncall-coverage", "pagerduty.escalation-policy", "grafana.dashboards"]
DEGRADED = {
    "pagerduty.oncall-coverage": [
        "nobody is on call now at level 1",
        "autolytiq-prod primary (PSCHED1) has nobody on call",
    ],
    "pagerduty.escalation-policy": ["has 1 level(s) (< 2)"],
    "grafana.dashboards": ["no dashboard for inventory-service"],
}


def item(kind: str) -> Item:
    it = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind)])
    object.__setattr__(it, "key", f"t.{it.id}")
    return it


def profile_for(ops: OpsApis, ca_bundle: str, directory: Path) -> Profile:
    data = ops.profile_overrides(directory)
    data["http"] = {"ca_bundle": ca_bundle}
    data["run"] = {"timeout": 5}
    return Profile.model_validate(data)


def run(profile: Profile, *kinds: str) -> dict[str, ProbeResult]:
    return {r.item.title: r.result for r in run_sync(profile, [item(k) for k in kinds or KINDS])}


_requests: list[str] = []


@pytest.fixture(scope="module")
def results(sandbox_ca, tmp_path_factory) -> Iterator[dict[str, dict[str, ProbeResult]]]:
    started: list[OpsApis] = []
    out = {}
    try:
        for name, shape in (
            ("healthy", HEALTHY_OPS),
            ("degraded", DEGRADED_OPS),
            ("traps", TRAPS_OPS),
        ):
            ops = OpsApis(sandbox_ca, shape)
            started.append(ops)
            out[name] = run(profile_for(ops, str(sandbox_ca.bundle), tmp_path_factory.mktemp(name)))
            _requests.extend(ops.requests)
        yield out
    finally:
        for ops in started:
            ops.stop()


def text(result: ProbeResult) -> str:
    return f"{result.summary}\n{result.evidence}"


@pytest.mark.parametrize("kind", KINDS)
def test_healthy_operations_pass(kind: str, results) -> None:
    result = results["healthy"][kind]
    assert result.verdict is Verdict.PASS, text(result)


@pytest.mark.parametrize("kind", KINDS)
def test_degraded_operations_fail_naming_the_culprit(kind: str, results) -> None:
    result = results["degraded"][kind]
    assert result.verdict is Verdict.FAIL, text(result)
    for needle in DEGRADED[kind]:
        assert needle in text(result), (needle, text(result))


def test_trap_on_call_now_but_a_gap_tomorrow_night(results) -> None:
    """Trap: /oncalls names someone for level 1 right now: "someone is on call" passes; the schedule
    has nobody 30-34 h from now."""
    result = results["traps"]["pagerduty.oncall-coverage"]
    assert result.verdict is Verdict.FAIL, text(result)
    assert "on call now (level 1): " in result.evidence and "NOBODY" not in result.evidence
    assert "GAPS:" in result.evidence and "has nobody on call" in result.summary


def test_trap_two_levels_the_second_without_a_target(results) -> None:
    """Trap: the policy has 2 levels: a ">= 2 levels" probe passes; level 2 has no target, so the
    page stops at level 1."""
    result = results["traps"]["pagerduty.escalation-policy"]
    assert result.verdict is Verdict.FAIL and "level 2 has no target" in result.summary, text(
        result
    )


def test_trap_every_dashboard_present_over_a_failing_data_source(results) -> None:
    """Trap: every service has its dashboard: "dashboards exist" passes; the data source they all
    use fails its health check (it queries staging's Prometheus), so every panel is empty."""
    result = results["traps"]["grafana.dashboards"]
    assert result.verdict is Verdict.FAIL, text(result)
    assert (
        "data source prom-prod fails its health check (the dashboards of api-gateway, auth-service"
        in result.summary
    )
    assert "lookup prometheus-staging: no such host" in result.evidence


def test_missing_tokens_are_skipped_with_the_key_to_set(sandbox_ca) -> None:
    """No API token in the profile, the environment or the keyring: skipped, naming the key and the
    secret; never an error."""
    ops = OpsApis(sandbox_ca, HEALTHY_OPS)
    try:
        profile = Profile.model_validate(
            {
                "http": {"ca_bundle": str(sandbox_ca.bundle)},
                "pagerduty": {"api_url": ops.pagerduty.url},
                "grafana": {"url": ops.grafana.url},
            }
        )
        out = run(profile)
    finally:
        ops.stop()
    assert out["pagerduty.oncall-coverage"].verdict is Verdict.SKIPPED
    assert "pagerduty.api_token_secret" in out["pagerduty.oncall-coverage"].summary
    assert "GOLIVE_SECRET_PAGERDUTY_API_TOKEN" in out["pagerduty.escalation-policy"].summary
    assert (
        out["grafana.dashboards"].verdict is Verdict.SKIPPED
        and "grafana.token_secret" in out["grafana.dashboards"].summary
    )


def test_only_reads(results) -> None:
    """Nothing is paged or changed: every request the look-alikes answered during the three sweeps
    was a GET."""
    assert _requests and all(request.startswith("GET ") for request in _requests), sorted(
        set(_requests)
    )
    assert "GET /oncalls" in _requests and "GET /api/search" in _requests
