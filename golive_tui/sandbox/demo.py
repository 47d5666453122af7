"""The staged production behind `golive demo`: every backend of the checklist, on 127.0.0.1.

Kubernetes API (HTTPS, token, schema-validated objects), a moto server holding the AWS
account, the HTTPS services, a PagerDuty look-alike and a real Prometheus, plus a profile
pointing at all of it. `degraded` (the default "mixed" production) fails for realistic
reasons; `healthy` passes. Everything is stopped by `stop()` (also on Ctrl+C / SIGTERM).

The directory holds everything a second process needs, and nothing depends on this
process's environment: the kubeconfig, the AWS config and credentials files (named by the
profile), the CA bundle, the routing key in a file only its owner can read, the k6
summaries and the state file. The staged estate is what `golive init` can discover from
the outside: the kubeconfig context is the EKS cluster's ARN, the gateway Service's load
balancer hostname is the ALB's DNS name, Prometheus and Alertmanager are LoadBalancer
Services in the monitoring namespace.
"""

from __future__ import annotations

import configparser
import dataclasses
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import tomli_w

from ..profile import SEED_SERVICES
from .app_api import HEALTHY_APP, MIXED_APP, start_app
from .aws_platform import platform_profile
from .demo_artefacts import dependency_reports, k6_summaries
from .ops_apis import HEALTHY_OPS, MIXED_OPS, start_ops
from .processes import STOP_SIGNALS, stop_signals_held
from .tls import SandboxCA
from .tracing import start_traces

DEMO_ROUTING_KEY = "demo0routing0key0000000000000000"
DEMO_AWS_PROFILE = "golive-demo"
DOMAIN = "localhost"
"""The production domain of the staged API (its certificate is for 127.0.0.1 and localhost)."""


class DemoEnvironment:
    def __init__(self, scenario: str = "degraded", directory: Path | None = None) -> None:
        if scenario not in ("healthy", "degraded"):
            raise ValueError(f"unknown scenario {scenario!r}: use healthy or degraded")
        self.scenario = scenario
        self.directory = Path(directory or tempfile.mkdtemp(prefix="golive-demo-"))
        self.profile_path = self.directory / "profile.toml"
        self.state_path = self.directory / "golive-state.toml"
        self.routing_key_path = self.directory / "pagerduty-routing-key"
        self.kubeconfig = self.directory / "kubeconfig"
        self.ca_bundle = self.directory / "ca" / "sandbox-ca.pem"
        self.aws_config_file = self.directory / "aws" / "config"
        self.aws_credentials_file = self.directory / "aws" / "credentials"
        self._stoppers: list[Any] = []
        self.notes: list[str] = []
        self.facts: dict[str, Any] = {}
        """What was staged (ids, ARNs, URLs), for tests that check what `golive init` finds."""

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> DemoEnvironment:
        from .pagerduty import PagerDutySandbox
        from .tls import SandboxCA
        from .web import WebSandbox

        aws_ended: threading.Event | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ca = SandboxCA(self.directory / "ca")
            # The AWS estate builds in a thread while Prometheus backfills in this one (Prometheus
            # must be started from the main thread: its PR_SET_PDEATHSIG fires when the thread that
            # forked it ends).
            aws_box: dict[str, Any] = {}
            aws_ended = threading.Event()
            aws_thread = threading.Thread(
                target=self._in_thread,
                args=(aws_box, aws_ended, self._start_aws, ca),
                name="demo-aws",
            )
            aws_thread.start()
            web = WebSandbox(ca, "healthy" if self.scenario == "healthy" else "mixed")
            self._stoppers.append(web.stop)
            try:
                prometheus = self._start_prometheus()
            finally:
                # Not join(): on Python 3.11 a join cut by a signal marks the thread ended while it
                # runs on (bpo-45274's fix), and every later join returns at once.
                aws_ended.wait()
            if "error" in aws_box:
                raise aws_box["error"]
            aws = aws_box["value"]
            self._start_kubernetes(ca, web.api.port, prometheus)
            pagerduty = PagerDutySandbox(DEMO_ROUTING_KEY)
            self._stoppers.append(pagerduty.stop)
            self.routing_key_path.touch(mode=0o600)
            self.routing_key_path.chmod(0o600)
            self.routing_key_path.write_text(DEMO_ROUTING_KEY + "\n")
            profile: dict[str, Any] = web.profile_overrides()
            profile["target"].update(name=f"demo-{self.scenario}", required_env={"*": ["NODE_ENV"]})
            profile["kubernetes"] = {"kubeconfig": str(self.kubeconfig)}
            profile["aws"] = aws
            profile["aws"].update(platform_profile("autolytiq-prod")["aws"])
            profile["prometheus"] = {
                k: v for k, v in prometheus.items() if k in ("url", "alertmanager_url")
            }
            profile["pagerduty"] = {
                "events_url": pagerduty.url,
                "routing_key_secret": f"file:{self.routing_key_path}",
            }
            profile["k6"] = {
                "summaries": k6_summaries(self.directory, healthy=self.scenario == "healthy")
            }
            profile["run"] = {"timeout": 8}
            if (
                self.scenario == "healthy"
            ):  # the healthy production's CI leaves clean dependency reports
                profile["deps"] = {"reports": dependency_reports(self.directory)}
            start_ops(
                ca,
                HEALTHY_OPS if self.scenario == "healthy" else MIXED_OPS,
                profile,
                self._stoppers,
                self.directory,
            )  # PagerDuty REST, Grafana
            start_app(
                ca,
                HEALTHY_APP if self.scenario == "healthy" else MIXED_APP,
                profile,
                self._stoppers,
            )
            self.profile_path.write_text(
                "# Written by `golive demo`: the staged production on 127.0.0.1.\n"
                + tomli_w.dumps(profile)
            )
            self.facts.update(
                api_url=web.api.url, status_page_url=web.status.url, pagerduty_url=pagerduty.url
            )
        except BaseException:
            self.stop()
            if aws_ended is not None:
                # An interrupt can land in the wait above while the estate is still being built:
                # moto is stopped now, so the build fails fast; it must end before anyone removes
                # the directory it writes into (it made it again after the demo's clean-up).
                with stop_signals_held():
                    aws_ended.wait()
                    self.stop()  # what it started meanwhile
            raise
        return self

    def stop(self) -> None:
        # A second Ctrl+C or SIGTERM must not interrupt the clean-up half way.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
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

    @staticmethod
    def _in_thread(box: dict[str, Any], ended: threading.Event, start: Any, *args: Any) -> None:
        try:
            box["value"] = start(*args)
        except BaseException as exc:  # handed to the main thread, which raises it
            box["error"] = exc
        finally:
            ended.set()

    # --- backends ----------------------------------------------------------------------------
    def _start_aws(self, ca: SandboxCA) -> dict[str, Any]:
        from .aws_account import HEALTHY, HEALTHY_ACCOUNT_ID, build_account
        from .aws_moto import MotoServer
        from .aws_platform import MIXED_PLATFORM

        server = MotoServer(self.directory / "aws")
        self._stoppers.append(server.stop)
        for stale in (
            server.config_file,
            server.credentials_file,
        ):  # a resumed demo: new keys, a new port
            stale.unlink(missing_ok=True)
        server.start()
        import logging

        logging.getLogger(
            "werkzeug"
        ).disabled = True  # moto's 500s for unmodelled calls become verdicts, not noise
        account = server.account(HEALTHY_ACCOUNT_ID, DEMO_AWS_PROFILE)
        _add_endpoint(server.config_file, DEMO_AWS_PROFILE, account.endpoint_url)
        # The mixed production: the AWS estate is mostly right, with two classic misses.
        shape = (
            HEALTHY
            if self.scenario == "healthy"
            else dataclasses.replace(HEALTHY, backup_retention_days=7, cert_days=20)
        )
        if (
            self.scenario == "healthy"
        ):  # io1 storage: IOPS utilisation has its denominator on the cluster itself
            shape = dataclasses.replace(shape, provisioned_iops=3000)
        if (
            self.scenario != "healthy"
        ):  # and part of the platform around the cluster (sandbox/aws_platform)
            shape = dataclasses.replace(shape, platform=MIXED_PLATFORM)
        ids = build_account(account, shape, ca=ca)
        self._stoppers.append(start_traces(account, self.scenario))
        self._stage_nodes(account)
        chain, key = ca.issue_pem(DOMAIN, "127.0.0.1", days=shape.cert_days)
        leaf = chain.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
        ids["api_certificate_arn"] = account.client("acm").import_certificate(
            Certificate=leaf, PrivateKey=key, CertificateChain=ca.ca.cert_pem.bytes()
        )["CertificateArn"]
        alb = account.client("elbv2").describe_load_balancers(
            LoadBalancerArns=[ids["load_balancer_arn"]]
        )["LoadBalancers"][0]
        eks = account.client("eks").describe_cluster(name="autolytiq-prod")["cluster"]
        self.facts.update(
            ids,
            alb_dns_name=alb["DNSName"],
            eks_cluster_arn=eks["arn"],
            eks_cluster_name=eks["name"],
            region=account.region,
            endpoint_url=account.endpoint_url,
            account_id=account.account_id,
        )
        return {
            "profile": account.name,
            "region": account.region,
            "endpoint_url": account.endpoint_url,
            "config_file": str(server.config_file),
            "credentials_file": str(server.credentials_file),
        }

    def _stage_nodes(self, account: Any) -> None:
        """One EC2 instance per worker node, its volumes encrypted by the launch template (the EBS
        default is the account's own knob): the Nodes' providerIDs are set from
        facts["node_provider_ids"]."""
        from .aws_nodes import stage_node_instances
        from .k8s_build import node
        from .k8s_objects import NODES

        nodes = [node(name, zone) for name, zone in NODES]
        stage_node_instances(account, nodes, cluster_name="autolytiq-prod")
        self.facts["node_provider_ids"] = {
            n["metadata"]["name"]: n["spec"]["providerID"] for n in nodes
        }

    def _start_prometheus(self) -> dict[str, Any]:
        from .prometheus import PrometheusMissing, PrometheusSandbox

        workdir = self.directory / "prometheus"
        shutil.rmtree(
            workdir, ignore_errors=True
        )  # a resumed demo backfills fresh history ending now
        sandbox = PrometheusSandbox("healthy" if self.scenario == "healthy" else "mixed", workdir)
        self._stoppers.append(
            sandbox.stop
        )  # before start: an interrupt mid-start still stops the process
        try:
            sandbox.start()
        except PrometheusMissing as exc:
            # The performance probes then say so themselves (connection refused → error verdict).
            self.notes.append(f"{exc}: the performance items will show errors")
            return {
                "url": "http://127.0.0.1:9",
                "alertmanager_url": "http://127.0.0.1:9",
                "ports": {},
            }
        assert sandbox.exporter is not None
        return {
            "url": sandbox.url,
            "alertmanager_url": sandbox.alertmanager_url,
            "ports": {"prometheus": sandbox.port, "alertmanager": sandbox.exporter.port},
        }

    def _start_kubernetes(self, ca: SandboxCA, api_port: int, prometheus: dict[str, Any]) -> None:
        from .k8s_api import K8sApiServer
        from .k8s_history import add_history
        from .k8s_objects import MONITORING, NAMESPACE, healthy_cluster, mixed_cluster

        cluster = (healthy_cluster if self.scenario == "healthy" else mixed_cluster)()
        add_history(
            cluster, NAMESPACE
        )  # the ReplicaSets a rollback goes back to (sandbox/k8s_history.py)
        gateway = cluster.find("Service", SEED_SERVICES[0], NAMESPACE)
        # What a real AWS Load Balancer Controller + external-dns set-up shows: the ALB's DNS name
        # as the Service's address, the public hostname as an annotation, the HTTPS port.
        gateway["metadata"]["annotations"] = {
            "external-dns.alpha.kubernetes.io/hostname": DOMAIN,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": self.facts[
                "api_certificate_arn"
            ],
        }
        gateway["spec"]["ports"][0].update(name="https", port=api_port)
        gateway["status"] = {
            "loadBalancer": {"ingress": [{"hostname": self.facts["alb_dns_name"]}]}
        }
        for name, port in prometheus["ports"].items():
            cluster.add(_exposed_service(name, MONITORING, port))
        for obj in cluster.objects:  # each Node names the EC2 instance staged for it (_stage_nodes)
            if obj["kind"] == "Node" and obj["metadata"]["name"] in self.facts.get(
                "node_provider_ids", {}
            ):
                obj["spec"]["providerID"] = self.facts["node_provider_ids"][obj["metadata"]["name"]]
        cluster.validated = False
        k8s = K8sApiServer(cluster, ca).start()
        self._stoppers.append(k8s.stop)
        self.kubeconfig.unlink(
            missing_ok=True
        )  # a resumed demo: a new port and token, no stale contexts
        k8s.write_kubeconfig(
            self.kubeconfig, context=self.facts["eks_cluster_arn"], namespace=NAMESPACE
        )
        self.facts.update(namespace=NAMESPACE, monitoring_namespace=MONITORING, kube_url=k8s.url)


def _exposed_service(name: str, namespace: str, port: int) -> dict[str, Any]:
    """A monitoring Service on an internal load balancer at 127.0.0.1:`port` (as Prometheus often
    is)."""
    from .k8s_build_serving import service

    svc = service(
        name, namespace, type="LoadBalancer", port=port, selector={"app.kubernetes.io/name": name}
    )
    svc["metadata"]["labels"] = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "kube-prometheus",
    }
    svc["spec"]["ports"][0].update(name="http-web", port=port)
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
    return svc


def _add_endpoint(config_file: Path, profile: str, endpoint: str) -> None:
    """Name the moto endpoint in the AWS profile itself (botocore reads `endpoint_url` there), like
    a VPC endpoint set-up."""
    parser = configparser.ConfigParser()
    parser.read(config_file)
    parser[f"profile {profile}"]["endpoint_url"] = endpoint
    with config_file.open("w") as handle:
        parser.write(handle)
    config_file.chmod(0o600)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end the demo like Ctrl+C does, so `finally` stops every server.

    While an asyncio loop runs (the cockpit, a probe run), asyncio's runner handles SIGINT by
    cancelling its main task, which lets Textual restore the terminal; raising KeyboardInterrupt
    in the middle of the loop instead leaves it half torn down. So the signal is passed on as
    SIGINT to whoever handles it, and raised directly only when nobody but Python does.
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
        if signal.getsignal(signal.SIGINT) not in (
            signal.default_int_handler,
            signal.SIG_DFL,
            signal.SIG_IGN,
            None,
        ):
            signal.raise_signal(signal.SIGINT)
            return
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


__all__ = ["DEMO_ROUTING_KEY", "DemoEnvironment", "SEED_SERVICES", "install_signal_handlers"]
