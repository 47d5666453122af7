"""Aurora probes: the cluster, its members, backups, Performance Insights (metrics in
aws_rds_metrics).

The cluster is `aws.db_cluster_id` of the profile. Cluster-level facts come from
DescribeDBClusters (the seed's own commands); per-instance facts (AZ, class, Performance
Insights) from DescribeDBInstances filtered by `db-cluster-id`; metrics from CloudWatch
GetMetricData (`aws_rds_metrics`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import Field

from .aws_client import aws_probe, client, error_code, plural, session
from .base import NoParams, NotConfigured, ProbeContext, ProbeParams, ProbeResult, failed, passed


class MultiAzParams(ProbeParams):
    min_members: int = Field(default=2, ge=1)
    min_azs: int = Field(default=2, ge=1)


class BackupParams(ProbeParams):
    min_retention_days: int = Field(default=35, ge=1, le=35)


class _ClusterMissing(Exception):
    pass


def _cluster(ctx: ProbeContext) -> dict[str, Any]:
    cluster_id = ctx.profile.aws.db_cluster_id
    if not cluster_id:
        raise NotConfigured("aws.db_cluster_id is empty in the profile")
    try:
        clusters: list[dict[str, Any]] = client(ctx, "rds").describe_db_clusters(
            DBClusterIdentifier=cluster_id
        )["DBClusters"]
    except Exception as exc:
        if error_code(exc) == "DBClusterNotFoundFault":
            raise _ClusterMissing(cluster_id) from None
        raise
    if not clusters:
        raise _ClusterMissing(cluster_id)
    return clusters[0]


SERVING = frozenset(
    {
        "available",
        "backing-up",
        "modifying",
        "maintenance",
        "upgrading",
        "storage-optimization",
        "configuring-enhanced-monitoring",
        "configuring-iam-database-auth",
        "configuring-log-exports",
    }
)
"""DBInstanceStatus values of an instance that serves (and can take over); stopped, failed,
creating... do not."""


def cluster_members(ctx: ProbeContext, cluster: dict[str, Any]) -> list[dict[str, Any]]:
    filters = [{"Name": "db-cluster-id", "Values": [cluster["DBClusterIdentifier"]]}]
    instances = client(ctx, "rds").describe_db_instances(Filters=filters)["DBInstances"]
    writers = {
        m["DBInstanceIdentifier"]
        for m in cluster.get("DBClusterMembers", [])
        if m.get("IsClusterWriter")
    }
    return sorted(
        instances,
        key=lambda i: (i["DBInstanceIdentifier"] not in writers, i["DBInstanceIdentifier"]),
    )


def _role(cluster: dict[str, Any], instance_id: str) -> str:
    for member in cluster.get("DBClusterMembers", []):
        if member["DBInstanceIdentifier"] == instance_id:
            return "writer" if member.get("IsClusterWriter") else "reader"
    return "member"


def _missing(ctx: ProbeContext, cluster_id: str) -> ProbeResult:
    return failed(
        f"DB cluster {cluster_id} not found",
        f"DescribeDBClusters {cluster_id} in {session(ctx).where()}: not found",
    )


ClusterProbe = Callable[[ProbeContext, Any, dict[str, Any]], ProbeResult]
"""A probe function that is also handed the described cluster."""
_F = TypeVar("_F", bound=ClusterProbe)


def cluster_probe(
    name: str, params: type[ProbeParams], services: tuple[str, ...] = ("rds",)
) -> Callable[[_F], _F]:
    """aws_probe whose function gets the described cluster; a missing cluster is a `fail`."""

    def register(func: _F) -> _F:
        @functools.wraps(func)
        def run(ctx: ProbeContext, p: Any) -> ProbeResult:
            try:
                cluster = _cluster(ctx)
            except _ClusterMissing as missing:
                return _missing(ctx, str(missing))
            return func(ctx, p, cluster)

        aws_probe(name, params, services=services)(run)
        return func

    return register


@cluster_probe("aws.rds-cluster", NoParams)
def rds_cluster(ctx: ProbeContext, params: NoParams, cluster: dict[str, Any]) -> ProbeResult:
    """The Aurora cluster exists and is available."""
    cid, status = cluster["DBClusterIdentifier"], cluster.get("Status", "?")
    members = cluster.get("DBClusterMembers", [])
    writers = [m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")]
    evidence = "\n".join(
        [
            f"DB cluster {cid} ({session(ctx).where()})",
            f"  engine: {cluster.get('Engine', '?')} {cluster.get('EngineVersion', '')}".rstrip(),
            f"  status: {status}",
            f"  writer: {', '.join(writers) or 'none'}; members: {len(members)}",
            f"  endpoint: {cluster.get('Endpoint', '?')}",
        ]
    )
    if status != "available":
        return failed(f"DB cluster {cid} is {status}, not available", evidence)
    if not writers:
        return failed(f"DB cluster {cid} has no writer instance", evidence)
    return passed(
        f"DB cluster {cid} available ({cluster.get('Engine', '?')}, {len(members)} members)",
        evidence,
    )


@cluster_probe("aws.rds-multi-az", MultiAzParams)
def rds_multi_az(ctx: ProbeContext, params: MultiAzParams, cluster: dict[str, Any]) -> ProbeResult:
    """The cluster has enough instances spread over enough availability zones."""
    cid = cluster["DBClusterIdentifier"]
    everyone = cluster_members(ctx, cluster)

    def serving(
        m: dict[str, Any],
    ) -> bool:  # a stopped, failed or still-creating reader is no failover target
        return m.get("DBInstanceStatus", "available") in SERVING

    members = [m for m in everyone if serving(m)]
    azs = sorted({m.get("AvailabilityZone", "?") for m in members})
    lines = [
        f"DB cluster {cid}: {plural(len(members), 'serving instance')} in {plural(len(azs), 'AZ')} "
        f"({', '.join(azs) or 'none'})"
    ]
    lines += [
        f"  {m['DBInstanceIdentifier']} ({_role(cluster, m['DBInstanceIdentifier'])}, "
        f"{m.get('DBInstanceClass', '?')}): {m.get('AvailabilityZone', '?')}, "
        f"{m.get('DBInstanceStatus', '?')}" + ("" if serving(m) else " (not counted)")
        for m in everyone
    ]
    problems = []
    if len(members) < params.min_members:
        problems.append(f"{plural(len(members), 'serving instance')} (< {params.min_members})")
    if len(azs) < params.min_azs:
        problems.append(f"{plural(len(azs), 'AZ')} (< {params.min_azs})")
    if problems:
        idle = ", ".join(
            f"{m['DBInstanceIdentifier']} is {m.get('DBInstanceStatus', '?')}"
            for m in everyone
            if not serving(m)
        )
        return failed(
            f"DB cluster {cid}: {' and '.join(problems)}" + (f" ({idle})" if idle else ""),
            "\n".join(lines),
        )
    return passed(
        f"DB cluster {cid}: {plural(len(members), 'instance')} across {plural(len(azs), 'AZ')}",
        "\n".join(lines),
    )


@cluster_probe("aws.rds-backups", BackupParams)
def rds_backups(ctx: ProbeContext, params: BackupParams, cluster: dict[str, Any]) -> ProbeResult:
    """Automated backups are kept at least `min_retention_days`."""
    cid = cluster["DBClusterIdentifier"]
    days = int(cluster.get("BackupRetentionPeriod") or 0)
    evidence = "\n".join(
        [
            f"DB cluster {cid}",
            f"  BackupRetentionPeriod: {days} days (required >= {params.min_retention_days})",
            f"  PreferredBackupWindow: {cluster.get('PreferredBackupWindow', '?')}",
            f"  EarliestRestorableTime: {cluster.get('EarliestRestorableTime', '?')}",
        ]
    )
    if days < params.min_retention_days:
        return failed(
            f"DB cluster {cid} keeps backups {days} days (< {params.min_retention_days})", evidence
        )
    return passed(f"DB cluster {cid} keeps backups {days} days", evidence)


@cluster_probe("aws.rds-performance-insights", NoParams)
def rds_performance_insights(
    ctx: ProbeContext, params: NoParams, cluster: dict[str, Any]
) -> ProbeResult:
    """Performance Insights is enabled on every instance of the cluster."""
    cid = cluster["DBClusterIdentifier"]
    members = cluster_members(ctx, cluster)
    lines = [f"DB cluster {cid}: Performance Insights per instance (DescribeDBInstances)"]
    off = []
    for m in members:
        on = bool(m.get("PerformanceInsightsEnabled"))
        iid = m["DBInstanceIdentifier"]
        lines.append(f"  {iid} ({_role(cluster, iid)}): {'enabled' if on else 'DISABLED'}")
        if not on:
            off.append(iid)
    if not members:
        return failed(f"DB cluster {cid} has no instances", "\n".join(lines))
    if off:
        return failed(f"Performance Insights disabled on {', '.join(off)}", "\n".join(lines))
    return passed(
        f"Performance Insights enabled on all {len(members)} instances of {cid}", "\n".join(lines)
    )
