"""The headless CLI: mark → status → audit, show, validate, exit codes, helpful errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

MINI = Path(__file__).parent / "data" / "mini.toml"


def golive(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "golive_tui", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_mark_then_status_json_shows_it_and_audit_records_who_and_when(tmp_path: Path) -> None:
    done = golive("--checklist", str(MINI), "mark", "go-live.infra.cluster", "done", "--note", "API healthy, 6 nodes")
    assert done.returncode == 0, done.stderr
    assert "go-live.infra.cluster: done (by tester@ci" in done.stdout
    status = golive("--checklist", str(MINI), "status", "--format", "json")
    assert status.returncode == 1  # NO-GO: a pipeline can gate on it
    record = json.loads(status.stdout)
    assert record["items"]["go-live.infra.cluster"]["status"] == "done"
    assert record["items"]["go-live.infra.cluster"]["note"] == "API healthy, 6 nodes"
    assert record["counts"]["complete"] == 1 and record["total"] == 5
    assert record["decision"]["label"] == "NO-GO"
    audit = json.loads(golive("--checklist", str(MINI), "audit", "--format", "json").stdout)
    assert audit[0]["by"] == "tester@ci" and audit[0]["values"]["status"] == "done" and audit[0]["at"]
    assert (tmp_path / "golive-state.toml").exists()


def test_status_no_gate_and_table(tmp_path: Path) -> None:
    result = golive("--checklist", str(MINI), "status", "--no-gate")
    assert result.returncode == 0
    assert "DECISION: NO-GO" in result.stdout and "Infrastructure" in result.stdout


def test_unknown_item_suggests_closest_ids() -> None:
    result = golive("--checklist", str(MINI), "mark", "go-live.infra.clustr", "done")
    assert result.returncode == 2
    assert "unknown item 'go-live.infra.clustr'" in result.stderr and "go-live.infra.cluster" in result.stderr
    assert "Traceback" not in result.stderr


def test_suffix_ids_are_accepted_when_unambiguous() -> None:
    assert golive("--checklist", str(MINI), "mark", "waf", "failed", "--by", "sec").returncode == 0
    shown = golive("--checklist", str(MINI), "show", "security.waf")
    assert "status: ✗ failed — by sec" in shown.stdout


def test_evidence_file_records_its_sha256(tmp_path: Path) -> None:
    import hashlib

    proof = tmp_path / "pen-test.pdf"
    proof.write_bytes(b"%PDF-1.7 report")
    assert golive("--checklist", str(MINI), "mark", "waf", "done", "--evidence", str(proof)).returncode == 0
    data = json.loads(golive("--checklist", str(MINI), "show", "waf", "--format", "json").stdout)
    assert data["state"]["evidence_sha256"] == hashlib.sha256(b"%PDF-1.7 report").hexdigest()


def test_waive_approve_golive_flow() -> None:
    base = ("--checklist", str(MINI))
    assert golive(*base, "waive", "waf", "--reason", "").returncode == 2
    refused = golive(*base, "waive", "waf", "--reason", "  ", "--until", "2099-01-01")
    assert refused.returncode == 2 and "needs a reason" in refused.stderr
    assert golive(*base, "waive", "waf", "--reason", "next sprint", "--until", "2099-01-01").returncode == 0
    proxy = golive(*base, "approve", "eng", "--name", "Erin")  # root writing down Erin's yes: a proxy
    assert proxy.returncode == 2 and "proxy approval" in proxy.stderr and "--evidence" in proxy.stderr
    approved = golive(*base, "approve", "eng", "--name", "Erin", "--evidence", "Slack #cutover 19:02")
    assert approved.returncode == 0 and "state digest" in approved.stdout and "PROXY" in approved.stdout
    assert golive(*base, "approve", "cto", "--name", "X").returncode == 2
    refused = golive(*base, "golive")
    assert refused.returncode == 2 and "NO-GO" in refused.stderr
    forced = golive(*base, "golive", "--force", "--reason", "rehearsal")
    assert forced.returncode == 0 and "requested" in forced.stdout and "--confirm" in forced.stdout
    alone = golive(*base, "golive", "--force", "--confirm")  # the same operator cannot confirm their own request
    assert alone.returncode == 2 and "a second operator must confirm it" in alone.stderr


def test_corrupt_state_exits_2_with_file_and_line_and_is_kept(tmp_path: Path) -> None:
    state = tmp_path / "golive-state.toml"
    state.write_text("schema_version = 1\n[items\n")
    result = golive("--checklist", str(MINI), "mark", "waf", "done")
    assert result.returncode == 2
    assert f"{state}:2" in result.stderr
    assert state.read_text() == "schema_version = 1\n[items\n"


def test_validate_reports_counts_and_errors(tmp_path: Path) -> None:
    ok = golive("validate", str(MINI))
    assert ok.returncode == 0 and "5 items" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(MINI.read_text().replace('owner = "Security"', "owner = 42"))
    result = golive("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:" in result.stderr and "section[security].item[waf].owner" in result.stderr


@pytest.mark.parametrize("command", ["status", "mark", "show", "validate", "run", "report", "import", "waive",
                                     "approve", "revoke", "golive", "audit", "note", "unwaive"])
def test_every_command_has_help(command: str) -> None:
    from click.testing import CliRunner

    from golive_tui.cli import cli

    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_run_with_nothing_to_probe_is_bad_usage() -> None:
    result = golive("--checklist", str(MINI), "run")
    assert result.returncode == 2 and "no item with a probe" in result.stderr


def test_unknown_section_suggests() -> None:
    result = golive("--checklist", str(MINI), "run", "--section", "securty")
    assert result.returncode == 2 and "did you mean security" in result.stderr
