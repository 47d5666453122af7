"""The demo's verdicts hold on a loaded machine: `golive run` against the demo's staged production
while two CPU hogs spin (this machine has two cores).

`healthy` has no `fail` and no `error`; `degraded` has exactly its designed failures. A
deadline that counted the cold import of an SDK, or a probe starved by the hogs into a
false "timed out", shows up here as an unexpected `error`.

The staged production runs in a process of its own, as a real one runs on other machines:
its servers (moto, the Kubernetes API, the HTTPS services) then do not share golive's
interpreter lock. (`golive demo --headless` still hosts them in-process; measured with two
hogs that way, seven probes starve past their 8 s deadline — issue 15's "demo in its own
process".)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Rows neither scenario can judge, and why (the same in both).
SKIPPED = {
    "go-live.monitoring.pagerduty": "needs confirmation",  # pages a human: never without --yes
    # the demo profile names none
    "security.application.dependency-scanning": "no dependency report in the profile",
    "performance.database.iops-utilization": "aws.provisioned_iops is 0",
}
"""The degraded production's skips (the healthy one has none: see its test)."""
# The degraded (mixed) production's designed failures, each with its culprit.
DESIGNED_FAILURES = {
    "go-live.infrastructure.node-groups": "3 Ready nodes in 2 zones",
    "go-live.infrastructure.ssl-certificates": "localhost expires in 19 days (< 30)",
    "go-live.infrastructure.auto-scaling": "no HPA for: inventory-service",
    "go-live.database.backups": "keeps backups 7 days (< 35)",
    "go-live.application.all-services-deployed": "deployment/deal-service: 2/3 available",
    "go-live.application.error-handling": "Python traceback in POST response to /",
    "security.application.security-headers": "missing: Content-Security-Policy",
    "security.infrastructure.container-security": "customer-service/customer-service",
    "performance.load-test.spike-test-1000-users": "failed requests 2.1%",
    "go-live.database.migrations": "npx prisma migrate status in deployment/deal-service exited 1",
}
DESIGNED_ACCEPTABLE = {
    "performance.baseline.api-response-time-p95": (
        "misses target < 200ms, within acceptable < 500ms"
    ),
    "performance.baseline.api-response-time-p99": (
        "misses target < 500ms, within acceptable < 1000ms"
    ),
}
# Issue 29's probes: the mixed production also misses part of the platform, identity and operations.
DESIGNED_FAILURES.update(
    {
        # one NAT gateway for every AZ
        "go-live.infrastructure.vpc-networking": "(eu-west-1b) depends on NAT",
        "go-live.application.rate-limiting": "its rate rule rate-per-ip only counts",
        "go-live.operational.on-call-schedule": (
            "schedule autolytiq-prod primary (PSCHED1) has nobody on call"
        ),
        "go-live.operational.escalation-paths": "level 2 has no target",
        "security.authentication.jwt-implementation": (
            "GET /v1/inventory (listInventory) answers 200 to an unsigned (alg: none) token"
        ),
        "security.authentication.mfa-support": "user pool autolytiq-prod-users has MFA OFF",
        "security.authentication.session-management": "/login): no Secure",
        "compliance.audit-trail.access-logging": "only connection_logs are on",
        "sign-off.final-checklist.incident-response-team-on-standby": "has nobody on call",
    }
)
# APM/Tracing: tax-engine sends no trace to X-Ray (sandbox/tracing.py MIXED_TRACES).
DESIGNED_FAILURES["go-live.monitoring.apm-tracing"] = "no trace from tax-engine in the last 15 min"


HOST = """
import json, os, sys
from golive_tui.sandbox.demo import DemoEnvironment

demo = DemoEnvironment(sys.argv[1], sys.argv[2]).start()
keys = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY")
print(json.dumps({"profile": str(demo.profile_path), "env": {k: os.environ[k] for k in keys if k \
in os.environ}}), flush=True)
sys.stdin.read()  # until the test closes our stdin
demo.stop()
"""


@pytest.fixture
def staged(tmp_path: Path) -> Iterator[Callable[[str], dict]]:
    """Start the demo's staged production of a scenario in its own process; returns (profile,
    env)."""
    hosts: list[subprocess.Popen] = []

    def start(scenario: str) -> dict:
        host = subprocess.Popen(
            [sys.executable, "-c", HOST, scenario, str(tmp_path / scenario)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hosts.append(host)
        line = host.stdout.readline()
        assert line, "the staged production did not start"
        return json.loads(line)

    try:
        yield start
    finally:
        for host in hosts:
            host.stdin.close()
            host.wait(timeout=60)


def demo_run(staged: dict, tmp_path: Path, *options: str) -> dict[str, dict]:
    import os

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--profile",
            staged["profile"],
            "--state",
            str(tmp_path / "state.toml"),
            "run",
            "--format",
            "json",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, **staged["env"]},
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return {i["id"]: i for i in json.loads(result.stdout)["items"]}


def by_verdict(items: dict[str, dict], *verdicts: str) -> dict[str, str]:
    return {key: item["summary"] for key, item in items.items() if item["verdict"] in verdicts}


def check_named(items: dict[str, dict], expected: dict[str, str]) -> None:
    for key, text in expected.items():
        assert text in items[key]["summary"], (key, items[key]["summary"])


def test_healthy_demo_on_a_loaded_machine(tmp_path: Path, staged, cpu_hogs) -> None:
    """Every probed row passes on its probes: nothing skipped either. The healthy production stages
    what the skipped rows lacked (io1 storage with provisioned IOPS on the Aurora cluster, its CI's
    dependency reports), and the PagerDuty test event is confirmed (`--yes`: the demo's PagerDuty is
    a sandbox, no human is paged)."""
    items = demo_run(staged("healthy"), tmp_path, "--yes")
    assert by_verdict(items, "fail", "acceptable") == {}
    assert by_verdict(items, "error") == {}
    assert by_verdict(items, "skipped") == {}
    iops = items["performance.database.iops-utilization"]
    assert (
        iops["verdict"] == "pass" and "IOPS utilization of autolytiq-prod 50%" in iops["summary"]
    ), iops["summary"]
    at_rest = items["security.data.encryption-at-rest"]["summary"]
    assert "all 8 EBS volumes of 4 nodes encrypted" in at_rest, at_rest


def test_degraded_demo_has_exactly_its_designed_failures(tmp_path: Path, staged, cpu_hogs) -> None:
    items = demo_run(staged("degraded"), tmp_path)
    assert set(by_verdict(items, "fail")) == set(DESIGNED_FAILURES), by_verdict(items, "fail")
    check_named(items, DESIGNED_FAILURES)
    assert set(by_verdict(items, "acceptable")) == set(DESIGNED_ACCEPTABLE)
    check_named(items, DESIGNED_ACCEPTABLE)
    assert by_verdict(items, "error") == {}
    assert set(by_verdict(items, "skipped")) == set(SKIPPED)
