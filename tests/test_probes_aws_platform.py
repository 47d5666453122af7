"""aws_network / aws_identity probes against moto in server mode: each passes on the healthy
account, fails on the degraded one, and fails on the traps account, where a plausible but wrong
probe passes.

Each `test_trap_*` docstring names its trap. The traps account is the healthy estate with
sandbox/aws_platform.TRAPS_PLATFORM; every probe's evidence must name the culprit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.aws_iam import grants_admin
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.sandbox.aws_account import HEALTHY, build_account
from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.aws_platform import DR_REGION, TRAPS_PLATFORM

pytestmark = pytest.mark.slow

KINDS = [
    "aws.nat-gateways",
    "aws.network-segmentation",
    "aws.alb-access-logs",
    "aws.eks-control-plane-logging",
    "aws.iam-admin-policies",
    "aws.cognito-password-policy",
    "aws.cognito-mfa",
    "aws.waf-rate-limit",
    "aws.aurora-dr-copies",
    "aws.log-errors",
]
# What the degraded account's result must name (the culprit).
DEGRADED = {
    "aws.nat-gateways": ["has no default route", "autolytiq-prod-nodes"],
    "aws.network-segmentation": ["autolytiq-prod-reader-1 is publicly accessible"],
    "aws.alb-access-logs": ["autolytiq-prod-alb", "does not write access logs"],
    "aws.eks-control-plane-logging": ["does not log api, audit", "no log type enabled"],
    "aws.iam-admin-policies": [
        "role autolytiq-prod-nodes: inline policy debug-admin allows * on *"
    ],
    "aws.cognito-password-policy": ["minimum length 8 (< 12)", "numbers, symbols"],
    "aws.cognito-mfa": ["autolytiq-prod-users has MFA OFF"],
    "aws.waf-rate-limit": ["no rate-based rule"],
    "aws.aurora-dr-copies": ["no backup of autolytiq-prod in eu-central-1"],
    "aws.log-errors": [
        "25 error lines in the last 60 min (> 10)",
        "ERROR deal-service: database connection reset",
    ],
}


def item(kind: str) -> Item:
    it = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind)])
    object.__setattr__(it, "key", f"t.{it.id}")
    return it


def run(account: SandboxAccount, *kinds: str, clock=None, **aws) -> dict[str, ProbeResult]:
    profile = account.profile(**{"dr_region": DR_REGION, **aws})
    extra = {"clock": clock} if clock else {}
    return {
        r.item.title: r.result
        for r in run_sync(profile, [item(k) for k in kinds or KINDS], timeout=15, **extra)
    }


_cache: dict[str, dict[str, ProbeResult]] = {}
_accounts: dict[str, SandboxAccount] = {}


@pytest.fixture
def traps(aws_sandbox, monkeypatch: pytest.MonkeyPatch) -> SandboxAccount:
    for name, value in aws_sandbox.server.env().items():
        monkeypatch.setenv(name, value)
    if "traps" not in _accounts:
        account = aws_sandbox.server.account("222233334444", "golive-traps")
        account.ids.update(
            build_account(account, dataclasses.replace(HEALTHY, platform=TRAPS_PLATFORM))
        )
        _accounts["traps"] = account
    return _accounts["traps"]


def results(name: str, account: SandboxAccount) -> dict[str, ProbeResult]:
    if name not in _cache:
        _cache[name] = run(account)
    return _cache[name]


def text(result: ProbeResult) -> str:
    return f"{result.summary}\n{result.evidence}"


@pytest.mark.parametrize("kind", KINDS)
def test_healthy_platform_passes(kind: str, aws_healthy: SandboxAccount) -> None:
    result = results("healthy", aws_healthy)[kind]
    assert result.verdict is Verdict.PASS, text(result)
    assert result.evidence and "\n" not in result.summary


@pytest.mark.parametrize("kind", KINDS)
def test_degraded_platform_fails_naming_the_culprit(
    kind: str, aws_degraded: SandboxAccount
) -> None:
    result = results("degraded", aws_degraded)[kind]
    assert result.verdict is Verdict.FAIL, text(result)
    for needle in DEGRADED[kind]:
        assert needle in text(result), (needle, text(result))


def trap(traps: SandboxAccount, kind: str) -> str:
    result = results("traps", traps)[kind]
    assert result.verdict is Verdict.FAIL, text(result)
    return text(result)


def test_trap_one_nat_gateway_for_every_az(traps: SandboxAccount) -> None:
    """Trap: one NAT gateway, available, serving all three AZs: "a NAT gateway is available" passes;
    the AZ-b subnet depends on AZ a."""
    evidence = trap(traps, "aws.nat-gateways")
    assert "(eu-west-1b) depends on NAT" in evidence and "in eu-west-1a" in evidence


def test_trap_node_subnet_routed_to_the_internet_by_its_own_association(
    traps: SandboxAccount,
) -> None:
    """Trap: the VPC's main route table is private, but node subnet c is explicitly associated with
    the public one: a probe reading the main table (or MapPublicIpOnLaunch) passes."""
    evidence = trap(traps, "aws.network-segmentation")
    assert "node subnet" in evidence and "routes to the internet (0.0.0.0/0 -> igw-" in evidence
    assert (
        "(eu-west-1c) via rtb-" in evidence
        and "(autolytiq-prod-public), explicitly associated: 0.0.0.0/0 -> igw-" in evidence
    )


def test_trap_connection_logs_are_not_access_logs(traps: SandboxAccount) -> None:
    """Trap: connection_logs.s3.enabled is true: a probe matching `logs.s3.enabled` passes; no
    request is logged."""
    assert "only connection_logs are on" in trap(traps, "aws.alb-access-logs")


def test_trap_control_plane_logs_everything_but_api_and_audit(traps: SandboxAccount) -> None:
    """Trap: three log types are enabled: "control-plane logging is on" passes; api and audit are
    the ones disabled."""
    evidence = trap(traps, "aws.eks-control-plane-logging")
    assert (
        "does not log api, audit (enabled: authenticator, controllerManager, scheduler)" in evidence
    )


def test_trap_administrator_in_a_managed_policy_with_one_statement_object(
    traps: SandboxAccount,
) -> None:
    """Trap: the inline policies are scoped (one even has s3:* on a bucket); the admin grant is a
    customer-managed policy whose Statement is a single object, not a list: a probe reading inline
    policies, or iterating Statement as a list, passes."""
    evidence = trap(traps, "aws.iam-admin-policies")
    assert "role autolytiq-prod-nodes: policy autolytiq-prod-node-debug allows * on *" in evidence
    assert "inline logs-bucket: scoped" in evidence


def test_trap_long_password_without_digits_or_symbols(traps: SandboxAccount) -> None:
    """Trap: MinimumLength 16 (>= 12): a length-only probe passes; numbers and symbols are not
    required."""
    evidence = trap(traps, "aws.cognito-password-policy")
    assert (
        "does not require numbers, symbols" in evidence
        and "minimum length" not in evidence.split("\n")[0]
    )


def test_trap_mfa_on_an_older_pool_named_like_the_production(traps: SandboxAccount) -> None:
    """Trap: `autolytiq-prod-users-v1` (listed first) requires MFA: a probe matching pools by prefix
    passes; the production pool `autolytiq-prod-users` has MFA OFF."""
    assert "user pool autolytiq-prod-users has MFA OFF" in trap(traps, "aws.cognito-mfa")


def test_trap_rate_rule_that_only_counts(traps: SandboxAccount) -> None:
    """Trap: a RateBasedStatement rule exists (Count, how it was trialled): a probe finding the
    statement passes."""
    assert "its rate rule rate-per-ip only counts" in trap(traps, "aws.waf-rate-limit")


def test_trap_backups_only_in_the_primary_region(traps: SandboxAccount) -> None:
    """Trap: a fresh snapshot of the cluster exists, in the primary region: "recent backup exists"
    passes; none is in the DR region."""
    assert "no backup of autolytiq-prod in eu-central-1 (only 2 in eu-west-1)" in trap(
        traps, "aws.aurora-dr-copies"
    )


def test_stale_dr_copy_fails_by_the_run_clock(aws_healthy: SandboxAccount) -> None:
    """A copy made once and never again: three days on (the run's clock), the newest copy is too
    old."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    result = run(aws_healthy, "aws.aurora-dr-copies", clock=lambda: later)["aws.aurora-dr-copies"]
    assert result.verdict is Verdict.FAIL and "h old (> 26 h)" in result.summary, text(result)


def test_unset_profile_keys_skip_with_the_key_to_set(aws_healthy: SandboxAccount) -> None:
    out = run(
        aws_healthy,
        "aws.aurora-dr-copies",
        "aws.cognito-mfa",
        "aws.cognito-password-policy",
        dr_region="",
        user_pool_name="",
    )
    assert (
        out["aws.aurora-dr-copies"].verdict is Verdict.SKIPPED
        and "aws.dr_region" in out["aws.aurora-dr-copies"].summary
    )
    for kind in ("aws.cognito-mfa", "aws.cognito-password-policy"):
        assert out[kind].verdict is Verdict.SKIPPED and "aws.user_pool_name" in out[kind].summary


def test_admin_grant_shapes() -> None:
    def doc(statement) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": statement})

    assert grants_admin(doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    assert grants_admin(doc([{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]))
    assert not grants_admin(doc([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))
    assert not grants_admin(
        doc([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}])
    )
    assert not grants_admin(doc([{"Effect": "Deny", "Action": "*", "Resource": "*"}]))


def test_trap_errors_logged_as_json_levels(traps: SandboxAccount) -> None:
    """Trap: the errors are JSON lines with `"level":"error"`: a `grep ERROR` (the seed's habit)
    finds none and passes."""
    evidence = trap(traps, "aws.log-errors")
    assert "25 error lines" in evidence and '"level":"error","service":"deal-service"' in evidence


def test_healthy_lines_that_mention_errors_are_not_errors(aws_healthy: SandboxAccount) -> None:
    """The other way round: every healthy line says `errors=0`; a substring count of "error" would
    fail the healthy API."""
    result = results("healthy", aws_healthy)["aws.log-errors"]
    assert (
        result.verdict is Verdict.PASS
        and "40 lines in the last 60 min, 0 at error level" in result.evidence
    ), text(result)
