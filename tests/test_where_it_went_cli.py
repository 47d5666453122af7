"""The CLI says where things went and fills runbooks as the cockpit does: `golive report -o` prints
the full path it wrote; `golive show` gives the runbook with the profile's kubeconfig and
context."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import tomli_w


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=dict(os.environ),
    )


def test_report_output_names_the_full_path(tmp_path: Path) -> None:
    done = golive(
        "--state",
        "s.toml",
        "report",
        "--format",
        "markdown",
        "-o",
        "out/../report.md",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path / 'report.md'} (" in done.stderr


def test_show_fills_the_runbook_like_the_item_screen(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    profile = tmp_path / "profile.toml"
    profile.write_text(
        tomli_w.dumps(
            {
                "target": {"name": "shop", "namespace": "shop-prod"},
                "kubernetes": {"kubeconfig": str(kubeconfig), "context": "prod-eu"},
            }
        )
    )
    shown = golive(
        "--profile",
        str(profile),
        "--state",
        "s.toml",
        "show",
        "go-live.infrastructure.node-groups",
        cwd=tmp_path,
    )
    assert shown.returncode == 0, shown.stderr
    assert "runbook (filled in for shop):" in shown.stdout
    assert f"kubectl --kubeconfig {kubeconfig} --context prod-eu get nodes" in shown.stdout, (
        shown.stdout
    )
    assert "autolytiq-prod" not in shown.stdout
    record = json.loads(
        golive(
            "--profile",
            str(profile),
            "--state",
            "s.toml",
            "show",
            "go-live.infrastructure.node-groups",
            "--format",
            "json",
            cwd=tmp_path,
        ).stdout
    )
    assert (
        f"kubectl --kubeconfig {kubeconfig} --context prod-eu get nodes" in record["runbook_filled"]
    )
