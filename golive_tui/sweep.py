"""One sweep of probes as a captain follows it: progress, a summary with its own wall time, and
what changed since the sweep before (a regression is known the moment its result arrives).

Items whose probes page a human are never part of a sweep: they are *held*, shown as
needing confirmation, and run only when the captain asks for that item alone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import Item
from .reachability import Unreachable, backend_of, silent_backend, unreachable, verdict_before
from .state import State
from .text import plural
from .vocab import Verdict, glyph

RANK = {Verdict.PASS: 0, Verdict.ACCEPTABLE: 1, Verdict.FAIL: 2, Verdict.ERROR: 3}
"""How bad a verdict is when two sweeps are compared: an error knows less than a fail, so fail ->
error is worse.

(Merging several probes of one item uses vocab.SEVERITY instead, where a fail found outweighs an
error.)"""


def pages_a_human(item: Item) -> bool:
    """True when one of the item's probes must be confirmed first (PagerDuty test events)."""
    return any(spec.confirm for spec in item.probe)


@dataclass(frozen=True)
class VerdictChange:
    """An item's verdict in this sweep against the one before it."""

    key: str
    before: str
    after: str
    not_evaluated: bool = False
    """The new result belongs to an outage: `not evaluated`, or a health/TLS probe failed on a host
    found silent (said once per backend, never a regression of its own)."""

    @property
    def worse(self) -> bool:
        """pass -> acceptable -> fail -> error: each step down is worse; a skip is no signal."""
        if Verdict.SKIPPED in (self.before, self.after):
            return False
        return RANK[Verdict(self.after)] > RANK[Verdict(self.before)]

    @property
    def regression(self) -> bool:
        """Worse than before, and a probe said so (an unreachable backend is its own finding)."""
        return self.worse and not self.not_evaluated

    @property
    def improvement(self) -> bool:
        """Better than before: to pass or acceptable. error -> fail is no improvement (it still
        fails)."""
        if Verdict.SKIPPED in (self.before, self.after) or self.after not in (
            Verdict.PASS,
            Verdict.ACCEPTABLE,
        ):
            return False
        return RANK[Verdict(self.after)] < RANK[Verdict(self.before)]

    @property
    def mark(self) -> str:
        """What the table shows in front of a changed verdict: never ▲ for fail -> error."""
        return "▼" if self.worse else "▲" if self.improvement else "•"


@dataclass
class Sweep:
    """The items a sweep probes, what they showed before it, and what has arrived."""

    keys: tuple[str, ...]
    before: dict[str, str]
    """The latest verdict of each probed item when the sweep started (absent: never probed)."""
    held: tuple[str, ...] = ()
    """Items that page a human: left for `p`, not run."""
    clock: Callable[[], float] = time.monotonic
    started: float = 0.0
    ended: float | None = None
    cancelled: bool = False
    verdicts: dict[str, str] = field(default_factory=dict)
    outages: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Items not evaluated in this sweep: key -> (summary, evidence) naming the silent backend."""

    @classmethod
    def start(
        cls, items: Iterable[Item], state: State, *, clock: Callable[[], float] = time.monotonic
    ) -> Sweep:
        probed = [i for i in items if i.probe]
        held = tuple(i.key for i in probed if pages_a_human(i))
        keys = tuple(i.key for i in probed if not pages_a_human(i))
        # An item whose last result was an outage's `not evaluated` is compared with its verdict
        # before the outage.
        before = {
            key: verdict_before(p.verdict, p.summary, p.evidence)
            for key in keys
            if key in state.items and (p := state.items[key].probe) is not None
        }
        return cls(keys, before, held, clock, clock())

    # --- events --------------------------------------------------------------------------
    def arrived(
        self, key: str, verdict: str, summary: str = "", evidence: str = ""
    ) -> VerdictChange | None:
        """Record one result; the change against the previous sweep, if there is one."""
        self.verdicts[key] = str(verdict)
        if silent_backend(summary, evidence) is not None:
            self.outages[key] = (summary, evidence)
        else:
            self.outages.pop(key, None)
        return self.change(key)

    def end(self, *, cancelled: bool = False) -> None:
        self.ended = self.clock()
        self.cancelled = cancelled

    # --- what it shows -------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.ended is None

    @property
    def total(self) -> int:
        return len(self.keys)

    @property
    def done(self) -> int:
        return len(self.verdicts)

    @property
    def pending(self) -> set[str]:
        return set(self.keys) - set(self.verdicts) if self.running else set()

    @property
    def wall(self) -> float:
        """Seconds from the start to the end of the run (to now while it runs)."""
        return (self.ended if self.ended is not None else self.clock()) - self.started

    def counts(self) -> Counter[str]:
        return Counter(self.verdicts.values())

    def change(self, key: str) -> VerdictChange | None:
        before, after = self.before.get(key), self.verdicts.get(key)
        if before is None or after is None or before == after:
            return None
        return VerdictChange(key, before, after, key in self.outages)

    def changes(self) -> dict[str, VerdictChange]:
        return {key: c for key in self.verdicts if (c := self.change(key)) is not None}

    def regressions(self) -> list[str]:
        return [key for key, c in self.changes().items() if c.regression]

    def unreachable(self) -> list[Unreachable]:
        """One finding per silent backend: `Kubernetes API unreachable since 10:42:07 — 9 items not
        evaluated`."""
        return unreachable(self.outages[key] for key in self.keys if key in self.outages)

    def failures(self, order: Iterable[str]) -> list[str]:
        """Keys whose result is fail or error, in the given (checklist) order."""
        return [key for key in order if self.verdicts.get(key) in (Verdict.FAIL, Verdict.ERROR)]

    def _tally(self) -> str:
        c = self.counts()
        c["error"] -= self._not_evaluated()  # counted once per backend, not as errors
        shown = [
            f"{c[v]} {glyph(v)}"
            for v in ("pass", "acceptable", "fail", "error")
            if c[v] or v != "acceptable"
        ]
        if c["skipped"]:
            shown.append(f"{c['skipped']} skipped")
        return " ".join(shown)

    def _not_evaluated(self) -> int:
        """Items not evaluated for an outage (a health/TLS check failed on one keeps its
        verdict)."""
        return sum(1 for summary, _ in self.outages.values() if backend_of(summary) is not None)

    def progress_line(self) -> str:
        """`probing 23/57 · ✓14 ✗5 ⚠1` while results arrive."""
        c = self.counts()
        c["error"] -= self._not_evaluated()
        tally = " ".join(
            f"{glyph(v)}{c[v]}" for v in ("pass", "acceptable", "fail", "error") if c[v]
        )
        silent = "".join(f" · {u.short()}" for u in self.unreachable())
        return f"probing {self.done}/{self.total}" + (f" · {tally}" if tally else "") + silent

    def summary_line(self) -> str:
        """`57 probed in 1.9 s: 30 ✓ 12 ✗ 9 ⚠ 6 skipped`, then what is held, changed or
        cancelled."""
        head = "cancelled: " if self.cancelled else ""
        text = f"{head}{self.done} probed in {self.wall:.1f} s: {self._tally()}"
        if self.cancelled and self.total > self.done:
            text += f" · {self.total - self.done} not run"
        for finding in self.unreachable():
            text += f" · {finding.line()}"
        if self.held:
            text += f" · {len(self.held)} to confirm (p)"
        regressed = len(self.regressions())
        if regressed:
            text += f" · ▼{regressed} regressed"
        elif self.changes():
            text += f" · {plural(len(self.changes()), 'change')}"
        return text
