"""`golive doctor`: one line per check with a fix, exit 1 when one fails, every check bounded by one
deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive_tui.sandbox.demo import DEMO_ROUTING_KEY
from golive_tui.sandbox.demo_process import DemoProcess

pytestmark = pytest.mark.slow
GENEROUS = "10"
"""A deadline for tests on a loaded 2-core machine (the default, 1.8 s, is for people; speed is
measured in bench/)."""


def doctor(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=cwd,
    )


def bare(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", **extra}


def lines_of(result: subprocess.CompletedProcess) -> dict[str, str]:
    return {line.split()[1]: line for line in result.stdout.splitlines()[1:-1]}


def test_the_demo_profile_passes_and_names_the_keyring_backend(
    staged_demo: DemoProcess, tmp_path: Path
) -> None:
    env = bare(tmp_path / "home", PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    result = doctor(
        "--profile",
        str(staged_demo.profile_path),
        "doctor",
        "--deadline",
        GENEROUS,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines_of(result)
    assert list(checks) == ["kubernetes", "aws", "names", "files", "keyring"]
    assert (
        "may list Deployments in autolytiq-prod (6)" in checks["kubernetes"]
        and "v1.32.3" in checks["kubernetes"]
    )
    assert "arn:aws:iam::123456789012:user/golive (account 123456789012)" in checks["aws"]
    assert checks["names"].startswith("✓") and checks["files"].startswith("✓ files       8 files")
    assert (
        checks["keyring"].startswith("≈ keyring")
        and "keyrings.alt.file.PlaintextKeyring (PLAINTEXT" in checks["keyring"]
    )
    assert (
        "PagerDuty routing key: set (from the file "
        f"{staged_demo.directory / 'pagerduty-routing-key'})" in checks["keyring"]
    )
    assert DEMO_ROUTING_KEY not in result.stdout + result.stderr
    assert "fix: prefer an encrypted backend" in checks["keyring"]
    assert result.stdout.splitlines()[-1].startswith("5/5 checks passed in ")


def test_each_failure_says_what_to_fix(k8s_unreachable, tmp_path: Path) -> None:
    with socket.socket() as sock:  # an AWS endpoint nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    profile = tmp_path / "profile.toml"
    profile.write_text(f"""
[target]
domains = ["does-not-exist.invalid"]
[kubernetes]
kubeconfig = "{k8s_unreachable.kubeconfig}"
[aws]
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:{closed}"
[http]
ca_bundle = "{tmp_path / "missing-ca.pem"}"
api_url = "https://api.does-not-exist.invalid"
""")
    env = bare(
        tmp_path / "home",
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="y",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    result = doctor(
        "--profile", str(profile), "doctor", "--deadline", GENEROUS, env=env, cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout + result.stderr
    checks = lines_of(result)
    assert all(line.startswith("✗") and " — fix: " in line for line in checks.values()), (
        result.stdout
    )
    assert "cannot reach API server at https://127.0.0.1:" in checks["kubernetes"]
    assert "AWS endpoint unreachable" in checks["aws"]
    assert (
        "does-not-exist.invalid (target.domains" in checks["names"]
        and "api.does-not-exist.invalid (http.api_url" in checks["names"]
    )
    assert f"http.ca_bundle = {tmp_path / 'missing-ca.pem'}" in checks["files"]
    assert "backend no keyring backend; pagerduty-routing-key: NOT set" in checks["keyring"]
    assert "GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY" in checks["keyring"]
    assert (
        "failing: kubernetes, aws, names, files, keyring" in result.stdout
        and "Traceback" not in result.stderr
    )


def test_forbidden_and_silent_api_servers(k8s_forbidden, k8s_hanging, tmp_path: Path) -> None:
    env = bare(
        tmp_path / "home",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY="k",
    )
    refused = doctor(
        "--set",
        f"kubernetes.kubeconfig={k8s_forbidden.kubeconfig}",
        "doctor",
        "--deadline",
        GENEROUS,
        env=env,
        cwd=tmp_path,
    )
    line = lines_of(refused)["kubernetes"]
    assert line.startswith("✗") and "not allowed to read Deployments in autolytiq-prod (403" in line
    assert "fix: ask for a read-only role (get/list) in namespace autolytiq-prod" in line
    started = time.monotonic()
    silent = doctor(
        "--set",
        f"kubernetes.kubeconfig={k8s_hanging.kubeconfig}",
        "doctor",
        "--deadline",
        "2",
        env=env,
        cwd=tmp_path,
    )
    took = time.monotonic() - started
    line = lines_of(silent)["kubernetes"]
    assert (
        silent.returncode == 1
        and line.startswith("✗ kubernetes")
        and ("timed out" in line or "no answer within 2 s" in line)
    )
    assert (
        took < 30
    )  # bounded by the deadline (plus interpreter start-up), not by the silent server
