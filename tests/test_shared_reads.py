"""AWS answers shared by the probes of one sweep: one DescribeDBClusters, the same verdicts.

The calls are counted where moto receives them: its endpoint is reached through the sandbox
relay (golive_tui/sandbox/relay.py), which counts `Action=DescribeDBClusters` in the bodies
clients send (RDS speaks the query protocol). No client is patched.
"""

from __future__ import annotations

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.model import Item
from golive_tui.probes.base import ClientCache
from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.relay import Relays

DESCRIBE_CLUSTERS = b"Action=DescribeDBClusters"


def _aws_items() -> list[Item]:
    """The production checklist's items probed only through AWS."""
    return [
        i
        for i in load_checklist().items()
        if i.probe and all(p.kind.startswith("aws.") for p in i.probe)
    ]


def _verdicts(results) -> dict[str, tuple[str, str]]:
    return {r.item.key: (r.result.verdict.value, r.result.summary) for r in results}


def test_the_same_verdicts_with_and_without_sharing(aws_degraded: SandboxAccount) -> None:
    profile = aws_degraded.profile(provisioned_iops=3000)
    items = _aws_items()
    alone = _verdicts(run_sync(profile, items, clients=ClientCache(share_results=False)))
    shared = _verdicts(run_sync(profile, items, clients=ClientCache()))
    assert len(alone) == len(items) >= 15
    assert shared == alone
    assert any(
        verdict == "fail" for verdict, _ in alone.values()
    )  # the degraded account: a comparison with teeth


def test_one_describe_db_clusters_per_sweep(aws_degraded: SandboxAccount) -> None:
    """Fails on the old code: 13 DescribeDBClusters reached moto in one sweep of the production
    checklist."""
    items = _aws_items()
    with Relays(0, watch=(DESCRIBE_CLUSTERS,)) as relays:
        port = relays.add(aws_degraded.server.port)
        profile = aws_degraded.profile(
            provisioned_iops=3000, endpoint_url=f"http://127.0.0.1:{port}"
        )
        alone = ClientCache(share_results=False)
        run_sync(profile, items, clients=alone)
        unshared = relays.count(DESCRIBE_CLUSTERS)
        clients = ClientCache()
        run_sync(profile, items, clients=clients)
        assert relays.count(DESCRIBE_CLUSTERS) - unshared == 1
        run_sync(profile, items, clients=clients)  # the next sweep reads the production afresh
        assert relays.count(DESCRIBE_CLUSTERS) - unshared == 2
        alone.close()
        clients.close()
    assert unshared >= 10  # what every sweep cost before
