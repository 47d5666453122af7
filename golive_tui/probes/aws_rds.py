"""Aurora probes: the cluster, its members, backups, encryption, Performance Insights, metrics.

The cluster is `aws.db_cluster_id` of the profile. Cluster-level facts come from
DescribeDBClusters (the seed's own commands); per-instance facts (AZ, class, Performance
Insights) from DescribeDBInstances filtered by `db-cluster-id`; metrics from CloudWatch
GetMetricData in the AWS/RDS namespace with the DBClusterIdentifier dimension.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Literal

from pydantic import Field

from .aws_client import aws_probe, client, error_code, plural, session
from .base import NoParams, NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed


class MultiAzParams(ProbeParams):
    min_members: int = Field(default=2, ge=1)
    min_azs: int = Field(default=2, ge=1)


class BackupParams(ProbeParams):
    min_retention_days: int = Field(default=35, ge=1, le=35)


class MetricParams(ProbeParams):
    metric: Literal["connections", "replica-lag", "read-latency", "write-latency", "iops"]
    stat: str = "Maximum"
    """CloudWatch statistic per minute; the window's value is the max (min for Minimum, mean for Average)."""
    minutes: int = Field(default=15, ge=1, le=24 * 60)


class _ClusterMissing(Exception):
    pass


def _cluster(ctx: ProbeContext) -> dict[str, Any]:
    cluster_id = ctx.profile.aws.db_cluster_id
    if not cluster_id:
        raise NotConfigured("aws.db_cluster_id is empty in the profile")
    try:
        clusters = client(ctx, "rds").describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    except Exception as exc:
        if error_code(exc) == "DBClusterNotFoundFault":
            raise _ClusterMissing(cluster_id) from None
        raise
    if not clusters:
        raise _ClusterMissing(cluster_id)
    return clusters[0]


SERVING = frozenset({"available", "backing-up", "modifying", "maintenance", "upgrading", "storage-optimization",
                     "configuring-enhanced-monitoring", "configuring-iam-database-auth", "configuring-log-exports"})
"""DBInstanceStatus values of an instance that serves (and can take over); stopped, failed, creating... do not."""


def _members(ctx: ProbeContext, cluster: dict[str, Any]) -> list[dict[str, Any]]:
    filters = [{"Name": "db-cluster-id", "Values": [cluster["DBClusterIdentifier"]]}]
    instances = client(ctx, "rds").describe_db_instances(Filters=filters)["DBInstances"]
    writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")}
    return sorted(instances, key=lambda i: (i["DBInstanceIdentifier"] not in writers, i["DBInstanceIdentifier"]))


def _role(cluster: dict[str, Any], instance_id: str) -> str:
    for member in cluster.get("DBClusterMembers", []):
        if member["DBInstanceIdentifier"] == instance_id:
            return "writer" if member.get("IsClusterWriter") else "reader"
    return "member"


def _missing(ctx: ProbeContext, cluster_id: str) -> ProbeResult:
    return failed(f"DB cluster {cluster_id} not found", f"DescribeDBClusters {cluster_id} in {session(ctx).where()}: not found")


def cluster_probe(name: str, params: type[ProbeParams], services: tuple[str, ...] = ("rds",)):
    """aws_probe whose function gets the described cluster; a missing cluster is a `fail`."""

    def register(func):
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
    return passed(f"DB cluster {cid} available ({cluster.get('Engine', '?')}, {len(members)} members)", evidence)


@cluster_probe("aws.rds-multi-az", MultiAzParams)
def rds_multi_az(ctx: ProbeContext, params: MultiAzParams, cluster: dict[str, Any]) -> ProbeResult:
    """The cluster has enough instances spread over enough availability zones."""
    cid = cluster["DBClusterIdentifier"]
    everyone = _members(ctx, cluster)

    def serving(m: dict[str, Any]) -> bool:  # a stopped, failed or still-creating reader is no failover target
        return m.get("DBInstanceStatus", "available") in SERVING

    members = [m for m in everyone if serving(m)]
    azs = sorted({m.get("AvailabilityZone", "?") for m in members})
    lines = [f"DB cluster {cid}: {plural(len(members), 'serving instance')} in {plural(len(azs), 'AZ')} "
             f"({', '.join(azs) or 'none'})"]
    lines += [
        f"  {m['DBInstanceIdentifier']} ({_role(cluster, m['DBInstanceIdentifier'])}, {m.get('DBInstanceClass', '?')}): "
        f"{m.get('AvailabilityZone', '?')}, {m.get('DBInstanceStatus', '?')}" + ("" if serving(m) else " (not counted)")
        for m in everyone
    ]
    problems = []
    if len(members) < params.min_members:
        problems.append(f"{plural(len(members), 'serving instance')} (< {params.min_members})")
    if len(azs) < params.min_azs:
        problems.append(f"{plural(len(azs), 'AZ')} (< {params.min_azs})")
    if problems:
        idle = ", ".join(f"{m['DBInstanceIdentifier']} is {m.get('DBInstanceStatus', '?')}" for m in everyone if not serving(m))
        return failed(f"DB cluster {cid}: {' and '.join(problems)}" + (f" ({idle})" if idle else ""), "\n".join(lines))
    return passed(f"DB cluster {cid}: {plural(len(members), 'instance')} across {plural(len(azs), 'AZ')}", "\n".join(lines))


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
        return failed(f"DB cluster {cid} keeps backups {days} days (< {params.min_retention_days})", evidence)
    return passed(f"DB cluster {cid} keeps backups {days} days", evidence)


@cluster_probe("aws.rds-performance-insights", NoParams)
def rds_performance_insights(ctx: ProbeContext, params: NoParams, cluster: dict[str, Any]) -> ProbeResult:
    """Performance Insights is enabled on every instance of the cluster."""
    cid = cluster["DBClusterIdentifier"]
    members = _members(ctx, cluster)
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
    return passed(f"Performance Insights enabled on all {len(members)} instances of {cid}", "\n".join(lines))


# --- CloudWatch metrics ------------------------------------------------------------------

# metric -> (CloudWatch metric names summed per minute, factor to the judged unit, unit, label)
METRICS: dict[str, tuple[tuple[str, ...], float, str, str]] = {
    "connections": (("DatabaseConnections",), 1.0, "%", "Connection pool utilization"),
    "replica-lag": (("AuroraReplicaLag",), 1.0, "ms", "Read replica lag"),
    "read-latency": (("ReadLatency",), 1000.0, "ms", "Read latency"),
    "write-latency": (("WriteLatency",), 1000.0, "ms", "Write latency"),
    "iops": (("ReadIOPS", "WriteIOPS"), 1.0, "%", "IOPS utilization"),
}

# Nominal memory (GiB) of Aurora instance sizes, r-family; t-family and x2g below.
_R_MEMORY = {
    "large": 16,
    "xlarge": 32,
    "2xlarge": 64,
    "4xlarge": 128,
    "8xlarge": 256,
    "12xlarge": 384,
    "16xlarge": 512,
    "24xlarge": 768,
    "32xlarge": 1024,
}
_T_MEMORY = {"medium": 4, "large": 8}


def class_memory_gib(instance_class: str) -> float | None:
    """Nominal memory of an RDS instance class such as db.r6g.large, if known."""
    match = re.fullmatch(r"db\.([a-z]+)(\d+)([a-z]*)\.(\w+)", instance_class)
    if not match:
        return None
    family, size = match.group(1), match.group(4)
    if family == "t":
        return _T_MEMORY.get(size)
    if family == "r":
        return _R_MEMORY.get(size)
    if family == "x" and size in _R_MEMORY:
        return _R_MEMORY[size] * 2
    return None


def default_max_connections(engine: str, instance_class: str) -> int | None:
    """AWS's default max_connections formula for Aurora, from the class's nominal memory.

    Aurora PostgreSQL: LEAST({DBInstanceClassMemory/9531392}, 5000); Aurora MySQL:
    LEAST({DBInstanceClassMemory/12582880}, 16000). Nominal memory slightly overstates
    DBInstanceClassMemory, so this approximates AWS's published table (db.r6g.large: 1802).
    """
    gib = class_memory_gib(instance_class)
    if gib is None:
        return None
    memory = gib * 1024**3
    if "postgres" in engine:
        return int(min(memory // 9531392, 5000))
    return int(min(memory // 12582880, 16000))


def _max_connections(ctx: ProbeContext, cluster: dict[str, Any]) -> tuple[int, str]:
    """(limit, where it came from): the profile, a custom parameter group, or the class default."""
    configured = ctx.profile.aws.max_db_connections
    if configured > 0:
        return configured, "profile aws.max_db_connections"
    members = _members(ctx, cluster)
    if not members:
        raise ProbeError(f"DB cluster {cluster['DBClusterIdentifier']} has no instances to read max_connections from")
    writer = members[0]
    for group in writer.get("DBParameterGroups", []):
        name = group.get("DBParameterGroupName", "")
        if not name or name.startswith("default."):
            continue
        params = client(ctx, "rds").describe_db_parameters(DBParameterGroupName=name, Source="user")["Parameters"]
        for param in params:
            if param.get("ParameterName") == "max_connections" and str(param.get("ParameterValue", "")).isdigit():
                return int(param["ParameterValue"]), f"parameter group {name}"
    instance_class = writer.get("DBInstanceClass", "?")
    limit = default_max_connections(cluster.get("Engine", ""), instance_class)
    if limit is None:
        raise NotConfigured(f"cannot derive max_connections for {instance_class}: set aws.max_db_connections")
    return limit, f"default for {instance_class} ({writer['DBInstanceIdentifier']})"


def _aggregate(stat: str, values: list[float]) -> float:
    if stat == "Minimum":
        return min(values)
    if stat == "Average":
        return sum(values) / len(values)
    if stat in ("Sum", "SampleCount"):
        return sum(values)
    return max(values)  # Maximum and percentiles: the worst minute of the window


def _provisioned_iops(ctx: ProbeContext, cluster: dict[str, Any]) -> tuple[int, str]:
    """(IOPS, where from): the profile's aws.provisioned_iops when set, else the cluster's own provisioned IOPS."""
    if ctx.profile.aws.provisioned_iops > 0:
        return ctx.profile.aws.provisioned_iops, "aws.provisioned_iops"
    return int(cluster.get("Iops") or 0), f"DescribeDBClusters Iops, {cluster.get('StorageType') or '?'} storage"


@cluster_probe("aws.db-metric", MetricParams, services=("rds", "cloudwatch"))
def db_metric(ctx: ProbeContext, params: MetricParams, cluster: dict[str, Any]) -> ProbeResult:
    """A CloudWatch RDS metric of the cluster over the last minutes, judged against the item's metric."""
    names, factor, unit, label = METRICS[params.metric]
    iops, iops_source = _provisioned_iops(ctx, cluster)
    if params.metric == "iops" and iops <= 0:
        raise NotConfigured("aws.provisioned_iops is 0 in the profile and the cluster has no provisioned IOPS "
                            f"({cluster.get('StorageType') or 'standard'} storage): IOPS utilisation cannot be computed")
    cid = cluster["DBClusterIdentifier"]
    end = ctx.now()
    start = end - dt.timedelta(minutes=params.minutes)
    queries = [
        {
            "Id": f"m{n}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/RDS",
                    "MetricName": name,
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cid}],
                },
                "Period": 60 if params.minutes <= 24 * 60 else 300,
                "Stat": params.stat,
            },
            "ReturnData": True,
        }
        for n, name in enumerate(names)
    ]
    per_minute: dict[Any, float] = {}
    found: dict[str, int] = {}
    cloudwatch = client(ctx, "cloudwatch")
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
        if token:
            kwargs["NextToken"] = token
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            name = names[int(result["Id"][1:])]
            found[name] = found.get(name, 0) + len(result.get("Values", []))
            for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=True):
                per_minute[stamp] = per_minute.get(stamp, 0.0) + float(value)
        token = page.get("NextToken")
        if not token:
            break
    window = f"last {params.minutes} min"
    if not per_minute or any(found.get(name, 0) == 0 for name in names):
        missing = ", ".join(name for name in names if not found.get(name))
        raise ProbeError(f"no CloudWatch datapoints for {missing} of DB cluster {cid} in the {window}")
    raw = _aggregate(params.stat, list(per_minute.values()))
    metric_names = " + ".join(names)
    lines = [f"CloudWatch AWS/RDS {metric_names} ({params.stat}, DBClusterIdentifier={cid}, {window}, {len(per_minute)} minutes)"]
    if params.metric == "connections":
        limit, source = _max_connections(ctx, cluster)
        value = raw / limit * 100
        lines.append(f"  peak connections: {raw:g} of max_connections {limit} ({source}) = {value:.1f}%")
    elif params.metric == "iops":
        value = raw / iops * 100
        lines.append(f"  peak IOPS: {raw:g} of provisioned {iops} ({iops_source}) = {value:.1f}%")
    else:
        value = raw * factor
        lines.append(f"  {params.stat.lower()}: {value:g} {unit}" + (f" ({raw:g} s as reported)" if factor != 1 else ""))
    return ctx.judge(value, unit, f"{label} of {cid}", "\n".join(lines))
