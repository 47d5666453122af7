"""Which items a view or a command works on: `--section`/`--item`, and the filter language.

The filter language is shared by the cockpit's `/` box and `golive run|status --filter`:
words match the id, title, description and owner; `owner:dba` matches part of the owner;
`status:failed` the status as the Status column shows it (done, failed, pending, n/a,
blocked, waived — an item waived over a failure is `waived`, not `failed`);
`verdict:error` the latest probe verdict (pass, acceptable, fail, error, skipped, none);
`priority:p1`. Values of one key are alternatives (`status:failed,blocked`,
`verdict:error|fail`, or the key repeated); different keys must all hold. A value the
language does not know is an error that names the valid ones, never a silent empty list.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .decision import outcome
from .errors import GoliveError
from .model import Checklist, Item
from .state import State
from .vocab import OUTCOME_TERMS, VERDICTS

# What the Status column shows, word -> outcome state (plus the spellings people type).
STATUS_WORDS: dict[str, str] = {term.word: state for state, term in OUTCOME_TERMS.items()}
STATUS_SHOWN = tuple(STATUS_WORDS)
STATUS_WORDS.update({"complete": "complete", "na": "n/a"})
VERDICT_WORDS: tuple[str, ...] = (*VERDICTS, "none")
"""`none`: the item has probes but no recorded result yet."""
PRIORITIES = ("p1", "p2", "p3")
KEYS = ("owner", "status", "verdict", "priority")
_SPLIT = re.compile(r"[,|]")


class FilterError(GoliveError):
    """A filter expression the language does not understand (exit 2 on the CLI)."""


@dataclass(frozen=True)
class Filter:
    """A parsed filter expression: `matches` tells whether an item is in."""

    text: str = ""
    words: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    statuses: frozenset[str] = field(default_factory=frozenset)
    """Outcome states (complete, failed, pending, n/a, blocked, waived)."""
    verdicts: frozenset[str] = field(default_factory=frozenset)
    priorities: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.words or self.owners or self.statuses or self.verdicts or self.priorities)

    def matches(self, item: Item, state: State, now: datetime) -> bool:
        if self.priorities and item.priority.lower() not in self.priorities:
            return False
        if self.owners and not any(owner in item.owner.lower() for owner in self.owners):
            return False
        istate = state.item(item.key)
        if self.statuses and outcome(item, istate, now).state not in self.statuses:
            return False
        if self.verdicts:
            verdict = istate.probe.verdict if istate.probe else ("none" if item.probe else "")
            if verdict not in self.verdicts:
                return False
        haystack = f"{item.key} {item.title} {item.description} {item.owner}".lower()
        return all(word in haystack for word in self.words)


def _values(
    key: str, raw: str, known: Iterable[str], shown: Iterable[str], hint: str = ""
) -> list[str]:
    values = [v for v in _SPLIT.split(raw) if v]
    shown = tuple(shown)
    if not values:
        raise FilterError(f"filter {key}: needs a value, e.g. {key}:{shown[0]}")
    known = tuple(known)
    for value in values:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            guess = f" — did you mean {key}:{close[0]}?" if close else ""
            raise FilterError(
                f"filter {key}:{value}: {key} is one of {', '.join(shown)}{guess}{hint}"
            )
    return values


def parse_filter(expression: str) -> Filter:
    """Parse a filter expression; FilterError names the token it cannot read."""
    words: list[str] = []
    owners: list[str] = []
    statuses: set[str] = set()
    verdicts: set[str] = set()
    priorities: set[str] = set()
    for token in expression.lower().split():
        key, colon, value = token.partition(":")
        if not colon or key not in KEYS:
            words.append(token)
        elif key == "owner":
            if not value:
                raise FilterError("filter owner: needs a value, e.g. owner:dba")
            owners.append(value)
        elif key == "status":
            hint = (
                " (probe results: verdict:…)"
                if any(v in VERDICTS for v in _SPLIT.split(value))
                else ""
            )
            statuses.update(
                STATUS_WORDS[v] for v in _values(key, value, STATUS_WORDS, STATUS_SHOWN, hint)
            )
        elif key == "verdict":
            verdicts.update(_values(key, value, VERDICT_WORDS, VERDICT_WORDS))
        else:
            priorities.update(_values(key, value, PRIORITIES, PRIORITIES))
    return Filter(
        expression.strip(),
        tuple(words),
        tuple(owners),
        frozenset(statuses),
        frozenset(verdicts),
        frozenset(priorities),
    )


def filter_items(
    items: Iterable[Item], expression: str | Filter, state: State, now: datetime
) -> list[Item]:
    """The items the expression lets through, in their order."""
    chosen = parse_filter(expression) if isinstance(expression, str) else expression
    items = list(items)
    return [i for i in items if chosen.matches(i, state, now)] if chosen else items


def select_items(
    checklist: Checklist, sections: tuple[str, ...] = (), item_ids: tuple[str, ...] = ()
) -> list[Item]:
    """Items of the named sections (id or dotted path) plus the named items; all if none named."""
    from .checklists import resolve_item

    if not sections and not item_ids:
        return list(checklist.items())
    known = checklist.section_map()
    chosen: dict[str, Item] = {}
    for name in sections:
        key = name if name in known else next((k for k in known if k.endswith("." + name)), None)
        if key is None:
            close = difflib.get_close_matches(name, list(known), n=3)
            hint = (
                f" — did you mean {', '.join(close)}?"
                if close
                else f"; sections: {', '.join(s.id for s in checklist.section)}"
            )
            raise GoliveError(f"unknown section {name!r}{hint}")
        for item in known[key].all_items():
            chosen[item.key] = item
    for ident in item_ids:
        item = resolve_item(checklist, ident)
        chosen[item.key] = item
    order = {item.key: n for n, item in enumerate(checklist.items())}
    return sorted(chosen.values(), key=lambda i: order[i.key])


def verdict_counts(items: Iterable[Item], state: State) -> Counter[str]:
    """Latest probe verdict per item, counted (`error` is what the `⚠N` beside `✗N` shows)."""
    probes = (state.items[i.key].probe for i in items if i.key in state.items)
    return Counter(probe.verdict for probe in probes if probe is not None)
