"""Pilot tests of the item screen: everything about an item in full, runbook commands filled in from
the profile, `y` copying one through OSC 52 and `c` editing it first."""

from __future__ import annotations

import tomllib

import pytest
from textual.widgets import Input

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.model import Checklist
from golive_tui.profile import Profile
from golive_tui.tui.screens.item import ItemScreen, RunbookList
from golive_tui.tui.screens.main import MainScreen

from .conftest import MINI
from .helpers import footer, screen_text, settle, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
PROFILE = Profile.model_validate(
    {
        "target": {"name": "shop", "namespace": "shop-prod", "domains": ["api.shop.example"]},
        "kubernetes": {"context": "prod-eu"},
        "aws": {"region": "eu-west-1", "db_cluster_id": "shop-db"},
    }
)


@pytest.fixture
def rich_checklist(probe_kinds) -> Checklist:
    """Cluster: a failing probe with five evidence lines, a seed runbook, links and extra
    columns."""
    raw = tomllib.loads(MINI.read_text())
    cluster = raw["section"][0]["subsection"][0]["item"][0]
    cluster["description"] = "Production cluster provisioned and healthy"
    cluster["probe"] = [{"kind": "test.flip"}]
    cluster["runbook"] = (
        "# Verify cluster health\nkubectl get pods -n autolytiq-prod\n\n"
        "# Verify Aurora status\naws rds describe-db-clusters "
        "--db-cluster-identifier autolytiq-prod"
    )
    cluster["links"] = [{"name": "EKS runbook", "url": "https://wiki.example/eks"}]
    cluster["fields"] = {"Level": "Critical", "Comment": "checked weekly"}
    return Checklist.model_validate(raw)


@SIZES
async def test_enter_opens_everything_about_the_item(
    app_factory, rich_checklist, store, tmp_path, size
) -> None:
    from .conftest import FLIP

    FLIP["go-live.infra.cluster"] = "fail"
    report = tmp_path / "nodes.txt"
    report.write_text("3 nodes Ready\n")
    item = rich_checklist.item("go-live.infra.cluster")
    actions.annotate(
        store, item, note="line one\nline two", evidence=str(report), actor=Actor.current("dba")
    )
    app = app_factory(rich_checklist, profile=PROFILE)
    async with app.run_test(size=size) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: store.read().item(item.key).probe is not None)
        await wait_until(pilot, lambda: not app.cockpit.running)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen)
        detail = text_of(app, "#item-detail")
        assert "Production cluster provisioned and healthy" in detail
        assert (
            "✗ fail — flip says fail" in detail
            and "flip evidence for go-live.infra.cluster" in detail
        )
        assert "line one" in detail and "line two" in detail
        assert f"sha256 {store.read().item(item.key).evidence_sha256}" in detail  # the whole digest
        assert f"recorded by {app.session.actor.operator}" in detail
        assert "Link: EKS runbook — https://wiki.example/eks" in detail
        assert "Level: Critical" in detail and "Comment: checked weekly" in detail
        commands = app.screen.query_one(RunbookList)
        assert commands.has_focus and commands.option_count == 2
        shown = [str(commands.get_option_at_index(i).prompt) for i in range(2)]
        assert (
            shown[0] == "# Verify cluster health\nkubectl --context prod-eu get pods -n shop-prod"
        )
        assert (
            "aws --region eu-west-1 rds describe-db-clusters --db-cluster-identifier shop-db"
            in shown[1]
        )
        assert "autolytiq" not in screen_text(app)
        assert {"copy", "command_line", "back"} <= set(footer(app))
        await pilot.press("y")
        assert app.clipboard == "kubectl --context prod-eu get pods -n shop-prod"
        await pilot.press("j", "y")
        assert app.clipboard.startswith("aws --region eu-west-1")
        await pilot.press("k", "c")
        await pilot.pause()
        line = app.screen.query_one("#command-line", Input)
        assert (
            line.display
            and line.has_focus
            and line.value == "kubectl --context prod-eu get pods -n shop-prod"
        )
        await pilot.press(*" -o wide", "enter")
        assert app.clipboard == "kubectl --context prod-eu get pods -n shop-prod -o wide"
        assert not line.display
        await pilot.press(
            "d"
        )  # attest from the item screen: over a failing probe, that is an override
        await pilot.pause()
        await pilot.press(*"node 3 drained on purpose", "enter")
        await settle(pilot)
        record = store.read().item(item.key)
        assert record.status == "done" and record.override.reason == "node 3 drained on purpose"
        assert "Override: node 3 drained on purpose" in text_of(app, "#item-detail")
        assert "✗ fail — flip says fail" in text_of(
            app, "#item-detail"
        )  # the probe's verdict stays in view
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_step_through_items_and_a_manual_one_says_so(app_factory, rich_checklist) -> None:
    app = app_factory(rich_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "right_square_bracket")
        await pilot.pause()
        assert app.screen.item.key == "go-live.infra.on-call"
        assert "Manual item" in text_of(app, "#item-detail")
        assert "No runbook commands" in text_of(app, "#runbook-title")
        await pilot.press("y")
        assert app.clipboard == ""


async def test_waiver_shows_in_the_item(app_factory, rich_checklist, store) -> None:
    item = rich_checklist.item("go-live.infra.cluster")
    actions.waive(store, item, reason="audited", until=item_until(), actor=Actor.current("ciso"))
    app = app_factory(rich_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert "Waiver: until 2099-01-31 23:59 UTC by ciso: audited" in text_of(app, "#item-detail")


def item_until():
    from datetime import UTC, datetime

    return datetime(2099, 1, 31, 23, 59, tzinfo=UTC)
