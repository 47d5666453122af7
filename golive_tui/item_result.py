"""One result per item from its probes' results, and the verdict an exception stands for.

An item of several probes is as bad as its worst probe; every probe's summary and evidence are
kept. When an outage alone made it that bad, its evidence says so, so the sweep counts it
under the outage's one finding rather than as a regression of its own.
"""

from __future__ import annotations

from .model import ProbeSpec
from .probes.base import NotConfigured, ProbeError, ProbeResult, errored, skipped
from .reachability import SILENT, backend_of, worse_only_by_outage
from .text import shorten
from .vocab import SEVERITY, Verdict


def one_line(text: object, limit: int = 300) -> str:
    return shorten(text, limit)


def verdict_of(exc: Exception) -> ProbeResult:
    """What a probe's exception says: `error` with its reason, `skipped` when the profile lacks
    something."""
    if isinstance(exc, ProbeError):
        return errored(one_line(exc))
    if isinstance(exc, NotConfigured):
        return skipped(one_line(exc))
    return errored(one_line(f"{type(exc).__name__}: {exc}"))


def merge(results: list[tuple[ProbeSpec, ProbeResult]]) -> ProbeResult:
    """One result per item: the worst verdict, every probe's summary and evidence kept."""
    if len(results) == 1:
        return results[0][1]
    silent = [res for _, res in results if backend_of(res.summary)]
    if len(silent) == len(
        results
    ):  # nothing evaluated: the item is not evaluated (named after its first backend)
        evidence = "\n".join(
            f"[{spec.kind}] {res.summary}\n{res.evidence}".rstrip() for spec, res in results
        )
        return ProbeResult(
            Verdict.ERROR,
            silent[0].summary,
            evidence,
            checked_at=max(r.checked_at for r in silent),
            duration_ms=max(r.duration_ms for r in silent),
        )
    considered = [r for r in results if r[1].verdict is not Verdict.SKIPPED] or results
    worst = max(considered, key=lambda pair: SEVERITY[pair[1].verdict])[1]
    summary = "; ".join(f"{spec.kind}: {res.summary}" for spec, res in results)
    evidence = "\n".join(
        f"[{spec.kind}] {res.verdict.value}: {res.summary}\n{res.evidence}".rstrip()
        for spec, res in results
    )
    if backend := worse_only_by_outage([res for _, res in considered], worst.verdict):
        evidence += f"\n{SILENT}{backend}"  # then compared later with its verdict before it
    value = next((res for _, res in results if res.value is not None), None)
    return ProbeResult(
        worst.verdict,
        one_line(summary, 500),
        evidence,
        value=value.value if value else None,
        unit=value.unit if value else "",
        checked_at=max(res.checked_at for _, res in results),
        duration_ms=max(res.duration_ms for _, res in results),
    )
