"""AWS audit and exposure probes: CloudTrail, log retention, security groups (the edge is in
aws_edge)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .aws_client import aws_probe, client, describe_eks_cluster, paginate, plural, session
from .base import ProbeContext, ProbeParams, ProbeResult, failed, passed


class TrailParams(ProbeParams):
    require_multi_region: bool = True
    """Audit logging's claim: every region's API calls are recorded."""
    require_validation: bool = True
    """Log integrity's claim: log file validation makes the trail's files tamper-evident."""


class LogGroupParams(ProbeParams):
    min_retention_days: int = Field(default=1, ge=1)
    """Retention every group needs; 1: any retention at all (never-expiring groups fail)."""


class SecurityGroupParams(ProbeParams):
    allowed_public_ports: list[int] = Field(default_factory=lambda: [80, 443])


@aws_probe("aws.cloudtrail", TrailParams, services=["cloudtrail"])
def cloudtrail(ctx: ProbeContext, params: TrailParams) -> ProbeResult:
    """A CloudTrail trail is logging (multi-region and with log file validation, unless the row does
    not claim it)."""
    api = client(ctx, "cloudtrail")
    trails = api.describe_trails(includeShadowTrails=True).get("trailList", [])
    if not trails:
        return failed("no CloudTrail trail", f"DescribeTrails in {session(ctx).where()}: none")
    lines, good = [f"CloudTrail trails in {session(ctx).where()}: {len(trails)}"], []
    for trail in trails:
        status = api.get_trail_status(Name=trail["TrailARN"])
        facts = {
            "logging": bool(status.get("IsLogging")),
            "multi-region": bool(trail.get("IsMultiRegionTrail")),
            "log file validation": bool(trail.get("LogFileValidationEnabled")),
        }
        required = {
            "logging",
            *(["multi-region"] if params.require_multi_region else []),
            *(["log file validation"] if params.require_validation else []),
        }
        missing = [name for name, ok in facts.items() if not ok and name in required]
        lines.append(
            f"  {trail.get('Name', '?')}: "
            + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in facts.items())
            + f" (bucket {trail.get('S3BucketName', '?')})"
        )
        if not missing:
            good.append(trail.get("Name", "?"))
    claimed = [
        n
        for n, on in (
            ("multi-region", params.require_multi_region),
            ("log file validation", params.require_validation),
        )
        if on
    ]
    if not good:
        return failed(
            f"no CloudTrail trail is logging{''.join(', ' + c for c in claimed)}", "\n".join(lines)
        )
    return passed(
        f"CloudTrail {', '.join(good)} logging" + (f" ({', '.join(claimed)})" if claimed else ""),
        "\n".join(lines),
    )


@aws_probe("aws.log-groups", LogGroupParams, services=["logs"])
def log_groups(ctx: ProbeContext, params: LogGroupParams) -> ProbeResult:
    """The profile's CloudWatch log groups exist and keep logs at least min_retention_days (all
    groups if none named)."""
    wanted = ctx.profile.aws.log_groups
    groups = {
        g["logGroupName"]: g for g in paginate(ctx, "logs", "describe_log_groups", "logGroups")
    }
    names = wanted or sorted(groups)
    lines = [
        f"CloudWatch log groups in {session(ctx).where()}: {len(groups)}; checked: {len(names)}"
    ]
    problems = []
    for name in names:
        group = groups.get(name)
        if group is None:
            problems.append(f"{name} missing")
            lines.append(f"  {name}: MISSING")
        elif not group.get("retentionInDays"):
            problems.append(f"{name} has no retention")
            lines.append(f"  {name}: no retention policy (never expires)")
        elif group["retentionInDays"] < params.min_retention_days:
            problems.append(
                f"{name} keeps {group['retentionInDays']} days (< {params.min_retention_days})"
            )
            lines.append(
                f"  {name}: retention {group['retentionInDays']} days (policy: >= "
                f"{params.min_retention_days})"
            )
        else:
            lines.append(f"  {name}: retention {group['retentionInDays']} days")
    if not names:
        return failed("no CloudWatch log groups", "\n".join(lines))
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    kept = f" >= {params.min_retention_days} days" if params.min_retention_days > 1 else " set"
    return passed(f"{plural(len(names), 'log group')} with retention{kept}", "\n".join(lines))


PUBLIC = ("0.0.0.0/0", "::/0")


def _public_sources(rule: dict[str, Any]) -> list[str]:
    v4 = [r.get("CidrIp") for r in rule.get("IpRanges", [])]
    v6 = [r.get("CidrIpv6") for r in rule.get("Ipv6Ranges", [])]
    return [cidr for cidr in v4 + v6 if cidr in PUBLIC]


def _offending_ports(rule: dict[str, Any], allowed: set[int]) -> str:
    """The ports of `rule` outside `allowed`, as text ('' if none)."""
    protocol = str(rule.get("IpProtocol", ""))
    if protocol == "-1":
        return "all traffic"
    if protocol not in ("tcp", "udp", "6", "17"):
        return ""  # ICMP and friends carry no ports
    low, high = int(rule.get("FromPort", 0)), int(rule.get("ToPort", 65535))
    if all(port in allowed for port in range(low, high + 1)):
        return ""
    name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
    return f"{name} {low}" if low == high else f"{name} {low}-{high}"


@aws_probe("aws.security-groups", SecurityGroupParams, services=["ec2", "eks"])
def security_groups(ctx: ProbeContext, params: SecurityGroupParams) -> ProbeResult:
    """No security group of the production's region opens a port other than the allowed ones to the
    internet."""
    allowed = set(params.allowed_public_ports)
    # A region without the production holds little more than its default group, which passes: first
    # make sure these are the production's groups (its EKS cluster is here), when the profile names
    # the cluster.
    where = session(ctx).where()
    if ctx.profile.aws.eks_cluster_name:
        name, cluster = describe_eks_cluster(ctx)
        if cluster is None:
            return failed(
                f"EKS cluster {name} not found in {where}: these are not the production's security "
                "groups",
                f"DescribeCluster {name} in {where}: not found (check aws.region)",
            )
        vpc = (cluster.get("resourcesVpcConfig") or {}).get("vpcId")
        here = f"EKS cluster {name} is in {where}" + (f" (VPC {vpc})" if vpc else "")
    else:
        here = (
            f"aws.eks_cluster_name not set: every group of {where} is checked, whether or not the "
            "production is there"
        )
    groups = paginate(ctx, "ec2", "describe_security_groups", "SecurityGroups")
    offending, public_ok = [], []
    for group in groups:
        label = (
            f"{group['GroupId']} ({group.get('GroupName', '?')}, {group.get('VpcId', 'no VPC')})"
        )
        for rule in group.get("IpPermissions", []):
            sources = _public_sources(rule)
            if not sources:
                continue
            ports = _offending_ports(rule, allowed)
            if ports:
                offending.append(f"  {label}: {ports} open to {', '.join(sources)}")
            else:
                public_ok.append(
                    f"  {label}: {rule.get('IpProtocol')} {rule.get('FromPort', '')} public "
                    "(allowed)"
                )
    head = (
        f"{len(groups)} security groups in {where}; "
        f"allowed public ports: {', '.join(map(str, sorted(allowed))) or 'none'}\n{here}"
    )
    if offending:
        return failed(
            f"{len(offending)} public rule(s) outside ports {sorted(allowed)}: "
            + "; ".join(line.strip() for line in offending[:3]),
            "\n".join(
                [head, "Offending:", *offending, *(["Allowed:", *public_ok] if public_ok else [])]
            ),
        )
    return passed(
        f"only ports {sorted(allowed)} open publicly ({len(groups)} groups)",
        "\n".join([head, *(["Public rules:", *public_ok] if public_ok else ["  no public rules"])]),
    )
