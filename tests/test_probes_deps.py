"""`deps.report`: dependency reports CI wrote (npm audit v7+/v6, SARIF, Trivy), from files and over
HTTPS."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox import reports
from golive_tui.sandbox.reports import DEBUG, MINIMIST, SEMVER, Vuln
from golive_tui.sandbox.web import HttpsService

NOW = dt.datetime.now(dt.UTC)
HIGH = Vuln(
    "axios",
    "0.21.1",
    "high",
    "GHSA-wf5p-g6vw-rhxx",
    "Axios Cross-Site Request Forgery Vulnerability",
    "0.28.0",
)


def item(**params) -> Item:
    it = Item(
        id="deps", title="Dependency Scanning", probe=[ProbeSpec(kind="deps.report", params=params)]
    )
    object.__setattr__(it, "key", "security.application.dependency-scanning")
    return it


def judge(sources: list[str], profile: dict | None = None, **params):
    data = {"deps": {"reports": sources}, **(profile or {})}
    return run_sync(Profile.model_validate(data), [item(**params)])[0].result


@pytest.mark.parametrize("shape", ["npm7", "npm6", "sarif", "trivy"])
def test_each_format_names_the_critical_finding(tmp_path: Path, shape: str) -> None:
    vulns = [SEMVER, MINIMIST, DEBUG]
    document = {
        "npm7": lambda: reports.npm_audit_v7(vulns),
        "npm6": lambda: reports.npm_audit_v6(vulns),
        "sarif": lambda: reports.sarif(vulns, NOW),
        "trivy": lambda: reports.trivy(vulns, NOW, "deal-service:1.4.2"),
    }[shape]()
    path = reports.write(tmp_path / f"{shape}.json", document)
    result = judge([path])
    assert result.verdict is Verdict.FAIL, result.summary
    package = {"sarif": "GHSA-xvch-5gv4-984h in package-lock.json"}.get(shape, "minimist")
    assert result.summary.startswith(f"critical: {package}"), result.summary
    assert path in result.summary and "1 critical, 1 moderate, 1 low" in result.evidence
    # The moderate and low findings are below the default threshold: not named as problems.
    assert "semver" not in result.summary and "debug" not in result.summary


def test_threshold_and_a_clean_report(tmp_path: Path) -> None:
    moderate = reports.write(tmp_path / "moderate.json", reports.npm_audit_v7([SEMVER, DEBUG]))
    clean = judge([moderate])
    assert (
        clean.verdict is Verdict.PASS
        and clean.summary == "nothing at high or worse in 1 report(s) (1 moderate, 1 low)"
    )
    strict = judge([moderate], fail_at="moderate")
    assert strict.verdict is Verdict.FAIL and strict.summary.startswith("moderate: semver")
    high = reports.write(tmp_path / "high.json", reports.trivy([HIGH], NOW, "auth-service:2.0.0"))
    both = judge([moderate, high])
    assert both.verdict is Verdict.FAIL and both.summary.startswith(
        "high: axios 0.21.1 — GHSA-wf5p-g6vw-rhxx"
    )
    assert judge([high], fail_at="critical").verdict is Verdict.PASS


def test_a_stale_report_proves_nothing(tmp_path: Path) -> None:
    old = NOW - dt.timedelta(days=40)
    sarif = reports.write(tmp_path / "old.sarif", reports.sarif([DEBUG], old))  # its own timestamp
    result = judge([sarif])
    assert result.verdict is Verdict.FAIL and result.summary == f"{sarif} is 40 days old (> 7)"
    npm = reports.write(
        tmp_path / "old-npm.json", reports.npm_audit_v7([])
    )  # no timestamp: the file's mtime
    stamp = time.time() - 30 * 86400
    os.utime(npm, (stamp, stamp))
    assert judge([npm]).summary == f"{npm} is 30 days old (> 7)"
    assert judge([npm], max_age_days=0).verdict is Verdict.PASS


def test_report_over_https_and_bad_inputs(tmp_path: Path, sandbox_ca) -> None:
    body = json.dumps(reports.npm_audit_v7([MINIMIST]))
    served = HttpsService(sandbox_ca, lambda *a: (200, {"Content-Type": "application/json"}, body))
    try:
        profile = {"http": {"ca_bundle": str(sandbox_ca.bundle)}}
        over_https = judge([f"{served.url}/audit.json"], profile)
        assert over_https.verdict is Verdict.FAIL and over_https.summary.startswith(
            "critical: minimist"
        )
        assert "age unknown" in over_https.evidence  # no Last-Modified: said, not guessed
    finally:
        served.stop()
    clean = HttpsService(
        sandbox_ca,
        lambda *a: (
            200,
            {"Content-Type": "application/json"},
            json.dumps(reports.npm_audit_v7([])),
        ),
    )
    try:
        profile = {"http": {"ca_bundle": str(sandbox_ca.bundle)}}
        ageless = judge(
            [f"{clean.url}/audit.json"], profile
        )  # clean, but from which day? it used to pass
        assert ageless.verdict is Verdict.ERROR and ageless.summary.startswith(
            f"cannot tell how old {clean.url}/audit.json is"
        )
        assert (
            judge([f"{clean.url}/audit.json"], profile, max_age_days=0).verdict is Verdict.PASS
        )  # age not asked for
    finally:
        clean.stop()
    assert run_sync(Profile(), [item()])[0].result.verdict is Verdict.SKIPPED
    missing = judge([str(tmp_path / "nope.json")])
    assert (
        missing.verdict is Verdict.ERROR
        and missing.summary == f"dependency report not found: {tmp_path / 'nope.json'}"
    )
    (tmp_path / "text.json").write_text("found 0 vulnerabilities")
    assert "is not JSON" in judge([str(tmp_path / "text.json")]).summary
    (tmp_path / "other.json").write_text('{"hello": 1}')
    assert judge([str(tmp_path / "other.json")]).summary.endswith(
        "not an npm audit --json, SARIF 2.1 or Trivy JSON report"
    )
    (tmp_path / "npm-error.json").write_text(
        '{"error": {"code": "ENOLOCK", "summary": "This command requires an existing lockfile."}}'
    )
    assert "npm audit failed: ENOLOCK" in judge([str(tmp_path / "npm-error.json")]).summary
    os.mkfifo(tmp_path / "fifo.json")  # a FIFO must not block the probe
    assert judge([str(tmp_path / "fifo.json")]).summary.endswith("is not a regular file")
    # One unreadable report next to a failing one: the finding still fails the item.
    bad = reports.write(tmp_path / "bad.json", reports.npm_audit_v6([MINIMIST]))
    assert judge([bad, str(tmp_path / "nope.json")]).verdict is Verdict.FAIL


def test_suppressed_and_fixed_sarif_results_do_not_count(tmp_path: Path) -> None:
    document = reports.sarif([MINIMIST, HIGH], NOW)
    results = document["runs"][0]["results"]
    results[0]["suppressions"] = [{"kind": "external", "justification": "not reachable"}]
    results[1]["baselineState"] = "absent"
    assert judge([reports.write(tmp_path / "s.sarif", document)]).verdict is Verdict.PASS
