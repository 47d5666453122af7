"""An item-blind probe named by two rows runs once per sweep (probes/once.py): both rows get its
verdict, the backend sees its requests once. A kind that reads the item may not be listed.
"""

from __future__ import annotations

import inspect
from collections import Counter
from pathlib import Path

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes import registry
from golive_tui.probes.base import Verdict
from golive_tui.probes.once import ITEM_BLIND, once_key
from golive_tui.profile import Profile
from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.ops_apis import HEALTHY_OPS, OpsApis
from golive_tui.sandbox.tls import SandboxCA


def row(key: str, *specs: ProbeSpec) -> Item:
    it = Item(id=key, title=key, probe=list(specs))
    object.__setattr__(it, "key", f"t.{key}")
    return it


def test_listed_kinds_never_read_the_item() -> None:
    """A listed probe reading the item (its metric through ctx.judge) would give both rows the
    first row's verdict."""
    kinds = registry()
    for kind in ITEM_BLIND:
        source = inspect.getsource(kinds[kind].func)
        assert "ctx.item" not in source and ".judge(" not in source, kind
    assert once_key(ProbeSpec(kind="aws.db-metric", params={"metric": "connections"})) is None


def test_two_rows_share_one_run(sandbox_ca: SandboxCA, tmp_path: Path) -> None:
    """Grafana's dashboards decide two rows: one /api/search per sweep, two PASS results that
    are separate objects (a row's result edited later is not the other's)."""
    ops = OpsApis(sandbox_ca, HEALTHY_OPS)
    try:
        data = ops.profile_overrides(tmp_path)
        data["http"] = {"ca_bundle": str(sandbox_ca.bundle)}
        data["run"] = {"timeout": 5}
        spec = ProbeSpec(kind="grafana.dashboards")
        other = ProbeSpec(kind="grafana.dashboards", timeout=4)
        items = [row("grafana", spec), row("dashboards-ready", spec), row("own-limit", other)]
        results = {r.item.id: r.result for r in run_sync(Profile.model_validate(data), items)}
        searches = Counter(r.split("?")[0] for r in ops.requests)["GET /api/search"]
    finally:
        ops.stop()
    assert {r.verdict for r in results.values()} == {Verdict.PASS}
    assert results["grafana"].summary == results["dashboards-ready"].summary
    assert results["grafana"] is not results["dashboards-ready"]
    assert searches == 2  # one for the two rows sharing a spec, one for the spec with its own limit


def test_openapi_validation_is_kept_per_document_not_per_process() -> None:
    """The validator's answer is reused for the same document only: a document that changed
    between sweeps (a redeploy) is validated again, and YAML's int keys are not JSON's strings."""
    from golive_tui.probes.openapi import _validate_once

    valid = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    assert _validate_once(valid)[0] == []
    broken = {**valid, "paths": {"/a": {"get": {"responses": {200: {"description": "ok"}}}}}}
    assert _validate_once(broken)[0] != []
    assert _validate_once(valid)[0] == []


def test_segmentation_and_cluster_members_share_one_describe_db_instances(
    aws_healthy: SandboxAccount,
) -> None:
    """aws.network-segmentation reads the Aurora members with the very call aws.rds-multi-az
    makes, so one sweep asks DescribeDBInstances once (it was a paginator's second request)."""
    from golive_tui.probes.base import ClientCache

    profile = aws_healthy.profile()
    specs = [ProbeSpec(kind="aws.network-segmentation"), ProbeSpec(kind="aws.rds-multi-az")]
    cache = ClientCache()
    try:
        results = run_sync(
            profile, [row("seg", specs[0]), row("multi-az", specs[1])], clients=cache
        )
        asked = [key for key in cache._shared if "describe_db_instances" in str(key)]
    finally:
        cache.close()
    assert {r.result.verdict for r in results} == {Verdict.PASS}, [r.result for r in results]
    assert len(asked) == 1, asked


def test_a_spec_with_its_defaults_spelled_out_is_the_same_spec() -> None:
    """The API Authentication row names `max_operations = 20`, the first-24h row leaves it out: both
    are one run of the secured GETs; another limit, timeout or retry count is a run of its own."""
    plain = ProbeSpec(kind="http.openapi-auth")
    spelled = ProbeSpec(kind="http.openapi-auth", params={"max_operations": 20})
    assert once_key(plain) == once_key(spelled) is not None
    assert once_key(ProbeSpec(kind="http.openapi-auth", params={"max_operations": 5})) != once_key(
        plain
    )
    assert once_key(ProbeSpec(kind="http.openapi-auth", timeout=3)) != once_key(plain)
    assert once_key(ProbeSpec(kind="http.openapi-auth", retries=2)) != once_key(plain)
    assert once_key(ProbeSpec(kind="http.openapi-auth", params={"max_operations": 0})) is None
