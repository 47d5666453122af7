"""The files the demo production's CI left behind, which its profile points at: k6 load-test
summaries and dependency-audit reports.

Split from `demo`, which stages the live backends; these are plain files in its directory.
"""

from __future__ import annotations

import json
from pathlib import Path


def dependency_reports(directory: Path) -> list[str]:
    """A clean npm audit and a SARIF with one low finding (under the row's fail_at), written just
    now."""
    import datetime as dt

    from .reports import DEBUG, npm_audit_v7, sarif, write

    return [
        write(directory / "deps" / "api-gateway-npm-audit.json", npm_audit_v7([])),
        write(directory / "deps" / "deal-service.sarif", sarif([DEBUG], dt.datetime.now(dt.UTC))),
    ]


def k6_summaries(directory: Path, *, healthy: bool) -> dict[str, str]:
    """A k6 summary per load scenario; the mixed production is slower under high load, fails some
    spikes."""
    figures = {
        "normal": (150, 0.0),
        "high": (410 if healthy else 470, 0.0),
        "spike": (880, 0.0 if healthy else 0.021),
        "soak": (190, 0.0),
    }
    paths = {}
    for scenario, (p95, failed) in figures.items():
        summary = {
            "metrics": {
                "http_req_duration": {
                    "avg": p95 * 0.55,
                    "med": p95 * 0.5,
                    "p(90)": p95 * 0.85,
                    "p(95)": float(p95),
                    "max": p95 * 3.0,
                },
                "http_req_failed": {"value": failed, "passes": 0, "fails": 0},
                "iterations": {"count": 48000, "rate": 160.0},
                "memory_growth_pct": {"value": 3.5 if healthy else 6.0},
            }
        }
        path = directory / f"k6-{scenario}.json"
        path.write_text(json.dumps(summary, indent=2))
        paths[scenario] = str(path)
    return paths
