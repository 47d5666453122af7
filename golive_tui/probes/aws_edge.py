"""AWS edge probes, what faces the internet: ACM certificates, the ALB's WAF, Shield.

`_load_balancer` finds the production's ALB (the profile's, else one named like the target,
else the region's only one); the identity and network probes ask it too.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .aws_client import at_once, aws_probe, client, error_code, paginate, plural, session
from .base import (
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
)

# Without Includes.keyTypes, ListCertificates returns RSA-2048 certificates only.
ACM_KEY_TYPES = [
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
]


class AcmParams(ProbeParams):
    min_days: int = Field(default=30, ge=0)


def covers(name: str, domain: str) -> bool:
    """True if certificate name `name` (maybe a wildcard) covers host `domain`."""
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    if name == domain:
        return True
    if name.startswith("*."):
        head, _, rest = domain.partition(".")
        return bool(head) and rest == name[2:]
    return False


def _names(cert: dict[str, Any]) -> list[str]:
    return [
        cert.get("DomainName", ""),
        *cert.get("SubjectAlternativeNameSummaries", []),
        *cert.get("SubjectAlternativeNames", []),
    ]


@aws_probe("aws.acm-certificates", AcmParams, services=["acm"])
def acm_certificates(ctx: ProbeContext, params: AcmParams) -> ProbeResult:
    """Every target domain has an ISSUED ACM certificate valid at least `min_days` more."""
    domains = ctx.profile.target.domains
    if not domains:
        raise NotConfigured("target.domains is empty in the profile")
    acm = client(ctx, "acm")
    certs = paginate(
        ctx,
        "acm",
        "list_certificates",
        "CertificateSummaryList",
        Includes={"keyTypes": ACM_KEY_TYPES},
    )
    for n, cert in enumerate(certs):
        if "NotAfter" not in cert or "Status" not in cert:  # older summaries lack them
            certs[n] = {
                **cert,
                **acm.describe_certificate(CertificateArn=cert["CertificateArn"])["Certificate"],
            }
    now = ctx.now()
    lines = [f"ACM certificates in {session(ctx).where()}: {len(certs)}"]
    problems = []
    for domain in domains:
        matching = [c for c in certs if any(covers(name, domain) for name in _names(c) if name)]
        issued = [c for c in matching if c.get("Status") == "ISSUED" and c.get("NotAfter")]
        if not issued:
            statuses = ", ".join(
                f"{c['CertificateArn'].rsplit('/', 1)[-1]} {c.get('Status', '?')}" for c in matching
            )
            problems.append(f"{domain}: no ISSUED certificate")
            lines.append(f"  {domain}: no ISSUED certificate ({statuses or 'none at all'})")
            continue
        best = max(issued, key=lambda c: c["NotAfter"])
        days = (best["NotAfter"] - now).total_seconds() / 86400
        lines.append(
            f"  {domain}: {best['CertificateArn']} ISSUED, expires {best['NotAfter']:%Y-%m-%d} "
            f"({days:.0f} days left), in use: "
            f"{'yes' if best.get('InUse') or best.get('InUseBy') else 'no'}"
        )
        if days < params.min_days:
            problems.append(f"{domain} expires in {days:.0f} days (< {params.min_days})")
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    return passed(
        f"ACM certificates valid >= {params.min_days} days for {', '.join(domains)}",
        "\n".join(lines),
    )


ENFORCING = {"block", "captcha", "challenge", "the rule group's actions"}
"""What a rule does to a matching request that stops it (Count and Allow let it through)."""


def rule_action(rule: dict[str, Any]) -> str:
    """A WAFv2 rule's effect: its Action, or for a rule group its OverrideAction (None: the group's
    own)."""
    override = next(iter(rule.get("OverrideAction") or {}), "")
    if override:
        return "the rule group's actions" if override == "None" else override.lower()
    return next(iter(rule.get("Action") or {}), "?").lower()


def _load_balancer(ctx: ProbeContext) -> tuple[str, str]:
    """(ARN, how it was chosen): the profile's ALB, else one named like the target, else the
    region's only one.

    Several ALBs and none named like the target is a ProbeError: guessing may judge staging's.
    """
    arn = ctx.profile.aws.load_balancer_arn
    if arn:
        return arn, "profile aws.load_balancer_arn"
    albs = [
        lb
        for lb in paginate(ctx, "elbv2", "describe_load_balancers", "LoadBalancers")
        if lb.get("Type") == "application"
    ]
    if not albs:
        return "", ""
    target = ctx.profile.target.name
    named = [lb for lb in albs if target and target in lb.get("LoadBalancerName", "")]
    if named:
        return named[0]["LoadBalancerArn"], f"named like {target!r}"
    if len(albs) == 1:
        return albs[0]["LoadBalancerArn"], f"the only ALB in {session(ctx).where()}"
    # Several and none named like the target: the first one found may be staging's, which has its
    # own WAF.
    names = ", ".join(lb.get("LoadBalancerName", "?") for lb in albs[:6])
    raise ProbeError(
        f"{len(albs)} ALBs in {session(ctx).where()} ({names}) and none named like {target!r}: "
        "set aws.load_balancer_arn to the production's"
    )


def production_alb(ctx: ProbeContext) -> tuple[str, str, str] | ProbeResult:
    """(ARN, how it was chosen, its name) of the production ALB, or the failure when the region has
    none."""
    arn, how = _load_balancer(ctx)
    if not arn:
        return failed(
            "no application load balancer found",
            f"DescribeLoadBalancers in {session(ctx).where()}: no ALB",
        )
    return arn, how, arn.split(":loadbalancer/", 1)[-1]


@aws_probe("aws.wafv2", NoParams, services=["elbv2", "wafv2"])
def wafv2(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A WAFv2 web ACL with at least one rule protects the application load balancer."""
    found = production_alb(ctx)
    if isinstance(found, ProbeResult):
        return found
    arn, how, alb = found
    lines = [f"ALB {alb} ({how})", f"  {arn}"]
    try:
        acl = client(ctx, "wafv2").get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
    except Exception as exc:
        if error_code(exc) != "WAFNonexistentItemException":
            raise
        acl = None
    if not acl:
        lines.append("  web ACL: none associated")
        return failed(f"no WAF web ACL associated with {alb}", "\n".join(lines))
    rules = [(r.get("Name", "?"), rule_action(r)) for r in acl.get("Rules", [])]
    default = next(iter(acl.get("DefaultAction", {})), "?")
    lines += [
        f"  web ACL: {acl.get('Name', '?')} ({acl.get('ARN', '?')})",
        f"  default action: {default}",
    ]
    lines += [f"  rule: {name} ({action})" for name, action in rules] or ["  rules: none"]
    if not rules:
        return failed(f"web ACL {acl.get('Name', '?')} on {alb} has no rules", "\n".join(lines))
    if default != "Block" and not any(action in ENFORCING for _, action in rules):
        # Rules in Count mode (how a WAF is trialled before launch) only measure: every request
        # still passes.
        return failed(
            f"web ACL {acl.get('Name', '?')} on {alb} blocks nothing: its "
            f"{plural(len(rules), 'rule')} only {' or '.join(sorted({a for _, a in rules}))}, "
            f"default action {default}",
            "\n".join(lines),
        )
    return passed(
        f"web ACL {acl.get('Name', '?')} with {plural(len(rules), 'rule')} protects {alb}",
        "\n".join(lines),
    )


@aws_probe("aws.shield", NoParams, services=[("shield", "us-east-1"), "elbv2"])
def shield(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The account has an active Shield Advanced subscription, and it protects the production's
    ALB."""
    api = client(ctx, "shield", region="us-east-1")  # Shield's API lives in us-east-1 only
    state_of, subscription_of, protections_of, load_balancer_of = (
        at_once(  # independent: one round trip
            ctx,
            api.get_subscription_state,
            api.describe_subscription,
            api.list_protections,
            lambda: _load_balancer(ctx),
        )
    )
    state = state_of().get("SubscriptionState", "?")
    lines = [f"Shield Advanced GetSubscriptionState: {state}"]
    if state != "ACTIVE":
        return failed(f"no active Shield Advanced subscription ({state})", "\n".join(lines))
    subscription = subscription_of().get("Subscription", {})
    lines += [
        f"  start: {subscription.get('StartTime', '?')}, end: {subscription.get('EndTime', '?')}",
        f"  auto-renew: {subscription.get('AutoRenew', '?')}",
    ]
    protections = protections_of().get("Protections", [])
    lines.append(
        f"  protected resources: {', '.join(p.get('Name', '?') for p in protections) or 'none'}"
    )
    lines += [f"    {p.get('Name', '?')}: {p.get('ResourceArn', '?')}" for p in protections]
    # Advanced protects (DDoS response team, cost protection, L7 mitigation) only the resources
    # added to it.
    arn, how = load_balancer_of()
    if not arn:
        return passed(
            "Shield Advanced subscription active (no ALB in this region to protect)",
            "\n".join(lines),
        )
    alb = arn.split(":loadbalancer/", 1)[-1]
    lines.append(f"  production ALB {alb} ({how})")
    if not any(p.get("ResourceArn") == arn for p in protections):
        return failed(
            f"Shield Advanced is active but does not protect the ALB {alb}", "\n".join(lines)
        )
    return passed(
        f"Shield Advanced subscription active, protecting the ALB {alb}", "\n".join(lines)
    )
