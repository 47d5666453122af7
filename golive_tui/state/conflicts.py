"""When two captains change the same field: the rule that turns a silent overwrite into a conflict.

A change may carry `expect`, the values its author saw before changing them. If the
stored value is now neither what they saw nor what they want, someone else changed that
field in between: the change is refused with both values, never applied on top.
"""

from __future__ import annotations

from typing import Any

from ..errors import GoliveError
from .chain import Change
from .schema import State

Conflict = tuple[str, str, Any, Any]
"""(target, field, their value, your value)."""


class ConflictError(GoliveError):
    """Someone else changed the same field of the same item since this user saw it."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(
            f"{target} {name}: theirs {brief(theirs)!r}, yours {brief(mine)!r}"
            for target, name, theirs, mine in conflicts
        )
        super().__init__(f"conflict — changed by someone else since you read it: {shown}")


def brief(value: Any) -> Any:
    """A record shown by its verdict or reason (a probe result, a waiver), other values as they
    are."""
    if isinstance(value, dict):
        return value.get("verdict") or value.get("reason") or "{…}"
    return value


def find_conflicts(state: State, changes: list[Change]) -> list[Conflict]:
    """Fields whose current value is neither what the user saw nor what they want now."""
    found: list[Conflict] = []
    for change in changes:
        if not change.expect or not change.target.startswith("item:"):
            continue
        current = state.item(change.target[5:]).model_dump()
        for name, seen in change.expect.items():
            theirs, mine = current.get(name), change.values.get(name)
            if theirs != seen and theirs != mine:
                found.append((change.target, name, theirs, mine))
    return found
