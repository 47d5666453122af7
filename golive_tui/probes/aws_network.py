"""AWS network and logging probes: NAT per node AZ, segmentation, ALB access logs, EKS control-plane
logs.

The cluster's VPC, node subnets and routing are read by aws_vpc. Every call is a Describe/List:
nothing here changes the account.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from .aws_client import aws_probe, client, describe_eks_cluster, error_code, paginate, session
from .aws_vpc import Routing, cluster_vpc, label, node_subnets
from .base import (
    Findings,
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
)

REQUIRED_LOG_TYPES = ("api", "audit")


class ControlPlaneLogParams(ProbeParams):
    types: list[str] = Field(default_factory=lambda: list(REQUIRED_LOG_TYPES))
    """Control-plane log types that must be enabled: api (every request) and audit (who did
    what)."""


@aws_probe("aws.nat-gateways", NoParams, services=["eks", "ec2"])
def nat_gateways(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every AZ with nodes has an available NAT gateway, and each node subnet's default route uses
    its own AZ's."""
    name, cluster, subnets, source = node_subnets(ctx)
    if not cluster:
        return failed(
            f"EKS cluster {name} not found",
            f"DescribeCluster {name} in {session(ctx).where()}: not found",
        )
    vpc = cluster_vpc(ctx, cluster, subnets)
    flt = [{"Name": "vpc-id", "Values": [vpc]}]
    routing, (nat_gateways,) = Routing.read(
        ctx, vpc, lambda: paginate(ctx, "ec2", "describe_nat_gateways", "NatGateways", Filters=flt)
    )
    nats = {n["NatGatewayId"]: n for n in nat_gateways()}
    found = Findings()
    found.line(
        f"EKS cluster {name}, VPC {vpc} ({session(ctx).where()}); node subnets from {source}"
    )
    for nat in nats.values():
        found.line(
            f"  NAT {nat['NatGatewayId']}: {nat.get('State', '?')} in "
            f"{routing.az(nat.get('SubnetId', ''))}"
        )
    if not nats:
        found.line("  NAT gateways: none in the VPC")
    for subnet in subnets:
        az = routing.az(subnet)
        table, how = routing.table_of(subnet)
        route = routing.default_route(table)
        target = (route or {}).get("NatGatewayId") or (route or {}).get("GatewayId") or ""
        where = f"node subnet {subnet} ({az}) via {label(table, how)}"
        if not target:
            found.problem(f"{subnet} ({az}) has no default route", f"  {where}: no 0.0.0.0/0 route")
        elif not target.startswith("nat-"):
            found.problem(
                f"{subnet} ({az}) sends 0.0.0.0/0 to {target}, not a NAT gateway",
                f"  {where}: 0.0.0.0/0 -> {target}",
            )
        elif target not in nats or nats[target].get("State") != "available":
            state = nats.get(target, {}).get("State", "missing")
            found.problem(
                f"{subnet} ({az}) routes through NAT {target}, which is {state}",
                f"  {where}: 0.0.0.0/0 -> {target} ({state})",
            )
        elif routing.az(nats[target].get("SubnetId", "")) != az:
            other = routing.az(nats[target].get("SubnetId", ""))
            # natMultiAz: one NAT for all AZs works until its AZ fails, then every other AZ loses
            # egress.
            found.problem(
                f"{subnet} ({az}) depends on NAT {target} in {other}",
                f"  {where}: 0.0.0.0/0 -> {target} in ANOTHER AZ ({other})",
            )
        else:
            found.line(f"  {where}: 0.0.0.0/0 -> {target} (same AZ)")
    if not subnets:
        return failed(f"EKS cluster {name} has no node subnets", found.evidence)
    azs = sorted({routing.az(s) for s in subnets})
    return found.result(
        f"a NAT gateway in each node AZ ({', '.join(azs)}), each node subnet routed through its own"
    )


@aws_probe("aws.network-segmentation", NoParams, services=["eks", "ec2", "rds"])
def network_segmentation(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Node and database subnets have no route to an internet gateway, and no database instance is
    publicly accessible."""
    name, cluster, subnets, source = node_subnets(ctx)
    if not cluster:
        return failed(
            f"EKS cluster {name} not found",
            f"DescribeCluster {name} in {session(ctx).where()}: not found",
        )
    vpc = cluster_vpc(ctx, cluster, subnets)
    db_id = ctx.profile.aws.db_cluster_id
    # The very call aws_rds.cluster_members makes, so the sweep shares one answer (a cluster
    # has at most 16 instances: one page); the paginator's was a second request.
    filters = [{"Name": "db-cluster-id", "Values": [db_id]}]
    routing, (instances,) = Routing.read(
        ctx,
        vpc,
        lambda: client(ctx, "rds").describe_db_instances(Filters=filters) if db_id else {},
    )
    members: list[dict[str, Any]] = instances().get("DBInstances", []) if db_id else []
    found = Findings()
    found.line(
        f"EKS cluster {name}, VPC {vpc} ({session(ctx).where()}); node subnets from {source}"
    )
    checked: dict[str, str] = {s: "node" for s in subnets}
    for member in members:
        for subnet in (member.get("DBSubnetGroup") or {}).get("Subnets", []):
            checked.setdefault(subnet.get("SubnetIdentifier", "?"), "database")
    for subnet, role in checked.items():
        table, how = routing.table_of(subnet)
        internet = routing.internet_routes(table)
        where = f"{role} subnet {subnet} ({routing.az(subnet)}) via {label(table, how)}"
        if internet:
            found.problem(
                f"{role} subnet {subnet} routes to the internet ({internet[0]})",
                f"  {where}: {'; '.join(internet)}",
            )
        else:
            found.line(f"  {where}: no internet gateway route")
    for member in members:
        ident = member.get("DBInstanceIdentifier", "?")
        if member.get("PubliclyAccessible"):
            found.problem(
                f"database instance {ident} is publicly accessible",
                f"  {ident}: PubliclyAccessible true",
            )
        else:
            found.line(f"  {ident}: not publicly accessible")
    if db_id and not members:
        found.line(f"  Aurora cluster {db_id}: no instances found")
    return found.result(
        f"{len(checked)} node/database subnets without an internet route; "
        f"{len(members)} database instances private"
    )


@aws_probe("aws.alb-access-logs", NoParams, services=["elbv2"])
def alb_access_logs(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The production ALB writes access logs to S3 (access_logs.s3.enabled)."""
    from .aws_edge import production_alb

    found = production_alb(ctx)
    if isinstance(found, ProbeResult):
        return found
    arn, how, alb = found
    attributes = {
        a["Key"]: a.get("Value", "")
        for a in client(ctx, "elbv2")
        .describe_load_balancer_attributes(LoadBalancerArn=arn)
        .get("Attributes", [])
    }
    lines = [f"ALB {alb} ({how})"] + [
        f"  {key} = {value!r}" for key, value in sorted(attributes.items()) if "logs" in key
    ]
    if attributes.get("access_logs.s3.enabled", "false").lower() != "true":
        others = [
            k.split(".")[0]
            for k, v in attributes.items()
            if k.endswith(".s3.enabled") and v.lower() == "true"
        ]
        also = (
            f" (only {', '.join(others)} are on: they record connections, not requests)"
            if others
            else ""
        )
        return failed(f"ALB {alb} does not write access logs{also}", "\n".join(lines))
    bucket = attributes.get("access_logs.s3.bucket", "?")
    return passed(
        f"ALB {alb} writes access logs to "
        f"s3://{bucket}/{attributes.get('access_logs.s3.prefix', '')}",
        "\n".join(lines),
    )


@aws_probe("aws.eks-control-plane-logging", ControlPlaneLogParams, services=["eks"])
def eks_control_plane_logging(ctx: ProbeContext, params: ControlPlaneLogParams) -> ProbeResult:
    """The EKS control plane sends the required log types (api and audit) to CloudWatch Logs."""
    name, cluster = describe_eks_cluster(ctx)
    if cluster is None:
        return failed(
            f"EKS cluster {name} not found",
            f"DescribeCluster {name} in {session(ctx).where()}: not found",
        )
    entries = (cluster.get("logging") or {}).get("clusterLogging", [])
    enabled = {t for e in entries if e.get("enabled") for t in e.get("types", [])}
    lines = [f"EKS cluster {name} ({session(ctx).where()}) control-plane logging:"]
    lines += [
        f"  {'enabled' if e.get('enabled') else 'disabled'}: {', '.join(e.get('types', [])) or '-'}"
        for e in entries
    ] or ["  none"]
    missing = [t for t in params.types if t not in enabled]
    if missing:
        return failed(
            f"EKS cluster {name} does not log {', '.join(missing)}"
            + (
                f" (enabled: {', '.join(sorted(enabled))})" if enabled else " (no log type enabled)"
            ),
            "\n".join(lines),
        )
    return passed(
        f"EKS cluster {name} logs {', '.join(params.types)} to CloudWatch", "\n".join(lines)
    )


class LogErrorParams(ProbeParams):
    minutes: int = Field(default=60, ge=1, le=1440)
    max_errors: int = Field(default=10, ge=0)
    """Error lines tolerated over the window (a production always logs a few)."""


ERROR_LINE = re.compile(
    r'\b(ERROR|FATAL|CRITICAL|PANIC)\b|"(level|severity|lvl)"\s*:\s*"(error|fatal|critical|panic)"'
    r"|\blevel=(error|fatal|critical|panic)\b",
    re.IGNORECASE,
)
"""An error by its level (upper-case word, or a JSON / logfmt level field), not any line mentioning
`errors=0`."""
MAX_EVENTS = 10_000


@aws_probe("aws.log-errors", LogErrorParams, services=["logs"])
def log_errors(ctx: ProbeContext, params: LogErrorParams) -> ProbeResult:
    """The application's log groups hold at most max_errors error lines over the last `minutes`."""
    groups = ctx.profile.aws.app_log_groups
    if not groups:
        raise NotConfigured(
            "aws.app_log_groups is empty in the profile: no application log to read"
        )
    since = int((ctx.now().timestamp() - params.minutes * 60) * 1000)
    found = Findings()
    total, samples = 0, []
    for group in groups:
        try:
            events = paginate(
                ctx,
                "logs",
                "filter_log_events",
                "events",
                logGroupName=group,
                startTime=since,
                PaginationConfig={"MaxItems": MAX_EVENTS},
            )
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            found.problem(f"log group {group} not found", f"  {group}: NOT FOUND")
            continue
        errors = [e for e in events if ERROR_LINE.search(e.get("message", ""))]
        total += len(errors)
        samples += [
            f"    {e.get('logStreamName', '?')}: {e.get('message', '')[:160]}" for e in errors[:3]
        ]
        found.line(
            f"  {group}: {len(events)} lines in the last {params.minutes} min, {len(errors)} at "
            "error level"
        )
    found.lines += samples
    if total > params.max_errors:
        found.problem(
            f"{total} error lines in the last {params.minutes} min (> {params.max_errors})"
        )
    return found.result(
        f"{total} error lines in the last {params.minutes} min (<= {params.max_errors})"
    )
