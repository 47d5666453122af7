"""`aws.db-metric`: an Aurora cluster's CloudWatch metrics, judged against the item's threshold.

GetMetricData in the AWS/RDS namespace with the DBClusterIdentifier dimension. Connections
are judged as a share of max_connections (the profile's figure, a custom parameter group's,
or AWS's default for the writer's class); IOPS as a share of the provisioned IOPS. Apart from
`aws_rds` (the cluster and its members) because this is arithmetic about limits, not state.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field

from .aws_client import client
from .aws_rds import cluster_members, cluster_probe
from .base import NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult


class MetricParams(ProbeParams):
    metric: Literal["connections", "replica-lag", "read-latency", "write-latency", "iops"]
    stat: str = "Maximum"
    """CloudWatch statistic per minute; the window's value is the max (min for Minimum, mean for
    Average)."""
    minutes: int = Field(default=15, ge=1, le=24 * 60)


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
    members = cluster_members(ctx, cluster)
    if not members:
        raise ProbeError(
            f"DB cluster {cluster['DBClusterIdentifier']} has no instances to read max_connections "
            "from"
        )
    writer = members[0]
    for group in writer.get("DBParameterGroups", []):
        name = group.get("DBParameterGroupName", "")
        if not name or name.startswith("default."):
            continue
        params = client(ctx, "rds").describe_db_parameters(
            DBParameterGroupName=name, Source="user"
        )["Parameters"]
        for param in params:
            if (
                param.get("ParameterName") == "max_connections"
                and str(param.get("ParameterValue", "")).isdigit()
            ):
                return int(param["ParameterValue"]), f"parameter group {name}"
    instance_class = writer.get("DBInstanceClass", "?")
    limit = default_max_connections(cluster.get("Engine", ""), instance_class)
    if limit is None:
        raise NotConfigured(
            f"cannot derive max_connections for {instance_class}: set aws.max_db_connections"
        )
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
    """(IOPS, where from): the profile's aws.provisioned_iops when set, else the cluster's own
    provisioned IOPS."""
    if ctx.profile.aws.provisioned_iops > 0:
        return ctx.profile.aws.provisioned_iops, "aws.provisioned_iops"
    return int(
        cluster.get("Iops") or 0
    ), f"DescribeDBClusters Iops, {cluster.get('StorageType') or '?'} storage"


@cluster_probe("aws.db-metric", MetricParams, services=("rds", "cloudwatch"))
def db_metric(ctx: ProbeContext, params: MetricParams, cluster: dict[str, Any]) -> ProbeResult:
    """A CloudWatch RDS metric of the cluster over the last minutes, judged against the item's
    metric."""
    names, factor, unit, label = METRICS[params.metric]
    iops, iops_source = _provisioned_iops(ctx, cluster)
    if params.metric == "iops" and iops <= 0:
        raise NotConfigured(
            "aws.provisioned_iops is 0 in the profile and the cluster has no provisioned IOPS "
            f"({cluster.get('StorageType') or 'standard'} storage): IOPS utilisation cannot be "
            "computed"
        )
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
            for stamp, value in zip(
                result.get("Timestamps", []), result.get("Values", []), strict=True
            ):
                per_minute[stamp] = per_minute.get(stamp, 0.0) + float(value)
        token = page.get("NextToken")
        if not token:
            break
    window = f"last {params.minutes} min"
    if not per_minute or any(found.get(name, 0) == 0 for name in names):
        missing = ", ".join(name for name in names if not found.get(name))
        raise ProbeError(
            f"no CloudWatch datapoints for {missing} of DB cluster {cid} in the {window}"
        )
    raw = _aggregate(params.stat, list(per_minute.values()))
    metric_names = " + ".join(names)
    lines = [
        f"CloudWatch AWS/RDS {metric_names} ({params.stat}, DBClusterIdentifier={cid}, {window}, "
        f"{len(per_minute)} minutes)"
    ]
    if params.metric == "connections":
        limit, source = _max_connections(ctx, cluster)
        value = raw / limit * 100
        lines.append(
            f"  peak connections: {raw:g} of max_connections {limit} ({source}) = {value:.1f}%"
        )
    elif params.metric == "iops":
        value = raw / iops * 100
        lines.append(f"  peak IOPS: {raw:g} of provisioned {iops} ({iops_source}) = {value:.1f}%")
    else:
        value = raw * factor
        lines.append(
            f"  {params.stat.lower()}: {value:g} {unit}"
            + (f" ({raw:g} s as reported)" if factor != 1 else "")
        )
    return ctx.judge(value, unit, f"{label} of {cid}", "\n".join(lines))
