"""One row, one claim: the parameters that split shared probes, and the new kinds, on the first
sandboxes."""

from __future__ import annotations

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes import k8s_client, registry
from golive_tui.probes.base import ClientCache, ProbeContext, ProbeResult, Verdict
from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.k8s_objects import MIGRATE_STATUS, PENDING_MIGRATION
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

MIGRATIONS = {
    "deployment": "deal-service",
    "argv": list(MIGRATE_STATUS),
    "pattern": "Database schema is up to date",
}


def item(kind: str, title: str = "", **params: object) -> Item:
    made = Item(
        id=(title or kind).lower().replace(".", "-").replace(" ", "-"),
        title=title or kind,
        probe=[ProbeSpec(kind=kind, params=params)],
    )
    object.__setattr__(made, "key", f"t.{made.id}")
    return made


def run(profile, *items: Item) -> dict[str, ProbeResult]:
    return {r.item.title: r.result for r in run_sync(profile, items)}


# --- Kubernetes -----------------------------------------------------------------------------------


def test_exec_runs_in_the_pod_not_here(k8s_degraded: K8sSandbox, k8s_healthy: K8sSandbox) -> None:
    """Plausible but wrong: `npx prisma migrate status` on this machine (the old `command` probe)
    would report this machine's database; the degraded cluster's deal-service pods see a pending
    migration."""
    pending = run(k8s_degraded.profile(), item("k8s.exec", **MIGRATIONS))["k8s.exec"]
    assert (pending.verdict, pending.summary) == (
        Verdict.FAIL,
        "npx prisma migrate status in deployment/deal-service exited 1 (expected 0)",
    )
    assert PENDING_MIGRATION in pending.evidence and "namespace autolytiq-prod" in pending.evidence
    ok = run(k8s_healthy.profile(), item("k8s.exec", **MIGRATIONS))["k8s.exec"]
    assert ok.verdict is Verdict.PASS and "Database schema is up to date!" in ok.evidence
    missing = run(
        k8s_healthy.profile(),
        item("k8s.exec", deployment="deal-service", argv=["psql", "-c", "select 1"]),
    )["k8s.exec"]
    assert (
        missing.verdict is Verdict.FAIL
        and "exited 127" in missing.summary
        and "executable file not found" in missing.evidence
    )
    wrong = run(
        k8s_healthy.profile(),
        item("k8s.exec", deployment="deal-service", container="sidecar", argv=["true"]),
    )["k8s.exec"]
    assert wrong.verdict is Verdict.ERROR and "has no container 'sidecar'" in wrong.summary
    gone = run(k8s_healthy.profile(), item("k8s.exec", deployment="billing", argv=["true"]))[
        "k8s.exec"
    ]
    assert (gone.verdict, gone.summary) == (
        Verdict.FAIL,
        "deployment/billing not found in namespace autolytiq-prod",
    )


def test_secrets_the_role_may_not_read_are_decided_by_the_pods(k8s_no_secrets: K8sSandbox) -> None:
    """Not `error` for every read-only role: running containers started with their references
    resolved (tests/test_read_only_rbac.py has the failing and the undecidable cases)."""
    result = run(k8s_no_secrets.profile(target={"required_env": {}}), item("k8s.env-vars"))[
        "k8s.env-vars"
    ]
    assert result.verdict is Verdict.PASS, result.summary
    assert (
        "8 references to Secrets this role may not read inferred resolved from the pods' containers"
        in result.summary
    )
    assert (
        "DATABASE_URL -> secret deal-service-db key url: "
        "Secret not readable (403); resolved when pod" in result.evidence
    )


def test_lists_follow_continue_tokens(
    k8s_healthy: K8sSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = ProbeContext(k8s_healthy.profile(), item("k8s.nodes"), ClientCache(), 3)
    path = "/api/v1/namespaces/autolytiq-prod/pods"
    whole = [p["metadata"]["name"] for p in k8s_client.K8s(ctx).list(path)]
    monkeypatch.setattr(k8s_client, "PAGE_SIZE", 4)  # 18 pods: five pages, the last one of 2
    paged = [p["metadata"]["name"] for p in k8s_client.K8s(ctx).list(path)]
    assert len(whole) == 18 and paged == whole


def test_exec_is_a_shipped_kind_and_no_shipped_k8s_probe_runs_locally() -> None:
    from golive_tui.checklists import load_checklist

    kinds = {spec.kind for i in load_checklist().items() for spec in i.probe}
    assert "k8s.exec" in kinds
    migrations = load_checklist().item_map()["go-live.database.migrations"]
    assert [p.kind for p in migrations.probe] == ["k8s.exec"] and migrations.probe[0].params[
        "deployment"
    ] == "deal-service"
    assert registry()["k8s.exec"].prepare is not None


# --- AWS ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_aws_claims_healthy_and_degraded(
    aws_healthy: SandboxAccount, aws_degraded: SandboxAccount
) -> None:
    cases = [
        item("aws.rds-tls"),
        item("aws.eks-secrets-encryption"),
        item("aws.rds-encryption", "backups", scope="backups"),
        item("aws.rds-encryption", "storage and ebs", include_ebs=True),
        item("aws.cloudtrail", "audit logging", require_validation=False),
        item("aws.log-groups", "audit retention", min_retention_days=365),
    ]
    good, bad = run(aws_healthy.profile(), *cases), run(aws_degraded.profile(), *cases)
    # The node volumes are found through the cluster's Nodes: with no cluster in this profile
    # nothing decides them (tests/test_node_volumes.py stages both), unless the database already
    # fails the row.
    assert good.pop("storage and ebs").summary.startswith("no kubeconfig: looked in")
    for title, result in good.items():
        assert result.verdict is Verdict.PASS, (title, result.summary, result.evidence)
    assert (
        good["aws.rds-tls"].summary
        == "autolytiq-prod forces TLS (rds.force_ssl = 1 in autolytiq-prod-aurora-pg15)"
    )
    assert (
        "snapshot rds:autolytiq-prod-" in good["backups"].evidence
    )  # the automated one, encrypted
    assert (
        bad["aws.rds-tls"].summary == "autolytiq-prod accepts unencrypted connections: "
        "rds.force_ssl = 0 in autolytiq-prod-aurora-pg15"
    )
    assert (
        bad["aws.eks-secrets-encryption"].summary
        == "EKS cluster autolytiq-prod does not envelope-encrypt Kubernetes Secrets"
    )
    assert bad["backups"].verdict is Verdict.FAIL and "NOT encrypted" in bad["backups"].evidence
    assert bad["storage and ebs"].summary == "DB cluster autolytiq-prod storage is NOT encrypted"
    assert "EKS node volumes not judged: no kubeconfig" in bad["storage and ebs"].evidence
    assert bad["audit logging"].summary == "no CloudTrail trail is logging, multi-region"
    assert bad["audit retention"].summary == "/aws/eks/autolytiq-prod/cluster has no retention"


@pytest.mark.slow
def test_retention_policy_is_the_rows_own(aws_healthy: SandboxAccount) -> None:
    """Plausible but wrong for "Logs retained per policy": "a retention is set" passes a 90-day
    policy the audit row refuses."""
    profile = aws_healthy.profile(log_groups=["/aws/rds/cluster/autolytiq-prod/postgresql"])
    results = run(
        profile,
        item("aws.log-groups", "any"),
        item("aws.log-groups", "policy", min_retention_days=365),
    )
    assert results["any"].verdict is Verdict.PASS
    assert (results["policy"].verdict, results["policy"].summary) == (
        Verdict.FAIL,
        "/aws/rds/cluster/autolytiq-prod/postgresql keeps 30 days (< 365)",
    )


@pytest.mark.slow
def test_query_latency_percentile_from_cloudwatch(aws_healthy: SandboxAccount) -> None:
    """The Database Benchmarks row asks GetMetricData for p95 (the sandbox answers percentiles as
    CloudWatch does)."""
    from golive_tui.model import Metric, Threshold

    made = item("aws.db-metric", metric="read-latency", stat="p95")
    object.__setattr__(made, "metric", Metric(target=Threshold(op="<", value=50, unit="ms")))
    result = run(aws_healthy.profile(), made)["aws.db-metric"]
    assert (result.verdict, result.value, result.unit) == (Verdict.PASS, 4.0, "ms")
    assert "ReadLatency (p95, DBClusterIdentifier=autolytiq-prod" in result.evidence


# --- looking at the wrong place is not a pass -----------------------------------------------------


@pytest.mark.slow
def test_a_namespace_with_nothing_in_it_passes_no_claim_about_its_deployments(
    k8s_healthy: K8sSandbox,
) -> None:
    """A typo in target.namespace lists nothing: "all 0 containers hardened" and "all 0 secret-like
    env vars come from Secrets" were passes, and with target.services = [] so were "all 0
    deployments" available, covered, scaled."""
    every_deployment = [
        item("k8s.container-security"),
        item("k8s.secret-refs"),
        item("k8s.env-vars"),
    ]
    typo = run(k8s_healthy.profile(target={"namespace": "autolytiq-prd"}), *every_deployment)
    for title, result in typo.items():
        assert (result.verdict, result.summary) == (
            Verdict.FAIL,
            "no deployments in namespace autolytiq-prd (target.namespace): nothing to judge",
        ), title
    per_service = [item("k8s.deployments"), item("k8s.pdb"), item("k8s.hpa")]
    nobody = run(k8s_healthy.profile(target={"services": []}), *per_service)
    for title, result in nobody.items():
        assert (result.verdict, result.summary) == (
            Verdict.SKIPPED,
            "target.services is empty in the profile: no service to check",
        ), title
    right = run(
        k8s_healthy.profile(), *every_deployment, *per_service
    )  # the same probes where the production is
    assert {title: result.verdict for title, result in right.items()} == {
        title: Verdict.PASS for title in right
    }


@pytest.mark.slow
def test_security_groups_of_a_region_without_the_production_are_not_a_pass(
    aws_healthy: SandboxAccount,
) -> None:
    """aws.region set to the wrong region: it holds only its default group, which opens nothing."""
    wrong = run(aws_healthy.profile(region="ap-south-1"), item("aws.security-groups"))[
        "aws.security-groups"
    ]
    assert wrong.verdict is Verdict.FAIL
    assert wrong.summary.startswith("EKS cluster autolytiq-prod not found in region ap-south-1")
    right = run(aws_healthy.profile(), item("aws.security-groups"))["aws.security-groups"]
    assert (
        right.verdict is Verdict.PASS
        and "EKS cluster autolytiq-prod is in region eu-west-1" in right.evidence
    )


def test_no_domain_or_endpoint_to_look_at_is_skipped_not_passed() -> None:
    from golive_tui.profile import Profile

    nothing = Profile.model_validate(
        {"target": {"domains": []}, "http": {"api_url": ""}, "kubernetes": {"kubeconfig": ""}}
    )
    results = run(nothing, item("dns.resolve"), item("tls.certificate"), item("tls.protocols"))
    assert (
        results["dns.resolve"].verdict is Verdict.SKIPPED
        and "target.domains is empty" in results["dns.resolve"].summary
    )
    for kind in ("tls.certificate", "tls.protocols"):
        assert results[kind].verdict is Verdict.SKIPPED and results[kind].summary.startswith(
            "no endpoint to check"
        ), results[kind]


@pytest.mark.slow
def test_a_waf_that_only_counts_blocks_nothing_and_an_unnamed_alb_is_not_guessed(
    aws_sandbox, aws_healthy
) -> None:
    """Rules in Count mode (a WAF on trial) and "the first ALB found" (maybe staging's) both
    passed."""
    account = aws_sandbox.server.account("555555555555", "golive-waf-trial")
    ec2, elbv2, waf = account.client("ec2"), account.client("elbv2"), account.client("wafv2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    albs = [
        elbv2.create_load_balancer(
            Name=name, Subnets=subnets, Scheme="internet-facing", Type="application"
        )["LoadBalancers"][0]["LoadBalancerArn"]
        for name in ("web-a", "web-b")
    ]
    visibility = {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "trial",
    }

    def rule(override: str) -> dict:
        return {
            "Name": "AWSManagedRulesCommonRuleSet",
            "Priority": 0,
            "OverrideAction": {override: {}},
            "VisibilityConfig": visibility,
            "Statement": {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": "AWSManagedRulesCommonRuleSet",
                }
            },
        }

    acl = waf.create_web_acl(
        Name="trial",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=[rule("Count")],
        VisibilityConfig=visibility,
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=albs[0])
    counting = run(account.profile(load_balancer_arn=albs[0]), item("aws.wafv2"))["aws.wafv2"]
    assert (counting.verdict, counting.summary) == (
        Verdict.FAIL,
        "web ACL trial on app/web-a/"
        + albs[0].rsplit("/", 1)[-1]
        + " blocks nothing: its 1 rule only count, "
        "default action Allow",
    )
    assert "rule: AWSManagedRulesCommonRuleSet (count)" in counting.evidence
    lock = waf.get_web_acl(Name="trial", Scope="REGIONAL", Id=acl["Id"])["LockToken"]
    waf.update_web_acl(
        Name="trial",
        Scope="REGIONAL",
        Id=acl["Id"],
        LockToken=lock,
        DefaultAction={"Allow": {}},
        Rules=[rule("None")],
        VisibilityConfig=visibility,
    )
    enforcing = run(account.profile(load_balancer_arn=albs[0]), item("aws.wafv2"))["aws.wafv2"]
    assert enforcing.verdict is Verdict.PASS, enforcing.summary
    assert "rule: AWSManagedRulesCommonRuleSet (the rule group's actions)" in enforcing.evidence
    guessed = run(account.profile(), item("aws.wafv2"))[
        "aws.wafv2"
    ]  # two ALBs, neither named like the target
    assert guessed.verdict is Verdict.ERROR
    assert (
        guessed.summary.startswith("2 ALBs in region ")
        and "(web-a, web-b) and none named like" in guessed.summary
    )
    assert guessed.summary.endswith("set aws.load_balancer_arn to the production's")


@pytest.mark.slow
def test_a_stopped_reader_is_no_second_availability_zone(aws_sandbox, aws_healthy) -> None:
    """Two instances in two AZs, one of them stopped: the cluster cannot fail over, yet "2 instances
    across 2 AZs" passed."""
    account = aws_sandbox.server.account("666666666666", "golive-rds-stopped")
    rds = account.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="u",
        MasterUserPassword="sandbox-pw",
    )
    for n, zone in ((1, "eu-west-1a"), (2, "eu-west-1b")):
        rds.create_db_instance(
            DBInstanceIdentifier=f"ledger-{n}",
            DBClusterIdentifier="ledger",
            DBInstanceClass="db.r6g.large",
            Engine="aurora-postgresql",
            AvailabilityZone=zone,
        )
    profile = account.profile(db_cluster_id="ledger")
    assert run(profile, item("aws.rds-multi-az"))["aws.rds-multi-az"].verdict is Verdict.PASS
    rds.stop_db_instance(DBInstanceIdentifier="ledger-2")
    stopped = run(profile, item("aws.rds-multi-az"))["aws.rds-multi-az"]
    assert (stopped.verdict, stopped.summary) == (
        Verdict.FAIL,
        "DB cluster ledger: 1 serving instance (< 2) and 1 AZ (< 2) (ledger-2 is stopped)",
    )
    assert "ledger-2 (reader, db.r6g.large): eu-west-1b, stopped (not counted)" in stopped.evidence


@pytest.mark.slow
def test_shield_advanced_must_protect_the_production_alb(aws_sandbox, aws_healthy) -> None:
    """An active subscription protecting only the staging ALB passed "Shield Advanced subscription
    active"."""
    account = aws_sandbox.server.account("777777777777", "golive-shield-elsewhere")
    subnets = [s["SubnetId"] for s in account.client("ec2").describe_subnets()["Subnets"]][:2]
    elbv2 = account.client("elbv2")
    prod, staging = (
        elbv2.create_load_balancer(
            Name=name, Subnets=subnets, Scheme="internet-facing", Type="application"
        )["LoadBalancers"][0]["LoadBalancerArn"]
        for name in ("autolytiq-prod-alb", "autolytiq-staging-alb")
    )
    shield = account.client("shield", region="us-east-1")
    shield.create_subscription()
    shield.create_protection(Name="staging", ResourceArn=staging)
    elsewhere = run(account.profile(), item("aws.shield"))["aws.shield"]
    prod_name = prod.split(":loadbalancer/", 1)[-1]
    assert (elsewhere.verdict, elsewhere.summary) == (
        Verdict.FAIL,
        f"Shield Advanced is active but does not protect the ALB {prod_name}",
    )
    assert (
        f"staging: {staging}" in elsewhere.evidence
        and "named like 'autolytiq-prod'" in elsewhere.evidence
    )
    shield.create_protection(Name="production", ResourceArn=prod)
    protected = run(account.profile(), item("aws.shield"))["aws.shield"]
    assert (protected.verdict, protected.summary) == (
        Verdict.PASS,
        f"Shield Advanced subscription active, protecting the ALB {prod_name}",
    )
