"""One vocabulary for every view: statuses, outcomes, verdicts, their glyphs and words, values with
units.

A status is what a person recorded (`done`); an outcome is how the item counts now
(`complete`, or `waived`, or `pending` again after an attestation expired); a verdict is
what a probe found. Every view shows a glyph *and* a word, never a colour alone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

Status = Literal["pending", "done", "failed", "n/a", "blocked"]
STATUSES: tuple[str, ...] = ("pending", "done", "failed", "n/a", "blocked")

OutcomeState = Literal["complete", "failed", "pending", "blocked", "n/a", "waived"]
OUTCOMES: tuple[str, ...] = ("complete", "failed", "pending", "blocked", "n/a", "waived")
FINISHED_OUTCOMES: tuple[str, ...] = ("complete", "n/a", "waived")


class Verdict(enum.StrEnum):
    PASS = "pass"
    ACCEPTABLE = "acceptable"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
VerdictName = Literal["pass", "acceptable", "fail", "error", "skipped"]
SEVERITY = {
    Verdict.SKIPPED: 0,
    Verdict.PASS: 1,
    Verdict.ACCEPTABLE: 2,
    Verdict.ERROR: 3,
    Verdict.FAIL: 4,
}
"""Order for merging several probes of one item: the item shows the worst."""


@dataclass(frozen=True)
class Term:
    glyph: str
    word: str
    tone: Literal["ok", "bad", "warn", "dim"]
    """What a colour may repeat (never the only signal)."""

    def __str__(self) -> str:
        return f"{self.glyph} {self.word}"


OUTCOME_TERMS: dict[str, Term] = {
    "complete": Term("✓", "done", "ok"),
    "failed": Term("✗", "failed", "bad"),
    "pending": Term("·", "pending", "dim"),
    "n/a": Term("–", "n/a", "dim"),
    "blocked": Term("!", "blocked", "warn"),
    "waived": Term("~", "waived", "warn"),
}
VERDICT_TERMS: dict[str, Term] = {
    "pass": Term("✓", "pass", "ok"),
    "acceptable": Term("≈", "acceptable", "warn"),
    "fail": Term("✗", "fail", "bad"),
    "error": Term("⚠", "error", "bad"),
    "skipped": Term("-", "skipped", "dim"),
}


APPROVAL_TERMS: dict[str, Term] = {
    "fresh": Term("✓", "approved", "ok"),
    "stale": Term("!", "stale", "warn"),
    "missing": Term("·", "missing", "dim"),
    "revoked": Term("✗", "revoked", "bad"),
}
"""An approval's state: fresh (counts), stale (the state changed since), missing, revoked."""


def term(name: str) -> Term:
    """The glyph and word of an outcome or a verdict."""
    return OUTCOME_TERMS.get(name) or VERDICT_TERMS[name]


def glyph(name: str) -> str:
    return term(name).glyph


def unit_suffix(unit: str) -> str:
    """How a unit follows a number: `50ms`, `12%`, `3 rps`."""
    if not unit:
        return ""
    return unit if unit in ("%", "ms", "s") else f" {unit}"


def format_value(value: float | None, unit: str = "") -> str:
    """A measured value with its unit, four significant digits (`9.99%`, `412ms`, `1200000 rps`)."""
    if value is None:
        return ""
    number = (
        f"{value:.3g}"
        if abs(value) < 10
        else f"{value:.4g}"
        if abs(value) < 1e6
        else f"{value:.0f}"
    )
    if "e" in number:
        number = f"{value:.0f}"
    return number + unit_suffix(unit)


# --- who set a status ------------------------------------------------------------------------
PROBE_ATTESTER = "probe"
"""`by` of a status a probe result set: `probe`, or `<operator> (probe)` when the session has a
name."""


def probe_attester(operator: str) -> str:
    """The `by` a probe result writes (actions.probe_change); `is_probe_attester` reads it back."""
    return f"{operator} ({PROBE_ATTESTER})" if operator else PROBE_ATTESTER


def is_probe_attester(by: str) -> bool:
    """True when a status was set by a probe result, not attested by a person (its expiry is the
    verdict's probe_valid_hours). The record keeps it in `by`; this is the one place that reads
    it."""
    return by == PROBE_ATTESTER or by.endswith(f" ({PROBE_ATTESTER})")


STATUS_OUTCOME: dict[str, OutcomeState] = {
    "done": "complete",
    "failed": "failed",
    "n/a": "n/a",
    "blocked": "blocked",
    "pending": "pending",
}
"""How a recorded status counts before waivers and expiry (decision.outcome; the first frame's
rows)."""
