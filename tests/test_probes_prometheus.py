"""Performance items against a real Prometheus backfilled with known data (Debian `prometheus`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.probes.base import Verdict
from golive_tui.profile import Profile

pytestmark = pytest.mark.slow


def prometheus_items():
    return [
        i
        for i in load_checklist().items()
        if i.probe and all(s.kind.startswith(("prometheus", "alertmanager")) for s in i.probe)
    ]


def profile_for(sandbox) -> Profile:
    return Profile.model_validate(
        {"prometheus": {"url": sandbox.url, "alertmanager_url": sandbox.alertmanager_url}}
    )


def test_healthy_performance_all_pass_with_measured_values(prometheus_healthy) -> None:
    results = {
        r.item.key: r.result for r in run_sync(profile_for(prometheus_healthy), prometheus_items())
    }
    assert all(r.verdict is Verdict.PASS for r in results.values()), {
        k: r.summary for k, r in results.items()
    }
    p95 = results["performance.baseline.api-response-time-p95"]
    assert 150 < p95.value < 170 and p95.unit == "ms"
    assert 45 < results["performance.service.tax-engine"].value < 50
    assert results["performance.baseline.error-rate"].value == pytest.approx(0.05, abs=0.01)


def test_degraded_performance_acceptable_and_fail(prometheus_degraded) -> None:
    results = {
        r.item.key: r.result for r in run_sync(profile_for(prometheus_degraded), prometheus_items())
    }
    p95 = results["performance.baseline.api-response-time-p95"]
    assert p95.verdict is Verdict.ACCEPTABLE and 300 < p95.value < 380
    assert "misses target < 200ms, within acceptable < 500ms" in p95.summary
    assert results["performance.service.tax-engine"].verdict is Verdict.FAIL
    assert results["performance.service.tax-engine"].value == pytest.approx(100.0, abs=2)
    assert results["performance.baseline.error-rate"].verdict is Verdict.ACCEPTABLE
    targets = results["go-live.monitoring.prometheus"]
    assert targets.verdict is Verdict.FAIL and "payments-worker" in targets.summary


def test_alertmanager_routes(prometheus_healthy) -> None:
    items = [load_checklist().item("go-live.monitoring.alertmanager")]
    results = {r.item.key: r.result for r in run_sync(profile_for(prometheus_healthy), items)}
    # The Alertmanager item also checks the alert-rules ConfigMap; without a cluster that part
    # errors.
    assert (
        "routes to 1 receiver(s): pagerduty-oncall"
        in results["go-live.monitoring.alertmanager"].summary
    )


def test_bad_query_and_unreachable_prometheus(prometheus_healthy) -> None:
    from golive_tui.model import Item, ProbeSpec

    def item(query: str) -> Item:
        it = Item(
            id="q",
            title="Q",
            probe=[ProbeSpec(kind="prometheus.query", params={"query": query})],
            metric={"target": {"op": "<", "value": 1}},
        )
        object.__setattr__(it, "key", "t.q")
        return it

    empty = run_sync(profile_for(prometheus_healthy), [item("sum(rate(no_such_metric[5m]))")])[
        0
    ].result
    assert empty.verdict is Verdict.ERROR and empty.summary.startswith("query returned")
    syntax = run_sync(profile_for(prometheus_healthy), [item("sum(rate(")])[0].result
    assert syntax.verdict is Verdict.ERROR
    assert "answered 400" in syntax.summary and "bad_data" in syntax.summary
    down = Profile.model_validate({"prometheus": {"url": "http://127.0.0.1:9"}})
    gone = run_sync(down, [item("up")])[0].result
    # Refused: the backend's finding, the probe's own words kept in the evidence.
    assert (
        gone.verdict is Verdict.ERROR and gone.summary == "not evaluated: Prometheus unreachable"
    ), gone.summary
    assert "the probe said: cannot connect to http://127.0.0.1:9" in gone.evidence


def test_golive_run_section_performance_json(prometheus_degraded, tmp_path) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(
        f'[prometheus]\nurl = "{prometheus_degraded.url}"\n'
        f'alertmanager_url = "{prometheus_degraded.alertmanager_url}"\n'
        "[run]\ntimeout = 3\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--profile",
            str(profile),
            "run",
            "--section",
            "performance.baseline",
            "--section",
            "performance.service",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    p95 = items["performance.baseline.api-response-time-p95"]
    assert p95["verdict"] == "acceptable" and p95["unit"] == "ms" and 300 < p95["value"] < 380
    assert items["performance.service.tax-engine"]["verdict"] == "fail"
    report = subprocess.run(
        [sys.executable, "-m", "golive_tui", "report", "--format", "markdown"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    ).stdout
    assert (
        "| **API Response Time (p95)** | < 200ms | < 500ms | 3" in report
    )  # the Current column, measured live


def test_missing_prometheus_binary_is_named(monkeypatch) -> None:
    from golive_tui.sandbox.prometheus import PrometheusMissing, PrometheusSandbox

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrometheusMissing, match="apt-get install prometheus"):
        PrometheusSandbox.binaries()


def test_benchmark_series_come_from_the_profile(prometheus_second) -> None:
    """A production labelled unlike the defaults: the default profile finds nothing and says what
    exists."""
    from golive_tui.sandbox.prometheus_workload import SECOND_NAMESPACE, SECOND_SERIES

    service_items = [i for i in prometheus_items() if i.key.startswith("performance.service.")]
    defaults = {
        r.item.key: r.result for r in run_sync(profile_for(prometheus_second), service_items)
    }
    login = defaults["performance.service.auth-service"]
    assert login.verdict is Verdict.ERROR
    assert login.summary.startswith(
        "query returned no data: looked for http_request_duration_seconds_bucket"
        '{namespace="autolytiq-prod",service="auth-service",route="/login"}; '
        "namespace has dealdesk-live; service has customers-api, deals-api, edge-gateway, "
        "identity, stock-api, tax-calculator; route has (none)"
    )
    assert "[prometheus] selector / series" in login.evidence
    assert all(r.verdict is Verdict.ERROR for r in defaults.values()), {
        k: r.summary for k, r in defaults.items()
    }

    profile = Profile.model_validate(
        {
            "target": {"namespace": SECOND_NAMESPACE},
            "prometheus": {"url": prometheus_second.url, "series": SECOND_SERIES},
        }
    )
    results = {r.item.key: r.result for r in run_sync(profile, service_items)}
    verdicts = {k: r.verdict for k, r in results.items()}
    assert verdicts == {
        "performance.service.api-gateway": Verdict.PASS,
        "performance.service.auth-service": Verdict.PASS,
        "performance.service.deal-service": Verdict.PASS,
        "performance.service.customer-service": Verdict.FAIL,
        "performance.service.tax-engine": Verdict.PASS,
    }, {k: r.summary for k, r in results.items()}
    search = results["performance.service.customer-service"]
    assert 300 < search.value < 380 and 'handler="/v2/customers/search"' in search.evidence
    assert (
        'service="identity",handler="/v2/sessions"'
        in results["performance.service.auth-service"].evidence
    )


def test_a_series_name_the_profile_lacks_is_named(prometheus_healthy) -> None:
    from golive_tui.model import Item, ProbeSpec

    it = Item(
        id="q",
        title="Q",
        probe=[ProbeSpec(kind="prometheus.query", params={"query": "sum(up{$checkout})"})],
        metric={"target": {"op": "<", "value": 1}},
    )
    object.__setattr__(it, "key", "t.q")
    result = run_sync(profile_for(prometheus_healthy), [it])[0].result
    assert result.verdict is Verdict.ERROR
    assert result.summary == (
        "query uses $checkout, which is not a [prometheus] series "
        "(known: create_deal, gateway, login, search, selector, tax)"
    )
    profile = Profile.model_validate({"prometheus": {"series": {"checkout": 'service="shop"'}}})
    assert (
        profile.prometheus.series["login"] == 'service="auth-service",route="/login"'
    )  # the defaults are kept
