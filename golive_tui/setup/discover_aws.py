"""`golive init`, AWS half: the account, the EKS cluster, Aurora, the ALB, log groups, ACM
certificates.

Credentials come the usual way (the profile's [aws] keys, else AWS_PROFILE, the default
chain, AWS_REGION, AWS_ENDPOINT_URL), through the probes' session. Only describe/list
calls. A refused call (`aws_reads`) becomes a comment on the key it would have filled.
"""

from __future__ import annotations

import os
from typing import Any

from ..probes import aws_client
from ..probes.base import ProbeContext
from .aws_reads import DENIED, Refused, call, pages
from .discover_k8s import Chooser, Clues
from .draft import Draft


def discover_aws(ctx: ProbeContext, draft: Draft, choose: Chooser, clues: Clues) -> None:
    settings = ctx.profile.aws
    try:
        session = aws_client.session(ctx)
    except Exception as exc:  # e.g. an AWS profile that is not in the config files
        reason = aws_client.describe_error(exc)
        if reason is None:
            raise
        draft.section_note("aws", f"nothing read from AWS: {reason}")
        return
    _settings(draft, settings, session)
    if not session.region and clues.eks:
        region = clues.eks[0]
        ctx.profile = ctx.profile.model_copy(
            update={"aws": settings.model_copy(update={"region": region})}
        )
        ctx.clients = type(ctx.clients)()  # a session for the region the EKS ARN names
        session = aws_client.session(ctx)
        draft.found(
            "aws.region", region, "the region of the EKS cluster ARN in the kubeconfig context"
        )
    elif not session.region:
        draft.section_note(
            "aws",
            "no AWS region (profile aws.region, AWS_REGION or the AWS profile's region): "
            "nothing read from AWS",
        )
        return
    try:
        who = call(aws_client.client(ctx, "sts").get_caller_identity)
        draft.section_note(
            "aws",
            f"read as {who.get('Arn', '?')} in account {who.get('Account', '?')}, "
            f"{session.where()}",
        )
    except Refused as exc:
        if (
            exc.code not in DENIED
        ):  # no credentials, unknown keys, no endpoint: every other call would fail alike
            draft.section_note("aws", f"AWS not reachable with these credentials: {exc}")
            for key in (
                "aws.eks_cluster_name",
                "aws.db_cluster_id",
                "aws.load_balancer_arn",
                "aws.log_groups",
            ):
                draft.missing(key, "AWS could not be read")
            return
        draft.section_note(
            "aws", f"{exc}; reading what these credentials may read, {session.where()}"
        )
    cluster = _eks(ctx, draft, choose, clues)
    _aurora(ctx, draft, choose, cluster or clues.namespace)
    _load_balancer(ctx, draft, clues)
    _log_groups(ctx, draft, cluster, clues.namespace)
    _certificates(ctx, draft, clues)
    _user_pool(ctx, draft, cluster or clues.namespace)


def _settings(draft: Draft, settings: Any, session: Any) -> None:
    """Write down how AWS was reached, so the profile works without this shell's variables."""
    profile = settings.profile or os.environ.get("AWS_PROFILE", "")
    if profile:
        draft.found(
            "aws.profile",
            profile,
            "as given (profile)" if settings.profile else "from $AWS_PROFILE",
        )
    if session.region:
        draft.found(
            "aws.region",
            session.region,
            "as given (profile)"
            if settings.region
            else "from $AWS_REGION / $AWS_DEFAULT_REGION or the AWS profile",
        )
    endpoint = settings.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint:
        draft.found(
            "aws.endpoint_url",
            endpoint,
            "as given (profile)" if settings.endpoint_url else "from $AWS_ENDPOINT_URL",
        )
    for key, env in (
        ("config_file", "AWS_CONFIG_FILE"),
        ("credentials_file", "AWS_SHARED_CREDENTIALS_FILE"),
    ):
        value = getattr(settings, key) or os.environ.get(env, "")
        if value:
            draft.found(
                f"aws.{key}",
                os.path.abspath(os.path.expanduser(value)),
                "as given (profile)"
                if getattr(settings, key)
                else f"from ${env} (holds no secret itself: a path)",
            )


def _eks(ctx: ProbeContext, draft: Draft, choose: Chooser, clues: Clues) -> str:
    eks = aws_client.client(ctx, "eks")
    if clues.eks:
        region, account, name = clues.eks
        try:
            cluster = call(eks.describe_cluster, name=name)["cluster"]
        except Refused as exc:
            draft.missing(
                "aws.eks_cluster_name",
                f"the context names EKS cluster {name}, but DescribeCluster failed: {exc}",
            )
            return name
        draft.found(
            "aws.eks_cluster_name",
            name,
            f"the kubeconfig context's ARN {cluster.get('arn', '')} "
            f"(EKS {cluster.get('status', '?')}, Kubernetes {cluster.get('version', '?')})",
        )
        draft.found("target.name", name, "the EKS cluster name")
        return name
    try:
        names = pages(ctx, "eks", "list_clusters", "clusters")
    except Refused as exc:
        draft.missing("aws.eks_cluster_name", f"ListClusters failed: {exc}")
        return ""
    described: dict[str, Any] = {}
    for name in names:
        try:
            described[name] = call(eks.describe_cluster, name=name)["cluster"]
        except Refused:
            continue
    server = clues.server.rstrip("/").lower()
    same = [
        n
        for n, c in described.items()
        if server and str(c.get("endpoint", "")).rstrip("/").lower() == server
    ]
    if same:
        draft.found(
            "aws.eks_cluster_name",
            same[0],
            f"the EKS cluster whose endpoint is the kubeconfig's server {clues.server}",
        )
        draft.found("target.name", same[0], "the EKS cluster name")
        return same[0]
    picked = choose("aws.eks_cluster_name", sorted(names)) if names else None
    if picked:
        draft.found(
            "aws.eks_cluster_name",
            picked,
            f"chosen; no EKS cluster has the kubeconfig's server as endpoint ({', '.join(names)})",
        )
        return picked
    draft.missing(
        "aws.eks_cluster_name",
        f"no EKS cluster has the kubeconfig's server {clues.server or '?'} as endpoint; "
        f"clusters in {aws_client.session(ctx).region}: {', '.join(sorted(names)) or 'none'}",
    )
    return ""


def _aurora(ctx: ProbeContext, draft: Draft, choose: Chooser, near: str) -> str:
    try:
        clusters = [
            c
            for c in pages(ctx, "rds", "describe_db_clusters", "DBClusters")
            if str(c.get("Engine", "")).startswith("aurora")
        ]
    except Refused as exc:
        draft.missing("aws.db_cluster_id", f"DescribeDBClusters failed: {exc}")
        return ""
    ids: list[str] = [c["DBClusterIdentifier"] for c in clusters]
    named = [i for i in ids if near and (i == near or near in i)]
    if len(ids) == 1 or len(named) == 1:
        chosen = ids[0] if len(ids) == 1 else named[0]
        how = (
            "the only Aurora cluster"
            if len(ids) == 1
            else f"the Aurora cluster named like {near!r} (of {', '.join(ids)})"
        )
    elif ids and (picked := choose("aws.db_cluster_id", ids)):
        chosen, how = picked, f"chosen from the Aurora clusters {', '.join(ids)}"
    else:
        draft.missing(
            "aws.db_cluster_id",
            f"Aurora clusters in {aws_client.session(ctx).region}: {', '.join(ids) or 'none'}",
        )
        return ""
    cluster = next(c for c in clusters if c["DBClusterIdentifier"] == chosen)
    draft.found(
        "aws.db_cluster_id",
        chosen,
        f"{how} ({cluster.get('Engine')} {cluster.get('EngineVersion', '')})".replace(" )", ")"),
    )
    if cluster.get("Iops"):
        draft.found(
            "aws.provisioned_iops",
            int(cluster["Iops"]),
            f"the provisioned IOPS of Aurora cluster {chosen}",
        )
    else:
        draft.missing(
            "aws.provisioned_iops",
            f"Aurora cluster {chosen} has no provisioned IOPS (standard storage): "
            "the IOPS-utilisation item stays skipped unless you know the figure",
        )
    return chosen


def _load_balancer(ctx: ProbeContext, draft: Draft, clues: Clues) -> None:
    if not clues.lb_hostnames:
        draft.missing(
            "aws.load_balancer_arn", "the gateway Service has no load balancer hostname to match"
        )
        return
    try:
        balancers = pages(ctx, "elbv2", "describe_load_balancers", "LoadBalancers")
    except Refused as exc:
        draft.missing("aws.load_balancer_arn", f"DescribeLoadBalancers failed: {exc}")
        return
    wanted = {h.lower().removeprefix("dualstack.") for h in clues.lb_hostnames}
    match = next(
        (
            lb
            for lb in balancers
            if str(lb.get("DNSName", "")).lower().removeprefix("dualstack.") in wanted
        ),
        None,
    )
    if match is None:
        draft.missing(
            "aws.load_balancer_arn",
            f"no load balancer has the gateway's hostname {', '.join(sorted(wanted))}",
        )
        return
    if match.get("Type") != "application":
        draft.note(
            "aws.load_balancer_arn",
            f"{match['LoadBalancerName']} is a {match.get('Type')} load balancer: WAF "
            "protects ALBs only",
        )
    draft.found(
        "aws.load_balancer_arn",
        match["LoadBalancerArn"],
        f"the {match.get('Type', '')} load balancer whose DNS name {match['DNSName']} "
        "fronts the gateway Service",
    )


def _log_groups(ctx: ProbeContext, draft: Draft, cluster: str, namespace: str) -> None:
    """The application's audit-relevant groups (the database's own logs keep their own, shorter
    retention)."""
    prefixes = [f"/aws/eks/{cluster}/"] if cluster else []
    app, _, stage = namespace.rpartition("-")
    if app and stage:
        prefixes.append(f"/{app}/{stage}/")
    if not prefixes:
        draft.missing("aws.log_groups", "no EKS cluster or <app>-<env> namespace to look under")
        return
    found: list[str] = []
    read: list[str] = []
    for prefix in prefixes:
        try:
            groups = pages(
                ctx, "logs", "describe_log_groups", "logGroups", logGroupNamePrefix=prefix
            )
            read.append(prefix)
        except Refused as exc:
            draft.note("aws.log_groups", f"{prefix}: DescribeLogGroups failed: {exc}")
            continue
        for group in groups:
            found.append(group["logGroupName"])
            days = group.get("retentionInDays")
            draft.note(
                "aws.log_groups",
                f"{group['logGroupName']}: retention {f'{days} days' if days else 'never expires'}",
            )
    if found:
        draft.found("aws.log_groups", found, f"the CloudWatch log groups under {', '.join(read)}")
    elif read:
        draft.missing("aws.log_groups", f"no CloudWatch log group under {', '.join(read)}")
    else:
        draft.missing("aws.log_groups", "CloudWatch Logs could not be read (above)")


def _certificates(ctx: ProbeContext, draft: Draft, clues: Clues) -> None:
    """ACM certificates for the domains found (or, with none found, the domains of the certificate
    the gateway names)."""
    from ..probes.aws_edge import covers

    acm = aws_client.client(ctx, "acm")
    try:
        summaries = pages(ctx, "acm", "list_certificates", "CertificateSummaryList")
        certs = [
            call(acm.describe_certificate, CertificateArn=s["CertificateArn"])["Certificate"]
            for s in summaries
        ]
    except Refused as exc:
        draft.note("target.domains", f"ACM could not be read: {exc}")
        return
    by_arn = {c["CertificateArn"]: c for c in certs}
    if not clues.domains:
        for arn in clues.cert_arns:
            if arn in by_arn:
                clues.domains += [
                    d
                    for d in [
                        by_arn[arn]["DomainName"],
                        *by_arn[arn].get("SubjectAlternativeNames", []),
                    ]
                    if d not in clues.domains and not d.startswith("*")
                ]
        if clues.domains:
            draft.found(
                "target.domains",
                list(clues.domains),
                "the names of the ACM certificate the gateway Service uses",
            )
    for domain in clues.domains:
        names = [
            (c, [c.get("DomainName", ""), *c.get("SubjectAlternativeNames", [])]) for c in certs
        ]
        matching = [c for c, ns in names if any(covers(n, domain) for n in ns if n)]
        if not matching:
            draft.note("target.domains", f"{domain}: no ACM certificate covers it")
        for cert in matching:
            expires = cert.get("NotAfter")
            draft.note(
                "target.domains",
                f"{domain}: ACM {cert['CertificateArn']} {cert.get('Status', '?')}"
                + (f", expires {expires:%Y-%m-%d}" if expires else ""),
            )


def _user_pool(ctx: ProbeContext, draft: Draft, near: str) -> None:
    """The Cognito user pool named `<cluster>-users`, else the only pool named like the cluster
    (issue 29's password/MFA rows)."""
    try:
        pools = call(aws_client.client(ctx, "cognito-idp").list_user_pools, MaxResults=60).get(
            "UserPools", []
        )
    except Refused as exc:
        draft.missing("aws.user_pool_name", f"ListUserPools failed: {exc}")
        return
    names = [p.get("Name", "") for p in pools]
    exact = [n for n in names if n == f"{near}-users"]
    like = [n for n in names if near and n.startswith(near)]
    if exact or len(like) == 1:
        draft.found(
            "aws.user_pool_name", (exact or like)[0], f"the Cognito user pool named like {near}"
        )
    else:
        draft.missing(
            "aws.user_pool_name",
            f"{len(like)} user pools named like {near!r} ({', '.join(like[:4]) or 'none'})",
        )
