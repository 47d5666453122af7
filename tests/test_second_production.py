"""The second staged production (k8s_second, aws_account.second_production_account): every k8s/AWS
probe, row by row.

Other names, namespace, region, Kubernetes version and read-only user than the first
sandbox, and traps a plausible-but-wrong probe passes (named in each test's docstring).
"""

from __future__ import annotations

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox import k8s_second as second
from golive_tui.sandbox.aws_account import second_production_aws_profile
from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.k8s_objects import MIGRATE_STATUS
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


def run(profile: Profile, *items: Item) -> dict[str, ProbeResult]:
    return {r.item.title: r.result for r in run_sync(profile, items)}


def k8s_profile(sandbox: K8sSandbox) -> Profile:
    return Profile.model_validate(
        {**second.second_production_k8s_profile(sandbox), "run": {"timeout": 5}}
    )


@pytest.fixture(scope="module")
def k8s_results(k8s_second: K8sSandbox) -> dict[str, ProbeResult]:
    kinds = [
        "k8s.cluster",
        "k8s.nodes",
        "k8s.load-balancer",
        "k8s.hpa",
        "k8s.pdb",
        "k8s.deployments",
        "k8s.env-vars",
        "k8s.secret-refs",
        "k8s.container-security",
        "k8s.alert-rules",
        "http.health",
    ]
    return run(k8s_profile(k8s_second), *(item(k) for k in kinds), item("k8s.exec", **MIGRATIONS))


@pytest.mark.parametrize(
    ("kind", "summary"),
    [
        ("k8s.cluster", "Kubernetes v1.31.7-eks-1d3c5f1 answers; 3/3 nodes Ready"),
        ("k8s.nodes", "3 Ready nodes in 3 zones"),
        (
            "k8s.load-balancer",
            f"service/api-gateway exposed at {second.LB_HOSTNAME} (3 Ready pods)",
        ),
        ("k8s.pdb", "all 6 deployments covered by PDBs that allow disruption"),
        ("k8s.deployments", "all 6 deployments fully available, pods Ready"),
        ("k8s.container-security", "all 7 containers in 6 deployments of dealdesk-live hardened"),
        ("k8s.alert-rules", "6 alert rules in configmap observability/dealdesk-alerts"),
        ("http.health", "all 6 services healthy (200)"),
    ],
)
def test_what_is_healthy_passes(
    k8s_results: dict[str, ProbeResult], kind: str, summary: str
) -> None:
    assert (k8s_results[kind].verdict, k8s_results[kind].summary) == (Verdict.PASS, summary)


def test_secret_key_ref_to_a_missing_key(k8s_results: dict[str, ProbeResult]) -> None:
    """Plausible but wrong: counting env entries per container (the seed's jq) gives 3-4 for every
    container and passes."""
    result = k8s_results["k8s.env-vars"]
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "deployment/deal-service/deal-service: DATABASE_URL "
        "-> secret deal-service-db has no key url",
    )
    assert "deployment/deal-service/deal-service: 3 env entries" in result.evidence


def test_exec_forbidden_for_the_read_only_user(k8s_results: dict[str, ProbeResult]) -> None:
    """Plausible but wrong: a local `npx prisma migrate status` on the bastion would pass (its own
    database is up to date)."""
    result = k8s_results["k8s.exec"]
    assert result.verdict is Verdict.ERROR
    assert (
        result.summary
        == f"exec forbidden for {second.USER} (cannot create pods/exec in namespace dealdesk-live)"
    )


def test_hpa_aimed_at_the_old_deployment(k8s_results: dict[str, ProbeResult]) -> None:
    """Plausible but wrong: matching HPAs to deployments by name (hpa/inventory-service exists)
    passes."""
    result = k8s_results["k8s.hpa"]
    assert (result.verdict, result.summary) == (Verdict.FAIL, "no HPA for: inventory-service")
    assert (
        f"hpa/inventory-service -> Deployment/{second.OLD_DEPLOYMENT} (min 3, max 9)"
        in result.evidence
    )


def test_secret_from_a_configmap(k8s_results: dict[str, ProbeResult]) -> None:
    """Plausible but wrong: "every secret-like var uses valueFrom, none is a literal" passes."""
    result = k8s_results["k8s.secret-refs"]
    assert result.verdict is Verdict.FAIL
    assert (
        "customer-service/customer-service: SEARCH_API_KEY "
        "comes from configmap customer-search, not a Secret" in result.summary
    )
    assert "JWT_SIGNING_KEY from secret auth-signing" in result.evidence


def test_shipped_checklist_rows_on_the_second_cluster(k8s_second: K8sSandbox) -> None:
    from golive_tui.checklists import load_checklist

    wanted = {
        "go-live.database.migrations",
        "go-live.application.environment-variables",
        "go-live.infrastructure.auto-scaling",
        "go-live.application.secrets",
        "security.data.secrets-management",
        "go-live.application.health-checks",
    }
    items = [i for i in load_checklist().items() if i.key in wanted]
    results = {r.item.key: r.result for r in run_sync(k8s_profile(k8s_second), items)}
    assert {k: r.verdict.value for k, r in results.items()} == {
        "go-live.database.migrations": "error",
        "go-live.application.environment-variables": "fail",
        "go-live.infrastructure.auto-scaling": "fail",
        "go-live.application.secrets": "fail",
        "security.data.secrets-management": "fail",
        "go-live.application.health-checks": "pass",
    }
    assert results["go-live.database.migrations"].summary.startswith(
        f"exec forbidden for {second.USER}"
    )


# --- the AWS account ------------------------------------------------------------------------------


@pytest.mark.slow
def test_aws_account_row_by_row(aws_second: SandboxAccount) -> None:
    data = second_production_aws_profile(aws_second)
    data["target"].update(name=second.TARGET_NAME)
    profile = Profile.model_validate({**data, "run": {"timeout": 8}})
    results = run(
        profile,
        *(
            item(k)
            for k in [
                "aws.eks-cluster",
                "aws.rds-cluster",
                "aws.rds-multi-az",
                "aws.rds-backups",
                "aws.rds-performance-insights",
                "aws.shield",
                "aws.cloudtrail",
                "aws.log-groups",
                "aws.security-groups",
                "aws.rds-tls",
                "aws.eks-secrets-encryption",
            ]
        ),
        item("aws.rds-encryption", "Encryption"),
        item("aws.rds-encryption", "Encryption at Rest", include_ebs=True),
        item("aws.rds-encryption", "Backup Encryption", scope="backups"),
        item("aws.acm-certificates", min_days=30),
        item("aws.wafv2"),
    )
    passing = [
        "aws.eks-cluster",
        "aws.rds-cluster",
        "aws.rds-multi-az",
        "aws.rds-backups",
        "aws.rds-performance-insights",
        "aws.shield",
        "aws.cloudtrail",
        "aws.log-groups",
        "aws.security-groups",
        "aws.rds-tls",
        "aws.eks-secrets-encryption",
    ]
    for kind in passing:
        assert results[kind].verdict is Verdict.PASS, (kind, results[kind].summary)
    assert (
        results["aws.eks-cluster"].summary
        == "EKS cluster northwind-dealdesk ACTIVE (Kubernetes 1.31)"
    )
    assert "region us-west-2" in results["aws.rds-cluster"].evidence
    # The Database row's claim (the cluster) passes; the Security row's ("Database, storage") needs
    # the node volumes, found through the cluster's Nodes: with no cluster to ask, nothing decides
    # it (the EBS default is no verdict).
    assert (
        results["Encryption"].verdict is Verdict.PASS
        and results["Backup Encryption"].verdict is Verdict.PASS
    )
    assert results["Encryption at Rest"].verdict is Verdict.ERROR, results[
        "Encryption at Rest"
    ].summary
    acm = results["aws.acm-certificates"]
    assert (acm.verdict, acm.summary) == (
        Verdict.FAIL,
        f"{second.DOMAIN} expires in 20 days (< 30)",
    )
    waf = results["aws.wafv2"]
    assert waf.verdict is Verdict.FAIL and waf.summary.startswith(
        "no WAF web ACL associated with app/northwind-dealdesk-alb/"
    )


@pytest.mark.slow
def test_eks_version_matches_the_kubernetes_api(
    aws_second: SandboxAccount,
    k8s_second: K8sSandbox,
    aws_healthy: SandboxAccount,
    k8s_healthy: K8sSandbox,
) -> None:
    """The staged data agree: what DescribeCluster reports is what the cluster's /version says (both
    productions)."""
    for account, sandbox, cluster_name in (
        (aws_second, k8s_second, second.TARGET_NAME),
        (aws_healthy, k8s_healthy, "autolytiq-prod"),
    ):
        eks = account.client("eks").describe_cluster(name=cluster_name)["cluster"]["version"]
        api = sandbox.server.cluster.git_version
        assert api.lstrip("v").startswith(f"{eks}."), (cluster_name, eks, api)


def test_api_endpoint_tls_floor_is_a_knob(sandbox_ca) -> None:
    """The assembly may stage "the Kubernetes API still accepts TLS 1.0": min_tls sets the
    endpoint's floor."""
    import socket
    import ssl

    def handshake(sandbox: K8sSandbox) -> str:
        client = ssl.create_default_context(cafile=str(sandbox.ca_bundle))
        client.minimum_version = client.maximum_version = ssl.TLSVersion.TLSv1
        client.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0 above level 0
        with socket.create_connection(("127.0.0.1", sandbox.server.port), timeout=5) as raw:
            try:
                with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    return tls.version() or "?"
            except ssl.SSLError as exc:
                return f"refused ({exc.reason})"

    legacy = second.second_production_sandbox(sandbox_ca, min_tls=ssl.TLSVersion.TLSv1)
    modern = second.second_production_sandbox(sandbox_ca)
    try:
        assert handshake(legacy) == "TLSv1"
        assert handshake(modern).startswith("refused")
    finally:
        legacy.stop()
        modern.stop()
