"""The first frame comes from the core's raw-TOML fast path: the rows of the files, or a broken
file's error.

Old code: tui/preview.py had a reader of its own that turned any error into an empty table.
"""

from __future__ import annotations

import threading

from golive_tui.first_frame import first_frame
from golive_tui.tui.app import GoliveApp
from golive_tui.tui.preview import PreviewScreen

from .conftest import FIXED_NOW, MINI
from .helpers import text_of


async def test_a_broken_checklist_shows_its_error_on_the_first_frame(tmp_path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('title = "x"\n\n[[section]]\nid = "a"\ntitle = \n', encoding="utf-8")
    release = threading.Event()

    def loader():  # the validated load, still running while the first frame shows
        release.wait(10)
        raise AssertionError("not reached in this test")

    app = GoliveApp(
        loader=loader, preview=(str(broken), str(tmp_path / "none.toml")), clock=lambda: FIXED_NOW
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        bar = text_of(app, "#section-bar")
        assert "broken.toml" in bar and ":5" in bar and "invalid TOML" in bar, bar
        release.set()
        app.exit()


def test_a_broken_record_is_named_with_its_line_and_the_checklist_still_shows(tmp_path) -> None:
    state = tmp_path / "state.toml"
    state.write_text('[items."security.waf"]\nstatus = "done"\nby = \n', encoding="utf-8")
    frame = first_frame(str(MINI), str(state))
    assert [row.key for row in frame.rows][:2] == ["go-live.infra.cluster", "go-live.infra.on-call"]
    assert "state.toml" in frame.error and ":3" in frame.error


def test_the_first_frame_counts_statuses_as_the_loader_does(tmp_path) -> None:
    state = tmp_path / "state.toml"
    state.write_text(
        '[items."security.waf"]\nstatus = "done"\n[items."security.waf".probe]\nverdict = "pass"\n'
        '[items."go-live.infra.rollback"]\nstatus = "failed"\n',
        encoding="utf-8",
    )
    rows = {row.key: row for row in first_frame(str(MINI), str(state)).rows}
    assert rows["security.waf"].outcome == "complete" and rows["security.waf"].verdict == "pass"
    assert rows["go-live.infra.rollback"].outcome == "failed"
    assert rows["go-live.infra.cluster"].outcome == "pending"
