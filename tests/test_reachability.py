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
import tomllib
from pathlib import Path

import pytest
import tomli_w

from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import Engine, ItemResult
from golive_tui.profile import Profile
from golive_tui.reachability import BEFORE, backend_of
from golive_tui.sandbox.faults import Blackhole, Freezable
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
        # Evaluated: the 3 results before the hang and at most the 2 probes then in flight
        # (concurrency 2) whose requests were already answered (the bound was 4: one short).
        assert findings[0].items == len(silent) >= len(items) - 3 - 2
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
            "openapi_url": f"{https}/openapi.json",
            "session_url": f"{https}/login",
            "oidc_issuer": https,
            "runbook_urls": [f"{https}/wiki/runbook"],
        },
        "prometheus": {"url": http, "alertmanager_url": http},
        "pagerduty": {"events_url": f"{https}/v2/enqueue", "api_url": https},
        "grafana": {"url": https},
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
        failed_on = {u["backend"]: u["failed"] for u in record["unreachable"]}
        # The health and TLS checks judge the host themselves: they fail on it, said once.
        assert failed_on.get(f"service host {hole.endpoint}", 0) >= 2, record["unreachable"]
        for backend in ("Kubernetes API", "AWS endpoint", "Prometheus"):
            assert silent.get(backend, 0) >= 1, silent
            assert f"golive run: {backend} unreachable since " in stderr, stderr
        assert sum(silent.values()) == sum(
            1 for i in record["items"] if i["summary"].startswith("not evaluated: ")
        )
    finally:
        hole.stop()


SOFT_CHECKLIST = """
title = "Service hosts"
[[section]]
id = "edge"
title = "Edge"
[[section.item]]
id = "health"
title = "Health Checks"
probe = [{ kind = "http.health" }]
[[section.item]]
id = "certificate"
title = "SSL Certificates"
probe = [{ kind = "tls.certificate" }]
[[section.item]]
id = "protocols"
title = "Encryption in transit"
probe = [{ kind = "tls.protocols" }]
[[section.item]]
id = "edge"
title = "Edge answers and resolves"
probe = [{ kind = "http.health" }, { kind = "dns.resolve" }]
"""


@pytest.mark.slow
def test_a_service_host_that_freezes_is_one_finding_not_a_regression_per_check(
    tmp_path: Path, sandbox_ca
) -> None:
    """Health and TLS checks judge their hosts' reachability themselves: a silent service fails
    its health check (the verdict stays theirs). Seen in tmux with the staged production stopped:
    every such check went pass -> fail as a regression of its own (▼15, one toast each) beside
    the outage. Now the sweep names the host once, `… unreachable since … — 4 items failed on
    it`, counts no regression, and the checks are back at pass when the host answers again,
    which is no change against their verdicts before the outage."""
    host = Freezable(sandbox_ca.server_context())
    checklist_path = tmp_path / "hosts.toml"
    checklist_path.write_text(SOFT_CHECKLIST)
    checklist = load_checklist(str(checklist_path))
    profile = Profile.model_validate(
        {
            "target": {"services": ["api"], "domains": ["localhost"]},
            "http": {
                "health_urls": {"api": f"https://{host.endpoint}/health"},
                "tls_endpoints": [host.endpoint],
                "ca_bundle": str(sandbox_ca.bundle),
            },
            "run": {"timeout": TIMEOUT},
        }
    )
    try:
        store = open_store(tmp_path / "state.toml", checklist="hosts")
        session = Session(checklist, profile, store, Actor.current("captain"))
        items = list(checklist.items())

        first, _, _ = sweep(session, items)
        assert set(first.verdicts.values()) == {"pass"}, session.state.items

        host.frozen.set()
        second, engine, arrivals = sweep(session, items)
        assert [o.backend for o in engine.outages] == [f"service host {host.endpoint}"]
        # In the probes' own words (the health check fails, the TLS handshake errs), none passes.
        assert set(second.verdicts.values()) <= {"fail", "error"}, [r.result for _, r in arrivals]
        assert all(
            f"(service host {host.endpoint} unreachable)" in r.result.summary for _, r in arrivals
        )
        assert second.regressions() == []
        assert all(c.mark == "▼" for c in second.changes().values())
        line = second.summary_line()
        assert line.count("unreachable since") == 1, line
        # The item whose DNS probe still passes is worse only by the outage: counted under it.
        assert "4 items failed on it" in line and "regressed" not in line, line
        # Their verdicts are their own and counted as such (a tally of -2 ⚠ was seen in tmux).
        counts = second.counts()
        assert f"{counts['fail']} ✗ {counts['error']} ⚠" in line, line

        host.frozen.clear()
        third, engine, _ = sweep(session, items)
        assert engine.outages == [] and not third.unreachable()
        assert third.verdicts == first.verdicts and third.regressions() == []
        # Compared with the verdicts before the outage: back where they were is no change at all.
        assert third.changes() == {}, third.changes()
    finally:
        host.stop()


NO_ONE_BACKEND = {
    "command": "runs a local program (never shipped), no network backend",
    "dns.resolve": "asks the system resolver, which answers or says NXDOMAIN itself",
}


def test_every_probe_kind_that_asks_a_backend_names_it(tmp_path: Path, sandbox_ca) -> None:
    """A kind without a reachability target waits out its own deadline in an outage and counts
    as a regression of its own: the probes added for #29 (OpenAPI, OIDC, session cookies,
    Grafana, PagerDuty REST, runbooks) had none, and a frozen production read `▼12` with a toast
    per item (seen in tmux). Every registered kind names its backend, or says here why not."""
    from golive_tui.probes import registry
    from golive_tui.probes.backends import targets
    from golive_tui.probes.base import ClientCache, ProbeContext

    hole = Blackhole()
    try:
        profile_file = silent_profile(tmp_path, hole, sandbox_ca)
        profile = Profile.model_validate(tomllib.loads(profile_file.read_text()))
        item = next(iter(load_checklist().items()))
        ctx = ProbeContext(profile, item, ClientCache(), TIMEOUT)
        unnamed = {
            name for name in registry() if name not in NO_ONE_BACKEND and not targets(ctx, name, {})
        }
        assert unnamed == set(), unnamed
    finally:
        hole.stop()


def test_a_backend_that_answers_a_probe_while_its_check_waits_is_slow_not_dead(
    sandbox_ca,
) -> None:
    """Under load a moto answered the probes but not the reachability check within its limit,
    and a whole sweep of AWS rows read `not evaluated: AWS endpoint unreachable` (test_init, 2 of
    4 runs on a busy machine). A probe answered while the check waited proves the backend talks:
    the check's silence is slowness, not an outage. Without such an answer it is still dead."""
    from golive_tui.probes.backends import Target
    from golive_tui.probes.base import ClientCache, ProbeContext
    from golive_tui.probes.reach import Reachability

    hole = Blackhole()  # the check's request is accepted and never answered
    profile = Profile.model_validate({"http": {"ca_bundle": str(sandbox_ca.bundle)}})
    item = next(iter(load_checklist().items()))

    async def check(answer_meanwhile: bool) -> object:
        reach = Reachability(ProbeContext(profile, item, ClientCache(), 4.0), limit=0.5)
        pairs = reach.register([Target("AWS endpoint", f"http://{hole.endpoint}/")])
        reach.suspect(pairs)
        if answer_meanwhile:
            await asyncio.sleep(0.2)
            reach.answered(pairs)  # as the engine does when a probe of it gets a verdict
        outage = await reach.confirm(pairs)
        await reach.aclose()
        return outage

    try:
        assert asyncio.run(check(answer_meanwhile=True)) is None
        assert asyncio.run(check(answer_meanwhile=False)) is not None
    finally:
        hole.stop()
