"""Exports and copies say where they went: the report's full path in the toast, OSC 52 named as what
it is."""

from __future__ import annotations

import tomllib

from golive_tui.model import Checklist
from golive_tui.profile import Profile

from .conftest import MINI
from .helpers import notes, settle


def with_runbook() -> Checklist:
    raw = tomllib.loads(MINI.read_text())
    raw["section"][0]["subsection"][0]["item"][0]["runbook"] = (
        "# Verify cluster health\nkubectl get pods -n autolytiq-prod"
    )
    return Checklist.model_validate(raw)


async def test_the_export_toast_names_the_full_path(
    app_factory, store, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_factory(with_runbook())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"html")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # the dialog's path as prefilled: golive-report.html, relative
        await settle(pilot)
        written = tmp_path / "golive-report.html"
        assert written.exists()
        assert f"html report written to {written}" in notes(app), notes(app)


async def test_y_says_it_went_to_the_terminals_clipboard(app_factory, store, monkeypatch) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    app = app_factory(
        with_runbook(), profile=Profile.model_validate({"kubernetes": {"context": "prod-eu"}})
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard.startswith("kubectl --context prod-eu get pods")
        assert any(
            n.startswith("sent to the terminal's clipboard (OSC 52): kubectl --context prod-eu")
            for n in notes(app)
        )


# The README's count: sweep -> first failure -> copy its command -> waive it until 18:30 -> export
# HTML.
CALL = [
    "R",
    "f",
    "enter",
    "y",  # 4: sweep, first failure, open, copy
    "w",
    "o",
    "k",
    "tab",
    "1",
    "8",
    "colon",
    "3",
    "0",
    "enter",  # 10: waive, reason, until 18:30
    "colon",
    "h",
    "t",
    "m",
    "l",
    "enter",
    "enter",
]  # 7: palette, html, export as prefilled


async def test_the_captains_call_in_21_keys(
    app_factory, probe_kinds, store, tmp_path, monkeypatch
) -> None:
    from datetime import UTC, datetime

    from .conftest import FIXED_NOW, mini_with_probes
    from .helpers import swept

    monkeypatch.chdir(tmp_path)
    raw = mini_with_probes(
        {
            "go-live.infra.cluster": [{"kind": "test.echo", "params": {"verdict": "fail"}}],
            "security.waf": [{"kind": "test.echo"}],
        }
    ).model_dump()
    raw["section"][0]["subsection"][0]["item"][0]["runbook"] = (
        "# Verify cluster health\nkubectl get nodes"
    )
    app = app_factory(
        Checklist.model_validate(raw),
        profile=Profile.model_validate({"kubernetes": {"context": "prod"}}),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        for key in CALL:
            await pilot.press(key)
            if key == "R":
                await swept(pilot)
            elif key in ("h", "t", "m", "l"):
                await pilot.pause(0.2)  # the palette searches as you type
            else:
                await settle(pilot)
        assert app.clipboard == "kubectl --context prod get nodes"
        waiver = store.read().item("go-live.infra.cluster").waiver
        assert (
            waiver.reason == "ok"
            and waiver.until == datetime(2026, 11, 28, 18, 30, tzinfo=UTC) > FIXED_NOW
        )
        assert (tmp_path / "golive-report.html").exists()
        assert f"html report written to {tmp_path / 'golive-report.html'}" in notes(app)
    assert len(CALL) == 21
