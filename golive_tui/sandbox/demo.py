"""The staged production behind `golive demo`: every backend of the checklist, on 127.0.0.1.

Kubernetes API (HTTPS, token, schema-validated objects), a moto server holding the AWS
account, the HTTPS services, a PagerDuty look-alike and a real Prometheus, plus a profile
pointing at all of it. `degraded` (the default "mixed" production) fails for realistic
reasons; `healthy` passes. Everything is stopped by `stop()` (also on Ctrl+C / SIGTERM).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from ..profile import SEED_SERVICES

DEMO_ROUTING_KEY = "demo0routing0key0000000000000000"


class DemoEnvironment:
    def __init__(self, scenario: str = "degraded", directory: Path | None = None) -> None:
        if scenario not in ("healthy", "degraded"):
            raise ValueError(f"unknown scenario {scenario!r}: use healthy or degraded")
        self.scenario = scenario
        self.directory = Path(directory or tempfile.mkdtemp(prefix="golive-demo-"))
        self.profile_path = self.directory / "profile.toml"
        self.state_path = self.directory / "golive-state.toml"
        self._stoppers: list[Any] = []
        self.notes: list[str] = []

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> DemoEnvironment:
        from .k8s_api import K8sApiServer
        from .k8s_objects import healthy_cluster, mixed_cluster
        from .pagerduty import PagerDutySandbox
        from .tls import SandboxCA
        from .web import WebSandbox

        try:
            ca = SandboxCA(self.directory / "ca")
            k8s = K8sApiServer((healthy_cluster if self.scenario == "healthy" else mixed_cluster)(), ca).start()
            self._stoppers.append(k8s.stop)
            kubeconfig = k8s.write_kubeconfig(self.directory / "kubeconfig")
            web = WebSandbox(ca, "healthy" if self.scenario == "healthy" else "mixed")
            self._stoppers.append(web.stop)
            pagerduty = PagerDutySandbox(DEMO_ROUTING_KEY)
            self._stoppers.append(pagerduty.stop)
            aws = self._start_aws(ca)
            prometheus = self._start_prometheus()
            profile: dict[str, Any] = web.profile_overrides()
            profile["target"].update(name=f"demo-{self.scenario}", required_env={"*": ["NODE_ENV"]})
            profile["kubernetes"] = {"kubeconfig": str(kubeconfig)}
            profile["aws"] = aws
            profile["prometheus"] = prometheus
            profile["pagerduty"] = {"events_url": pagerduty.url}
            profile["k6"] = {"summaries": self._k6_summaries()}
            profile["run"] = {"timeout": 8}
            self.profile_path.write_text("# Written by `golive demo`: the staged production on 127.0.0.1.\n" + tomli_w.dumps(profile))
            os.environ[f"GOLIVE_SECRET_{'PAGERDUTY_ROUTING_KEY'}"] = DEMO_ROUTING_KEY
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        # A second Ctrl+C or SIGTERM must not interrupt the clean-up half way.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self._stop_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_all(self) -> None:
        while self._stoppers:
            stop = self._stoppers.pop()
            try:
                stop()
            except Exception:  # keep stopping the others
                pass

    def __enter__(self) -> DemoEnvironment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- backends ----------------------------------------------------------------------------
    def _start_aws(self, ca) -> dict[str, Any]:
        from .aws_account import HEALTHY, HEALTHY_ACCOUNT_ID, build_account
        from .aws_moto import MotoServer

        server = MotoServer(self.directory / "aws")
        self._stoppers.append(server.stop)
        server.start()
        import logging

        logging.getLogger("werkzeug").disabled = True  # moto's 500s for unmodelled calls become verdicts, not noise
        os.environ.update(server.env())
        account = server.account(HEALTHY_ACCOUNT_ID, "golive-demo")
        # The mixed production: the AWS estate is mostly right, with two classic misses.
        shape = HEALTHY if self.scenario == "healthy" else dataclasses.replace(
            HEALTHY, backup_retention_days=7, cert_days=20)
        build_account(account, shape, ca=ca)
        chain, key = ca.issue_pem("localhost", days=shape.cert_days)
        leaf = chain.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
        account.client("acm").import_certificate(Certificate=leaf, PrivateKey=key, CertificateChain=ca.ca.cert_pem.bytes())
        return {"profile": account.name, "region": account.region, "endpoint_url": account.endpoint_url}

    def _start_prometheus(self) -> dict[str, str]:
        from .prometheus import PrometheusMissing, PrometheusSandbox

        sandbox = PrometheusSandbox("healthy" if self.scenario == "healthy" else "mixed", self.directory / "prometheus")
        self._stoppers.append(sandbox.stop)  # before start: an interrupt mid-start still stops the process
        try:
            sandbox.start()
        except PrometheusMissing as exc:
            # The performance probes then say so themselves (connection refused → error verdict).
            self.notes.append(f"{exc}: the performance items will show errors")
            return {"url": "http://127.0.0.1:9", "alertmanager_url": "http://127.0.0.1:9"}
        return {"url": sandbox.url, "alertmanager_url": sandbox.alertmanager_url}

    def _k6_summaries(self) -> dict[str, str]:
        healthy = self.scenario == "healthy"
        figures = {"normal": (150, 0.0), "high": (410 if healthy else 470, 0.0), "spike": (880, 0.0 if healthy else 0.021),
                   "soak": (190, 0.0)}
        paths = {}
        for scenario, (p95, failed) in figures.items():
            summary = {"metrics": {
                "http_req_duration": {"avg": p95 * 0.55, "med": p95 * 0.5, "p(90)": p95 * 0.85, "p(95)": float(p95), "max": p95 * 3.0},
                "http_req_failed": {"value": failed, "passes": 0, "fails": 0},
                "iterations": {"count": 48000, "rate": 160.0},
                "memory_growth_pct": {"value": 3.5 if healthy else 6.0},
            }}
            path = self.directory / f"k6-{scenario}.json"
            path.write_text(json.dumps(summary, indent=2))
            paths[scenario] = str(path)
        return paths


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end the demo like Ctrl+C does, so `finally` stops every server."""

    def interrupt(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


__all__ = ["DemoEnvironment", "SEED_SERVICES", "install_signal_handlers"]
