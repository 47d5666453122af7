"""Two captains on one shared account, in the cockpit: the header says who else has the record open,
and a captain whose note another replaced is told (a toast naming who, when and where to find
both)."""

from __future__ import annotations

from golive_tui import actions
from golive_tui.actor import Actor, Operator
from golive_tui.presence import LocalArea, Presence

from .conftest import FIXED_NOW
from .helpers import notes, screen_text, wait_until

KIM = Operator(
    "ubuntu",
    "bastion-1",
    ssh_client="10.0.4.7",
    ssh_key="SHA256:kimKIMkimKIMkimKIMkim",
    key_source="login",
    person="Kim",
)
LEE = Operator(
    "ubuntu",
    "bastion-1",
    ssh_client="10.0.4.9",
    ssh_key="SHA256:leeLEEleeLEEleeLEElee",
    key_source="login",
    person="Lee",
)


async def test_the_header_shows_two_captains_on_one_account_and_a_replaced_note_is_told(
    app_factory, probed_checklist, store, tmp_path
) -> None:
    lee_at_the_record = Presence(LocalArea(tmp_path / "state.toml"), LEE)
    lee_at_the_record.beat(FIXED_NOW)
    waf = probed_checklist.item("security.waf")
    kim = Actor.current("Kim", operator=KIM)
    actions.annotate(store, waf, actor=kim, note="kim: rules reviewed", evidence=None)
    app = app_factory(probed_checklist, operator=KIM, by="Kim")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: "2 captains" in screen_text(app))
        assert "2 captains: Lee (ubuntu@bastion-1 key SHA256:leeLEEle" in screen_text(app)
        # Lee keeps their own words after the conflict dialog: written over Kim's.
        actions.annotate(
            store,
            waf,
            actor=Actor.current("Lee", operator=LEE),
            note="lee: two rules missing",
            evidence=None,
            seen={"note": "kim: rules reviewed"},
        )
        await wait_until(
            pilot,
            lambda: any("your note on security.waf was replaced by Lee" in n for n in notes(app)),
        )
        assert not any("replaced" in n for n in notes(app) if "Lee" not in n)
        # Lee closes their cockpit: the next heartbeat no longer counts them.
        lee_at_the_record.leave()
        await app.captains_watch.beat()
        await wait_until(pilot, lambda: "captains" not in screen_text(app))
