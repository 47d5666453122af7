"""80x24 without losing meaning: the header's target keeps one of a few stable forms, the profile's
target.name first, whatever else the header holds at that moment."""

from __future__ import annotations

from rich.style import Style

from golive_tui.cockpit.views import HeaderView, target_label
from golive_tui.profile import Profile
from golive_tui.tui.render import header_text
from golive_tui.tui.widgets.tones import TONES

PLAIN = {tone: Style() for tone in (*TONES, "")}

DEMO = Profile.model_validate(
    {
        "target": {"name": "demo-degraded", "namespace": "autolytiq-prod"},
        "aws": {"region": "eu-west-1"},
    }
)


def test_the_target_has_a_few_stable_forms_name_first() -> None:
    from golive_tui.tui.render import target_form

    label = target_label(DEMO)
    assert label == "demo-degraded ns:autolytiq-prod eu-west-1"
    forms = {target_form(label, width) for width in range(13, 80)}
    assert forms == {
        label,
        "demo-degraded eu-west-1",
        "demo-degraded",
    }  # three forms from 13 columns up (name <= 16)
    narrower = {target_form(label, width) for width in range(6, 13)}
    assert narrower <= {"demo-de…"} | {"demo-degraded"[: n - 1] + "…" for n in range(2, 8)}
    assert all(
        form.startswith("demo-") for form in narrower
    )  # below: the name's start, never a namespace's middle


def test_the_header_target_does_not_jitter_as_its_neighbours_change() -> None:
    tones = PLAIN
    shown = set()
    for failed in range(0, 40):
        for regressed in (0, 3, 12):
            view = HeaderView(
                badge="NO-GO",
                go=False,
                finished=45,
                total=129,
                failed=failed,
                errors=failed % 7,
                approved=0,
                roles=6,
                title="Autolytiq production go-live",
                target=target_label(DEMO),
                regressed=regressed,
            )
            line = header_text(view, 80, tones).plain
            shown.add(
                next(
                    (
                        form
                        for form in (target_label(DEMO), "demo-degraded eu-west-1", "demo-degraded")
                        if form in line
                    ),
                    "?",
                )
            )
    assert "?" not in shown and shown <= {
        target_label(DEMO),
        "demo-degraded eu-west-1",
        "demo-degraded",
    }


async def test_toasts_never_cover_the_header_or_the_sweep_line(
    app_factory, probed_checklist
) -> None:
    from textual.widgets._toast import Toast

    from .helpers import screen_text, swept

    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("R")  # the sweep line (above the footer) shows the summary
        await swept(pilot)
        for n in range(20):
            app.notify(
                f"toast number {n} with enough words to wrap onto a second line of the toast",
                timeout=30,
            )
        await pilot.pause(0.3)
        toasts = [
            t for t in app.screen.query(Toast) if t.region.height and t.region.bottom > 0
        ]  # those on screen
        assert toasts
        header, sweep = (
            app.screen.query_one("#header").region,
            app.screen.query_one("#sweep").region,
        )
        top = max(header.bottom, 2)
        assert all(t.region.y >= top for t in toasts), [
            (t.region.y, str(t.render())[:20]) for t in toasts
        ]
        # The sweep line (above the footer) is drawn whole, as the summary says it: no toast over
        # it.
        assert sweep.height == 1 and sweep.y > header.bottom
        shown = screen_text(app).splitlines()[sweep.y]
        assert shown.strip() == app.screen.query_one("#sweep").render().plain.strip(), shown


async def test_at_80x24_roles_and_audit_changes_are_never_cut_mid_word(tmp_path) -> None:
    """The shipped checklist's longest role (Engineering Manager) and an audit change
    (probe=pass)."""
    import re

    from golive_tui import actions
    from golive_tui.checklists import load_checklist
    from golive_tui.engine import ItemResult
    from golive_tui.probes.base import ProbeResult, Verdict
    from golive_tui.state import open_store
    from golive_tui.tui.app import make_app
    from tests.people import person

    from .conftest import FIXED_NOW
    from .helpers import screen_text, settle

    checklist = load_checklist()
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    items = checklist.item_map()
    actions.record_results(
        store,
        [
            ItemResult(
                items["go-live.infrastructure.node-groups"],
                ProbeResult(Verdict.PASS, "3 Ready nodes in 3 zones", checked_at=FIXED_NOW),
            )
        ],
        actor=person("captain").at(FIXED_NOW),
    )
    roles = [r.role for r in checklist.approval]
    assert "Engineering Manager" in roles
    app = make_app(
        checklist,
        DEMO,
        store,
        clock=lambda: FIXED_NOW,
        by="captain",
        operator=person("captain").operator,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        shown = screen_text(app)
        assert "Engineering Man…" not in shown and "…" not in "".join(
            line for line in shown.splitlines() if "Engineering" in line
        ), shown
        assert re.search(r"Engineering\s", shown) and "Manager" in shown
        await pilot.press("4")
        await settle(pilot)
        shown = screen_text(app)
        change = next(line for line in shown.splitlines() if "node-groups:" in line)
        assert "probe=pass" in change and not re.search(
            r"probe=pa?s?…?\s*$", change.rstrip("│ ")
        ), change


async def test_the_header_says_a_silent_backend_once(app_factory, probed_checklist, store) -> None:
    from datetime import timedelta

    from golive_tui import actions
    from golive_tui.actor import Actor
    from golive_tui.engine import ItemResult
    from golive_tui.reachability import Outage, not_evaluated

    from .conftest import FIXED_NOW
    from .helpers import text_of

    outage = Outage(
        "Kubernetes API", FIXED_NOW - timedelta(minutes=3), "no answer within 2 s", "127.0.0.1:6443"
    )
    results = []
    for item in probed_checklist.items():
        result = not_evaluated(outage)
        result.checked_at = FIXED_NOW
        results.append(ItemResult(item, result))
    actions.record_results(store, results, actor=Actor.current("captain"))
    app = app_factory(probed_checklist)
    async with app.run_test(size=(160, 24)):
        header = text_of(app, "#header")
        assert header.count("unreachable") == 1
        assert (
            f"Kubernetes API unreachable since 11:57:00 — {len(results)} items not evaluated"
            in header
        ), header
    async with app_factory(probed_checklist).run_test(size=(80, 24)) as pilot:
        header = text_of(pilot.app, "#header")
        assert f"Kubernetes API unreachable ({len(results)})" in header, header
