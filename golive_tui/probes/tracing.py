"""`tracing.recent-traces`: traces arrived from each service in the last minutes (read only).

Asked of the profile's tracing backend over [now - tracing.window_minutes, now]:
- `xray`: GetTraceSummaries for the window, then BatchGetTraces (5 ids a call) for the
  documents of at most MAX_TRACES of them. A service counts when a trace has a *segment*
  of its own name: a subsegment naming it (another service calling it) is not its trace.
  When X-Ray's summaries name their services (ServiceIds), the most recent trace naming each
  wanted service is read first, so a busy service does not crowd a quiet one out.
- `jaeger`: `GET /api/traces?service=NAME&start&end&limit` per service (microseconds); a
  trace counts when a span of it comes from a process whose serviceName is NAME.
A service is named exactly (`deal-service-staging` is not `deal-service`); a trace outside
the window is not counted even if the backend lists it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from .aws_client import aws_probe, client, paginate, plural
from .base import Findings, NoParams, NotConfigured, ProbeContext, ProbeError, ProbeResult
from .http_client import request_blocking

MAX_TRACES = 50
"""X-Ray trace documents read at most per sweep (10 BatchGetTraces calls)."""
JAEGER_LIMIT = 20
"""Traces asked of Jaeger per service: one in the window is enough, a few show when."""


def wanted_services(ctx: ProbeContext) -> list[str]:
    services = ctx.profile.tracing.services or ctx.profile.target.services
    if not services:
        raise NotConfigured("tracing.services and target.services are empty: no service to check")
    return list(services)


def _epoch(moment: dt.datetime) -> float:
    return moment.timestamp()


def _named(summary: dict[str, Any]) -> set[str]:
    """Service names an X-Ray summary lists (empty when the backend does not say)."""
    names: set[str] = set()
    for service in summary.get("ServiceIds") or []:
        names.add(str(service.get("Name", "")))
        names.update(str(n) for n in service.get("Names") or [])
    return names - {""}


def _started(summary: dict[str, Any]) -> float:
    """When the trace started, as X-Ray's summaries say (0 when they do not: moto)."""
    started = summary.get("StartTime")
    return started.timestamp() if isinstance(started, dt.datetime) else 0.0


def _choose(summaries: list[dict[str, Any]], services: Iterable[str]) -> list[str]:
    """Trace ids to read: the newest naming each service first, then the newest others."""
    chosen: list[str] = []
    for service in services:
        tid = next((s["Id"] for s in reversed(summaries) if service in _named(s)), None)
        if tid and tid not in chosen:
            chosen.append(tid)
    for summary in reversed(summaries):
        if len(chosen) >= MAX_TRACES:
            break
        if summary["Id"] not in chosen:
            chosen.append(summary["Id"])
    return chosen[:MAX_TRACES]


def xray_seen(
    ctx: ProbeContext, start: dt.datetime, end: dt.datetime
) -> tuple[dict[str, float], str]:
    """({service: newest segment end, epoch seconds}, what was read) from X-Ray."""
    summaries = paginate(
        ctx, "xray", "get_trace_summaries", "TraceSummaries", StartTime=start, EndTime=end
    )
    summaries.sort(key=_started)  # oldest first: the newest are read first
    wanted = wanted_services(ctx)
    ids = _choose(summaries, wanted)
    seen: dict[str, float] = {}
    xray = client(ctx, "xray")
    read = 0
    for first in range(0, len(ids), 5):
        if set(wanted) <= set(seen):
            break  # one trace each is all the row asks
        read += len(ids[first : first + 5])
        for trace in xray.batch_get_traces(TraceIds=ids[first : first + 5]).get("Traces", []):
            for segment in trace.get("Segments") or []:
                document = json.loads(segment.get("Document") or "{}")
                name, ended = str(document.get("name", "")), document.get("end_time")
                began = document.get("start_time")
                if not (isinstance(ended, (int, float)) and isinstance(began, (int, float))):
                    continue  # in progress: not yet a trace that arrived
                if name and _epoch(start) <= began and ended <= _epoch(end):
                    seen[name] = max(seen.get(name, 0.0), float(ended))
    return seen, (
        f"X-Ray: {plural(len(summaries), 'trace')} in the window, "
        f"{read} read (at most {MAX_TRACES}, until every service was seen)"
    )


def jaeger_seen(
    ctx: ProbeContext, start: dt.datetime, end: dt.datetime
) -> tuple[dict[str, float], str]:
    """({service: newest span end, epoch seconds}, what was read) from Jaeger's query API."""
    base = ctx.profile.tracing.jaeger_url.rstrip("/")
    if not base:
        raise NotConfigured(
            "tracing.jaeger_url is empty in the profile: set it to the Jaeger query service"
        )
    lo, hi = int(_epoch(start) * 1e6), int(_epoch(end) * 1e6)
    seen: dict[str, float] = {}
    for service in wanted_services(ctx):
        query = urlencode({"service": service, "start": lo, "end": hi, "limit": JAEGER_LIMIT})
        reply = request_blocking(ctx, "GET", f"{base}/api/traces?{query}")
        if reply.status_code != 200:
            raise ProbeError(
                f"Jaeger GET /api/traces?service={service} answered {reply.status_code}"
            )
        try:
            traces = reply.json().get("data") or []
        except (ValueError, AttributeError):
            raise ProbeError("Jaeger /api/traces answered with a body that is not JSON") from None
        for trace in traces:
            processes = trace.get("processes") or {}
            for span in trace.get("spans") or []:
                process = processes.get(span.get("processID"), {})
                began = int(span.get("startTime", 0))
                ended = began + int(span.get("duration", 0))
                # Jaeger answers with what it has: the window is checked here, not trusted.
                if process.get("serviceName") == service and lo <= began and ended <= hi:
                    seen[service] = max(seen.get(service, 0.0), ended / 1e6)
    return seen, f"Jaeger {base}: /api/traces per service (limit {JAEGER_LIMIT})"


@aws_probe("tracing.recent-traces", NoParams)
def recent_traces(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Traces arrived from each service in the last tracing.window_minutes (X-Ray or Jaeger)."""
    settings = ctx.profile.tracing
    if not settings.backend:
        raise NotConfigured("tracing.backend is empty in the profile: set it to xray or jaeger")
    services = wanted_services(ctx)
    end = ctx.now()
    start = end - dt.timedelta(minutes=settings.window_minutes)
    read = xray_seen if settings.backend == "xray" else jaeger_seen
    seen, how = read(ctx, start, end)
    found = Findings()
    found.line(f"{how}; window {settings.window_minutes:g} min up to {end:%H:%M:%S}Z")
    for service in services:
        if service in seen:
            ago = max(0.0, _epoch(end) - seen[service])
            found.line(f"  {service}: last trace ended {ago:.0f}s ago")
        else:
            found.problem(
                f"no trace from {service} in the last {settings.window_minutes:g} min",
                f"  {service}: NO trace in the window",
            )
    others = sorted(set(seen) - set(services))
    if others:
        found.line(f"  also traced (not checked): {', '.join(others)}")
    return found.result(
        f"traces from all {len(services)} services in the last {settings.window_minutes:g} min"
    )
