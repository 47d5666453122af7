"""The synthetic traffic the sandbox Prometheus serves: its series per scenario, as history
(OpenMetrics for promtool to backfill) and as the live exporter's exposition.

Every counter is rate × seconds since an origin, so history and live samples continue each
other (`prometheus` backfills one and serves the other). Bucket counts grow linearly, so
every quantile is known in advance:

  healthy : p50 ≈ 29 ms, p95 ≈ 160 ms, p99 ≈ 400 ms, errors 0.05 %, ~1300 rps, gateway ~575 rps/pod,
            tax-engine p99 ≈ 47 ms                         -> every performance item passes
  degraded: p95 ≈ 340 ms (over 200, within 500), p99 ≈ 690 ms, errors 0.4 %, ~710 rps,
            gateway 300 rps/pod, tax-engine p99 100 ms, login p95 > 200 ms, one scrape target down
  per-service: the healthy traffic without a `pod` label (a service-level exporter): the gateway's
            ~1150 rps is one series, so a per-pod figure needs the Ready pods from the cluster
  second  : the second staged production's own labels — namespace `dealdesk-live`, services
            edge-gateway / identity / deals-api / customers-api / stock-api / tax-calculator, the
            route in a `handler` label (`/v2/...`) — so the default profile finds no series and a
            profile (`SECOND_SERIES`) is needed; then all pass but customer search (p95 ≈ 340 ms >
            300)
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5)
# Cumulative share of requests at or under each bucket bound.
FAST = (0.2, 0.45, 0.75, 0.92, 0.97, 0.985, 0.995, 0.999, 1.0)
SLOW = (0.1, 0.3, 0.55, 0.75, 0.9, 0.94, 0.985, 0.998, 1.0)
TAX_FAST = (0.6, 0.95, 0.995, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
TAX_SLOW = (0.3, 0.7, 0.9, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0)
NAMESPACE = "autolytiq-prod"
HISTORY_SECONDS = 30 * 60
STEP = 15


SECOND_NAMESPACE = "dealdesk-live"
SECOND_SERIES = {
    "gateway": 'service="edge-gateway"',
    "login": 'service="identity",handler="/v2/sessions"',
    "create_deal": 'service="deals-api",handler="/v2/deals",method="POST"',
    "search": 'service="customers-api",handler="/v2/customers/search"',
    "tax": 'service="tax-calculator",handler="/v2/tax/calculate"',
}
"""The profile's `[prometheus] series` for the `second` scenario."""


@dataclass(frozen=True)
class Series:
    service: str
    route: str
    method: str
    pod: str
    rps: float
    cdf: tuple[float, ...]
    namespace: str = NAMESPACE
    route_label: str = "route"

    def labels(self) -> str:
        return (
            f'namespace="{self.namespace}",service="{self.service}",{self.route_label}="{self.route}",'
            f'method="{self.method}"' + (f',pod="{self.pod}"' if self.pod else "")
        )


def _second() -> list[Series]:
    def one(
        service: str, route: str, method: str, pod: str, rps: float, cdf: tuple[float, ...]
    ) -> Series:
        return Series(service, route, method, pod, rps, cdf, SECOND_NAMESPACE, "handler")

    return [
        one("edge-gateway", "/", "GET", "edge-gateway-84c2-0", 600, FAST),
        one("edge-gateway", "/", "GET", "edge-gateway-84c2-1", 600, FAST),
        one("identity", "/v2/sessions", "POST", "identity-6b1d-0", 50, FAST),
        one("deals-api", "/v2/deals", "POST", "deals-api-3f8e-0", 30, FAST),
        one("customers-api", "/v2/customers/search", "GET", "customers-api-7a0c-0", 40, SLOW),
        one("stock-api", "/v2/stock", "GET", "stock-api-1e5b-0", 20, FAST),
        one("tax-calculator", "/v2/tax/calculate", "POST", "tax-calculator-9d4a-0", 10, TAX_FAST),
    ]


def series_for(scenario: str) -> list[Series]:
    if scenario == "second":
        return _second()
    if scenario == "per-service":
        # The healthy traffic as a service-level exporter (an ingress, a mesh's gateway) reports it:
        # no `pod` label, one series per service; the gateway's two pods are one series of their
        # summed rate.
        per_service = [dataclasses.replace(s, pod="") for s in series_for("healthy")]
        gateway = [s for s in per_service if s.service == "api-gateway"]
        return [dataclasses.replace(gateway[0], rps=sum(s.rps for s in gateway))] + [
            s for s in per_service if s not in gateway
        ]
    if scenario == "mixed":
        # Healthy traffic, but the gateway is slow: p95 over target, within acceptable.
        return [
            dataclasses.replace(s, cdf=SLOW) if s.service == "api-gateway" else s
            for s in series_for("healthy")
        ]
    healthy = scenario == "healthy"
    gw_rps = (
        600 if healthy else 300
    )  # measured rates land ~5 % under nominal: keep headroom over 500
    fast, tax = (FAST, TAX_FAST) if healthy else (SLOW, TAX_SLOW)
    return [
        Series("api-gateway", "/api", "GET", "api-gateway-7d9f-0", gw_rps, fast),
        Series("api-gateway", "/api", "GET", "api-gateway-7d9f-1", gw_rps, fast),
        Series(
            "auth-service", "/login", "POST", "auth-service-5c4b-0", 50 if healthy else 40, fast
        ),
        Series("deal-service", "/deals", "POST", "deal-service-6f7a-0", 30, fast),
        Series(
            "customer-service",
            "/customers/search",
            "GET",
            "customer-service-4d2e-0",
            40 if healthy else 20,
            fast,
        ),
        Series(
            "inventory-service",
            "/inventory",
            "GET",
            "inventory-service-9a1b-0",
            20 if healthy else 10,
            fast,
        ),
        Series("tax-engine", "/calculate", "POST", "tax-engine-2b3c-0", 10, tax),
    ]


class Workload:
    """The synthetic traffic: every counter is rate × elapsed seconds since `origin`."""

    def __init__(self, scenario: str, origin: float) -> None:
        self.series = series_for(scenario)
        self.error_share = 0.004 if scenario == "degraded" else 0.0005
        self.origin = origin

    def samples(self, at: float) -> list[tuple[str, str, float]]:
        """(family, sample line without value, value) at time `at`."""
        elapsed = max(0.0, at - self.origin)
        out: list[tuple[str, str, float]] = []
        for s in self.series:
            total = s.rps * elapsed
            errors = total * self.error_share
            out.append(
                (
                    "http_requests",
                    f'http_requests_total{{{s.labels()},code="200"}}',
                    round(total - errors, 3),
                )
            )
            out.append(
                (
                    "http_requests",
                    f'http_requests_total{{{s.labels()},code="500"}}',
                    round(errors, 3),
                )
            )
            for bound, share in zip(BUCKETS, s.cdf, strict=True):
                out.append(
                    (
                        "http_request_duration_seconds",
                        f'http_request_duration_seconds_bucket{{{s.labels()},le="{bound}"}}',
                        round(total * share, 3),
                    )
                )
            out.append(
                (
                    "http_request_duration_seconds",
                    f'http_request_duration_seconds_bucket{{{s.labels()},le="+Inf"}}',
                    round(total, 3),
                )
            )
            out.append(
                (
                    "http_request_duration_seconds",
                    f"http_request_duration_seconds_count{{{s.labels()}}}",
                    round(total, 3),
                )
            )
            out.append(
                (
                    "http_request_duration_seconds",
                    f"http_request_duration_seconds_sum{{{s.labels()}}}",
                    round(total * 0.05, 3),
                )
            )
        return out

    def openmetrics_history(self, start: float, end: float) -> str:
        """OpenMetrics for promtool: families grouped, each series' points in time order, `#
        EOF`."""
        times = [start + n * STEP for n in range(int((end - start) // STEP) + 1)]
        per_series: dict[str, list[str]] = {}
        families: dict[str, list[str]] = {"http_requests": [], "http_request_duration_seconds": []}
        for t in times:
            for family, name, value in self.samples(t):
                per_series.setdefault(name, []).append(f"{name} {value} {t:.3f}")
                if name not in families[family]:
                    families[family].append(name)
        lines = ["# HELP http_requests Requests served.", "# TYPE http_requests counter"]
        for name in families["http_requests"]:
            lines += per_series[name]
        lines += [
            "# HELP http_request_duration_seconds Request latency.",
            "# TYPE http_request_duration_seconds histogram",
        ]
        # A histogram's points are grouped per label set (without le), bucket lines then count and
        # sum per time.
        groups: dict[str, list[str]] = {}
        for name in families["http_request_duration_seconds"]:
            key = name.split("{", 1)[1].rsplit(',le="', 1)[0].rstrip("}")
            groups.setdefault(key, []).append(name)
        for names in groups.values():
            for index in range(len(times)):
                lines += [per_series[name][index] for name in names]
        lines.append("# EOF")
        return "\n".join(lines) + "\n"

    def exposition(self) -> str:
        now = time.time()
        lines = [
            "# TYPE http_requests_total counter",
            "# TYPE http_request_duration_seconds histogram",
        ]
        lines += [f"{name} {value}" for _, name, value in self.samples(now)]
        return "\n".join(lines) + "\n"
