"""AWS identity and resilience probes: Cognito password policy and MFA, a WAF rate-based rule,
Aurora snapshots in a second region (IAM administrator grants: aws_iam). Every call is a
Describe/Get/List.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .aws_client import (
    aws_probe,
    client,
    error_code,
    plural,
    session,
)
from .aws_edge import production_alb, rule_action
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

PASSWORD_RULES = {
    "uppercase": "RequireUppercase",
    "lowercase": "RequireLowercase",
    "numbers": "RequireNumbers",
    "symbols": "RequireSymbols",
}


class DrParams(ProbeParams):
    max_age_hours: float = Field(default=26.0, gt=0)
    """How old the newest copy in the DR region may be (a daily copy rule, plus its window)."""


def _user_pool(ctx: ProbeContext) -> tuple[str, dict[str, Any]]:
    """(name, DescribeUserPool's pool) of the pool named exactly aws.user_pool_name."""
    name = ctx.profile.aws.user_pool_name
    if not name:
        raise NotConfigured(
            "aws.user_pool_name is empty in the profile: no Cognito user pool to check"
        )
    cognito = client(ctx, "cognito-idp")
    pools, token = [], None
    while True:
        page = cognito.list_user_pools(MaxResults=60, **({"NextToken": token} if token else {}))
        pools += page.get("UserPools", [])
        token = page.get("NextToken")
        if not token:
            break
    # Exactly the profile's name: an older or staging pool named like it (`…-users-v1`) is not the
    # production's.
    matching = [p for p in pools if p.get("Name") == name]
    if not matching:
        others = ", ".join(p.get("Name", "?") for p in pools[:6]) or "none"
        return name, {"_missing": others}
    return name, cognito.describe_user_pool(UserPoolId=matching[0]["Id"])["UserPool"]


@aws_probe("aws.cognito-password-policy", NoParams, services=["cognito-idp"])
def cognito_password_policy(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The user pool's password policy meets the profile's minimum length and required character
    classes."""
    name, pool = _user_pool(ctx)
    if "_missing" in pool:
        return failed(
            f"Cognito user pool {name} not found",
            f"ListUserPools in {session(ctx).where()}: {pool['_missing']}",
        )
    policy = (pool.get("Policies") or {}).get("PasswordPolicy", {})
    wanted, classes = ctx.profile.aws.password_min_length, ctx.profile.aws.password_require
    found = Findings()
    found.line(f"user pool {name} ({pool.get('Id', '?')}, {session(ctx).where()}) PasswordPolicy:")
    for key, value in sorted(policy.items()):
        found.line(f"  {key}: {value}")
    length = int(policy.get("MinimumLength", 0) or 0)
    if length < wanted:
        found.problem(f"minimum length {length} (< {wanted})")
    missing = [c for c in classes if not policy.get(PASSWORD_RULES.get(c, c))]
    if missing:
        found.problem(f"does not require {', '.join(missing)}")
    if found:
        return failed(f"user pool {name}: " + "; ".join(found.problems), found.evidence)
    return passed(
        f"user pool {name}: passwords >= {length} characters with {', '.join(classes)}",
        found.evidence,
    )


@aws_probe("aws.cognito-mfa", NoParams, services=["cognito-idp"])
def cognito_mfa(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The production user pool offers (or requires) MFA with at least one factor enabled."""
    name, pool = _user_pool(ctx)
    if "_missing" in pool:
        return failed(
            f"Cognito user pool {name} not found",
            f"ListUserPools in {session(ctx).where()}: {pool['_missing']}",
        )
    config = client(ctx, "cognito-idp").get_user_pool_mfa_config(UserPoolId=pool["Id"])
    mode = config.get("MfaConfiguration", "OFF")
    factors = [
        label
        for key, label in (
            ("SoftwareTokenMfaConfiguration", "TOTP"),
            ("SmsMfaConfiguration", "SMS"),
            ("EmailMfaConfiguration", "email"),
        )
        if config.get(key)
        and (config[key].get("Enabled", True) if key != "SmsMfaConfiguration" else True)
    ]
    evidence = (
        f"user pool {name} ({pool['Id']}, {session(ctx).where()}): MfaConfiguration {mode}; "
        f"factors: {', '.join(factors) or 'none'}"
    )
    if mode == "OFF" or not factors:
        return failed(
            f"user pool {name} has MFA {mode}" + ("" if factors else " with no factor enabled"),
            evidence,
        )
    return passed(f"user pool {name}: MFA {mode} ({', '.join(factors)})", evidence)


@aws_probe("aws.waf-rate-limit", NoParams, services=["elbv2", "wafv2"])
def waf_rate_limit(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The web ACL in front of the production ALB has a rate-based rule that blocks (or challenges),
    not only counts."""
    found = production_alb(ctx)
    if isinstance(found, ProbeResult):
        return found
    arn, how, alb = found
    try:
        acl = client(ctx, "wafv2").get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
    except Exception as exc:
        if error_code(exc) != "WAFNonexistentItemException":
            raise
        acl = None
    lines = [f"ALB {alb} ({how})"]
    if not acl:
        return failed(
            f"no WAF web ACL in front of {alb}: no rate limit",
            "\n".join(lines + ["  web ACL: none"]),
        )
    rated = [
        (r.get("Name", "?"), rule_action(r), r["Statement"]["RateBasedStatement"])
        for r in acl.get("Rules", [])
        if "RateBasedStatement" in (r.get("Statement") or {})
    ]
    lines.append(f"  web ACL {acl.get('Name', '?')}: {plural(len(acl.get('Rules', [])), 'rule')}")
    lines += [
        f"  rate rule {n}: {s.get('Limit', '?')} requests / {s.get('EvaluationWindowSec', 300)} s "
        f"per {s.get('AggregateKeyType', '?')}, action {a}"
        for n, a, s in rated
    ] or ["  rate-based rules: none"]
    enforcing = [n for n, a, _ in rated if a in ("block", "captcha", "challenge")]
    if not enforcing:
        counting = [n for n, a, _ in rated]
        why = (
            f"its rate rule {', '.join(counting)} only counts" if counting else "no rate-based rule"
        )
        return failed(
            f"web ACL {acl.get('Name', '?')} on {alb} limits no client: {why}", "\n".join(lines)
        )
    return passed(
        f"rate rule {', '.join(enforcing)} in web ACL {acl.get('Name', '?')} limits clients of "
        f"{alb}",
        "\n".join(lines),
    )


@aws_probe("aws.aurora-dr-copies", DrParams, services=["rds"])
def aurora_dr_copies(ctx: ProbeContext, params: DrParams) -> ProbeResult:
    """The Aurora cluster's backups reach a second region: a recent snapshot copy, or a replica
    cluster, in aws.dr_region."""
    dr_region, cluster_id = ctx.profile.aws.dr_region, ctx.profile.aws.db_cluster_id
    if not dr_region:
        raise NotConfigured(
            "aws.dr_region is empty in the profile: no second region to look for backups in"
        )
    if not cluster_id:
        raise NotConfigured("aws.db_cluster_id is empty in the profile")
    primary = session(ctx).region
    if dr_region == primary:
        return failed(
            f"aws.dr_region {dr_region} is the primary region itself",
            f"primary region {primary}, DR region {dr_region}",
        )
    rds = client(ctx, "rds", region=dr_region)
    lines = [f"Aurora cluster {cluster_id} (primary {primary}); looking in {dr_region}"]
    replicas = [
        c
        for c in rds.describe_db_clusters().get("DBClusters", [])
        if str(c.get("ReplicationSourceIdentifier", "")).endswith(f":cluster:{cluster_id}")
    ]
    for replica in replicas:
        lines.append(
            f"  replica cluster {replica['DBClusterIdentifier']} in {dr_region}: "
            f"{replica.get('Status', '?')}"
        )
    if replicas:
        return passed(
            f"cross-region replica {replicas[0]['DBClusterIdentifier']} of {cluster_id} in "
            f"{dr_region}",
            "\n".join(lines),
        )
    snapshots = [
        s
        for s in rds.describe_db_cluster_snapshots(DBClusterIdentifier=cluster_id).get(
            "DBClusterSnapshots", []
        )
        if s.get("SnapshotCreateTime")
    ]
    newest = max(snapshots, key=lambda s: s["SnapshotCreateTime"], default=None)
    if newest is None:
        here = (
            client(ctx, "rds")
            .describe_db_cluster_snapshots(DBClusterIdentifier=cluster_id)
            .get("DBClusterSnapshots", [])
        )
        lines.append(
            f"  snapshots in {dr_region}: none; in {primary}: {len(here)} (they do not survive a "
            "region outage)"
        )
        return failed(
            f"no backup of {cluster_id} in {dr_region}"
            + (f" (only {len(here)} in {primary})" if here else ""),
            "\n".join(lines),
        )
    age = (ctx.now() - newest["SnapshotCreateTime"]).total_seconds() / 3600
    lines.append(
        f"  newest snapshot in {dr_region}: {newest['DBClusterSnapshotIdentifier']} taken "
        f"{newest['SnapshotCreateTime']:%Y-%m-%d %H:%M} UTC ({age:.0f} h ago), {len(snapshots)} in "
        "all"
    )
    if age > params.max_age_hours:
        return failed(
            f"newest copy of {cluster_id} in {dr_region} is {age:.0f} h old (> "
            f"{params.max_age_hours:g} h)",
            "\n".join(lines),
        )
    return passed(
        f"{cluster_id} copied to {dr_region} {age:.0f} h ago "
        f"({newest['DBClusterSnapshotIdentifier']})",
        "\n".join(lines),
    )
