"""The whole shipped production checklist against the second staged production, row by row.

Every probed item has its expected verdict and a text that must appear in its summary or
evidence (the culprit, for a failure): a change in any row's verdict fails this test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.profile import load_profile
from golive_tui.sandbox import second_production as second
from golive_tui.sandbox.k8s_second import PLAINTEXT_VOLUME

pytestmark = pytest.mark.slow

# item -> (verdict, text in summary or evidence).
EXPECTED: dict[str, tuple[str, str]] = {
    "go-live.infrastructure.eks-cluster": ("pass", "3/3 nodes Ready"),
    "go-live.infrastructure.node-groups": ("pass", "3 Ready nodes in 3 zones"),
    "go-live.infrastructure.load-balancer": ("pass", "service/api-gateway exposed at"),
    "go-live.infrastructure.dns": ("pass", "localhost: 127.0.0.1"),
    # 20 days left on the public certificate, served and in ACM; its protocols are fine (see
    # encryption-in-transit).
    "go-live.infrastructure.ssl-certificates": (
        "fail",
        "tls.certificate: localhost expires in 19 days (< 30); "
        "aws.acm-certificates: localhost expires in 20 days (< 30)",
    ),
    "go-live.infrastructure.auto-scaling": (
        "fail",
        "no HPA for: inventory-service",
    ),  # its HPA aims at the old deployment
    "go-live.infrastructure.pdb": ("pass", "all 6 deployments covered"),
    "go-live.database.aurora-cluster": (
        "pass",
        f"DB cluster {second.NAME} available (aurora-postgresql, 2 members)",
    ),
    "go-live.database.multi-az": ("pass", "2 instances across 2 AZs"),
    "go-live.database.backups": ("pass", "keeps backups 35 days"),
    "go-live.database.encryption": ("pass", "encrypted (KMS key"),
    "go-live.database.connection-limits": ("pass", "meets target < 70%"),
    "go-live.database.performance-insights": ("pass", "enabled on all 2 instances"),
    # Run inside the pod through the API; this read-only user may not: never a local run instead.
    "go-live.database.migrations": (
        "error",
        "exec forbidden for system:serviceaccount:golive-audit:viewer",
    ),
    "go-live.application.all-services-deployed": ("pass", "all 6 deployments fully available"),
    "go-live.application.health-checks": ("pass", "all 6 services healthy (200)"),
    "go-live.application.environment-variables": (
        "fail",
        "deployment/deal-service/deal-service: DATABASE_URL -> "
        "secret deal-service-db has no key url",
    ),
    "go-live.application.secrets": (
        "fail",
        "SEARCH_API_KEY comes from configmap customer-search, not a Secret",
    ),
    # Wildcard on the API, and on /v1/ the Origin reflected with credentials: both named with their
    # requests.
    "go-live.application.cors": (
        "fail",
        "Allow-Origin * on an API not declared public (http.public_api = false) "
        "(GET /health, OPTIONS /health, GET /api/, OPTIONS /api/); reflects foreign origin "
        "https://evil.example with Allow-Credentials: true (GET /v1/, OPTIONS /v1/)",
    ),
    # Clean at the root; a Node.js stack trace only under /api/.
    "go-live.application.error-handling": (
        "fail",
        "leaks: Node.js stack trace in GET response to /api/golive-probe-no-such-route",
    ),
    "go-live.monitoring.prometheus": ("pass", "all 1 targets up"),
    "go-live.monitoring.alertmanager": ("pass", "routes to 1 receiver(s): pagerduty-oncall"),
    "go-live.monitoring.pagerduty": ("pass", "test event accepted and resolved"),
    "go-live.monitoring.cloudwatch": ("pass", "with retention set"),
    "go-live.monitoring.status-page": ("pass", "answered 200"),
    # The public endpoint refuses TLS 1.0/1.1; inventory-service's own endpoint does not.
    "security.data.encryption-in-transit": (
        "fail",
        f"(service {second.LEGACY_TLS_SERVICE}) accepts TLSv1, TLSv1.1 (< TLSv1.2)",
    ),
    # The region's EBS default is off, which alone is no defect; one node's data volume was attached
    # unencrypted.
    "security.data.encryption-at-rest": ("fail", f"node {PLAINTEXT_VOLUME[0]} volume vol-"),
    "security.data.secrets-management": (
        "fail",
        "SEARCH_API_KEY comes from configmap customer-search, not a Secret",
    ),
    "security.data.backup-encryption": ("pass", f"backups of {second.NAME} encrypted"),
    "security.application.security-headers": ("pass", "HSTS, frame protection and CSP present"),
    "security.application.dependency-scanning": (
        "fail",
        "critical: minimist <1.2.6 — Prototype Pollution in minimist (GHSA-xvch-5gv4-984h) (",
    ),
    "security.infrastructure.security-groups": ("pass", "only ports [80, 443] open publicly"),
    "security.infrastructure.waf": (
        "fail",
        f"no WAF web ACL associated with app/{second.NAME}-alb/",
    ),  # it protects staging
    "security.infrastructure.ddos-protection": ("pass", "Shield Advanced subscription active"),
    "security.infrastructure.container-security": (
        "pass",
        f"6 deployments of {second.NAMESPACE} hardened",
    ),
    "security.infrastructure.audit-logging": ("pass", "logging (multi-region"),
    "performance.baseline.api-response-time-p50": ("pass", f'namespace="{second.NAMESPACE}"'),
    "performance.baseline.api-response-time-p95": ("pass", "meets target < 200ms"),
    "performance.baseline.api-response-time-p99": ("pass", "meets target < 500ms"),
    "performance.baseline.error-rate": ("pass", "meets target < 0.1%"),
    "performance.baseline.availability": ("pass", "meets target >= 99.9%"),
    "performance.baseline.throughput": ("pass", "meets target >= 1000 rps"),
    "performance.service.api-gateway": ("pass", 'service="edge-gateway"'),
    "performance.service.auth-service": ("pass", 'service="identity",handler="/v2/sessions"'),
    "performance.service.deal-service": (
        "pass",
        'service="deals-api",handler="/v2/deals",method="POST"',
    ),
    # The slow route, named by its own labels.
    "performance.service.customer-service": ("fail", 'handler="/v2/customers/search"'),
    "performance.service.tax-engine": (
        "pass",
        'service="tax-calculator",handler="/v2/tax/calculate"',
    ),
    "performance.database.query-latency-p95": ("pass", f"Read latency of {second.NAME}"),
    "performance.database.connection-pool-utilization": ("pass", "meets target < 70%"),
    "performance.database.read-replica-lag": ("pass", "meets target < 100ms"),
    "performance.database.iops-utilization": ("skipped", "aws.provisioned_iops is 0"),
    "performance.load-test.normal-load-100-users": ("pass", "p95 170ms: meets target < 200ms"),
    "performance.load-test.high-load-500-users": ("pass", "p95 430ms: meets target < 500ms"),
    "performance.load-test.spike-test-1000-users": ("pass", "failed requests 0%"),
    "performance.load-test.soak-test-4-hours": ("pass", "memory growth 4.5%"),
    "compliance.audit-trail.audit-retention": (
        "fail",
        f"/aws/rds/cluster/{second.NAME}/postgresql keeps 30 days (< 365)",
    ),
    "compliance.audit-trail.log-integrity": ("pass", "log file validation"),
}
# Issue 29's rows: its platform, application and operations are healthy; its one WAF protects
# staging's ALB.
EXPECTED.update(
    {
        "go-live.infrastructure.vpc-networking": (
            "pass",
            "a NAT gateway in each node AZ (us-west-2a, us-west-2b, us-west-2c)",
        ),
        "go-live.application.rate-limiting": (
            "fail",
            f"no WAF web ACL in front of app/{second.NAME}-alb/",
        ),
        "go-live.monitoring.grafana": ("pass", "service dashboards, their data sources healthy"),
        "go-live.operational.runbooks": ("pass", "3 runbook page(s) answer without a login"),
        "go-live.operational.on-call-schedule": ("pass", "cover the next 72 h without a gap"),
        "go-live.operational.escalation-paths": ("pass", "2 levels, each with a target"),
        "go-live.operational.dr-plan": ("pass", f"{second.NAME} copied to eu-central-1"),
        "security.authentication.jwt-implementation": (
            "pass",
            "secured GET operations refuse an unsigned (alg: none) token",
        ),
        "security.authentication.password-policies": (
            "pass",
            f"user pool {second.NAME}-users: passwords >= 14 characters",
        ),
        "security.authentication.mfa-support": ("pass", "MFA OPTIONAL (TOTP)"),
        "security.authentication.session-management": ("pass", "Secure, HttpOnly, SameSite"),
        "security.authentication.api-authentication": (
            "pass",
            "secured GET operations refuse no credentials",
        ),
        "security.authentication.oauth-oidc": (
            "pass",
            "discovery valid, JWKS of public asymmetric keys",
        ),
        "security.infrastructure.network-segmentation": (
            "pass",
            "node/database subnets without an internet route",
        ),
        "security.infrastructure.iam-policies": (
            "pass",
            f"no administrator grant on 2 roles ({second.NAME}-eks, {second.NAME}-nodes)",
        ),
        "compliance.audit-trail.access-logging": (
            "pass",
            f"writes access logs to s3://{second.NAME}-alb-logs-",
        ),
        "compliance.audit-trail.change-logging": ("pass", "logs api, audit to CloudWatch"),
        "compliance.documentation.api-documentation": (
            "pass",
            "OpenAPI document valid, version 2.4.1 (the release)",
        ),
        "sign-off.final-checklist.monitoring-dashboards-ready": (
            "pass",
            "service dashboards, their data sources healthy",
        ),
        "sign-off.final-checklist.incident-response-team-on-standby": (
            "pass",
            "cover the next 72 h without a gap",
        ),
        "post-go-live.first-24h.confirm-user-authentication-working": ("pass", "discovery valid"),
        "go-live.operational.rollback-plan": (
            "pass",
            "6 deployments can roll back to their previous revision",
        ),
        "post-go-live.first-24h.check-log-for-errors": (
            "pass",
            "0 error lines in the last 60 min (<= 10)",
        ),
    }
)
# Issue 29, APM/Tracing: customer-service's tracer is silent; its staging twin and
# api-gateway's calls to it are in X-Ray (sandbox/tracing.py TRAPS_TRACES).
EXPECTED["go-live.monitoring.apm-tracing"] = (
    "fail",
    "no trace from customer-service in the last 15 min",
)


@pytest.fixture(scope="module")
def production(aws_sandbox, sandbox_ca, tmp_path_factory) -> Iterator[second.SecondProduction]:
    prod = second.SecondProduction(
        tmp_path_factory.mktemp("second"),
        moto=aws_sandbox.server,
        ca=sandbox_ca,
        account=aws_sandbox.second,
    ).start()
    try:
        yield prod
    finally:
        prod.stop()


@pytest.fixture(scope="module")
def results(production) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in production.env.items():
            patch.setenv(name, value)
        profile = load_profile(production.profile_path)
        items = [i for i in load_checklist().items() if i.probe]
        return {r.item.key: r.result for r in run_sync(profile, items, confirmed=True)}


def test_every_probed_row_has_an_expectation(results) -> None:
    assert sorted(results) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_row(results, key) -> None:
    verdict, text = EXPECTED[key]
    result = results[key]
    assert result.verdict.value == verdict, (key, result.summary)
    assert text in result.summary or text in result.evidence, (key, result.summary, result.evidence)


def test_defects_are_named_in_the_evidence(results) -> None:
    """Beyond the summary: the request, header or file that shows each defect."""
    cors = results["go-live.application.cors"].evidence
    assert "[Origin: https://evil.example] -> 200, Allow-Origin *, Allow-Credentials (none)" in cors
    assert (
        "/v1/ [Origin: https://evil.example] -> 404, Allow-Origin "
        "https://evil.example, Allow-Credentials true" in cors
    )
    errors = results["go-live.application.error-handling"].evidence
    assert "unknown route: GET /golive-probe-no-such-route -> 404 (application/json" in errors
    assert (
        "Node.js stack trace: " in errors and "node_modules/express/lib/router/index.js" in errors
    )
    tls = results["security.data.encryption-in-transit"].evidence
    assert "(public): accepts TLSv1.2, TLSv1.3; refuses TLSv1, TLSv1.1" in tls
    assert "(Kubernetes API): accepts TLSv1.2, TLSv1.3" in tls
    deps = results["security.application.dependency-scanning"].evidence
    assert "deal-service-npm-audit.json: npm audit (v7+), 1 critical, 1 moderate" in deps
    assert (
        "  moderate: semver <7.5.2 — semver vulnerable to Regular Expression Denial of Service"
        in deps
    )
    assert "api-gateway.sarif: SARIF (Trivy), 1 low; 0 days old" in deps
    # One row, one claim: the certificate row does not speak of protocols, nor the protocol row of
    # expiry.
    assert "TLSv1" not in results["go-live.infrastructure.ssl-certificates"].summary
    assert "expires" not in results["security.data.encryption-in-transit"].summary


def test_the_default_profile_cannot_read_this_productions_metrics(production) -> None:
    """Without the profile's [prometheus] series the service benchmarks name what they looked for
    and what exists."""
    profile = load_profile(
        production.profile_path, ["prometheus.series={}"]
    )  # back to the defaults
    item = load_checklist().item("performance.service.auth-service")
    [outcome] = run_sync(profile, [item])
    assert outcome.result.verdict.value == "error"
    assert (
        "looked for "
        'http_request_duration_seconds_bucket{namespace="dealdesk-live",'
        'service="auth-service",route="/login"}' in outcome.result.summary
    )
    assert (
        "service has customers-api, deals-api, edge-gateway, identity, stock-api, tax-calculator"
        in outcome.result.summary
    )


AUDITED = """
import json, sys

STARTS = ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.forkpty", "os.exec", "os.spawn", \
"os.system", "pty.spawn")
events = []
sys.addaudithook(lambda event, args: events.append(f"{event} {args!r:.200}") if event in STARTS \
else None)

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.profile import load_profile

items = [i for i in load_checklist().items() if i.probe]
results = run_sync(load_profile(sys.argv[1]), items, confirmed=True)
print(json.dumps({"events": events, "verdicts": {r.item.key: r.result.verdict.value for r in \
results}}))
"""


def test_no_probe_of_the_shipped_checklist_starts_a_local_process(production, tmp_path) -> None:
    """The whole checklist, every probe confirmed, with process creation audited (sys.addaudithook)
    in a child."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, **production.env}
    child = subprocess.run(
        [sys.executable, "-c", AUDITED, str(production.profile_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout)
    assert report["events"] == []
    assert report["verdicts"] == {
        key: verdict for key, (verdict, _) in EXPECTED.items()
    }  # the run really probed


def test_the_shipped_checklist_names_no_local_program() -> None:
    kinds = {
        item.key: [spec.kind for spec in item.probe]
        for item in load_checklist().items()
        if item.probe
    }
    assert kinds["security.application.dependency-scanning"] == ["deps.report"]
    assert [key for key, names in kinds.items() if "command" in names] == []
    assert kinds["go-live.database.migrations"] == [
        "k8s.exec"
    ]  # inside the pod, through the API server
