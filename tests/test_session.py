"""The cockpit's headless core: the session (reload, write, read-only, warm clients), probe results
saved in batches, the sweep's bookkeeping and the runbook filled in from the profile — no
Textual."""

from __future__ import annotations

import asyncio
import gc
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import ItemResult
from golive_tui.errors import GoliveError
from golive_tui.model import ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.runbook import commands, fill
from golive_tui.session import ReadOnlyError, ResultBatch, Session, open_session
from golive_tui.state import open_store, verify
from golive_tui.state.storage import LocalFile
from golive_tui.sweep import Sweep

MINI = Path(__file__).parent / "data" / "mini.toml"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class CountingFile(LocalFile):
    """A real local file that counts its saves (one per transaction)."""

    saves = 0

    def save(self, text, expected, **kwargs):
        self.saves += 1
        return super().save(text, expected, **kwargs)


@pytest.fixture
def checklist():
    return load_checklist(MINI)


@pytest.fixture
def storage(tmp_path) -> CountingFile:
    return CountingFile(tmp_path / "state.toml")


@pytest.fixture
def session(checklist, storage) -> Session:
    store = open_store(storage.path, checklist=checklist.title, storage=storage)
    return Session(checklist, Profile(), store, Actor.current("captain", clock=lambda: NOW))


def result(checklist, key: str, verdict: Verdict = Verdict.PASS) -> ItemResult:
    return ItemResult(checklist.item(key), ProbeResult(verdict, f"said {verdict}", checked_at=NOW))


def test_write_goes_through_actions_and_rereads(session, checklist) -> None:
    item = checklist.item("security.waf")
    session.write(lambda: actions.mark(session.store, item, "done", actor=session.actor))
    assert session.state.item("security.waf").status == "done"
    assert session.fingerprint == session.store.fingerprint()
    assert session.reload() is False  # nothing new since our own write


def test_reload_sees_another_captain_and_tells_a_bad_file_once(session, checklist, storage) -> None:
    other = open_store(storage.path, checklist=checklist.title)
    actions.mark(other, checklist.item("security.waf"), "failed", actor=Actor.current("other"))
    assert session.reload() is True and session.state.item("security.waf").status == "failed"
    storage.path.write_text("this = = is not toml")
    with pytest.raises(GoliveError):
        session.reload()
    assert session.reload() is False  # the same bad version is not reported again
    assert session.state.item("security.waf").status == "failed"  # the last good view stays


def test_read_only_session_refuses_writes(checklist, storage) -> None:
    store = open_store(storage.path, checklist=checklist.title, storage=storage)
    session = Session(checklist, Profile(), store, Actor.current("observer"), read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only"):
        session.write(
            lambda: actions.mark(store, checklist.item("security.waf"), "done", actor=session.actor)
        )
    with pytest.raises(ReadOnlyError):
        session.save_results([result(checklist, "security.waf")])
    assert not storage.path.exists() and storage.saves == 0


def test_results_within_a_window_are_one_transaction(session, checklist, storage) -> None:
    keys = [
        "go-live.infra.cluster",
        "go-live.infra.on-call",
        "go-live.infra.rollback",
        "security.waf",
    ]
    saved: list[list[str]] = []

    async def scenario() -> None:
        batch = ResultBatch(
            session.save_results,
            window=0.1,
            on_saved=lambda done: saved.append([r.item.key for r in done]),
        )
        for key in keys[:3]:
            batch.add(result(checklist, key))
            await asyncio.sleep(0)  # the flusher is waiting out its window: these join the batch
        await batch.drain()
        batch.add(result(checklist, keys[3], Verdict.FAIL))  # after a quiet window: its own save
        await batch.drain()

    asyncio.run(scenario())
    assert saved == [keys[:3], keys[3:]]
    assert storage.saves == 2
    state = session.store.read()
    assert [e.target for e in state.audit] == [f"item:{k}" for k in keys]
    assert verify(state).ok  # the chain holds across batched saves
    assert session.state.item("security.waf").status == "failed"


def test_a_steady_trickle_is_still_saved_every_longest_seconds(session, checklist, storage) -> None:
    """A fake sleep: each window passes at once, and a new result arrives in every one of them."""
    keys = [i.key for i in checklist.items()] * 2
    batch_sizes: list[int] = []

    async def scenario() -> None:
        feed = iter(keys)

        async def sleep(_: float) -> None:
            key = next(feed, None)
            if key is not None:
                batch.add(result(checklist, key))
            await asyncio.sleep(0)

        batch = ResultBatch(
            session.save_results,
            window=0.1,
            longest=0.2,
            sleep=sleep,
            on_saved=lambda done: batch_sizes.append(len(done)),
        )
        while (key := next(feed, None)) is not None:
            batch.add(result(checklist, key))
            await batch.drain()

    asyncio.run(scenario())
    assert sum(batch_sizes) == len(keys)
    assert (
        max(batch_sizes) == 3 and len(batch_sizes) >= 4
    )  # never more than `longest` worth of windows
    assert storage.saves == len(batch_sizes)


def test_a_failed_save_is_reported_and_the_next_batch_still_saves(
    session, checklist, storage
) -> None:
    errors: list[str] = []

    async def scenario() -> None:
        batch = ResultBatch(
            session.save_results, window=0.01, on_error=lambda done, exc: errors.append(str(exc))
        )
        storage.path.write_text("not = = toml")
        batch.add(result(checklist, "security.waf"))
        await batch.drain()
        storage.path.unlink()
        batch.add(result(checklist, "security.waf"))
        await batch.drain()

    asyncio.run(scenario())
    assert len(errors) == 1 and "state.toml" in errors[0]
    assert session.store.read().item("security.waf").probe.verdict == "pass"


def test_clients_stay_warm_until_the_profile_changes(session, tmp_path) -> None:
    first = session.clients
    assert session.clients is first and session.engine().clients is first
    session.use_profile(Profile.model_validate({"target": {"name": "other"}}))
    assert session.clients is not first and session.profile.target.name == "other"


def test_profile_file_change_is_picked_up(tmp_path, checklist) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('[target]\nname = "shop"\n')
    session = open_session(
        checklist=str(MINI), profile=str(profile), state=str(tmp_path / "s.toml")
    )
    warm = session.clients
    assert session.reload_profile() is False
    profile.write_text('[target]\nname = "shop-eu"\nnamespace = "shop"\n')
    assert session.reload_profile() is True
    assert session.profile.target.name == "shop-eu" and session.clients is not warm


def test_warm_up_imports_the_sdks_the_checklist_needs(tmp_path) -> None:
    session = open_session(checklist=None, profile=None, state=str(tmp_path / "s.toml"))
    imported = session.warm_up()
    assert {"kubernetes.client", "boto3", "httpx"} <= set(imported)
    assert "kubernetes.client" in sys.modules


def test_warm_up_freezes_what_is_loaded_so_a_full_collection_stays_short(tmp_path) -> None:
    """A gen-2 collection holds the interpreter lock: over the whole heap of a warm cockpit it
    stopped the event loop for 400 ms during watch-mode saves (bench/long_cutover.py)."""
    session = open_session(checklist=None, profile=None, state=str(tmp_path / "s.toml"))
    gc.unfreeze()
    try:
        session.warm_up()
        assert gc.get_freeze_count() > 10_000
        assert gc.is_tracked(session.state)
        assert not any(o is session.state for o in gc.get_objects())  # frozen: not walked
    finally:
        gc.unfreeze()


def test_open_session_refuses_a_bad_state_file(tmp_path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text("[items\n")
    with pytest.raises(GoliveError) as info:
        open_session(checklist=str(MINI), profile=None, state=str(bad))
    assert "s.toml" in str(info.value) and info.value.exit_code == 2


# --- the sweep -------------------------------------------------------------------------------
def test_sweep_holds_paging_probes_counts_and_times(checklist) -> None:
    raw = checklist.model_dump()
    raw["section"][0]["subsection"][0]["item"][0]["probe"] = [{"kind": "test.x"}]
    raw["section"][0]["subsection"][0]["item"][1]["probe"] = [
        {"kind": "test.page", "confirm": True}
    ]
    raw["section"][1]["item"][0]["probe"] = [{"kind": "test.x"}]
    probed = type(checklist).model_validate(raw)
    state = open_store(Path("/nonexistent/never-written.toml")).read()
    ticks = iter([10.0, 11.9])
    sweep = Sweep.start(probed.items(), state, clock=lambda: next(ticks))
    assert sweep.keys == ("go-live.infra.cluster", "security.waf") and sweep.held == (
        "go-live.infra.on-call",
    )
    assert sweep.arrived("security.waf", "error") is None  # never probed before: nothing to compare
    assert sweep.progress_line() == "probing 1/2 · ⚠1"
    sweep.arrived("go-live.infra.cluster", "fail")
    sweep.end()
    assert sweep.wall == pytest.approx(1.9) and not sweep.running
    assert sweep.summary_line() == "2 probed in 1.9 s: 0 ✓ 1 ✗ 1 ⚠ · 1 to confirm (p)"
    sweep.verdicts["x"] = "skipped"
    assert sweep.summary_line().startswith("3 probed in 1.9 s: 0 ✓ 1 ✗ 1 ⚠ 1 skipped ·")
    assert sweep.failures([i.key for i in probed.items()]) == [
        "go-live.infra.cluster",
        "security.waf",
    ]


def test_sweep_marks_changes_and_regressions_against_the_previous_one(session, checklist) -> None:
    session.save_results(
        [
            result(checklist, "go-live.infra.cluster", Verdict.PASS),
            result(checklist, "performance.p95", Verdict.FAIL),
        ]
    )
    items = [checklist.item("go-live.infra.cluster"), checklist.item("performance.p95")]
    items = [i.model_copy(update={"probe": [ProbeSpec(kind="x")]}) for i in items]
    sweep = Sweep.start(items, session.state, clock=lambda: 0.0)
    regression = sweep.arrived("go-live.infra.cluster", "error")
    assert regression is not None and regression.regression and regression.mark == "▼"
    better = sweep.arrived("performance.p95", "acceptable")
    assert better.improvement and not better.regression and better.mark == "▲"
    assert sweep.regressions() == ["go-live.infra.cluster"]
    sweep.end(cancelled=True)
    assert (
        sweep.summary_line().startswith("cancelled: 2 probed in 0.0 s")
        and "▼1 regressed" in sweep.summary_line()
    )


# --- runbooks ----------------------------------------------------------------------------------
def test_runbook_commands_are_filled_in_from_the_profile() -> None:
    production = load_checklist()
    profile = Profile.model_validate(
        {
            "target": {
                "namespace": "shop-prod",
                "monitoring_namespace": "obs",
                "domains": ["api.shop.example"],
            },
            "kubernetes": {"context": "prod-eu", "kubeconfig": "/etc/kube/prod"},
            "aws": {"region": "eu-west-1", "db_cluster_id": "shop-db"},
            "http": {"api_url": "https://api.shop.example"},
            "prometheus": {"url": "http://prom.internal:9090"},
        }
    )
    backups = commands(production.item("go-live.database.backups").runbook, profile)
    assert [c.text for c in backups] == [
        "aws --region eu-west-1 rds describe-db-clusters --db-cluster-identifier shop-db \\\n"
        "  --query 'DBClusters[0].BackupRetentionPeriod'"
    ]
    infra = commands(production.section_map()["go-live.infrastructure"].runbook, profile)
    assert infra[0].label == "Verify cluster health"
    assert (
        infra[1].text
        == "kubectl --kubeconfig /etc/kube/prod --context prod-eu get pods -n shop-prod"
    )
    ssl = next(c for c in infra if c.label == "Verify SSL").text
    assert (
        "-connect api.shop.example:443 -servername api.shop.example" in ssl
        and "autolytiq" not in ssl
    )
    health = commands(production.item("go-live.application.health-checks").runbook, profile)
    assert (
        len(health) == 1
        and health[0].text.startswith("for svc in")
        and health[0].text.endswith("done")
    )
    metrics = fill("curl -s localhost:9090/api/v1/query?query=up", profile)
    assert metrics == "curl -s http://prom.internal:9090/api/v1/query?query=up"
    pagerduty = fill(production.item("go-live.monitoring.pagerduty").runbook, profile)
    assert '"routing_key":"<key>"' in pagerduty  # a secret is never filled in
    assert "--context" not in fill(
        "kubectl get nodes", Profile()
    )  # nothing to add for the defaults


def test_the_cockpit_writes_a_local_record_with_the_profiles_state_mode(
    tmp_path, checklist
) -> None:
    """A group of captains on one host (state.mode = 0660): the cockpit's writes keep the group's
    access, as the CLI's do."""
    profile = tmp_path / "profile.toml"
    profile.write_text('[state]\nmode = "0660"\n')
    state = tmp_path / "state.toml"
    session = open_session(
        checklist=str(MINI), profile=str(profile), state=str(state), by="captain", clock=lambda: NOW
    )
    session.write(
        lambda: actions.mark(
            session.store, checklist.item("security.waf"), "done", actor=session.actor
        )
    )
    session.write(
        lambda: actions.mark(
            session.store, checklist.item("security.waf"), "failed", actor=session.actor
        )
    )
    assert state.stat().st_mode & 0o777 == 0o660
    assert (tmp_path / "state.toml.bak").stat().st_mode & 0o777 == 0o660
