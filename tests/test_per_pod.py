"""Per-pod means per pod: "Requests/sec per pod" against a real Prometheus, with and without a `pod`
label.

With the label (the healthy fixture: two gateway pods, ~575 rps each) the figure is the
average per pod and the evidence names the pods. Without it (the `per-service` fixture: one
gateway series of ~1150 rps, as a service-level exporter reports it) `sum by (pod)` is the
whole service: the old probe passed it as "Requests/sec per pod 1150 rps". Now it is divided
by the gateway Deployment's Ready pods from the cluster (3 in the sandbox), or, with no
cluster to ask, labelled per service and not passed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile

pytestmark = pytest.mark.slow

ROW = "performance.service.api-gateway"


@pytest.fixture(scope="module")
def prometheus_per_service() -> Iterator:
    from golive_tui.sandbox.prometheus import PrometheusSandbox

    sandbox = PrometheusSandbox("per-service").start()
    yield sandbox
    sandbox.stop()


def gateway_row(prometheus, **sections: dict) -> ProbeResult:
    data = {
        "prometheus": {"url": prometheus.url, "alertmanager_url": prometheus.alertmanager_url},
        **sections,
    }
    row = next(i for i in load_checklist().items() if i.key == ROW)
    [outcome] = run_sync(Profile.model_validate(data), [row])
    return outcome.result


def test_series_with_a_pod_label_are_averaged_per_pod(prometheus_healthy) -> None:
    result = gateway_row(prometheus_healthy)
    assert result.verdict is Verdict.PASS, result.summary
    assert result.summary.startswith("Requests/sec per pod ") and 540 < result.value < 610
    assert "carries a pod label; 2 pods: api-gateway-7d9f-0, api-gateway-7d9f-1" in result.evidence


def test_without_a_pod_label_the_total_is_divided_by_the_ready_pods(
    prometheus_per_service, k8s_healthy
) -> None:
    result = gateway_row(prometheus_per_service, **k8s_healthy.profile_data())
    # ~1150 rps over 3 Ready api-gateway pods: ~383 per pod, under the row's 500 (the old probe
    # passed 1150 "per pod").
    assert result.verdict is Verdict.FAIL, result.summary
    assert (
        result.summary.startswith("Requests/sec per pod (service total / 3 Ready pods) ")
        and 360 < result.value < 405
    )
    assert (
        "carries no pod label: `by (pod)` is one group, the whole service's rate" in result.evidence
    )
    assert "/ 3 Ready pods of deployment/api-gateway (from the cluster)" in result.evidence


def test_without_a_pod_label_and_no_cluster_the_figure_is_per_service(
    prometheus_per_service, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    result = gateway_row(prometheus_per_service)
    assert result.verdict is Verdict.ERROR, result.summary
    assert result.summary.startswith(
        "no per-pod figure: the series carry no pod label and the service total ("
    )
    assert "Ready pods of deployment/api-gateway: not read (no kubeconfig" in result.evidence
    assert "per pod" not in result.summary.split("(", 1)[0]
