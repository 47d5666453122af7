"""`k8s.rollback-history` against the sandbox Kubernetes API with ReplicaSet history
(sandbox/k8s_history.py): passes when every service can roll back, fails naming the deployment
otherwise, and defeats the plausible probe that reads `revisionHistoryLimit` alone.
"""

from __future__ import annotations

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.sandbox.k8s_history import add_history
from golive_tui.sandbox.k8s_objects import NAMESPACE, healthy_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

pytestmark = pytest.mark.slow


def verdict(sandbox_ca, **history) -> ProbeResult:
    cluster = add_history(healthy_cluster(), NAMESPACE, **history)
    sandbox = K8sSandbox.start(cluster, sandbox_ca)
    try:
        item = Item(
            id="rollback", title="Rollback Plan", probe=[ProbeSpec(kind="k8s.rollback-history")]
        )
        object.__setattr__(item, "key", "t.rollback")
        return run_sync(sandbox.profile(), [item], timeout=10)[0].result
    finally:
        sandbox.stop()


def test_every_deployment_has_a_previous_revision(sandbox_ca) -> None:
    result = verdict(sandbox_ca)
    assert result.verdict is Verdict.PASS, f"{result.summary}\n{result.evidence}"
    assert (
        "deployment/deal-service: revision 2, revisionHistoryLimit 10: rollback to revision 1"
        in result.evidence
    )
    assert "deal-service:1.4.1" in result.evidence  # the image a rollback would run


def test_history_limit_zero_fails_naming_the_deployment(sandbox_ca) -> None:
    result = verdict(sandbox_ca, no_history=("deal-service",))
    assert (
        result.verdict is Verdict.FAIL
        and result.summary == "deployment/deal-service keeps no history (revisionHistoryLimit 0)"
    )


def test_trap_history_kept_but_nothing_to_go_back_to(sandbox_ca) -> None:
    """Trap: revisionHistoryLimit is 10 (a probe reading it passes), but inventory-service was never
    rolled out before: it has one ReplicaSet, and `kubectl rollout undo` has nowhere to go."""
    result = verdict(sandbox_ca, first_deploy=("inventory-service",))
    assert result.verdict is Verdict.FAIL
    assert result.summary == "deployment/inventory-service has no previous revision to roll back to"
    assert (
        "deployment/inventory-service: revision 1, revisionHistoryLimit 10: no older ReplicaSet"
        in result.evidence
    )
