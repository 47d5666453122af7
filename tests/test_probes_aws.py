"""aws.* probes against moto in server mode: a healthy and a degraded account, and the ways AWS
fails."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, Metric, ProbeSpec, Threshold
from golive_tui.probes.aws_edge import covers
from golive_tui.probes.aws_rds_metrics import default_max_connections
from golive_tui.probes.aws_security import _offending_ports
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.aws_moto import SandboxAccount

pytestmark = pytest.mark.slow  # moto in server mode (one session-scoped server, ~5 s to build)

METRICS = {
    "connections": Metric(target=Threshold(op="<", value=70, unit="%")),
    "replica-lag": Metric(target=Threshold(op="<", value=100, unit="ms")),
    "read-latency": Metric(target=Threshold(op="<", value=50, unit="ms")),
    "write-latency": Metric(target=Threshold(op="<", value=50, unit="ms")),
    "iops": Metric(target=Threshold(op="<", value=80, unit="%")),
}

# kind (or kind:metric) -> (params, what the degraded account's result must mention)
CASES: dict[str, tuple[dict, list[str]]] = {
    "aws.eks-cluster": ({}, []),
    "aws.rds-cluster": ({}, []),
    "aws.rds-multi-az": ({}, ["1 AZ", "eu-west-1a"]),
    "aws.rds-backups": ({}, ["7 days"]),
    "aws.rds-encryption": ({}, ["NOT encrypted", "StorageEncrypted: False"]),
    "aws.rds-performance-insights": ({}, ["autolytiq-prod-reader-1", "DISABLED"]),
    "aws.db-metric:connections": ({"metric": "connections"}, ["1500", "1802", "83.2%"]),
    "aws.db-metric:replica-lag": ({"metric": "replica-lag"}, ["150"]),
    "aws.db-metric:read-latency": ({"metric": "read-latency"}, ["4 ms"]),
    "aws.db-metric:write-latency": ({"metric": "write-latency"}, ["9 ms"]),
    "aws.db-metric:iops": ({"metric": "iops"}, ["1500", "50.0%"]),
    "aws.acm-certificates": ({}, ["api.autolytiq.com", "20 days"]),
    "aws.wafv2": ({}, ["autolytiq-prod-waf", "no rules"]),
    "aws.shield": ({}, ["INACTIVE"]),
    "aws.cloudtrail": ({}, ["autolytiq-prod-audit", "logging NO"]),
    "aws.log-groups": ({}, ["/aws/eks/autolytiq-prod/cluster", "no retention"]),
    "aws.security-groups": ({}, ["autolytiq-prod-bastion", "tcp 22", "0.0.0.0/0"]),
}
# What the degraded account still gets right (the shape only degrades the rest).
DEGRADED_PASSES = {
    "aws.eks-cluster",
    "aws.rds-cluster",
    "aws.db-metric:read-latency",
    "aws.db-metric:write-latency",
    "aws.db-metric:iops",
}


def make_item(case: str, params: dict | None = None, **spec: object) -> Item:
    kind, _, metric = case.partition(":")
    probe_params = CASES[case][0] if params is None and case in CASES else (params or {})
    item = Item(
        id=case.replace(".", "-").replace(":", "-"),
        title=case,
        probe=[ProbeSpec(kind=kind, params=probe_params, **spec)],
        metric=METRICS.get(metric),
    )
    object.__setattr__(item, "key", f"t.{item.id}")
    return item


def run(
    profile: Profile, *items: Item, timeout: float = 10, reachability: bool = True
) -> dict[str, ProbeResult]:
    return {
        r.item.title: r.result
        for r in run_sync(profile, items, timeout=timeout, reachability=reachability)
    }


def run_all(account: SandboxAccount) -> dict[str, ProbeResult]:
    return run(account.profile(provisioned_iops=3000), *(make_item(case) for case in CASES))


_cache: dict[str, dict[str, ProbeResult]] = {}


@pytest.fixture
def healthy_results(aws_healthy: SandboxAccount) -> dict[str, ProbeResult]:
    if "healthy" not in _cache:  # one engine run for every kind, shared by the tests below
        _cache["healthy"] = run_all(aws_healthy)
    return _cache["healthy"]


@pytest.fixture
def degraded_results(aws_degraded: SandboxAccount) -> dict[str, ProbeResult]:
    if "degraded" not in _cache:
        _cache["degraded"] = run_all(aws_degraded)
    return _cache["degraded"]


def assert_clean(result: ProbeResult) -> None:
    text = result.summary + result.evidence
    assert "Traceback" not in text and "botocore" not in text
    assert "\n" not in result.summary


@pytest.mark.parametrize("case", list(CASES))
def test_healthy_account_passes(case: str, healthy_results: dict[str, ProbeResult]) -> None:
    result = healthy_results[case]
    assert result.verdict is Verdict.PASS, f"{result.summary}\n{result.evidence}"
    assert result.evidence
    assert_clean(result)


@pytest.mark.parametrize("case", list(CASES))
def test_degraded_account_is_caught(case: str, degraded_results: dict[str, ProbeResult]) -> None:
    result = degraded_results[case]
    expected = Verdict.PASS if case in DEGRADED_PASSES else Verdict.FAIL
    assert result.verdict is expected, f"{result.summary}\n{result.evidence}"
    for needle in CASES[case][1]:
        assert needle in result.summary + "\n" + result.evidence
    assert_clean(result)


def test_evidence_names_resources_and_values(healthy_results: dict[str, ProbeResult]) -> None:
    assert "35 days" in healthy_results["aws.rds-backups"].summary
    assert "eu-west-1a" in healthy_results["aws.rds-multi-az"].evidence
    assert "eu-west-1b" in healthy_results["aws.rds-multi-az"].evidence
    assert "AWSManagedRulesCommonRuleSet" in healthy_results["aws.wafv2"].evidence
    assert "90 days left" in healthy_results["aws.acm-certificates"].evidence
    assert "ACTIVE" in healthy_results["aws.shield"].evidence
    lag = healthy_results["aws.db-metric:replica-lag"]
    assert (lag.value, lag.unit) == (12.0, "ms")
    connections = healthy_results["aws.db-metric:connections"]
    assert connections.unit == "%" and connections.value == pytest.approx(180 / 1802 * 100)
    assert "default for db.r6g.large" in connections.evidence


def test_missing_resources_fail_not_error(aws_degraded: SandboxAccount) -> None:
    profile = aws_degraded.profile(
        db_cluster_id="autolytiq-staging", eks_cluster_name="autolytiq-staging"
    )
    results = run(profile, make_item("aws.rds-backups"), make_item("aws.eks-cluster"))
    for result in results.values():
        assert result.verdict is Verdict.FAIL and "autolytiq-staging not found" in result.summary


def test_max_connections_from_the_profile(aws_degraded: SandboxAccount) -> None:
    result = run(
        aws_degraded.profile(max_db_connections=5000), make_item("aws.db-metric:connections")
    )
    only = result["aws.db-metric:connections"]
    assert only.verdict is Verdict.PASS and only.value == pytest.approx(30.0)
    assert "profile aws.max_db_connections" in only.evidence


def test_iops_without_provisioned_iops_is_skipped(aws_healthy: SandboxAccount) -> None:
    result = run(aws_healthy.profile(), make_item("aws.db-metric:iops"))["aws.db-metric:iops"]
    assert result.verdict is Verdict.SKIPPED and "provisioned_iops" in result.summary


def test_metric_without_item_metric_is_an_error(aws_healthy: SandboxAccount) -> None:
    item = make_item("aws.db-metric:replica-lag")
    object.__setattr__(item, "metric", None)
    result = run(aws_healthy.profile(), item)["aws.db-metric:replica-lag"]
    assert result.verdict is Verdict.ERROR and "no metric" in result.summary


def test_environment_conventions(
    aws_degraded: SandboxAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty [aws] section falls back to AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL."""
    # boto3's order: AWS_ACCESS_KEY_ID in the environment would win over AWS_PROFILE.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_PROFILE", aws_degraded.name)
    monkeypatch.setenv("AWS_REGION", aws_degraded.region)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_degraded.endpoint_url)
    result = run(Profile(), make_item("aws.shield"), make_item("aws.rds-backups"))
    assert result["aws.shield"].verdict is Verdict.FAIL  # the degraded account, not the default one
    assert "7 days" in result["aws.rds-backups"].summary


# --- the ways AWS fails -------------------------------------------------------------------


def test_no_credentials_is_an_error(
    aws_healthy: SandboxAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(
        "AWS_EC2_METADATA_DISABLED", "true"
    )  # no instance-metadata lookup on a dev box
    result = run(aws_healthy.profile(profile=""), make_item("aws.rds-cluster"))["aws.rds-cluster"]
    assert result.verdict is Verdict.ERROR and "no AWS credentials" in result.summary
    assert_clean(result)


def test_unknown_named_profile_is_an_error(aws_healthy: SandboxAccount) -> None:
    result = run(aws_healthy.profile(profile="nope"), make_item("aws.shield"))["aws.shield"]
    assert result.verdict is Verdict.ERROR and "'nope'" in result.summary


def test_wrong_credentials_and_access_denied_are_errors(
    aws_healthy: SandboxAccount, aws_sandbox
) -> None:
    unknown = aws_healthy.profile(profile="")  # the env's AWS_ACCESS_KEY_ID=testing: no such key
    denied = aws_sandbox.denied.profile()
    with aws_sandbox.server.enforce_iam():
        wrong = run(unknown, make_item("aws.rds-cluster"), make_item("aws.eks-cluster"))
        refused = run(denied, make_item("aws.rds-cluster"), make_item("aws.shield"))
    for result in wrong.values():
        assert "InvalidClientTokenId" in result.summary and "security token" in result.summary
    for result in refused.values():
        assert "AccessDenied" in result.summary
    secret = aws_sandbox.denied.credentials.secret_access_key
    for result in [*wrong.values(), *refused.values()]:
        assert result.verdict is Verdict.ERROR and result.summary.startswith("AWS refused")
        assert secret not in result.summary + result.evidence
        assert_clean(result)


def test_closed_port_is_an_error_quickly(aws_healthy: SandboxAccount) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    # The probe's own words (the engine's finding for a silent endpoint:
    # tests/test_reachability.py).
    result = run(
        aws_healthy.profile(endpoint_url=f"http://127.0.0.1:{port}"),
        make_item("aws.cloudtrail"),
        timeout=3,
        reachability=False,
    )
    elapsed = time.perf_counter() - started
    only = result["aws.cloudtrail"]
    assert (
        only.verdict is Verdict.ERROR
        and "unreachable" in only.summary
        and str(port) in only.summary
    )
    assert elapsed < 3
    assert_clean(only)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A port that accepts connections and never answers (a hung load balancer)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_silent_endpoint_is_an_error_within_the_timeout(
    aws_healthy: SandboxAccount, silent_endpoint: str
) -> None:
    started = time.perf_counter()
    result = run(
        aws_healthy.profile(endpoint_url=silent_endpoint),
        make_item("aws.eks-cluster"),
        timeout=2,
        reachability=False,
    )  # the probe's own deadline and words
    elapsed = time.perf_counter() - started
    only = result["aws.eks-cluster"]
    assert only.verdict is Verdict.ERROR and "Read timeout" in only.summary, only.summary
    assert elapsed < 2.5  # our own reason, inside the probe's 2 s (the engine's cut-off is 2.4 s)


def test_sandbox_fills_moto_gaps_from_the_request(aws_sandbox) -> None:
    """PerformanceInsightsEnabled follows Create/ModifyDBInstance; GetSubscriptionState follows
    CreateSubscription."""
    account = aws_sandbox.server.account("333333333333", "golive-gaps")
    rds = account.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="gaps",
        Engine="aurora-postgresql",
        MasterUsername="u",
        MasterUserPassword="sandbox-pw",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="gaps-1",
        DBClusterIdentifier="gaps",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
    )
    assert (
        rds.describe_db_instances(DBInstanceIdentifier="gaps-1")["DBInstances"][0][
            "PerformanceInsightsEnabled"
        ]
        is False
    )
    rds.modify_db_instance(
        DBInstanceIdentifier="gaps-1", EnablePerformanceInsights=True, ApplyImmediately=True
    )
    assert (
        rds.describe_db_instances(DBInstanceIdentifier="gaps-1")["DBInstances"][0][
            "PerformanceInsightsEnabled"
        ]
        is True
    )
    shield = account.client("shield", region="us-east-1")
    assert shield.get_subscription_state()["SubscriptionState"] == "INACTIVE"
    shield.create_subscription()
    assert shield.get_subscription_state()["SubscriptionState"] == "ACTIVE"


# --- pure helpers -------------------------------------------------------------------------


def test_certificate_name_matching() -> None:
    assert covers("api.autolytiq.com", "API.autolytiq.com")
    assert covers("*.autolytiq.com", "api.autolytiq.com")
    assert not covers("*.autolytiq.com", "a.b.autolytiq.com")
    assert not covers("*.autolytiq.com", "autolytiq.com")


def test_default_max_connections_follow_the_aurora_formula() -> None:
    assert default_max_connections("aurora-postgresql", "db.r6g.large") == 1802
    assert default_max_connections("aurora-postgresql", "db.r6g.16xlarge") == 5000
    assert default_max_connections("aurora-mysql", "db.r5.large") == 1365
    assert default_max_connections("aurora-postgresql", "db.serverless") is None


def test_public_port_ranges() -> None:
    allowed = {80, 443}
    assert _offending_ports({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}, allowed) == ""
    assert (
        _offending_ports({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}, allowed) == "tcp 22"
    )
    assert (
        _offending_ports({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535}, allowed)
        == "tcp 0-65535"
    )
    assert _offending_ports({"IpProtocol": "-1"}, allowed) == "all traffic"
    assert _offending_ports({"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1}, allowed) == ""


def test_refused_credentials_are_read_again_on_the_next_sweep(
    aws_healthy: SandboxAccount, aws_sandbox
) -> None:
    """Keys rotated during a cutover: after the refusal, the next sweep on the same clients reads
    the new ones."""
    from dataclasses import replace

    from golive_tui.probes.base import ClientCache

    server, good = aws_sandbox.server, aws_healthy.credentials
    server._save_profile(
        "rotating", replace(good, secret_access_key="not-the-secret"), aws_healthy.region
    )
    profile = aws_healthy.profile(profile="rotating")
    clients = ClientCache()  # one for both sweeps, as a cockpit keeps it
    with server.enforce_iam():
        (first,) = run_sync(profile, [make_item("aws.shield")], clients=clients, timeout=10)
        server._save_profile(
            "rotating", good, aws_healthy.region
        )  # the new keys, written by `aws configure`
        (second,) = run_sync(profile, [make_item("aws.shield")], clients=clients, timeout=10)
    assert (
        first.result.verdict is Verdict.ERROR and "SignatureDoesNotMatch" in first.result.summary
    ), first.result.summary
    assert second.result.verdict is not Verdict.ERROR, second.result.summary
