"""Traces for `tracing.recent-traces`: X-Ray segments put into the moto server, and a Jaeger
query API look-alike (HTTPS, sandbox CA) serving the same shape.

A shape says which services are silent and which traps surround them:
- `old_only`: the service's last traces ended before the window (a probe asking a wide
  window, or trusting that Jaeger lists the service in /api/services, passes);
- `other_env`: traces in the window come from `<service>-staging` (a probe matching names by
  substring passes), and another service's trace has a subsegment calling the silent one
  (a probe counting every name in a trace passes).
`TraceEmitter` keeps the demo's traces fresh, as live services keep sending them.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..profile import SEED_SERVICES
from .tls import SandboxCA
from .web import HttpsService


@dataclass(frozen=True)
class TraceShape:
    silent: tuple[str, ...] = ()
    """Services with no trace of their own in the window."""
    old_only: tuple[str, ...] = ()
    """Silent services whose last traces ended an hour ago."""
    other_env: tuple[str, ...] = ()
    """Silent services whose name appears in the window only as `-staging` or a call to them."""


HEALTHY_TRACES = TraceShape()
MIXED_TRACES = TraceShape(silent=("tax-engine",))
"""The demo's degraded production: tax-engine's tracer lost its exporter in the last deploy."""
TRAPS_TRACES = TraceShape(
    silent=("customer-service",), old_only=("customer-service",), other_env=("customer-service",)
)


def _trace_id(at: float) -> str:
    return f"1-{int(at):08x}-{secrets.token_hex(12)}"


def segments(
    shape: TraceShape, now: float, services: list[str] | None = None
) -> list[dict[str, Any]]:
    """X-Ray segment documents (one trace per service, ended ~10 s before `now`), traps included."""
    docs: list[dict[str, Any]] = []

    def trace(name: str, ended: float, calls: str = "") -> None:
        doc: dict[str, Any] = {
            "name": name,
            "id": secrets.token_hex(8),
            "trace_id": _trace_id(ended - 0.2),
            "start_time": ended - 0.2,
            "end_time": ended,
            "annotations": {"environment": "staging" if name.endswith("-staging") else "prod"},
        }
        if calls:
            doc["subsegments"] = [
                {
                    "name": calls,
                    "id": secrets.token_hex(8),
                    "start_time": ended - 0.15,
                    "end_time": ended - 0.05,
                    "namespace": "remote",
                }
            ]
        docs.append(doc)

    for service in services or SEED_SERVICES:
        if service in shape.old_only:
            trace(service, now - 3600)
        if service in shape.other_env:
            trace(f"{service}-staging", now - 10)
            trace("api-gateway", now - 12, calls=service)
        if service not in shape.silent:
            trace(service, now - 10)
    return docs


def put_traces(xray: Any, shape: TraceShape, now: float | None = None) -> int:
    """Put the shape's segments with a real boto3 X-Ray client; returns how many."""
    docs = segments(shape, time.time() if now is None else now)
    for first in range(0, len(docs), 10):
        answer = xray.put_trace_segments(
            TraceSegmentDocuments=[json.dumps(d) for d in docs[first : first + 10]]
        )
        if answer.get("UnprocessedTraceSegments"):
            raise RuntimeError(f"X-Ray refused segments: {answer['UnprocessedTraceSegments']}")
    return len(docs)


class TraceEmitter:
    """Puts the shape's traces now and every `every` seconds, until stopped (the demo's services):
    every 5 minutes keeps three traces a service in the default 15-minute window."""

    def __init__(self, xray: Any, shape: TraceShape, every: float = 300.0) -> None:
        self.xray, self.shape, self.every = xray, shape, every
        self._stop = threading.Event()
        put_traces(xray, shape)
        threading.Thread(target=self._run, name="demo-traces", daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                put_traces(self.xray, self.shape)
            except Exception:  # the moto server stopped first: the demo is ending
                return

    def stop(self) -> None:
        self._stop.set()


def jaeger_traces(shape: TraceShape, now: float) -> list[dict[str, Any]]:
    """The shape's traces in Jaeger's JSON (microseconds; one process per span)."""
    out = []
    for doc in segments(shape, now):
        began, ended = int(doc["start_time"] * 1e6), int(doc["end_time"] * 1e6)
        spans = [
            {
                "traceID": doc["trace_id"],
                "spanID": doc["id"],
                "processID": "p1",
                "startTime": began,
                "duration": ended - began,
            }
        ]
        processes = {"p1": {"serviceName": doc["name"]}}
        for sub in doc.get("subsegments", []):  # the called service, as the caller saw it
            spans.append(
                {
                    "traceID": doc["trace_id"],
                    "spanID": sub["id"],
                    "processID": "p1",
                    "startTime": int(sub["start_time"] * 1e6),
                    "duration": int((sub["end_time"] - sub["start_time"]) * 1e6),
                    "operationName": f"GET {sub['name']}",
                }
            )
        out.append({"traceID": doc["trace_id"], "spans": spans, "processes": processes})
    return out


class JaegerQuery:
    """A Jaeger query API look-alike: /api/services and /api/traces (GET only).

    Like a Jaeger backed by a store without an exact time index, /api/traces answers every
    trace that has a span of the service, ignoring start/end: the probe must check times.
    """

    def __init__(self, ca: SandboxCA, shape: TraceShape = HEALTHY_TRACES) -> None:
        self.traces = jaeger_traces(shape, time.time())
        self.requests: list[str] = []
        self.http = HttpsService(ca, self._handle)
        self.url = self.http.url

    def _handle(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], str]:
        js = {"Content-Type": "application/json"}
        self.requests.append(f"{method} {path.split('?')[0]}")
        if method != "GET":
            return 405, js, json.dumps({"errors": [{"msg": "read only"}]})
        route, query = urlsplit(path).path, parse_qs(urlsplit(path).query)
        if route == "/api/services":
            names = {p["serviceName"] for t in self.traces for p in t["processes"].values()}
            return 200, js, json.dumps({"data": sorted(names), "total": len(names)})
        if route == "/api/traces":
            service = (query.get("service") or [""])[0]
            data = [
                t
                for t in self.traces
                if any(p["serviceName"] == service for p in t["processes"].values())
            ]
            return 200, js, json.dumps({"data": data, "total": len(data)})
        return 404, js, json.dumps({"errors": [{"msg": "not found"}]})

    def stop(self) -> None:
        self.http.stop()


SCENARIOS = {"healthy": HEALTHY_TRACES, "degraded": MIXED_TRACES, "traps": TRAPS_TRACES}


def start_traces(account: Any, scenario: str) -> Callable[[], None]:
    """A staged production's services sending traces to its X-Ray (moto); returns the stopper."""
    return TraceEmitter(account.client("xray"), SCENARIOS[scenario]).stop
