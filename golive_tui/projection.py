"""One item as everything shows it, computed in one place: how it counts now and why, the recorded
status and who set it (a person or a probe), the probe's last result, note, evidence, waiver,
override.

The facts, unescaped: the cockpit (cockpit/views.py) makes them terminal-safe, the reports
(report/common.py) escape them per format, the CLI prints them. "evidence" is only ever what
a person attached; what a probe saw is `probe_output`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .decision import attested_by_probe, outcome
from .model import Item
from .state import State
from .vocab import FINISHED_OUTCOMES, OutcomeState, format_value


@dataclass(frozen=True, kw_only=True)
class ItemFacts:
    item: Item
    state: OutcomeState
    """The outcome: complete, failed, pending, blocked, n/a or waived."""
    reason: str
    """Why the outcome differs from the recorded status (an expired attestation, verdict or
    waiver)."""
    status: str
    """The recorded status (pending, done, failed, n/a, blocked)."""
    by: str
    by_probe: bool
    """The status was set by a probe result (valid for probe_valid_hours), not attested by a
    person."""
    at: datetime | None
    expires_at: datetime | None
    verdict: str
    summary: str
    probe_output: str
    """What the probe saw (the record's `probe.evidence`)."""
    value: float | None
    unit: str
    checked_at: datetime | None
    duration_ms: float | None
    note: str
    evidence: str
    """Evidence a person attached (text, link or file path); never probe output."""
    evidence_sha256: str
    waiver: dict[str, Any] | None
    override: dict[str, Any] | None = None
    """A person's override of a fail/error verdict: reason, by, at, verdict, summary."""

    @property
    def current(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def date(self) -> str:
        """Date of the current status (of the waiver for a waived item)."""
        when = self.waiver["at"] if self.state == "waived" and self.waiver else self.at
        return f"{when:%Y-%m-%d}" if when else ""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_OUTCOMES


def item_facts(item: Item, state: State, now: datetime) -> ItemFacts:
    istate = state.item(item.key)
    o = outcome(item, istate, now)
    probe = istate.probe
    return ItemFacts(
        item=item,
        state=o.state,
        reason=o.reason,
        status=istate.status,
        by=istate.by,
        by_probe=attested_by_probe(istate),
        at=istate.at,
        expires_at=istate.expires_at,
        verdict=probe.verdict if probe else "",
        summary=probe.summary if probe else "",
        probe_output=probe.evidence if probe else "",
        value=probe.value if probe else None,
        unit=probe.unit if probe else "",
        checked_at=probe.checked_at if probe else None,
        duration_ms=probe.duration_ms if probe else None,
        note=istate.note,
        evidence=istate.evidence,
        evidence_sha256=istate.evidence_sha256,
        waiver=istate.waiver.model_dump() if istate.waiver else None,
        override=istate.override.model_dump() if istate.override else None,
    )
