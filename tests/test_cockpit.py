"""The cockpit state without a screen: derived views, what changed since a drawing, and the clock
tick.

No Textual here: the rules every screen shows (a waiver ending, a verdict or attestation expiring)
are the Cockpit's, tested with a pinned clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.cockpit import Cockpit, Timeline
from golive_tui.profile import Profile
from golive_tui.session import Session
from golive_tui.state import open_store

MINI = Path(__file__).parent / "data" / "mini.toml"
T = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def cockpit_at(tmp_path: Path, now: list[datetime]) -> Cockpit:
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    actor = Actor.current("carol", clock=lambda: T)
    actions.waive(
        store,
        checklist.item("security.waf"),
        reason="r",
        until=T + timedelta(minutes=2),
        actor=actor,
    )
    actions.mark(
        store, checklist.item("go-live.infra.on-call"), "done", actor=actor
    )  # attest_valid_days = 7
    session = Session(checklist, Profile(), store, actor)
    return Cockpit(session, clock=lambda: now[0])


def test_a_tick_tells_subscribers_only_when_a_moment_passed(tmp_path: Path) -> None:
    now = [T]
    cockpit = cockpit_at(tmp_path, now)
    told: list[int] = []
    cockpit.subscribe(lambda: told.append(cockpit.version), lambda notice: None)
    waf = cockpit.session.checklist.item("security.waf")
    assert cockpit.row(waf).outcome == "waived"
    assert not cockpit.tick() and told == []  # nothing moved: nothing said
    now[0] = T + timedelta(minutes=1, seconds=59)
    assert not cockpit.tick() and told == []
    now[0] = T + timedelta(minutes=2)  # the waiver's end: `until <= now`
    assert cockpit.tick() and len(told) == 1
    assert cockpit.row(waf).outcome == "pending" and cockpit.row(waf).expired
    assert cockpit.changes_since(told[0] - 1) is None  # everything is to be derived again
    assert not cockpit.tick()
    now[0] = T + timedelta(days=7)  # the on-call attestation's validity ends
    assert cockpit.tick() and len(told) == 2
    on_call = cockpit.session.checklist.item("go-live.infra.on-call")
    assert cockpit.row(on_call).outcome == "pending"


def test_decide_runs_once_per_moment_not_once_per_tick(tmp_path: Path, monkeypatch) -> None:
    from golive_tui.cockpit import model

    now = [T]
    cockpit = cockpit_at(tmp_path, now)
    calls = []
    real = model.decide
    monkeypatch.setattr(model, "decide", lambda *a, **k: calls.append(1) or real(*a, **k))
    for seconds in range(0, 100, 10):
        now[0] = T + timedelta(seconds=seconds)
        cockpit.tick()
        cockpit.decision()
    assert len(calls) == 1
    now[0] = T + timedelta(minutes=3)
    cockpit.decision()
    assert len(calls) == 2


def test_changes_since_a_drawing(tmp_path: Path) -> None:
    cockpit = cockpit_at(tmp_path, [T])
    drawn = cockpit.version
    assert cockpit.changes_since(drawn) == frozenset()
    cockpit.changed(["a"])
    cockpit.changed(())
    cockpit.changed(["b"])
    assert cockpit.changes_since(drawn) == {"a", "b"}
    cockpit.changed()
    assert cockpit.changes_since(drawn) is None
    for _ in range(100):
        cockpit.changed(["c"])
    assert cockpit.changes_since(cockpit.version - 1) == {"c"}
    assert cockpit.changes_since(drawn) is None  # too far behind: redraw everything


def test_the_timeline_holds_waivers_expiries_and_due_times(tmp_path: Path) -> None:
    cockpit = cockpit_at(tmp_path, [T])
    timeline = Timeline(cockpit.session.checklist, cockpit.session.state)
    assert timeline.moments == [T + timedelta(minutes=2), T + timedelta(days=7)]
    assert timeline.epoch(T) == 0 and timeline.next_moment(T) == T + timedelta(minutes=2)
