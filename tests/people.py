"""People at their own sessions, for tests: what the machine records for each of them.

`person("erin")` is the Actor of someone logged in as `erin` on bastion-1: their approvals
are their own, and each person is a different operator for separation of duties.
"""

from __future__ import annotations

from golive_tui.actor import Actor, Operator


def person(login: str, name: str | None = None, host: str = "bastion-1") -> Actor:
    """The actor of `login`'s own session (recorded under `name`, default the login)."""
    return Actor.current(name or login, operator=Operator(login, host))


def forced_go_live(
    store, checklist, reason: str, *, by: Actor | None = None, confirmer: str = "second-captain"
) -> None:
    """A forced go-live as the checklist now requires it: one operator asks, another confirms."""
    from golive_tui import actions

    actions.go_live(store, checklist, force_reason=reason, actor=by or Actor.current())
    actions.confirm_forced_go_live(store, checklist, actor=person(confirmer))
