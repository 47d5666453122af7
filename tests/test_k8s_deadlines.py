"""Kubernetes deadlines: refused stays refused under load, silent peers end by the deadline, set-up
is not probe time.

The refused-as-timed-out bug (issue 18): with concurrency 16 on a loaded machine the first
sweep said "timed out" for a closed port, because every probe's deadline included
importing the client and parsing the kubeconfig (one build, fifteen probes waiting on it).
The client is now built by the probe kind's `prepare` hook, before the deadline starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import tomli_w

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import Verdict
from golive_tui.sandbox.k8s_objects import MIGRATE_STATUS
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

K8S_ITEMS = [
    "go-live.infrastructure.node-groups",
    "go-live.infrastructure.load-balancer",
    "go-live.infrastructure.auto-scaling",
    "go-live.infrastructure.pdb",
    "go-live.application.all-services-deployed",
    "go-live.application.environment-variables",
    "security.infrastructure.container-security",
    "go-live.database.migrations",
    "security.data.secrets-management",
]


def test_refused_is_refused_at_concurrency_16_on_a_loaded_machine(
    k8s_unreachable: K8sSandbox, tmp_path: Path, cpu_hogs: None
) -> None:
    # A fresh process: the kubernetes import (1.4-2.5 s uncompiled) happens inside this run, as on a
    # bastion.
    profile = tmp_path / "profile.toml"
    profile.write_text(
        tomli_w.dumps(k8s_unreachable.profile_data(run={"timeout": 1, "concurrency": 16}))
    )
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
        *(f"--item={key}" for key in K8S_ITEMS),
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert sorted(items) == sorted(K8S_ITEMS), result.stderr
    refused = f"cannot reach API server at {k8s_unreachable.url}: Connection refused"
    for key, item in items.items():
        # Refused, never timed out; said once as the backend's finding, the probe's own words in the
        # evidence.
        assert (item["verdict"], item["summary"]) == (
            "error",
            "not evaluated: Kubernetes API unreachable",
        ), key
        assert "connection refused" in item["evidence"], key
    # Those that ran before the engine knew keep their own words; the others never waited on it.
    assert any(f"the probe said: {refused}" in item["evidence"] for item in items.values())


def _item(kind: str, **params: object) -> Item:
    item = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind, params=params)])
    object.__setattr__(item, "key", f"t.{item.id}")
    return item


def test_blackhole_api_server_ends_within_timeout_plus_one_second(
    k8s_healthy: K8sSandbox, blackhole: int, tmp_path: Path
) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        k8s_healthy.kubeconfig.read_text().replace(
            k8s_healthy.url, f"https://127.0.0.1:{blackhole}"
        )
    )
    profile = k8s_healthy.profile(kubernetes={"kubeconfig": str(config)}, run={"timeout": 1.5})
    items = [
        _item("k8s.nodes"),
        _item("k8s.deployments"),
        _item("k8s.exec", deployment="deal-service", argv=list(MIGRATE_STATUS)),
    ]
    run_sync(
        profile, items
    )  # imports (the exec API too) happen here: set-up is outside every deadline
    started = time.monotonic()
    results = run_sync(profile, items)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.0
    for outcome in results:
        assert outcome.result.verdict is Verdict.ERROR
        # The engine finds the API silent before the probes' own deadline: one finding, each item
        # cut.
        assert outcome.result.summary == "not evaluated: Kubernetes API unreachable", (
            outcome.result.summary
        )
        assert "no answer within" in outcome.result.evidence
    alone = run_sync(
        profile, items, reachability=False
    )  # each probe alone still ends by its own deadline, in its words
    for outcome in alone:
        assert (
            outcome.result.summary
            == f"timed out after 1.5s waiting for the API server at https://127.0.0.1:{blackhole}"
        )


def test_hanging_exec_ends_by_the_deadline(
    k8s_healthy: K8sSandbox, sandbox_ca, healthy_objects
) -> None:
    sandbox = K8sSandbox.start(healthy_objects, sandbox_ca)
    try:
        profile = sandbox.profile(run={"timeout": 1.5})
        exec_item = _item("k8s.exec", deployment="deal-service", argv=list(MIGRATE_STATUS))
        assert run_sync(profile, [exec_item])[0].result.verdict is Verdict.PASS
        sandbox.server.hang_on.add(
            "pods/exec"
        )  # the deployment and pod look-ups answer, the exec upgrade never does
        started = time.monotonic()
        result = run_sync(profile, [exec_item])[0].result
        assert time.monotonic() - started < 1.5 + 1.0
        assert result.verdict is Verdict.ERROR
        assert result.summary.startswith(
            "timed out after 1.5s running npx prisma migrate status in pod deal-service-"
        )
    finally:
        sandbox.stop()
