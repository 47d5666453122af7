"""The IAM probe: no policy of the cluster's, node groups' or listed service roles grants every
action on every resource. Every call is a Get/List.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from .aws_client import (
    at_once,
    aws_probe,
    client,
    describe_eks_cluster,
    error_code,
    paginate,
    plural,
)
from .aws_vpc import node_groups
from .base import Findings, NoParams, NotConfigured, ProbeContext, ProbeResult


def _statements(document: Any) -> list[dict[str, Any]]:
    """A policy document's statements: `Statement` may be one object or a list (both are valid
    IAM)."""
    if isinstance(document, str):
        document = json.loads(unquote(document))
    statements = (document or {}).get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def grants_admin(document: Any) -> bool:
    """True when a statement allows every action (`*` or `*:*`) on every resource, without
    conditions."""
    for st in _statements(document):
        if st.get("Effect") != "Allow" or "Condition" in st:
            continue
        if any(a in ("*", "*:*") for a in _as_list(st.get("Action"))) and "*" in _as_list(
            st.get("Resource")
        ):
            return True
    return False


def _roles(ctx: ProbeContext) -> tuple[list[str], list[str]]:
    """(role names, evidence lines): the EKS cluster's role, its node groups' roles, then
    aws.service_roles."""
    roles: list[str] = []
    lines: list[str] = []
    name, cluster = describe_eks_cluster(ctx) if ctx.profile.aws.eks_cluster_name else ("", None)
    if cluster:
        roles.append(cluster.get("roleArn", "").rsplit("/", 1)[-1])
        for _, group in node_groups(ctx, name):
            roles.append(group.get("nodeRole", "").rsplit("/", 1)[-1])
        lines.append(f"EKS cluster {name}: cluster role and node-group roles")
    roles += [r.rsplit("/", 1)[-1] for r in ctx.profile.aws.service_roles]
    return [r for n, r in enumerate(roles) if r and r not in roles[:n]], lines


@aws_probe("aws.iam-admin-policies", NoParams, services=["eks", "iam"])
def iam_admin_policies(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """No policy attached to the cluster's, node groups' or listed service roles allows every action
    on every resource."""
    roles, lines = _roles(ctx)
    if not roles:
        raise NotConfigured(
            "no role to check: set aws.eks_cluster_name (its cluster and node roles) or "
            "aws.service_roles"
        )
    found = Findings()
    for line in lines:
        found.line(line)
    # Every role at once, and each role's reads in three rounds (the role and its two policy
    # lists; each policy; each attached policy's default version): ~25 sequential round trips
    # made this the slowest probe of a warm sweep at 20 ms a round trip (0.62 s).
    for role, grants in zip(
        roles, at_once(ctx, *(lambda r=role: _grants(ctx, r) for role in roles)), strict=True
    ):
        listed = grants()
        if listed is None:
            found.problem(f"role {role} not found", f"  role {role}: NOT FOUND")
            continue
        for kind, name, arn, version, document in listed:
            admin = grants_admin(document) or arn.endswith(":policy/AdministratorAccess")
            if kind == "inline" and admin:
                found.problem(
                    f"role {role}: inline policy {name} allows * on *",
                    f"  {role}: inline {name}: Allow * on * (ADMIN)",
                )
            elif kind == "inline":
                found.line(f"  {role}: inline {name}: scoped")
            elif admin:
                found.problem(
                    f"role {role}: policy {name} allows * on *",
                    f"  {role}: attached {arn} ({version}): Allow * on * (ADMIN)",
                )
            else:
                found.line(f"  {role}: attached {arn} ({version}): scoped")
    return found.result(
        f"no administrator grant on {plural(len(roles), 'role')} ({', '.join(roles)})"
    )


Grant = tuple[str, str, str, str, Any]
"""(inline|attached, policy name, ARN ('' inline), version ('' inline), policy document)."""


def _grants(ctx: ProbeContext, role: str) -> list[Grant] | None:
    """Every policy of a role with its document, in IAM's order (None: no such role)."""
    iam = client(ctx, "iam")
    exists, inline, attached = at_once(
        ctx,
        lambda: iam.get_role(RoleName=role),
        lambda: paginate(ctx, "iam", "list_role_policies", "PolicyNames", RoleName=role),
        lambda: paginate(
            ctx, "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=role
        ),
    )
    try:
        exists()
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        return None
    names, policies = inline(), attached()
    reads = at_once(
        ctx,
        *(lambda n=n: iam.get_role_policy(RoleName=role, PolicyName=n) for n in names),
        *(lambda a=a: iam.get_policy(PolicyArn=a["PolicyArn"]) for a in policies),
    )
    documents, defaults = reads[: len(names)], reads[len(names) :]
    described = [get()["Policy"] for get in defaults]
    versions = [policy["DefaultVersionId"] for policy in described]
    attached_documents = at_once(
        ctx, *(lambda p=policy: _version_document(ctx, iam, p) for policy in described)
    )
    grants: list[Grant] = [
        ("inline", n, "", "", get()["PolicyDocument"])
        for n, get in zip(names, documents, strict=True)
    ]
    for policy, version, get in zip(policies, versions, attached_documents, strict=True):
        grants.append(("attached", policy["PolicyName"], policy["PolicyArn"], version, get()))
    return grants


def _version_document(ctx: ProbeContext, iam: Any, policy: dict[str, Any]) -> Any:
    """The document of a managed policy's default version (GetPolicy's `policy`).

    A version never changes (a change is a new version, and the default moves to it, which
    GetPolicy shows), and a policy deleted and made again under its name has a new PolicyId: so
    (PolicyId, VersionId) names one document for good, and a cockpit reads it once, not every
    sweep (one of the probe's dependent round trips). Inline policies change in place: read each
    sweep.
    """

    def read() -> Any:
        return iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=version)["PolicyVersion"][
            "Document"
        ]

    version = policy["DefaultVersionId"]
    if not policy.get("PolicyId"):
        return read()
    return ctx.clients.get(f"iam policy-version {policy['PolicyId']} {version}", read)
