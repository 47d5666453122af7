"""`golive demo --headless -- run --format json`: the staged production, its verdicts, and no stray process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def prometheus_pids(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "prometheus" in cmdline and marker in cmdline:
                pids.append(int(proc.name))
    return pids


def test_headless_demo_run_json_and_clean_exit(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "golive_tui", "demo", "--headless", "--", "run", "--format", "json"],
                            capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]  # the mixed production has failures
    assert "every server stopped" in result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    verdict = {key: item["verdict"] for key, item in items.items()}
    # The realistic failures the demo is built to show:
    assert "2 zones" in items["go-live.infrastructure.node-groups"]["summary"] and verdict["go-live.infrastructure.node-groups"] == "fail"
    assert "deal-service: 2/3 available" in items["go-live.application.all-services-deployed"]["summary"]
    assert items["go-live.infrastructure.auto-scaling"]["summary"] == "no HPA for: inventory-service"
    assert "customer-service/customer-service: runAsUser 0" in items["security.infrastructure.container-security"]["evidence"]
    assert "7 days" in items["go-live.database.backups"]["summary"] and verdict["go-live.database.backups"] == "fail"
    assert verdict["go-live.infrastructure.ssl-certificates"] == "fail" and "days" in items["go-live.infrastructure.ssl-certificates"]["summary"]
    assert items["security.application.security-headers"]["summary"] == "missing: Content-Security-Policy"
    assert "Python traceback" in items["go-live.application.error-handling"]["summary"]
    assert verdict["performance.baseline.api-response-time-p95"] == "acceptable"
    # … and most of the estate passes.
    for key in ("go-live.infrastructure.eks-cluster", "go-live.database.encryption", "go-live.application.health-checks",
                "security.infrastructure.waf", "security.infrastructure.ddos-protection", "go-live.monitoring.prometheus",
                "performance.baseline.error-rate", "performance.service.tax-engine"):
        assert verdict[key] == "pass", (key, items[key]["summary"])
    counts = json.loads(result.stdout)["counts"]
    assert counts["pass"] > counts["fail"] + counts.get("error", 0)
    assert prometheus_pids(str(tmp_path)) == []


def test_demo_stops_every_server_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "golive_tui", "demo", "--headless", "--", "status"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not prometheus_pids(str(tmp_path)):
        time.sleep(0.2)
    assert prometheus_pids(str(tmp_path)), "prometheus never started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert "every server stopped" in stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and prometheus_pids(str(tmp_path)):
        time.sleep(0.2)
    assert prometheus_pids(str(tmp_path)) == []


def test_prometheus_dies_with_golive_even_on_sigkill(tmp_path: Path) -> None:
    """A dropped SSH session or a kill -9 must not leave the demo's Prometheus running."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "golive_tui", "demo", "--headless", "--", "run", "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not prometheus_pids(str(tmp_path)):
        time.sleep(0.2)
    assert prometheus_pids(str(tmp_path)), "prometheus never started"
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and prometheus_pids(str(tmp_path)):
        time.sleep(0.2)
    assert prometheus_pids(str(tmp_path)) == []
