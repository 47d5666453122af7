"""Aurora encryption probes, one claim each: storage at rest, backups, TLS forced in transit.

The checklist has three rows about encryption that a single `StorageEncrypted` read would
all pass: "Encryption at rest enabled" (the cluster's storage), "Database, storage
encrypted" (the cluster and every EBS volume of the EKS nodes, `aws_nodes`; the region's
EBS default is context only: it predicts new volumes, it is not the state of these),
"Backups encrypted" (every snapshot of the cluster, automated ones follow the cluster), and
the database part of "TLS 1.2+ for all connections" (the cluster parameter group forces TLS).
"""

from __future__ import annotations

from typing import Any, Literal

from .aws_client import error_code, paginate, session
from .aws_nodes import judge_node_volumes, prepare_nodes, with_nodes
from .aws_rds import cluster_probe
from .base import (
    REGISTRY,
    Findings,
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
)

FORCE_TLS = {"postgres": "rds.force_ssl", "mysql": "require_secure_transport"}
"""The cluster parameter that refuses unencrypted connections, per engine family."""


class EncryptionParams(ProbeParams):
    scope: Literal["storage", "backups"] = "storage"
    """storage: the cluster's storage (with `include_ebs`, the EKS nodes' volumes too); backups:
    every snapshot."""
    include_ebs: bool = False
    """Also require every EBS volume of the EKS nodes encrypted (nodes from the cluster, volumes
    from EC2)."""


def _key(cluster: dict[str, Any]) -> str:
    return (cluster.get("KmsKeyId") if cluster.get("StorageEncrypted") else "") or "none"


@cluster_probe("aws.rds-encryption", EncryptionParams, services=("rds", "ec2"))
def rds_encryption(
    ctx: ProbeContext, params: EncryptionParams, cluster: dict[str, Any]
) -> ProbeResult:
    """Cluster storage is encrypted with a KMS key (scope storage, optionally EBS too), or every
    backup is (scope backups)."""
    cid = cluster["DBClusterIdentifier"]
    encrypted = bool(cluster.get("StorageEncrypted"))
    found = Findings()
    found.line(f"DB cluster {cid} ({session(ctx).where()})")
    found.line(f"  StorageEncrypted: {encrypted}")
    found.line(f"  KmsKeyId: {_key(cluster)}")
    if params.scope == "backups":
        snapshots = paginate(
            ctx,
            "rds",
            "describe_db_cluster_snapshots",
            "DBClusterSnapshots",
            DBClusterIdentifier=cid,
        )
        if not encrypted:
            found.problem(
                f"DB cluster {cid} is not encrypted, so its automated backups are not",
                "  automated backups: NOT encrypted",
            )
        else:
            found.line("  automated backups: encrypted with the cluster's key")
        for snap in snapshots:
            ok = bool(snap.get("StorageEncrypted"))
            name = snap.get("DBClusterSnapshotIdentifier", "?")
            line = (
                f"  snapshot {name} ({snap.get('SnapshotType', '?')}): "
                f"{'encrypted' if ok else 'NOT encrypted'}"
            )
            if ok:
                found.line(line)
            else:
                found.problem(f"snapshot {name} is NOT encrypted", line)
        return found.result(f"backups of {cid} encrypted (automated, {len(snapshots)} snapshots)")
    if not encrypted:
        found.problem(f"DB cluster {cid} storage is NOT encrypted")
    what = f"DB cluster {cid} encrypted (KMS key {_key(cluster).rsplit('/', 1)[-1]})"
    if params.include_ebs:
        try:
            what += "; " + judge_node_volumes(ctx, found)
        except ProbeError as exc:
            if not found:
                raise
            found.line(f"EKS node volumes not judged: {exc}")  # the database already fails the row
    return found.result(what)


with_nodes(REGISTRY, "aws.rds-encryption", prepare_nodes)


@cluster_probe("aws.rds-tls", NoParams)
def rds_tls(ctx: ProbeContext, params: NoParams, cluster: dict[str, Any]) -> ProbeResult:
    """The DB cluster parameter group forces TLS (rds.force_ssl = 1 / require_secure_transport =
    ON)."""
    cid, engine = cluster["DBClusterIdentifier"], str(cluster.get("Engine", ""))
    name = next((param for family, param in FORCE_TLS.items() if family in engine), None)
    if name is None:
        raise NotConfigured(f"engine {engine or '?'} of {cid}: no known parameter forces TLS")
    group = cluster.get("DBClusterParameterGroup", "")
    if not group:
        return failed(
            f"DB cluster {cid} names no cluster parameter group",
            f"DescribeDBClusters {cid}: no DBClusterParameterGroup",
        )
    try:
        values = {
            p.get("ParameterName"): p.get("ParameterValue")
            for p in paginate(
                ctx,
                "rds",
                "describe_db_cluster_parameters",
                "Parameters",
                DBClusterParameterGroupName=group,
            )
        }
    except Exception as exc:
        if error_code(exc) not in ("DBParameterGroupNotFound", "DBClusterParameterGroupNotFound"):
            raise
        if not group.startswith("default."):
            return failed(
                f"cluster parameter group {group} of {cid} not found",
                f"DescribeDBClusterParameters {group}: not found",
            )
        values = {}  # an engine's default group: every parameter at its default
    value = values.get(name)
    evidence = (
        f"DB cluster {cid} ({engine} {cluster.get('EngineVersion', '')}), cluster parameter group "
        f"{group}\n  {name} = {value}"
    )
    if str(value).upper() in ("1", "ON", "TRUE"):
        return passed(f"{cid} forces TLS ({name} = {value} in {group})", evidence)
    shown = "not set (engine default: plaintext allowed)" if value is None else f"= {value}"
    return failed(f"{cid} accepts unencrypted connections: {name} {shown} in {group}", evidence)
