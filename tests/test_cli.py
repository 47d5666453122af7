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

    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_mark_then_status_json_shows_it_and_audit_records_who_and_when(tmp_path: Path) -> None:
    done = golive(
        "--checklist",
        str(MINI),
        "mark",
        "go-live.infra.cluster",
        "done",
        "--note",
        "API healthy, 6 nodes",
    )
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
    assert (
        audit[0]["by"] == "tester@ci" and audit[0]["values"]["status"] == "done" and audit[0]["at"]
    )
    assert (tmp_path / "golive-state.toml").exists()


def test_status_no_gate_and_table(tmp_path: Path) -> None:
    result = golive("--checklist", str(MINI), "status", "--no-gate")
    assert result.returncode == 0
    assert "DECISION: NO-GO" in result.stdout and "Infrastructure" in result.stdout


def test_unknown_item_suggests_closest_ids() -> None:
    result = golive("--checklist", str(MINI), "mark", "go-live.infra.clustr", "done")
    assert result.returncode == 2
    assert (
        "unknown item 'go-live.infra.clustr'" in result.stderr
        and "go-live.infra.cluster" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_suffix_ids_are_accepted_when_unambiguous() -> None:
    assert golive("--checklist", str(MINI), "mark", "waf", "failed", "--by", "sec").returncode == 0
    shown = golive("--checklist", str(MINI), "show", "security.waf")
    assert "status: ✗ failed — by sec" in shown.stdout


def test_evidence_file_records_its_sha256(tmp_path: Path) -> None:
    import hashlib

    proof = tmp_path / "pen-test.pdf"
    proof.write_bytes(b"%PDF-1.7 report")
    assert (
        golive("--checklist", str(MINI), "mark", "waf", "done", "--evidence", str(proof)).returncode
        == 0
    )
    data = json.loads(golive("--checklist", str(MINI), "show", "waf", "--format", "json").stdout)
    assert data["state"]["evidence_sha256"] == hashlib.sha256(b"%PDF-1.7 report").hexdigest()


def test_waive_approve_golive_flow() -> None:
    base = ("--checklist", str(MINI))
    assert golive(*base, "waive", "waf", "--reason", "").returncode == 2
    refused = golive(*base, "waive", "waf", "--reason", "  ", "--until", "2099-01-01")
    assert refused.returncode == 2 and "needs a reason" in refused.stderr
    assert (
        golive(*base, "waive", "waf", "--reason", "next sprint", "--until", "2099-01-01").returncode
        == 0
    )
    proxy = golive(
        *base, "approve", "eng", "--principal", "erin"
    )  # root writing down Erin's yes: a proxy
    assert (
        proxy.returncode == 2 and "proxy approval" in proxy.stderr and "--evidence" in proxy.stderr
    )
    approved = golive(
        *base, "approve", "eng", "--name", "Erin", "--evidence", "Slack #cutover 19:02"
    )
    assert (
        approved.returncode == 0
        and "state digest" in approved.stdout
        and "PROXY" in approved.stdout
    )
    assert golive(*base, "approve", "cto", "--name", "X").returncode == 2
    refused = golive(*base, "golive")
    assert refused.returncode == 2 and "NO-GO" in refused.stderr
    forced = golive(*base, "golive", "--force", "--reason", "rehearsal")
    assert forced.returncode == 0 and "requested" in forced.stdout and "--confirm" in forced.stdout
    alone = golive(
        *base, "golive", "--force", "--confirm"
    )  # the same operator cannot confirm their own request
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


@pytest.mark.parametrize(
    "command",
    [
        "status",
        "mark",
        "show",
        "validate",
        "run",
        "report",
        "import",
        "waive",
        "approve",
        "revoke",
        "golive",
        "audit",
        "note",
        "unwaive",
    ],
)
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


# --- global options anywhere, shipped checklists by name, version ---------------------------------
def _status(*args: str) -> dict:
    result = golive(*args)
    assert result.returncode in (0, 1), result.stderr
    record = json.loads(result.stdout)
    record.pop("generated_at")
    return record


def test_global_options_mean_the_same_before_and_after_the_subcommand(tmp_path: Path) -> None:
    state = tmp_path / "elsewhere" / "record.toml"
    state.parent.mkdir()
    profile = tmp_path / "profile.toml"
    profile.write_text('[target]\nname = "from-the-file"\n')
    assert (
        golive("--checklist", str(MINI), "--state", str(state), "mark", "waf", "done").returncode
        == 0
    )
    options = [
        "--checklist",
        str(MINI),
        "--profile",
        str(profile),
        "--state",
        str(state),
        "--set",
        "target.namespace=ns-x",
    ]
    before = _status(*options, "status", "--format", "json")
    after = _status("status", "--format", "json", *options)
    mixed = _status(
        "--checklist",
        str(MINI),
        "status",
        "--state",
        str(state),
        "--format",
        "json",
        "--profile",
        str(profile),
        "--set",
        "target.namespace=ns-x",
    )
    assert before == after == mixed
    assert before["state_file"] == str(state) and before["checklist"] == "Mini go-live"
    assert before["target"] == "from-the-file" and before["counts"]["complete"] == 1
    assert not (tmp_path / "golive-state.toml").exists()  # nothing went to the default state file
    # --set given on both sides adds up; the later --state wins, as with kubectl's flags.
    both = golive(
        "--set",
        "target.name=first",
        "show",
        "waf",
        "--set",
        "target.namespace=second",
        "--checklist",
        str(MINI),
        "--state",
        str(state),
        "--format",
        "json",
    )
    assert both.returncode == 0, both.stderr
    assert json.loads(both.stdout)["state"]["status"] == "done"
    verify = golive(
        "audit", "verify", "--state", str(state), "--checklist", str(MINI)
    )  # a subgroup's subcommand
    assert verify.returncode == 0 and str(state) in verify.stdout


def test_a_shipped_checklist_by_name_or_a_file_by_path(tmp_path: Path) -> None:
    listed = golive("checklists")
    assert (
        listed.returncode == 0
        and listed.stdout.startswith("production ")
        and "129 items" in listed.stdout
    )
    by_name = golive("validate", "--checklist", "production")
    assert by_name.returncode == 0 and "129 items" in by_name.stdout
    assert golive("--checklist", "production", "validate").stdout == by_name.stdout
    by_path = golive("validate", "--checklist", str(MINI))
    assert by_path.returncode == 0 and "5 items" in by_path.stdout
    unknown = golive("validate", "--checklist", "prodution")
    assert (
        unknown.returncode == 2
        and "unknown checklist 'prodution': shipped checklists are production" in unknown.stderr
    )
    local = tmp_path / "production"  # a file named like a shipped checklist wins: a path is a path
    local.write_text(MINI.read_text())
    shadowed = golive("validate", "--checklist", "production")
    assert (
        shadowed.returncode == 0
        and shadowed.stdout.startswith("production: ok")
        and "5 items" in shadowed.stdout
    )
    missing = golive("status", "--checklist", str(tmp_path / "nope.toml"))
    assert (
        missing.returncode == 2
        and "nope.toml" in missing.stderr
        and "Traceback" not in missing.stderr
    )


def test_version() -> None:
    from importlib.metadata import version

    result = golive("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"golive {version('golive')}"


def _profile_keys() -> set[str]:
    from golive_tui.profile import Profile

    return {
        f"{section}.{key}"
        for section, field in Profile.model_fields.items()
        if section != "source"
        for key in field.annotation.model_fields
    }


def test_the_example_profile_loads_and_shows_every_key() -> None:
    """The README links it: it must load, and name every key (set, or commented out with its
    default)."""
    import re

    from golive_tui.profile import load_profile

    example = Path(__file__).resolve().parent.parent / "golive-profile.example.toml"
    profile = load_profile(example)
    assert (
        profile.target.domains == ["api.autolytiq.com"]
        and profile.pagerduty.routing_key_secret == "pagerduty-routing-key"
    )
    section, shown = "", set()
    for line in example.read_text().splitlines():
        if match := re.match(r"^\[(\w+)\]", line):
            section = match[1]
        elif match := re.match(r"^#? ?([a-z_0-9]+) = ", line):
            shown.add(f"{section}.{match[1]}")
    assert _profile_keys() - shown == set()


def test_init_has_a_hint_for_every_profile_key() -> None:
    from golive_tui.setup.draft import HINTS

    assert _profile_keys() - set(HINTS) == set()
