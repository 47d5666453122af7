"""Probes judge the state, not the setting that predicts it (issue 28's review of every probe).

An HPA's spec says what it would do; its conditions say whether it can: without metrics
(no metrics-server, a missing CPU request) `ScalingActive` is False and nothing scales. The
old probe passed any HPA aimed at the deployment.
"""

from __future__ import annotations

import copy

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import Verdict
from golive_tui.sandbox.k8s_build import Cluster
from golive_tui.sandbox.k8s_objects import NAMESPACE, healthy_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

MESSAGE = (
    "the HPA was unable to compute the replica count: "
    "failed to get cpu utilization: missing request for cpu"
)


def test_an_hpa_that_cannot_scale_does_not_count(sandbox_ca) -> None:
    cluster = Cluster(copy.deepcopy(healthy_cluster().objects))
    hpa = cluster.find("HorizontalPodAutoscaler", "auth-service-hpa", NAMESPACE)
    for condition in hpa["status"]["conditions"]:
        if condition["type"] == "ScalingActive":
            condition.update(status="False", reason="FailedGetResourceMetric", message=MESSAGE)
    sandbox = K8sSandbox.start(cluster.validate(), sandbox_ca)
    try:
        made = Item(id="auto-scaling", title="Auto-scaling", probe=[ProbeSpec(kind="k8s.hpa")])
        object.__setattr__(made, "key", "go-live.infrastructure.auto-scaling")
        [outcome] = run_sync(sandbox.profile(), [made])
    finally:
        sandbox.stop()
    result = outcome.result
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "deployment/auth-service: hpa/auth-service-hpa cannot "
        "scale it (ScalingActive False: FailedGetResourceMetric)",
    )
    assert (
        "hpa/auth-service-hpa -> Deployment/auth-service (min 3, max 12); "
        f"ScalingActive False: FailedGetResourceMetric {MESSAGE}" in result.evidence
    )
