"""Look-alikes of two operations APIs a release captain reads: PagerDuty's REST API and Grafana's
HTTP API.

Each is an HTTPS server (sandbox CA) answering the GETs golive sends, with the documented
response shapes, behind a token (PagerDuty `Authorization: Token token=…`, Grafana
`Authorization: Bearer …`; anything else is 401). The schedule's rendered entries are laid
out from the server's start time, in hours from then, so a gap lands inside the go-live
window whatever the hour. Shapes: healthy, degraded (plain failures) and traps (someone
on call now but a gap tomorrow; two escalation levels, the second without a target;
every service's dashboard present, their data source failing its health check).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..profile import SEED_SERVICES
from .tls import SandboxCA
from .web import Handler, HttpsService

PD_TOKEN = "sandbox-pagerduty-api-token"
GRAFANA_TOKEN = "sandbox-grafana-token"
SERVICE = "autolytiq-prod"


@dataclass(frozen=True)
class OpsShape:
    gaps: tuple[tuple[float, float], ...] = ()
    """(from, to) hours after start with nobody in the schedule."""
    levels: tuple[int, ...] = (1, 1)
    """Targets of each escalation level (0: a level without a target)."""
    missing_dashboards: frozenset[str] = frozenset()
    datasource_healthy: bool = True


HEALTHY_OPS = OpsShape()
DEGRADED_OPS = OpsShape(
    gaps=((-2.0, 5.0),), levels=(1,), missing_dashboards=frozenset({"inventory-service"})
)
TRAPS_OPS = OpsShape(gaps=((30.0, 34.0),), levels=(1, 0), datasource_healthy=False)
MIXED_OPS = OpsShape(gaps=((30.0, 34.0),), levels=(1, 0))
"""The demo's mixed production: a gap tomorrow night in the schedule, an escalation level with no
target."""


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pagerduty_handler(
    shape: OpsShape, start: dt.datetime, seen: list[str] | None = None
) -> Handler:
    users = {"PUSER1": "Dana Ops", "PUSER2": "Lee Platform"}

    def entries() -> list[dict[str, Any]]:
        """Eight-hour shifts from a day before start to two weeks after, minus the gaps."""
        out, at = [], start - dt.timedelta(days=1)
        spans = [
            (start + dt.timedelta(hours=a), start + dt.timedelta(hours=b)) for a, b in shape.gaps
        ]
        for n in range(16 * 3):
            begin, end = at + dt.timedelta(hours=8 * n), at + dt.timedelta(hours=8 * (n + 1))
            for gap_start, gap_end in spans:  # cut the shift around each gap
                if gap_start < end and gap_end > begin:
                    if begin < gap_start:
                        out.append((begin, gap_start))
                    begin = max(begin, gap_end)
            if begin < end:
                out.append((begin, end))
        uid = list(users)
        return [
            {
                "start": _iso(b),
                "end": _iso(e),
                "user": {"id": uid[n % 2], "summary": users[uid[n % 2]], "type": "user_reference"},
            }
            for n, (b, e) in enumerate(out)
        ]

    def handle(
        method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], str]:
        js = {"Content-Type": "application/json"}
        if seen is not None:
            seen.append(f"{method} {path.split('?')[0]}")
        if headers.get("Authorization") != f"Token token={PD_TOKEN}":
            return 401, js, json.dumps({"error": {"message": "Unauthorized", "code": 2006}})
        if method != "GET":
            return 405, js, json.dumps({"error": {"message": "read-only look-alike"}})
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if parts.path == "/services":
            services = [
                {
                    "id": "PSVC1",
                    "name": SERVICE,
                    "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
                },
                {"id": "PSVC2", "name": f"{SERVICE}-staging", "escalation_policy": {"id": "PEP2"}},
            ]
            wanted = (query.get("query") or [""])[0]
            return (
                200,
                js,
                json.dumps(
                    {"services": [s for s in services if wanted in s["name"]], "more": False}
                ),
            )
        if parts.path == "/escalation_policies/PEP1":
            rules = []
            for n, targets in enumerate(shape.levels):
                chosen = (
                    [{"id": "PSCHED1", "type": "schedule_reference"}]
                    if n == 0
                    else [{"id": "PUSER2", "type": "user_reference"}]
                )
                rules.append(
                    {
                        "id": f"PRULE{n + 1}",
                        "escalation_delay_in_minutes": 15,
                        "targets": chosen[:targets],
                    }
                )
            return (
                200,
                js,
                json.dumps(
                    {
                        "escalation_policy": {
                            "id": "PEP1",
                            "name": f"{SERVICE} escalation",
                            "escalation_rules": rules,
                        }
                    }
                ),
            )
        if parts.path == "/schedules/PSCHED1":
            return (
                200,
                js,
                json.dumps(
                    {
                        "schedule": {
                            "id": "PSCHED1",
                            "name": f"{SERVICE} primary",
                            "time_zone": "UTC",
                            "final_schedule": {
                                "name": "Final Schedule",
                                "rendered_schedule_entries": entries(),
                            },
                        }
                    }
                ),
            )
        if parts.path == "/oncalls":
            now = dt.datetime.now(dt.UTC)
            on = [e for e in entries() if e["start"] <= _iso(now) < e["end"]]
            return (
                200,
                js,
                json.dumps(
                    {
                        "oncalls": [
                            {
                                "user": e["user"],
                                "escalation_level": 1,
                                "start": e["start"],
                                "end": e["end"],
                                "schedule": {"id": "PSCHED1"},
                                "escalation_policy": {"id": "PEP1"},
                            }
                            for e in on
                        ]
                    }
                ),
            )
        return 404, js, json.dumps({"error": {"message": "Not Found", "code": 2100}})

    return handle


def grafana_handler(shape: OpsShape, seen: list[str] | None = None) -> Handler:
    dashboards = {f"svc-{s}": s for s in SEED_SERVICES if s not in shape.missing_dashboards}

    def handle(
        method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], str]:
        js = {"Content-Type": "application/json"}
        if seen is not None:
            seen.append(f"{method} {path.split('?')[0]}")
        if headers.get("Authorization") != f"Bearer {GRAFANA_TOKEN}":
            return 401, js, json.dumps({"message": "Unauthorized"})
        route = urlsplit(path).path
        if route == "/api/search":
            return (
                200,
                js,
                json.dumps(
                    [
                        {
                            "uid": uid,
                            "title": f"{svc} overview",
                            "tags": [svc, "service"],
                            "type": "dash-db",
                            "url": f"/d/{uid}",
                        }
                        for uid, svc in dashboards.items()
                    ]
                ),
            )
        if route.startswith("/api/dashboards/uid/") and route.rsplit("/", 1)[-1] in dashboards:
            uid = route.rsplit("/", 1)[-1]
            panels = [
                {
                    "id": 1,
                    "title": "Requests",
                    "datasource": {"type": "prometheus", "uid": "prom-prod"},
                },
                {"id": 2, "title": "Notes", "type": "text"},
            ]
            return (
                200,
                js,
                json.dumps(
                    {
                        "dashboard": {
                            "uid": uid,
                            "title": f"{dashboards[uid]} overview",
                            "panels": panels,
                        },
                        "meta": {},
                    }
                ),
            )
        if route == "/api/datasources/uid/prom-prod/health":
            if shape.datasource_healthy:
                return (
                    200,
                    js,
                    json.dumps(
                        {"status": "OK", "message": "Successfully queried the Prometheus API."}
                    ),
                )
            return (
                400,
                js,
                json.dumps(
                    {
                        "status": "ERROR",
                        "message": (
                            'Post "http://prometheus-staging:9090/api/v1/query": dial tcp: '
                            "lookup prometheus-staging: no such host"
                        ),
                    }
                ),
            )
        return 404, js, json.dumps({"message": "Not found"})

    return handle


class OpsApis:
    """The PagerDuty REST and Grafana look-alikes of one shape."""

    def __init__(
        self, ca: SandboxCA, shape: OpsShape = HEALTHY_OPS, start: dt.datetime | None = None
    ) -> None:
        self.start = (start or dt.datetime.now(dt.UTC)).replace(minute=0, second=0, microsecond=0)
        self.requests: list[str] = []
        """Every request either look-alike answered, as `METHOD /path` (the probes only read)."""
        self.pagerduty = HttpsService(ca, pagerduty_handler(shape, self.start, self.requests))
        self.grafana = HttpsService(ca, grafana_handler(shape, self.requests))

    def profile_overrides(self, token_dir: Any) -> dict[str, Any]:
        """Profile keys; the tokens go to files only their owner can read (`file:` secrets)."""
        secrets = {}
        for name, value in (("pagerduty-api-token", PD_TOKEN), ("grafana-token", GRAFANA_TOKEN)):
            path = token_dir / name
            path.touch(mode=0o600)
            path.chmod(0o600)
            path.write_text(value + "\n")
            secrets[name] = f"file:{path}"
        return {
            "pagerduty": {
                "api_url": self.pagerduty.url,
                "api_token_secret": secrets["pagerduty-api-token"],
            },
            "grafana": {"url": self.grafana.url, "token_secret": secrets["grafana-token"]},
        }

    def stop(self) -> None:
        self.pagerduty.stop()
        self.grafana.stop()


def start_ops(
    ca: SandboxCA, shape: OpsShape, profile: dict[str, Any], stoppers: list[Any], token_dir: Any
) -> OpsApis:
    """Start both look-alikes for a staged production and merge their keys into `profile`."""
    ops = OpsApis(ca, shape)
    stoppers.append(ops.stop)
    for section, values in ops.profile_overrides(token_dir).items():
        profile.setdefault(section, {}).update(values)
    return ops
