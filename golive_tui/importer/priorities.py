"""Priorities from a team's words, badges and tags, and the go/no-go gate an import gets.

The mapping (documented in docs/import.md): P0/P1, critical, blocker, high, must → P1;
P2, medium, moderate, normal, should → P2; P3/P4, low, minor, optional, could, nice to have → P3.
In a priority column a coloured circle alone also counts: 🔴 P1, 🟠 🟡 P2, 🟢 ⚪ P3.
"""

from __future__ import annotations

import re
from typing import Any

WORDS = {
    "p0": "P1",
    "p1": "P1",
    "critical": "P1",
    "blocker": "P1",
    "blocking": "P1",
    "high": "P1",
    "must": "P1",
    "must have": "P1",
    "showstopper": "P1",
    "sev1": "P1",
    "sev 1": "P1",
    "p2": "P2",
    "medium": "P2",
    "moderate": "P2",
    "normal": "P2",
    "should": "P2",
    "should have": "P2",
    "sev2": "P2",
    "sev 2": "P2",
    "p3": "P3",
    "p4": "P3",
    "low": "P3",
    "minor": "P3",
    "optional": "P3",
    "could": "P3",
    "could have": "P3",
    "nice to have": "P3",
    "trivial": "P3",
    "sev3": "P3",
    "sev 3": "P3",
}
CIRCLES = {
    "🔴": "P1",
    "🟥": "P1",
    "🟠": "P2",
    "🟧": "P2",
    "🟡": "P2",
    "🟨": "P2",
    "🟢": "P3",
    "🟩": "P3",
    "⚪": "P3",
}
CODES = re.compile(r"^p[0-4]$")
PRIORITY_HEADERS = (
    "priority",
    "prio",
    "priority level",
    "importance",
    "criticality",
    "severity",
    "level",
    "impact",
    "risk",
    "risk level",
    "moscow",
)
"""Columns (or `Key: value` sub-bullets) whose value may be a priority."""
_TAG = re.compile(
    r"^\s*(?:\[(P[0-4])\]|\((P[0-4])\)|(P[0-4])\s*[:\-–—])\s*|\s*(?:\[(P[0-4])\]|\((P[0-4])\))\s*$"
)
_BADGE_URL = re.compile(r"shields\.io|badge|/img/|_img|priority", re.IGNORECASE)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).replace("_", " ").split())


def priority_of(text: str) -> str | None:
    """P1-P3 for a priority word at the start of `text` (`Critical 🔴`, `high - must fix`), else
    None."""
    words = _words(text).split()
    for n in (3, 2, 1):
        if len(words) >= n and (found := WORDS.get(" ".join(words[:n]))):
            return found
    circles = [CIRCLES[c] for c in text if c in CIRCLES]
    return circles[0] if circles and not words else None


def is_code(text: str) -> bool:
    """Whether `text` is golive's own vocabulary (P1, p2, …): nothing more to keep than the
    priority."""
    return bool(CODES.match(text.strip().lower()))


def badge_priority(alt: str, src: str) -> tuple[str, str] | None:
    """(word, P1-P3) when an image is a priority badge (`![High][high_img]`, a shields.io label)."""
    label = alt.rsplit(":", 1)[-1].strip()
    if found := priority_of(label) or priority_of(alt):
        return label or alt, found
    if src and _BADGE_URL.search(src):
        for word in reversed(re.split(r"[^a-z0-9]+", src.lower().rsplit("/", 1)[-1])):
            if word in ("critical", "high", "medium", "low"):
                return word.capitalize(), WORDS[word]
    return None


def take_tag(text: str) -> tuple[str, str | None, str]:
    """(text without it, P1-P3, the tag as written) for a `[P1]`/`(P1)`/`P1:` tag at either end."""
    match = _TAG.search(text)
    if match is None:
        return text, None, ""
    code = next(g for g in match.groups() if g)
    return (text[: match.start()] + " " + text[match.end() :]).strip(), WORDS[code.lower()], code


# --- the gate -----------------------------------------------------------------------------
ALL_COMPLETE = {"id": "all-items-complete", "title": "All items complete", "rule": "all-complete"}
P1_COMPLETE = {
    "id": "p1-items-complete",
    "title": "All P1 items complete",
    "rule": "priority-complete",
    "priority": "P1",
}
_RULE_TITLE = re.compile(
    r"^all (?:(p[1-3]) )?items (?:are )?(?:complete|completed|done)$", re.IGNORECASE
)


def default_gate(priorities: list[str]) -> dict[str, Any]:
    """Every P1 item complete when the source gave P1 items, else every item complete."""
    return dict(P1_COMPLETE if "P1" in priorities else ALL_COMPLETE)


def criterion_of(title: str) -> dict[str, Any] | None:
    """The rule a go/no-go row states in golive's own words (`All P1 items complete`), else None."""
    match = _RULE_TITLE.match(" ".join(title.split()))
    if match is None:
        return None
    title = " ".join(title.split())
    if match.group(1) is None:
        return {**ALL_COMPLETE, "title": title}
    code = match.group(1).upper()
    return {
        "id": f"{code.lower()}-items-complete",
        "title": title,
        "rule": "priority-complete",
        "priority": code,
    }
