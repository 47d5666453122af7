"""The captain's flow at 80x24 in at most 25 keystrokes — exactly the keys the README lists:
open, sweep, find the first failure and read its evidence, attest an item, waive one, approve,
export the HTML report."""

from __future__ import annotations

from golive_tui.tui.modals.record import ExportModal
from golive_tui.tui.screens.item import ItemScreen
from golive_tui.tui.screens.signoff import SignoffScreen

from .conftest import mini_with_probes
from .helpers import settle, swept, text_of

# (key, what it does) — the README's table is this list.
FLOW = [
    ("R", "sweep: every probe but the paging ones, in the background"),
    ("f", "jump to the first failure (the summary line is up)"),
    ("enter", "open it: the evidence in full, the runbook filled in"),
    ("escape", "back to the list"),
    ("j", "the next item (a manual one)"),
    ("d", "attest it done"),
    ("k", "back to the failing item"),
    ("w", "waive it (the end date is prefilled a week out)"),
    ("o", "type the reason…"),
    ("k", "…“ok”"),
    ("enter", "save the waiver"),
    ("3", "the sign-off screen"),
    ("a", "approve the first role still missing"),
    ("enter", "as yourself (your login, your session)"),
    ("colon", "the command palette"),
    ("h", "type “html”…"),
    ("t", ""),
    ("m", ""),
    ("l", "…"),
    ("enter", "Export report: html"),
    ("enter", "write golive-report.html"),
]


async def test_the_captains_flow_in_at_most_25_keys(
    app_factory, probe_kinds, store, tmp_path
) -> None:
    assert len(FLOW) <= 25
    checklist = mini_with_probes(
        {
            "go-live.infra.cluster": [{"kind": "test.echo", "params": {"verdict": "fail"}}],
            "security.waf": [{"kind": "test.echo"}],
            "performance.p95": [
                {"kind": "test.echo", "params": {"verdict": "acceptable", "value": 320.0}}
            ],
        }
    )
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        seen: dict[str, str] = {}
        for n, (key, _) in enumerate(FLOW):
            await pilot.press(key)
            # Waiting is not typing: let each key's work land before the next one, as a person
            # would.
            if key == "R":
                await swept(pilot)
                seen["summary"] = text_of(app, "#sweep")
            elif n == 2:
                await pilot.pause()
                assert isinstance(app.screen, ItemScreen)
                seen["evidence"] = text_of(app, "#item-detail")
            elif key in ("h", "t", "m", "l"):
                await pilot.pause(0.2)  # the palette searches as you type
            else:
                await settle(pilot)
            if n == len(FLOW) - 2:
                assert isinstance(app.screen, ExportModal)
        await settle(pilot)
        assert isinstance(app.screen, SignoffScreen)  # the export dialog closed on success
        assert "3 probed in" in seen["summary"] and "1 ✗" in seen["summary"]
        assert "✗ fail — echo fail" in seen["evidence"] and "evidence line one" in seen["evidence"]
        state = store.read()
        assert state.item("go-live.infra.on-call").status == "done"
        assert state.item("go-live.infra.cluster").waiver.reason == "ok"
        assert state.approvals["eng"].name == app.session.actor.operator.user
        report = (tmp_path / "golive-report.html").read_text()
        assert "Mini go-live" in report and "waived" in report.lower()
