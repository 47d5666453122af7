"""The second staged production, "Northwind DealDesk": built apart from the demo, with traps of its
own.

Other names (target, namespace, monitoring namespace, read-only user), another AWS region
(us-west-2), its own Prometheus labels, and these defects — each caught by exactly the row
whose claim it breaks:

- CORS: `Access-Control-Allow-Origin: *` on the API, and on the `/v1/` routes the Origin
  reflected with `Allow-Credentials: true` (a probe asking `/health` only sees the first);
- error pages: clean JSON at the root, a Node.js stack trace only under `/api/`;
- TLS: the public endpoint refuses TLS 1.0/1.1 while inventory-service's own endpoint still
  accepts them (Encryption in Transit), and the public certificate expires in 20 days with
  TLS otherwise fine (SSL Certificates, served and in ACM);
- a dependency report (npm audit of deal-service) with one critical finding, next to a clean SARIF;
- Prometheus series labelled unlike the defaults (`handler`, `/v2/...`), customer search slow;
- from the k8s slice's builders (sandbox/k8s_second.py, aws_account.second_production_account):
  a secretKeyRef to a missing key, exec forbidden for the read-only user, an HPA aimed at an
  old deployment, a secret from a ConfigMap, a node's data volume unencrypted (with EBS
  encryption by default off, which alone is no defect), the WAF on the staging ALB, a log
  group kept 30 days.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from ..profile import SEED_SERVICES
from .app_api import HEALTHY_APP, start_app
from .aws_platform import platform_profile
from .k8s_second import NAMESPACE as K8S_NAMESPACE
from .k8s_second import REGION, TARGET_NAME
from .ops_apis import HEALTHY_OPS, start_ops
from .prometheus_workload import SECOND_SERIES
from .reports import DEBUG, MINIMIST, SEMVER, npm_audit_v7, sarif, write
from .web import ApiShape

NAME = TARGET_NAME
NAMESPACE = K8S_NAMESPACE
"""The Prometheus `second` scenario labels its series with the same namespace (SECOND_NAMESPACE)."""
SERVICES = list(SEED_SERVICES)
LEGACY_TLS_SERVICE = "inventory-service"
APP_ORIGIN = "https://app.dealdesk.northwind.example"
ROUTING_KEY = "northwind0routing0key00000000000"
CERT_DAYS = 20
API_SHAPE = ApiShape(
    allowed_origins=(APP_ORIGIN,),
    cors={"/": "wildcard", "/v1/": "reflect-credentials"},
    leaks={"/": "none", "/api/": "node"},
    server="envoy",
    services=tuple(SERVICES),
)


class SecondProduction:
    """Start every backend of the second production on 127.0.0.1 and write its profile; `stop()`
    ends them."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        moto: Any = None,
        account: Any = None,
        ca: Any = None,
    ) -> None:
        self.directory = Path(directory or tempfile.mkdtemp(prefix="golive-second-"))
        self.profile_path = self.directory / "profile.toml"
        self._moto = moto
        """A running MotoServer to add this production's account to (tests share one); None: start
        one."""
        self._account = account
        """This production's account, already built on `moto` (the test fixtures build it once);
        None: build it."""
        self._ca = ca
        self._stoppers: list[Any] = []
        self.web: Any = None
        self._k8s: Any = None
        self.node_volumes: dict[str, dict[str, str]] = {}
        """Node name -> its EC2 instance and volume ids (staged in the AWS account)."""
        self.env: dict[str, str] = {}
        """Environment the profile relies on (AWS config files, the PagerDuty routing key)."""

    def start(self) -> SecondProduction:
        from .pagerduty import PagerDutySandbox
        from .tls import SandboxCA
        from .web import WebSandbox

        try:
            ca = self._ca or SandboxCA(self.directory / "ca")
            profile: dict[str, Any] = {"target": {}, "http": {}}
            merge(profile, self._start_kubernetes(ca))
            self.web = WebSandbox(
                ca,
                API_SHAPE,
                days=CERT_DAYS,
                service_endpoints=True,
                legacy_services=frozenset({LEGACY_TLS_SERVICE}),
            )
            self._stoppers.append(self.web.stop)
            pagerduty = PagerDutySandbox(ROUTING_KEY)
            self._stoppers.append(pagerduty.stop)
            merge(profile, self._start_aws(ca))
            merge(
                profile, platform_profile(TARGET_NAME)
            )  # the DR region and user pool of sandbox/aws_platform
            merge(
                profile, self.web.profile_overrides()
            )  # last: the public endpoints are the web sandbox's
            profile["prometheus"] = {**self._start_prometheus(), "series": dict(SECOND_SERIES)}
            profile["pagerduty"] = {"events_url": pagerduty.url}
            profile["k6"] = {"summaries": self._k6_summaries()}
            profile["deps"] = {"reports": self._dependency_reports()}
            profile["run"] = {"timeout": 8}
            start_ops(
                ca, HEALTHY_OPS, profile, self._stoppers, self.directory
            )  # PagerDuty REST, Grafana
            start_app(
                ca, HEALTHY_APP, profile, self._stoppers
            )  # its OpenAPI document, login and OIDC issuer
            self.profile_path.write_text(
                "# The second staged production (golive_tui/sandbox/second_production.py).\n"
                + tomli_w.dumps(profile)
            )
            self.env["GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY"] = ROUTING_KEY
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        while self._stoppers:
            try:
                self._stoppers.pop()()
            except Exception:  # keep stopping the others
                pass

    def __enter__(self) -> SecondProduction:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- backends ----------------------------------------------------------------------------
    def _start_kubernetes(self, ca: Any) -> dict[str, Any]:
        """The cluster's API server (exec forbidden for its read-only user); returns its profile
        sections."""
        from .k8s_second import second_production_k8s_profile, second_production_sandbox

        sandbox = second_production_sandbox(ca, directory=self.directory / "kube")
        self._stoppers.append(sandbox.stop)
        self._k8s = sandbox
        return second_production_k8s_profile(sandbox)

    def _start_aws(self, ca: Any) -> dict[str, Any]:
        """The AWS account on moto (with an ACM certificate for the public endpoint); returns its
        profile sections."""
        import logging

        from .aws_account import second_production_account, second_production_aws_profile
        from .aws_moto import MotoServer
        from .tracing import start_traces

        server = self._moto
        if server is None:
            server = MotoServer(self.directory / "aws", region=REGION).start()
            self._stoppers.append(server.stop)
        logging.getLogger("werkzeug").disabled = True
        self.env.update(server.env())
        account = self._account or second_production_account(server, ca=ca)
        self._stage_nodes(account)
        self._stoppers.append(start_traces(account, "traps"))  # customer-service silent, twins
        # The public endpoint is on 127.0.0.1 ("localhost"): its certificate, 20 days left, is in
        # ACM too.
        chain, key = ca.issue_pem("localhost", days=CERT_DAYS)
        leaf = chain.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
        account.client("acm").import_certificate(
            Certificate=leaf, PrivateKey=key, CertificateChain=ca.ca.cert_pem.bytes()
        )
        return second_production_aws_profile(account)

    def _stage_nodes(self, account: Any) -> None:
        """An EC2 instance behind each Node (volumes encrypted by the launch template, the region's
        EBS default off), but for one data volume attached by hand unencrypted: the cluster serves
        the Nodes pointing at them."""
        from .aws_nodes import stage_node_instances
        from .k8s_second import PLAINTEXT_VOLUME

        cluster = self._k8s.server.cluster
        nodes = [obj for obj in cluster.objects if obj["kind"] == "Node"]
        node, device = PLAINTEXT_VOLUME
        self.node_volumes = stage_node_instances(
            account, nodes, cluster_name=NAME, unencrypted={node: device}
        )
        self._k8s.server.load(cluster)

    def _start_prometheus(self) -> dict[str, str]:
        from .prometheus import PrometheusSandbox

        sandbox = PrometheusSandbox("second", self.directory / "prometheus")
        self._stoppers.append(sandbox.stop)
        sandbox.start()
        return {"url": sandbox.url, "alertmanager_url": sandbox.alertmanager_url}

    def _k6_summaries(self) -> dict[str, str]:
        figures = {
            "normal": (170, 0.0, 2.0),
            "high": (430, 0.0, 2.0),
            "spike": (910, 0.0, 2.0),
            "soak": (200, 0.0, 4.5),
        }
        paths = {}
        for scenario, (p95, failed, growth) in figures.items():
            summary = {
                "metrics": {
                    "http_req_duration": {
                        "avg": p95 * 0.5,
                        "med": p95 * 0.45,
                        "p(90)": p95 * 0.9,
                        "p(95)": float(p95),
                    },
                    "http_req_failed": {"value": failed, "passes": 0, "fails": 0},
                    "iterations": {"count": 52000, "rate": 170.0},
                    "memory_growth_pct": {"value": growth},
                }
            }
            path = self.directory / "k6" / f"{scenario}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(summary))
            paths[scenario] = str(path)
        return paths

    def _dependency_reports(self) -> list[str]:
        now = dt.datetime.now(dt.UTC)
        return [
            write(
                self.directory / "deps" / "deal-service-npm-audit.json",
                npm_audit_v7([SEMVER, MINIMIST]),
            ),
            write(self.directory / "deps" / "api-gateway.sarif", sarif([DEBUG], now)),
        ]


def merge(into: dict[str, Any], sections: dict[str, Any]) -> None:
    """Merge profile sections key by key (later values win)."""
    for section, values in sections.items():
        into.setdefault(section, {}).update(values)
