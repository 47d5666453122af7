"""A backend that stops answering is one finding, found once, and never waited on item by item.

The staged Kubernetes API (the real `kubernetes` client over HTTPS) stops answering in the
middle of a sweep: the sweep says `Kubernetes API unreachable since …` once, its items are
`not evaluated` instead of each timing out, none of them waits a full deadline once the backend
is known dead, and fail -> error is drawn worse (never ▲) without counting as a regression.
When the API answers again, the next sweep gives the verdicts of before the outage and reports
no regression. Headless, `golive run` against a production where every backend accepts
connections and never answers ends within run.timeout + 3 s and names the silent backends.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import Engine, ItemResult
from golive_tui.reachability import BEFORE, backend_of
from golive_tui.sandbox.faults import Blackhole
from golive_tui.sandbox.k8s_objects import degraded_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox
from golive_tui.session import Session
from golive_tui.state import open_store
from golive_tui.sweep import Sweep, VerdictChange

TIMEOUT = 4.0


def k8s_items() -> list:
    """The shipped checklist's items probed only through the Kubernetes API."""
    return [
        i
        for i in load_checklist().items()
        if i.probe and all(s.kind.startswith("k8s.") for s in i.probe)
    ]


def sweep(
    session: Session, items: list, *, on_result=None
) -> tuple[Sweep, Engine, list[tuple[float, ItemResult]]]:
    """One sweep as the cockpit runs it: results counted as they arrive, then saved."""
    engine = Engine(session.profile, concurrency=2, timeout=TIMEOUT)
    run = Sweep.start(items, session.state)
    arrivals: list[tuple[float, ItemResult]] = []

    def arrived(result: ItemResult) -> None:
        arrivals.append((time.monotonic(), result))
        run.arrived(
            result.item.key,
            result.result.verdict.value,
            result.result.summary,
            result.result.evidence,
        )
        if on_result:
            on_result(len(arrivals))

    results = asyncio.run(engine.run(items, on_result=arrived))
    run.end()
    session.save_results(results)
    return run, engine, arrivals


@pytest.mark.slow
def test_an_api_that_stops_answering_mid_sweep_is_one_finding_and_nobody_waits_on_it(
    tmp_path: Path, sandbox_ca
) -> None:
    sandbox = K8sSandbox.start(degraded_cluster(), sandbox_ca, directory=tmp_path)
    try:
        profile = sandbox.profile(run={"timeout": TIMEOUT})
        store = open_store(tmp_path / "state.toml", checklist="production")
        session = Session(load_checklist(), profile, store, Actor.current("captain"))
        items = k8s_items()
        assert len(items) >= 8

        first, _, _ = sweep(session, items)
        before = dict(first.verdicts)
        assert not first.unreachable() and "fail" in before.values(), before

        # The API stops answering after the third result: requests are accepted and never answered.
        silenced: list[float] = []

        def stop_answering(count: int) -> None:
            if count == 3 and not silenced:
                sandbox.server.hang = True
                silenced.append(time.monotonic())

        second, engine, arrivals = sweep(session, items, on_result=stop_answering)
        assert [o.backend for o in engine.outages] == ["Kubernetes API"]  # found once
        findings = second.unreachable()
        assert len(findings) == 1 and findings[0].backend == "Kubernetes API"
        silent = [(at, r) for at, r in arrivals if backend_of(r.result.summary)]
        assert findings[0].items == len(silent) >= len(items) - 4
        line = second.summary_line()
        assert line.count("unreachable") == 1 and "Kubernetes API unreachable since " in line, line
        assert f"{len(silent)} items not evaluated" in line and "regressed" not in line, line
        assert all(
            r.result.summary == "not evaluated: Kubernetes API unreachable" for _, r in silent
        )
        # Once the first item said so, the others end at once: nobody waits a deadline on a dead
        # backend.
        known_dead = silent[0][0]
        assert arrivals[-1][0] - known_dead < 1.0, [
            (round(at - known_dead, 2), r.item.key) for at, r in arrivals
        ]
        assert (
            sum(1 for at, r in silent if r.result.duration_ms > 500) <= 2
        )  # only those in flight (concurrency 2)
        # Those in flight when it went silent were cut well before their own deadline.
        assert all(r.result.duration_ms < TIMEOUT * 1000 for _, r in silent)
        assert known_dead - silenced[0] < TIMEOUT
        # fail -> error is worse (▼), never an improvement (▲), and no regression of its own.
        changes = second.changes()
        assert changes and all(c.mark == "▼" and not c.regression for c in changes.values()), (
            changes
        )
        assert second.regressions() == []
        # The record keeps what came before the outage.
        record = session.state.item(silent[-1][1].item.key).probe
        assert f"{BEFORE}{before[silent[-1][1].item.key]}" in record.evidence

        # The API answers again: the same verdicts as before the outage, and no regression reported.
        sandbox.server.hang = False
        third, engine, _ = sweep(session, items)
        assert engine.outages == [] and not third.unreachable()
        assert third.verdicts == before
        assert third.changes() == {} and third.regressions() == []
        assert "regressed" not in third.summary_line() and "change" not in third.summary_line()
    finally:
        sandbox.stop()


def test_verdict_changes_are_compared_by_what_they_say() -> None:
    """fail -> error: worse, never ▲; error -> fail: no improvement; an outage is no regression."""
    assert (
        VerdictChange("k", "fail", "error").mark == "▼"
        and VerdictChange("k", "fail", "error").regression
    )
    assert VerdictChange("k", "fail", "error", not_evaluated=True).mark == "▼"
    assert not VerdictChange("k", "fail", "error", not_evaluated=True).regression
    assert (
        VerdictChange("k", "error", "fail").mark == "•"
        and not VerdictChange("k", "error", "fail").regression
    )
    assert (
        VerdictChange("k", "error", "pass").mark == "▲"
        and VerdictChange("k", "pass", "acceptable").regression
    )


def silent_profile(tmp_path: Path, hole: Blackhole, ca) -> Path:
    """Every backend of the shipped checklist behind one blackhole (accepts, never answers)."""
    https, http = f"https://{hole.endpoint}", f"http://{hole.endpoint}"
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "silent",
                "clusters": [
                    {
                        "name": "silent",
                        "cluster": {"server": https, "certificate-authority": str(ca.bundle)},
                    }
                ],
                "contexts": [{"name": "silent", "context": {"cluster": "silent", "user": "u"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
            }
        )
    )
    data = {
        "target": {"services": ["api-gateway"], "domains": ["localhost"], "namespace": "prod"},
        "kubernetes": {"kubeconfig": str(kubeconfig)},
        "aws": {"endpoint_url": http, "region": "eu-west-1"},
        "http": {
            "api_url": https,
            "health_urls": {"api-gateway": f"{https}/health"},
            "status_page_url": f"{https}/s",
            "tls_endpoints": [hole.endpoint],
            "ca_bundle": str(ca.bundle),
        },
        "prometheus": {"url": http, "alertmanager_url": http},
        "pagerduty": {"events_url": f"{https}/v2/enqueue"},
        "k6": {"summary": f"{https}/k6.json"},
        "deps": {"reports": [f"{https}/audit.json"]},
        "run": {"timeout": TIMEOUT},
    }
    path = tmp_path / "profile.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.mark.slow
def test_golive_run_with_every_backend_silent_ends_in_time_and_names_them(
    tmp_path: Path, sandbox_ca
) -> None:
    hole = Blackhole()
    try:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "golive_tui",
                "--profile",
                str(silent_profile(tmp_path, hole, sandbox_ca)),
                "--state",
                str(tmp_path / "state.toml"),
                "run",
                "--format",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        stdout, stderr = proc.communicate(timeout=180)
        ended = time.monotonic()
        assert hole.first_accept is not None and "Traceback" not in stderr, stderr[-2000:]
        took = ended - hole.first_accept
        assert took <= TIMEOUT + 3.0, (
            f"golive run ended {took:.1f}s after its first connection (run.timeout {TIMEOUT:g}s)"
        )
        record = json.loads(stdout)
        silent = {u["backend"]: u["items"] for u in record["unreachable"]}
        for backend in ("Kubernetes API", "AWS endpoint", "Prometheus"):
            assert silent.get(backend, 0) >= 1, silent
            assert f"golive run: {backend} unreachable since " in stderr, stderr
        assert sum(silent.values()) == sum(
            1 for i in record["items"] if i["summary"].startswith("not evaluated: ")
        )
    finally:
        hole.stop()
