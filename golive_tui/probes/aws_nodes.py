"""The EKS worker nodes' EBS volumes, judged one by one: the storage a cluster really runs on.

"Storage encrypted" is a fact about volumes, not about the region's EBS encryption default:
that default only says what a *new* volume gets when nobody asks (a launch template that
asks for encryption encrypts with the default off; a volume made before the default was
turned on stays plaintext with it on). So the nodes are followed to their volumes: the
cluster's Nodes (`spec.providerID`, `aws:///<zone>/<instance id>`) -> DescribeInstances ->
every attached volume (DescribeVolumes) -> `Encrypted` and its KMS key. The default is
shown as context only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .aws_client import at_once, client, paginate, plural, session
from .base import Findings, ProbeContext, ProbeError, ProbeKind
from .k8s_client import K8s, api_client

CONTEXT = "what a new volume gets when nobody asks, not the state of these volumes"


def prepare_nodes(ctx: ProbeContext) -> None:
    """Build the Kubernetes client before the probe's deadline, if there is a cluster to reach.

    Not every row of such a kind reads the nodes (`aws.rds-encryption` without include_ebs):
    a missing kubeconfig is left for the probe to meet when, and only if, it needs the cluster.
    """
    try:
        api_client(ctx)
    except ProbeError:
        pass


def with_nodes(
    registry: dict[str, ProbeKind[Any]], name: str, prepare: Callable[[ProbeContext], Any]
) -> None:
    """Make the registered kind `name` also run `prepare` (the Kubernetes client) before its
    deadline."""
    kind = registry[name]
    first = kind.prepare

    def both(ctx: ProbeContext) -> None:
        if first is not None:
            first(ctx)
        prepare(ctx)

    registry[name] = dataclasses.replace(kind, prepare=both)


def instance_id(provider_id: str) -> str:
    """`i-0abc…` from an EC2 providerID (`aws:///us-east-1a/i-0abc…`); '' for any other provider."""
    if not provider_id.startswith("aws://"):
        return ""
    last = provider_id.rstrip("/").rsplit("/", 1)[-1]
    return last if last.startswith("i-") else ""


def _nodes(ctx: ProbeContext) -> list[tuple[str, str, str]]:
    """(node name, providerID, instance id or '') of every Node of the cluster."""
    found = []
    for node in K8s(ctx).list("/api/v1/nodes"):
        name = str((node.get("metadata") or {}).get("name", "?"))
        provider = str((node.get("spec") or {}).get("providerID", ""))
        found.append((name, provider, instance_id(provider)))
    return found


def judge_node_volumes(ctx: ProbeContext, found: Findings) -> str:
    """Add each node volume's encryption to `found` (an unencrypted one is a problem); returns the
    pass wording.

    A node that is not an EC2 instance (Fargate, another provider) is listed, not judged;
    no EC2 node at all, or an instance this region does not know, is a ProbeError: the
    volumes could not be seen, which is neither a pass nor a fail.
    """
    where = session(ctx).where()
    ec2 = client(ctx, "ec2")
    ebs_default, listed = at_once(ctx, ec2.get_ebs_encryption_by_default, lambda: _nodes(ctx))
    default = bool(ebs_default().get("EbsEncryptionByDefault"))  # its error first, as before
    nodes = listed()
    by_instance = {iid: name for name, _, iid in nodes if iid}
    found.line(f"EKS nodes: {len(nodes)} ({plural(len(by_instance), 'EC2 instance')})")
    for name, provider, iid in nodes:
        if not iid:
            found.line(
                f"  node {name}: providerID {provider or '(none)'} is not an EC2 instance: not "
                "judged"
            )
    if not by_instance:
        raise ProbeError(
            f"no node of the cluster has an EC2 providerID ({len(nodes)} nodes): their volumes "
            "cannot be found"
        )
    # The instances and their volumes at once: the volumes are asked by the nodes' instance ids
    # (an id DescribeInstances does not know is refused below before any volume is read).
    ids = sorted(by_instance)
    reservations, attached_volumes = at_once(
        ctx,
        lambda: paginate(
            ctx,
            "ec2",
            "describe_instances",
            "Reservations",
            Filters=[{"Name": "instance-id", "Values": ids}],
        ),
        lambda: paginate(
            ctx,
            "ec2",
            "describe_volumes",
            "Volumes",
            Filters=[{"Name": "attachment.instance-id", "Values": ids}],
        ),
    )
    instances: dict[str, dict[str, Any]] = {}
    for reservation in reservations():
        instances.update((i["InstanceId"], i) for i in reservation.get("Instances", []))
    unknown = sorted(set(by_instance) - set(instances))
    if unknown:
        named = ", ".join(f"{by_instance[i]} ({i})" for i in unknown[:3])
        raise ProbeError(
            f"{plural(len(unknown), 'node instance')} not found in {where}: {named} (check "
            "aws.region and aws.profile)"
        )
    volumes: dict[str, dict[str, Any]] = {v["VolumeId"]: v for v in attached_volumes()}
    encrypted = 0
    for iid, instance in sorted(instances.items(), key=lambda pair: by_instance[pair[0]]):
        node = by_instance[iid]
        attached = [
            m
            for m in instance.get("BlockDeviceMappings", [])
            if (m.get("Ebs") or {}).get("VolumeId")
        ]
        found.line(
            f"  node {node} = {iid} "
            f"({(instance.get('Placement') or {}).get('AvailabilityZone', '?')}): "
            f"{plural(len(attached), 'EBS volume')}"
        )
        if not attached:
            found.line(
                "    no EBS volume attached (instance store only: encrypted by the hardware)"
            )
        for mapping in attached:
            vid, device = mapping["Ebs"]["VolumeId"], mapping.get("DeviceName", "?")
            volume = volumes.get(vid)
            if volume is None:
                raise ProbeError(
                    f"volume {vid} of node {node} not returned by DescribeVolumes in {where}"
                )
            if volume.get("Encrypted"):
                encrypted += 1
                found.line(
                    f"    {vid} {device}: encrypted, KMS key "
                    f"{str(volume.get('KmsKeyId') or 'aws/ebs').rsplit('/', 1)[-1]}"
                )
            else:
                found.problem(
                    f"node {node} volume {vid} ({device}) is NOT encrypted",
                    f"    {vid} {device}: NOT encrypted",
                )
    found.line(
        f"EBS encryption by default in {session(ctx).region or '?'}: {'on' if default else 'off'} "
        f"({CONTEXT})"
    )
    return f"all {plural(encrypted, 'EBS volume')} of {plural(len(instances), 'node')} encrypted"
