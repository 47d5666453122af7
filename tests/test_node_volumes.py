"""Encryption at rest is judged on the volumes the cluster runs on, not on the region's EBS default.

Staged with real parts: a moto account per case (Aurora encrypted with a KMS key, one EC2
instance per node with a root and a data volume) and the sandbox Kubernetes API whose Nodes
name those instances in `spec.providerID`. The account-wide default only says what a new
volume gets when nobody asks: off with every volume encrypted is a pass; on with one
volume left plaintext is a fail. The old probe read the default alone (the first case
failed, the third passed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.aws_account import HEALTHY
from golive_tui.sandbox.aws_estate import build_aurora
from golive_tui.sandbox.aws_nodes import stage_node_instances
from golive_tui.sandbox.k8s_build import Obj
from golive_tui.sandbox.k8s_objects import healthy_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

CLUSTER = "ledger-prod"
PLAIN_NODE = "ip-10-0-2-41.eu-west-1.compute.internal"


@dataclass
class Staged:
    profile: Profile
    volumes: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def stage(aws_sandbox, sandbox_ca) -> Iterator:
    """Stage a production: (account id, EBS default on?, {node: unencrypted device}) -> Staged."""
    servers: list[K8sSandbox] = []

    def make(
        account_id: str, *, default_on: bool, unencrypted: dict[str, str] | None = None
    ) -> Staged:
        account = aws_sandbox.server.account(account_id, f"golive-volumes-{account_id}")
        build_aurora(account, replace(HEALTHY, name=CLUSTER))
        cluster = healthy_cluster()
        nodes: list[Obj] = [o for o in cluster.objects if o["kind"] == "Node"]
        volumes = stage_node_instances(
            account, nodes, cluster_name=CLUSTER, unencrypted=unencrypted
        )
        if default_on:  # after the volumes: a default turned on later changes no existing volume
            account.client("ec2").enable_ebs_encryption_by_default()
        sandbox = K8sSandbox.start(cluster, sandbox_ca)
        servers.append(sandbox)
        aws = {
            "profile": account.name,
            "region": account.region,
            "endpoint_url": account.endpoint_url,
            "db_cluster_id": CLUSTER,
            "eks_cluster_name": CLUSTER,
        }
        return Staged(
            Profile.model_validate(sandbox.profile_data(aws=aws, run={"timeout": 8})), volumes
        )

    try:
        yield make
    finally:
        for sandbox in servers:
            sandbox.stop()


def encryption_at_rest(profile: Profile, monkeypatch, aws_sandbox) -> ProbeResult:
    for name, value in aws_sandbox.server.env().items():
        monkeypatch.setenv(name, value)
    item = Item(
        id="encryption-at-rest",
        title="Encryption at Rest",
        probe=[ProbeSpec(kind="aws.rds-encryption", params={"include_ebs": True})],
    )
    object.__setattr__(item, "key", "security.data.encryption-at-rest")
    [outcome] = run_sync(profile, [item])
    return outcome.result


def test_default_off_every_node_volume_encrypted_passes(stage, monkeypatch, aws_sandbox) -> None:
    staged = stage("456789012301", default_on=False)
    result = encryption_at_rest(staged.profile, monkeypatch, aws_sandbox)
    assert result.verdict is Verdict.PASS, result.summary
    assert result.summary.startswith(f"DB cluster {CLUSTER} encrypted (KMS key ")
    assert result.summary.endswith("; all 8 EBS volumes of 4 nodes encrypted")
    # The default is context, said as such; each node is followed to its instance and volumes.
    assert (
        "EBS encryption by default in eu-west-1: off (what a new volume gets when nobody asks"
        in result.evidence
    )
    for node, ids in staged.volumes.items():
        assert f"node {node} = {ids['instance']} (" in result.evidence
        assert f"{ids['/dev/xvdb']} /dev/xvdb: encrypted, KMS key " in result.evidence


def test_one_unencrypted_node_volume_fails_naming_node_and_volume(
    stage, monkeypatch, aws_sandbox
) -> None:
    staged = stage("456789012302", default_on=False, unencrypted={PLAIN_NODE: "/dev/xvdb"})
    result = encryption_at_rest(staged.profile, monkeypatch, aws_sandbox)
    volume = staged.volumes[PLAIN_NODE]["/dev/xvdb"]
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        f"node {PLAIN_NODE} volume {volume} (/dev/xvdb) is NOT encrypted",
    )
    assert f"{volume} /dev/xvdb: NOT encrypted" in result.evidence


def test_default_on_does_not_hide_an_unencrypted_volume(stage, monkeypatch, aws_sandbox) -> None:
    """The old probe passed this one: the region's default was on."""
    staged = stage("456789012303", default_on=True, unencrypted={PLAIN_NODE: "/dev/xvda"})
    result = encryption_at_rest(staged.profile, monkeypatch, aws_sandbox)
    volume = staged.volumes[PLAIN_NODE]["/dev/xvda"]
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        f"node {PLAIN_NODE} volume {volume} (/dev/xvda) is NOT encrypted",
    )
    assert "EBS encryption by default in eu-west-1: on (" in result.evidence


def test_nodes_that_are_no_instance_here_are_an_error_not_a_verdict(
    stage, monkeypatch, aws_sandbox, k8s_healthy
) -> None:
    """The healthy sandbox's Nodes name instances no account here has (a wrong aws.region, say):
    nothing was seen."""
    staged = stage("456789012304", default_on=True)
    data = k8s_healthy.profile_data(aws=staged.profile.aws.model_dump(), run={"timeout": 8})
    result = encryption_at_rest(Profile.model_validate(data), monkeypatch, aws_sandbox)
    assert result.verdict is Verdict.ERROR
    assert (
        result.summary.startswith("4 node instances not found in ")
        and "(check aws.region and aws.profile)" in result.summary
    )
