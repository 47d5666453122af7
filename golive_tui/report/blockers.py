"""What keeps the go-live from GO, for people: every blocking item by its title, grouped by section.

The decision names blockers as ids (`go-live.infrastructure.node-groups (failed)`) and cuts its
one-line reasons after five; a VP reads titles, wants the whole list, and wants to see where each
one sits. Both reports (Markdown and HTML) render this one list; the id stays, small, for whoever
acts on it, and why it blocks (the probe's summary, the outcome's reason) follows the title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..decision import Decision, outcome
from ..model import Checklist, Item, Section
from ..state import State
from ..text import safe_line
from .common import STATUS_WORD


@dataclass(frozen=True)
class Blocker:
    key: str
    title: str
    state: str
    """The outcome that blocks: failed, pending, blocked."""
    why: str
    """What the probe found (fail/error) or why the item does not count; empty when it is simply not
    done."""
    criteria: tuple[str, ...]
    """The go/no-go criteria it keeps unmet."""

    @property
    def word(self) -> str:
        return STATUS_WORD.get(self.state, self.state.upper())


@dataclass(frozen=True)
class Group:
    section: str
    """`Go-Live Checklist › Infrastructure Readiness`"""
    blockers: tuple[Blocker, ...]


def _key_of(blocker: str) -> str:
    """`go-live.x.y (failed)` -> `go-live.x.y` (the decision's wording of a blocker)."""
    return blocker.rsplit(" (", 1)[0]


def _sections(checklist: Checklist) -> dict[str, str]:
    """Item key -> the titles of the sections it sits in, joined."""
    where: dict[str, str] = {}

    def visit(section: Section, path: list[str]) -> None:
        here = [*path, safe_line(section.title)]
        for item in section.item:
            where[item.key] = " › ".join(here)
        for sub in section.subsection:
            visit(sub, here)

    for top in checklist.section:
        visit(top, [])
    return where


def _why(item: Item, state: State, now: datetime) -> str:
    record = state.item(item.key)
    probe = record.probe
    if probe is not None and probe.verdict in ("fail", "error"):
        return safe_line(probe.summary)
    return safe_line(outcome(item, record, now).reason)


def blocker_groups(
    checklist: Checklist,
    state: State,
    now: datetime,
    decision: Decision,
    only: set[str] | None = None,
) -> list[Group]:
    """Every item a criterion waits on, once, in checklist order, grouped by its section (of `only`,
    if given)."""
    criteria: dict[str, list[str]] = {}
    for result in decision.criteria:
        for blocker in result.blockers:
            criteria.setdefault(_key_of(blocker), []).append(result.criterion.title)
    where = _sections(checklist)
    groups: dict[str, list[Blocker]] = {}
    for item in checklist.items():
        if item.key not in criteria or (only is not None and item.key not in only):
            continue
        o = outcome(item, state.item(item.key), now)
        found = Blocker(
            item.key,
            safe_line(item.title),
            o.state,
            _why(item, state, now),
            tuple(criteria[item.key]),
        )
        groups.setdefault(where.get(item.key, ""), []).append(found)
    return [Group(section, tuple(items)) for section, items in groups.items()]


def reason_lines(decision: Decision) -> list[str]:
    """The decision's reasons with each unmet criterion counted instead of listed by id (the list
    follows)."""
    lines = [] if decision.integrity.ok else [f"TAMPERED: {decision.integrity.problem}"]
    for result in decision.criteria:
        if not result.met:
            count = len(result.blockers)
            lines.append(
                f"{result.criterion.title}: {count} item{'s' if count != 1 else ''} not there yet"
            )
    criterion_prefixes = tuple(f"{r.criterion.title}: " for r in decision.criteria)
    lines += [r for r in decision.reasons if not r.startswith(("TAMPERED: ", *criterion_prefixes))]
    return [safe_line(line) for line in lines]
