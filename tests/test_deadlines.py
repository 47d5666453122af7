"""A probe ends by its deadline, whatever the peer does: a real `golive run` against a blackhole,
a trickle server (headers or body one byte a second) and a closed port, all on 127.0.0.1.

The clock starts when the peer sees the first connection (the probes' deadlines start
there; process start-up is not the claim) and stops when the process has exited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from golive_tui.sandbox.faults import Blackhole, Trickle
from golive_tui.sandbox.tls import free_port

TIMEOUT = 3.0
# Every kind of this slice that talks to a peer, through the shipped checklist's items.
ITEMS = [
    "go-live.application.health-checks",
    "go-live.application.cors",
    "go-live.application.error-handling",
    "go-live.monitoring.status-page",
    "go-live.monitoring.prometheus",
    "security.application.security-headers",
    "security.application.dependency-scanning",
    "security.data.encryption-in-transit",
    "performance.load-test.normal-load-100-users",
    "performance.service.tax-engine",
]


def profile_for(
    tmp_path: Path, scheme: str, endpoint: str, ca_bundle: str = "", timeout: float = TIMEOUT
) -> Path:
    base = f"{scheme}://{endpoint}"
    data = {
        "target": {"services": ["api-gateway"], "domains": ["localhost"]},
        "http": {
            "api_url": base,
            "health_urls": {"api-gateway": f"{base}/health"},
            "status_page_url": f"{base}/status",
            "tls_endpoints": [endpoint],
            "ca_bundle": ca_bundle,
        },
        "prometheus": {"url": base, "alertmanager_url": base},
        "k6": {"summary": f"{base}/k6-normal.json"},
        "deps": {"reports": [f"{base}/npm-audit.json"]},
        "run": {"timeout": timeout},
    }
    path = tmp_path / "profile.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def golive_run(tmp_path: Path, profile: Path) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "golive_tui",
        "--profile",
        str(profile),
        "--state",
        str(tmp_path / "state.toml"),
        "run",
        "--format",
        "json",
        *(a for item in ITEMS for a in ("--item", item)),
    ]
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "KUBECONFIG": str(tmp_path / "no-kubeconfig")},
    )


def finish(proc: subprocess.Popen) -> tuple[dict, float]:
    stdout, stderr = proc.communicate(timeout=120)
    ended = time.monotonic()
    assert proc.returncode in (1, 3) and "Traceback" not in stderr, stderr[-2000:]
    return {i["id"]: i for i in json.loads(stdout)["items"]}, ended


def judged_anyway(scheme: str, key: str, item: dict, reason: str) -> bool:
    """Rows whose verdict is rightly not `error`: checked here, and skipped by the caller.

    Over http://, Encryption in Transit fails on the plain-HTTP health URL instead of waiting;
    Health Checks counts an unreachable service as unhealthy (a fail), the reason in its evidence.
    """
    if scheme == "http" and key == "security.data.encryption-in-transit":
        assert item["verdict"] == "fail" and "is plain HTTP (no TLS)" in item["summary"], item[
            "summary"
        ]
        return True
    if key == "go-live.application.health-checks":
        assert item["verdict"] == "fail" and "api-gateway (unreachable)" in item["summary"], item[
            "summary"
        ]
        assert reason in item["evidence"].lower(), item["evidence"]
        return True
    return False


def assert_within_deadline(peer, proc: subprocess.Popen) -> dict:
    items, ended = finish(proc)
    assert peer.first_accept is not None, "no probe reached the peer"
    took = ended - peer.first_accept
    assert took <= TIMEOUT + 1.0, (
        f"golive run exited {took:.2f}s after its first connection (deadline {TIMEOUT:g}s + 1s)"
    )
    return items


@pytest.mark.slow
def test_blackhole(tmp_path: Path) -> None:
    """Accepts, never answers: every probe times out at its deadline, TLS handshakes included."""
    hole = Blackhole()
    try:
        for scheme in ("http", "https"):
            items = assert_within_deadline(
                hole, golive_run(tmp_path, profile_for(tmp_path, scheme, hole.endpoint))
            )
            hole.first_accept = None
            assert set(items) == set(ITEMS)
            for key, item in items.items():
                # Its host known silent, a self-judging probe (health, TLS) gets a short second
                # look, not a full deadline.
                if judged_anyway(scheme, key, item, "timed out after "):
                    continue
                assert item["verdict"] == "error", (key, item["summary"])
                if item["summary"].startswith(
                    "not evaluated: "
                ):  # its backend was found silent: said once, not waited on
                    assert (
                        item["summary"].endswith(" unreachable")
                        and "no answer within" in item["evidence"]
                    ), item
                    continue
                assert "timed out after " in item["summary"], (scheme, key, item["summary"])
    finally:
        hole.stop()


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["headers", "body"])
def test_trickle_server(tmp_path: Path, phase: str, sandbox_ca) -> None:
    """One byte a second never trips a per-read timeout; the probe's one deadline still ends it."""
    trickle = Trickle(phase, context=sandbox_ca.server_context("127.0.0.1", "localhost"))
    try:
        profile = profile_for(tmp_path, "https", trickle.endpoint, str(sandbox_ca.bundle))
        items = assert_within_deadline(trickle, golive_run(tmp_path, profile))
        for key, item in items.items():
            if key == "security.data.encryption-in-transit":
                # Handshakes alone, which the trickle server completes (refusing TLS 1.0/1.1): that
                # part passes.
                assert "1 endpoint(s) refuse TLS below TLSv1.2" in item["summary"], item["summary"]
                continue
            if judged_anyway("https", key, item, f"timed out after {TIMEOUT:g}s"):
                continue
            assert (
                item["verdict"] == "error" and f"timed out after {TIMEOUT:g}s" in item["summary"]
            ), (key, item["summary"])
    finally:
        trickle.stop()


@pytest.mark.slow
def test_closed_port_is_refused_not_timed_out(tmp_path: Path) -> None:
    """Refused at once and said so: with a 30 s deadline, the run still ends long before it."""
    endpoint = f"127.0.0.1:{free_port()}"
    for scheme in ("http", "https"):
        started = time.monotonic()
        items, ended = finish(
            golive_run(tmp_path, profile_for(tmp_path, scheme, endpoint, timeout=30))
        )
        assert ended - started < 30
        assert set(items) == set(ITEMS)
        for key, item in items.items():
            if judged_anyway(scheme, key, item, "connection refused"):
                continue
            assert item["verdict"] == "error" and "timed out" not in item["summary"], (
                key,
                item["summary"],
            )
            if item["summary"].startswith(
                "not evaluated: "
            ):  # the backend's finding, with the reason in the evidence
                assert "connection refused" in item["evidence"].lower(), (key, item["evidence"])
                continue
            assert "connection refused" in item["summary"].lower(), (key, item["summary"])
