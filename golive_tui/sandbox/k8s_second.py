"""The second staged production's Kubernetes side: another cluster, namespace, region and user,
other traps.

Built so that probes written against the first sandbox cannot pass by habit: the namespace
is `dealdesk-live`, the nodes are in us-west-2, the API server runs Kubernetes v1.31 (the
EKS cluster reports 1.31 too), the read-only user is another one, and the traps are of the
kinds a plausible-but-wrong probe passes. Each defect, and the checklist row it must fail:

- **secretKeyRef to a missing key** — deployment/deal-service's `DATABASE_URL` reads key
  `url` of Secret `deal-service-db`, which (after a key rename) only holds `uri`. The pod
  would not start on its next restart. Row go-live.application.environment-variables
  (`k8s.env-vars`) fails naming `DATABASE_URL -> secret deal-service-db has no key url`.
  A probe counting env entries per container (the seed's jq) passes.
- **exec forbidden** — the read-only user `system:serviceaccount:golive-audit:viewer` may
  not create `pods/exec`. Row go-live.database.migrations (`k8s.exec`) is `error: exec
  forbidden for system:serviceaccount:golive-audit:viewer`; a probe falling back to a local
  `npx prisma migrate status` would pass against the bastion's own database.
- **HPA aimed at the old deployment** — `hpa/inventory-service` scales
  `Deployment/inventory-service-v1`, which no longer exists. Row
  go-live.infrastructure.auto-scaling (`k8s.hpa`) fails with `no HPA for:
  inventory-service`; a probe matching HPAs to deployments by name passes.
- **a secret from a ConfigMap** — customer-service's `SEARCH_API_KEY` comes from
  `configMapKeyRef` customer-search/api-key. Rows go-live.application.secrets and
  security.data.secrets-management (`k8s.secret-refs`) fail naming it; a probe checking
  only "valueFrom, not a literal" passes.

Everything else is healthy: 3 Ready nodes in 3 zones, every deployment available, PDBs
that allow disruption, hardened containers, 6 alert rules, the gateway's load balancer
answering, every service's /health 200 through the service proxy. The API endpoint's TLS
floor is a knob (`min_tls`): the assembly may stage "still accepts TLS 1.0" on it.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from ..profile import SEED_SERVICES
from .k8s_build import Cluster, node
from .k8s_build_serving import hpa, pdb
from .k8s_build_workloads import HARDENED, alert_rules_configmap, configmap, env, secret_env
from .k8s_history import add_history
from .k8s_objects import (
    ALERTS,
    MIGRATE_STATUS,
    env_sources,
    log_shipper,
    migrate_status,
    service_stack,
)
from .k8s_sandbox import K8sSandbox
from .tls import SandboxCA

NAMESPACE = "dealdesk-live"
MONITORING = "observability"
TARGET_NAME = "northwind-dealdesk"
"""target.name of the profile; also the stem of the AWS estate (EKS cluster, Aurora cluster,
ALB)."""
REGION = "us-west-2"
DOMAIN = "api.dealdesk.northwind.example"
GIT_VERSION = "v1.31.7-eks-1d3c5f1"
EKS_VERSION = "1.31"
USER = "system:serviceaccount:golive-audit:viewer"
DENIED = frozenset({"pods/exec"})
"""What the read-only user may not do in this cluster."""
ALERT_CONFIGMAP = "dealdesk-alerts"
LB_HOSTNAME = "k8s-dealdesk-apigatew-0c41d7a2e9-987654321.us-west-2.elb.amazonaws.com"
NODES = (
    ("ip-172-31-14-201.us-west-2.compute.internal", "us-west-2a"),
    ("ip-172-31-37-88.us-west-2.compute.internal", "us-west-2b"),
    ("ip-172-31-52-143.us-west-2.compute.internal", "us-west-2c"),
)
MISSING_KEY = ("deal-service-db", "url")
"""The (Secret, key) deal-service's DATABASE_URL names and the Secret lacks."""
OLD_DEPLOYMENT = "inventory-service-v1"
PLAINTEXT_VOLUME = (NODES[2][0], "/dev/xvdb")
"""(node, device): the data volume attached by hand to one node, unencrypted (second_production
stages the instances)."""


def _env(name: str) -> list[dict[str, Any]]:
    base = [
        env("NODE_ENV", "production"),
        env("LOG_FORMAT", "json"),
        secret_env("DATABASE_URL", f"{name}-db", "url"),
    ]
    extra = {
        "api-gateway": [env("UPSTREAM_TIMEOUT_MS", "4000")],
        "auth-service": [secret_env("JWT_SIGNING_KEY", "auth-signing", "private.pem")],
        "customer-service": [
            {
                "name": "SEARCH_API_KEY",
                "valueFrom": {"configMapKeyRef": {"name": "customer-search", "key": "api-key"}},
            }
        ],
    }
    return base + extra.get(name, [])


def second_production_cluster() -> Cluster:
    """The second production's objects (see the module docstring for its defects)."""
    cluster = Cluster(git_version=GIT_VERSION)
    cluster.add([node(name, zone, kubelet="v1.31.7-eks-1d3c5f1") for name, zone in NODES])
    nodes = [name for name, _ in NODES]
    for index, name in enumerate(SEED_SERVICES):
        edge = index == 0
        sidecars = [log_shipper(HARDENED, region=REGION)] if name == "tax-engine" else []
        cluster.add(
            service_stack(
                name,
                NAMESPACE,
                nodes,
                tier="edge" if edge else "backend",
                env_vars=_env(name),
                sidecars=sidecars,
                service_type="LoadBalancer" if edge else "ClusterIP",
                ingress_hostname=LB_HOSTNAME if edge else None,
            )
        )
        target = OLD_DEPLOYMENT if name == "inventory-service" else name
        cluster.add(
            hpa(name, NAMESPACE, target, min_replicas=3, max_replicas=9)
        )  # named like the deployment, on purpose
    cluster.add(
        pdb("edge", NAMESPACE, match_labels={"tier": "edge"}, max_unavailable=1),
        pdb(
            "backend",
            NAMESPACE,
            match_labels={"tier": "backend"},
            max_unavailable="20%",
            expected_pods=15,
        ),
    )
    cluster.add(
        configmap(
            "customer-search",
            NAMESPACE,
            {"api-key": "sandbox-not-a-real-key", "index": "customers-v3"},
        )
    )
    cluster.add(alert_rules_configmap(MONITORING, ALERTS, name=ALERT_CONFIGMAP))
    secret_name, key = MISSING_KEY
    sources = env_sources(cluster.objects, missing_keys={secret_name: {key}})
    for obj in sources:  # the rotated Secret: its key is `uri` now
        if obj["metadata"]["name"] == secret_name:
            obj["data"]["uri"] = "c2FuZGJveC11cmk="
    cluster.add(sources)
    cluster.commands["deal-service"] = {
        MIGRATE_STATUS: migrate_status(database=TARGET_NAME, region=REGION)
    }
    add_history(
        cluster, NAMESPACE
    )  # the ReplicaSets a rollback goes back to (sandbox/k8s_history.py)
    return cluster.with_namespaces().validate()


def second_production_sandbox(
    ca: SandboxCA | None = None,
    *,
    directory: Path | None = None,
    min_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
) -> K8sSandbox:
    """The second production's API server, running, as its read-only user (exec denied), with its
    kubeconfig."""
    sandbox = K8sSandbox.start(
        second_production_cluster(),
        ca,
        directory=directory,
        user=USER,
        denied=set(DENIED),
        min_tls=min_tls,
    )
    sandbox.namespace, sandbox.required_env = NAMESPACE, {}
    return sandbox


def second_production_k8s_profile(sandbox: K8sSandbox) -> dict[str, Any]:
    """The profile sections this cluster needs: [target] (no required_env: the default env check)
    and [kubernetes]."""
    return {
        "target": {
            "name": TARGET_NAME,
            "namespace": NAMESPACE,
            "monitoring_namespace": MONITORING,
            "services": list(SEED_SERVICES),
            "gateway_service": SEED_SERVICES[0],
            "domains": [DOMAIN],
        },
        "kubernetes": {
            "kubeconfig": str(sandbox.kubeconfig),
            "alert_rules_configmap": ALERT_CONFIGMAP,
            "min_alert_rules": 5,
        },
        "http": {"health_port": 8080, "health_path": "/health"},
    }
