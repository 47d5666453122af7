"""A backend that does not answer is one finding, not one error per item.

When the Kubernetes API, an AWS endpoint, Prometheus or a service host stops answering, the
engine (probes/reach.py) finds it once per sweep, and every item that needed it gets the same
result: `error`, summary `not evaluated: Kubernetes API unreachable`. This module is the
vocabulary of that result, shared by the engine, the record, the sweep and every view:

- the result itself, with the moment the backend was found silent and what it said;
- what the record keeps across sweeps (the verdict before the outage, the first moment it was
  seen), so an item back at its pre-outage verdict is no change and "since" is the outage's
  start, not the latest sweep's;
- the outages a set of results or a saved state shows, one line per backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .text import plural
from .vocab import SEVERITY, Verdict

if TYPE_CHECKING:  # for annotations only: probes.base is the probe layer, imported lazily
    from .probes.base import ProbeResult
    from .state import State
    from .state.schema import ProbeRecord

NOT_EVALUATED = "not evaluated: "
_SUMMARY = re.compile(r"^not evaluated: (?P<backend>.+) unreachable$")
SINCE = "unreachable since: "
BEFORE = "verdict before the outage: "
SILENT = "host found silent: "
"""Evidence line of a probe that judges its hosts' reachability itself (health, TLS) and failed
because every one of them was silent: its verdict is its own, the outage is said once. Followed
by the backend's name alone (what the host said is on the line before)."""


@dataclass(frozen=True)
class Outage:
    """One backend found silent: its name (`Kubernetes API`), where, since when, and why we think
    so."""

    backend: str
    since: datetime
    reason: str = ""
    url: str = ""


SAID = "the probe said: "


def not_evaluated(outage: Outage, said: str = "") -> ProbeResult:
    """The result of an item whose backend is unreachable: `error`, and it says so rather than
    timing out alone.

    `said` is the probe's own error, when it ended before the engine knew (kept in the evidence)."""
    from .probes.base import errored

    where = f" ({outage.url})" if outage.url else ""
    evidence = (
        f"{outage.backend}{where}: {outage.reason or 'no answer'}\n"
        f"{SINCE}{outage.since.isoformat()}"
    )
    if said:
        evidence += f"\n{SAID}{said}"
    return errored(f"{NOT_EVALUATED}{outage.backend} unreachable", evidence)


def host_silent(result: ProbeResult, outage: Outage) -> ProbeResult:
    """A health or TLS probe that failed because every host it judges is silent: the verdict stays
    the probe's (an unanswering service fails its health check), its evidence names the outage so
    the sweep says it once under the host's finding and does not count it as a regression."""
    where = f" ({outage.url})" if outage.url else ""
    said = f"{outage.backend}{where}: {outage.reason or 'no answer'}"
    lines = [
        result.evidence,
        said,
        f"{SILENT}{outage.backend}",
        f"{SINCE}{outage.since.isoformat()}",
    ]
    result.evidence = "\n".join(line for line in lines if line)
    result.summary = f"{result.summary} ({outage.backend} unreachable)"
    return result


def worse_only_by_outage(results: list[ProbeResult], worst: Verdict) -> str | None:
    """The backend whose outage alone made an item of several probes `worst` (one probe not
    evaluated, a TLS check on a silent host), or None when a probe found it so by itself."""
    if any(
        SEVERITY[r.verdict] >= SEVERITY[worst] and silent_backend(r.summary, r.evidence) is None
        for r in results
    ):
        return None
    return next((b for r in results if (b := silent_backend(r.summary, r.evidence))), None)


_ABOUT_REACHING = re.compile(
    r"unreachable|refused|timed out|timeout|cannot (connect|reach)|not answering|"
    r"connection|resolve|name or service|network|no route|reset by peer",
    re.IGNORECASE,
)


def about_reaching(summary: str) -> bool:
    """Whether a probe's error is about reaching its backend (then the backend's finding replaces
    it); a missing key, a refused permission or a bad query is the probe's own finding and stays."""
    return bool(_ABOUT_REACHING.search(summary or ""))


def backend_answered(result: ProbeResult) -> bool:
    """The probe's backend answered it: a verdict drawn from an answer (a skip asked nobody)."""
    return result.verdict in (Verdict.PASS, Verdict.ACCEPTABLE, Verdict.FAIL) and not (
        about_reaching(result.summary)
    )


def backend_of(summary: str) -> str | None:
    """The backend a not-evaluated result names (None for every other result)."""
    found = _SUMMARY.match(summary or "")
    return found.group("backend") if found else None


def silent_backend(summary: str, evidence: str) -> str | None:
    """The backend whose outage a result belongs to: a not-evaluated result's, or the host a
    health/TLS probe found silent (None for every other result)."""
    backend = backend_of(summary)
    if backend is not None:
        return backend
    return _line(evidence, SILENT) or None


def _line(evidence: str, prefix: str) -> str | None:
    for line in (evidence or "").splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def since_of(evidence: str) -> datetime | None:
    raw = _line(evidence, SINCE)
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def verdict_before(verdict: str, summary: str, evidence: str) -> str:
    """The verdict to compare a new one against: for a record an outage made, the one before it."""
    if silent_backend(summary, evidence) is None:
        return str(verdict)
    before = _line(evidence, BEFORE)
    return before if before in {v.value for v in Verdict} else str(verdict)


def carried(evidence: str, previous: ProbeRecord | None) -> str:
    """The evidence of a new not-evaluated result, carrying what the previous record knew.

    `previous` is the item's saved probe record (or None). The outage's start is the earliest
    not-evaluated moment of this backend in a row; the verdict before it is the last one a probe
    actually gave. Both survive any number of sweeps during the outage.
    """
    if previous is None:
        return evidence
    lines = [line for line in evidence.splitlines() if not line.startswith(BEFORE)]
    if silent_backend(previous.summary, previous.evidence) is None:
        lines.append(f"{BEFORE}{previous.verdict}")
        return "\n".join(lines)
    earlier = since_of(previous.evidence)
    now = since_of(evidence)
    if earlier is not None and (now is None or earlier < now):
        lines = [
            f"{SINCE}{earlier.isoformat()}" if line.startswith(SINCE) else line for line in lines
        ]
    before = _line(previous.evidence, BEFORE)
    if before:
        lines.append(f"{BEFORE}{before}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Unreachable:
    """What a sweep, a header or a report says once per backend."""

    backend: str
    since: datetime | None
    items: int
    """Items not evaluated because of it."""
    failed: int = 0
    """Items that failed on it: a health/TLS probe judging the host itself, or an item of several
    probes made worse only by the one the outage left not evaluated."""

    def line(self) -> str:
        """`Kubernetes API unreachable since 10:42:07 — 9 items not evaluated`"""
        when = f" since {self.since:%H:%M:%S}" if self.since else ""
        counts = [
            *([f"{plural(self.items, 'item')} not evaluated"] if self.items else []),
            *([f"{plural(self.failed, 'item')} failed on it"] if self.failed else []),
        ]
        return f"{self.backend} unreachable{when} — {', '.join(counts)}"

    def short(self) -> str:
        """`Kubernetes API unreachable (9)` where width is scarce."""
        return f"{self.backend} unreachable ({self.items + self.failed})"


def unreachable(records: Iterable[tuple[str, str]]) -> list[Unreachable]:
    """One entry per backend from (summary, evidence) pairs, in order of first appearance."""
    found: dict[str, tuple[datetime | None, int, int]] = {}
    for summary, evidence in records:
        backend = silent_backend(summary, evidence)
        if backend is None:
            continue
        since, count, failed = found.get(backend, (None, 0, 0))
        when = since_of(evidence)
        if since is None or (when is not None and when < since):
            since = when
        if backend_of(summary) is None:  # its own verdict, made worse by the outage
            failed += 1
        else:
            count += 1
        found[backend] = (since, count, failed)
    return [
        Unreachable(name, since, count, failed) for name, (since, count, failed) in found.items()
    ]


def unreachable_in_state(state: State, keys: Iterable[str] | None = None) -> list[Unreachable]:
    """The outages a saved state shows: items whose latest probe result is not-evaluated."""
    wanted = set(keys) if keys is not None else None
    return unreachable(
        (rec.probe.summary, rec.probe.evidence)
        for key, rec in state.items.items()
        if rec.probe is not None and (wanted is None or key in wanted)
    )
