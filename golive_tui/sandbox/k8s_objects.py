"""The sandbox clusters: `healthy_cluster`, `degraded_cluster` and the demo's `mixed_cluster`.

Composed from the builders of `k8s_build*` so a scenario reads like a description of a
cluster. `degraded_cluster` holds the traps a careful reviewer looks for: a NotReady node
that is the only one of its zone, a deployment short of replicas with a crash-looping pod,
a missing HPA, PDBs named unlike their deployments and one that blocks all disruption,
pod-level runAsNonRoot (fine) next to a container overriding it with runAsUser 0, a
privileged sidecar, an init container allowing privilege escalation, a missing required
env var, a literal DB_PASSWORD, a LoadBalancer still without an address and a pending
database migration (`npx prisma migrate status` in deal-service exits 1). Every cluster
holds the Secrets its secretKeyRefs name (`env_sources`).
Traps aimed at a seed service fall back to the service at the same position when a
custom service list is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..profile import SEED_SERVICES
from .k8s_build import Cluster, FixtureError, Obj, node
from .k8s_build_serving import expression, hpa, pdb, service
from .k8s_build_workloads import (
    HARDENED,
    NON_ROOT_POD,
    alert_rules_configmap,
    container,
    deployment,
    env,
    pods_for,
    secret,
    secret_env,
)
from .k8s_exec_ws import CommandResult

__all__ = [
    "Cluster",
    "FixtureError",
    "Obj",
    "REQUIRED_ENV",
    "degraded_cluster",
    "healthy_cluster",
    "mixed_cluster",
    "service_stack",
]

NAMESPACE = "autolytiq-prod"
MONITORING = "monitoring"
NODES = (
    ("ip-10-0-1-23.eu-west-1.compute.internal", "eu-west-1a"),
    ("ip-10-0-1-87.eu-west-1.compute.internal", "eu-west-1a"),
    ("ip-10-0-2-41.eu-west-1.compute.internal", "eu-west-1b"),
    ("ip-10-0-3-112.eu-west-1.compute.internal", "eu-west-1c"),
)
LONE_NODE = NODES[3][0]
"""The only node of the third zone: NotReady in the degraded cluster, so only two zones count."""
LB_HOSTNAME = "k8s-autolyti-apigatew-5f1c2a9e3b-1234567890.eu-west-1.elb.amazonaws.com"
REQUIRED_ENV: dict[str, list[str]] = {
    "*": ["NODE_ENV", "LOG_LEVEL", "DATABASE_URL"],
    "api-gateway": ["UPSTREAM_TIMEOUT_MS"],
}
"""What the test and demo profiles require (profile target.required_env); the healthy cluster
defines all of it."""
ALERTS = [
    "HighErrorRate",
    "HighLatencyP95",
    "PodCrashLooping",
    "NodeNotReady",
    "DatabaseConnectionsHigh",
    "CertificateExpiringSoon",
]
LITERAL_PASSWORD = "hunter2-prod-7f3a"
"""The literal DB_PASSWORD of the degraded cluster: it must never appear in a probe result."""
MIGRATE_STATUS = ("npx", "prisma", "migrate", "status")
"""The seed's migration check, run in deployment/deal-service."""
PENDING_MIGRATION = "20241125093000_add_tax_exemptions"


def migrate_status(
    pending: str | None = None, *, database: str = "autolytiq-prod", region: str = "eu-west-1"
) -> CommandResult:
    """What `npx prisma migrate status` prints in the deal-service image: up to date, or one pending
    migration."""
    head = (
        "Prisma schema loaded from prisma/schema.prisma\n"
        'Datasource "db": PostgreSQL database "autolytiq", schema "public" '
        f'at "{database}.cluster-c9akciq32.{region}.rds.amazonaws.com:5432"\n\n'
    )
    if pending is None:
        return CommandResult(
            0, head + "12 migrations found in prisma/migrations\n\nDatabase schema is up to date!\n"
        )
    return CommandResult(
        1,
        head + "13 migrations found in prisma/migrations\n"
        "Following migration have not yet been applied:\n"
        f"{pending}\n\nTo apply migrations in production run prisma migrate deploy.\n",
    )


def env_sources(
    objects: list[Obj], *, missing_keys: dict[str, set[str]] | None = None
) -> list[Obj]:
    """The Secrets every secretKeyRef of these Deployments points at (less `missing_keys` per
    Secret)."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for obj in objects:
        if obj["kind"] != "Deployment":
            continue
        spec = obj["spec"]["template"]["spec"]
        for cont in [*spec.get("initContainers", []), *spec["containers"]]:
            for var in cont.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    wanted.setdefault((obj["metadata"]["namespace"], ref["name"]), set()).add(
                        ref["key"]
                    )
    drop = missing_keys or {}
    return [
        secret(name, ns, sorted(keys - drop.get(name, set())))
        for (ns, name), keys in sorted(wanted.items())
    ]


def _app_env(name: str) -> list[Obj]:
    extra = {
        "api-gateway": [env("UPSTREAM_TIMEOUT_MS", "5000")],
        "auth-service": [secret_env("JWT_SECRET", "auth-jwt", "secret")],
        "deal-service": [secret_env("DB_PASSWORD", "deal-db", "password")],
    }
    return [
        env("NODE_ENV", "production"),
        env("LOG_LEVEL", "info"),
        secret_env("DATABASE_URL", f"{name}-db", "url"),
        *extra.get(name, []),
    ]


def service_stack(
    name: str,
    namespace: str,
    nodes: list[str],
    *,
    tier: str = "backend",
    replicas: int = 3,
    available: int | None = None,
    crashloop: int = 0,
    restarts: int = 0,
    env_vars: list[Obj] | None = None,
    pod_security: Obj | None = NON_ROOT_POD,
    security: Obj | None = HARDENED,
    sidecars: Sequence[Obj] = (),
    init_containers: Sequence[Obj] = (),
    service_type: str = "ClusterIP",
    ingress_hostname: str | None = None,
) -> list[Obj]:
    """One application service: its Deployment (main container named like it), pods and Service."""
    main = container(
        name,
        f"{name}:1.4.2",
        env_vars=_app_env(name) if env_vars is None else env_vars,
        security=security,
    )
    deploy = deployment(
        name,
        namespace,
        replicas=replicas,
        available=available,
        labels={"tier": tier},
        containers=[main, *sidecars],
        init_containers=list(init_containers),
        pod_security=pod_security,
    )
    return [
        deploy,
        service(name, namespace, type=service_type, ingress_hostname=ingress_hostname),
        *pods_for(deploy, nodes, crashloop=crashloop, restarts=restarts),
    ]


def _pick(services: list[str], name: str, index: int) -> str:
    return name if name in services else services[min(index, len(services) - 1)]


def _defaults(services: list[str]) -> dict[str, dict[str, Any]]:
    gateway, auth = services[0], _pick(services, "auth-service", 1)
    opts: dict[str, dict[str, Any]] = {name: {} for name in services}
    opts[gateway].update(tier="edge", service_type="LoadBalancer", ingress_hostname=LB_HOSTNAME)
    # runAsNonRoot only at pod level: the containers inherit it, which passes.
    opts[auth].update(tier="core", pod_security={"runAsNonRoot": True})
    deal = _pick(services, "deal-service", 2)
    opts[deal]["init_containers"] = [
        container(
            "migrate",
            f"{deal}:1.4.2",
            port=None,
            security={**HARDENED, "runAsUser": 10001},
            command=["npx", "prisma", "migrate", "deploy"],
        )
    ]
    tax = _pick(services, "tax-engine", 5)
    opts[tax]["sidecars"] = [log_shipper(HARDENED)]
    return opts


def log_shipper(security: Obj, *, region: str = "eu-west-1") -> Obj:
    """The fluent-bit sidecar of tax-engine."""
    return container(
        "log-shipper",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4",
        port=None,
        env_vars=[env("AWS_REGION", region), env("LOG_GROUP", "/tax-engine/prod/application")],
        security=security,
    )


def _pdbs(namespace: str, services: list[str], *, batch_max_unavailable: int = 1) -> list[Obj]:
    """PDBs named unlike the deployments they cover: coverage is by selector, never by name."""
    gateway, core = services[0], services[1:2]
    backend, batch = services[2:5], services[5:]
    out = [pdb("pdb-core", namespace, match_labels={"app": gateway}, max_unavailable=1)]
    if core:
        out.append(
            pdb(
                "pdb-identity",
                namespace,
                match_labels={"tier": "core"},
                match_expressions=[expression("app", "In", *core)],
                min_available=2,
            )
        )
    if backend:
        out.append(
            pdb(
                "pdb-backend",
                namespace,
                match_expressions=[expression("app", "In", *backend)],
                max_unavailable=1,
                expected_pods=3 * len(backend),
            )
        )
    if batch:
        out.append(
            pdb(
                "pdb-batch",
                namespace,
                match_expressions=[expression("app", "In", *batch)],
                max_unavailable=batch_max_unavailable,
                expected_pods=3 * len(batch),
            )
        )
    return out


def _build(
    namespace: str,
    services: list[str] | None,
    tweaks: dict[str, dict[str, Any]],
    *,
    lone_node_ready: bool = True,
    without_hpa: tuple[str, ...] = (),
    batch_max_unavailable: int = 1,
    extra: tuple[Obj, ...] = (),
    pending_migration: str | None = None,
) -> Cluster:
    services = list(services or SEED_SERVICES)
    nodes = [node(name, zone, ready=lone_node_ready or name != LONE_NODE) for name, zone in NODES]
    ready_nodes = [name for name, _ in NODES if lone_node_ready or name != LONE_NODE]
    cluster = Cluster().add(nodes)
    options = _defaults(services)
    for name in services:
        cluster.add(
            service_stack(name, namespace, ready_nodes, **{**options[name], **tweaks.get(name, {})})
        )
        if name not in without_hpa:
            cluster.add(hpa(f"{name}-hpa", namespace, name))
    cluster.add(_pdbs(namespace, services, batch_max_unavailable=batch_max_unavailable))
    cluster.add(alert_rules_configmap(MONITORING, ALERTS), *extra)
    cluster.add(env_sources(cluster.objects))
    cluster.commands[_pick(services, "deal-service", 2)] = {
        MIGRATE_STATUS: migrate_status(pending_migration)
    }
    return cluster.with_namespaces().validate()


def healthy_cluster(namespace: str = NAMESPACE, services: list[str] | None = None) -> Cluster:
    """Every k8s probe passes (with REQUIRED_ENV as the profile's required env)."""
    return _build(namespace, services, {})


def degraded_cluster(namespace: str = NAMESPACE, services: list[str] | None = None) -> Cluster:
    """Every trap of the module docstring; each probe but k8s.cluster and k8s.alert-rules fails."""
    services = list(services or SEED_SERVICES)
    deal, customer = _pick(services, "deal-service", 2), _pick(services, "customer-service", 3)
    inventory, tax = _pick(services, "inventory-service", 4), _pick(services, "tax-engine", 5)
    deal_env = [e for e in _app_env(deal) if e["name"] != "DB_PASSWORD"] + [
        env("DB_PASSWORD", LITERAL_PASSWORD)
    ]
    tweaks: dict[str, dict[str, Any]] = {
        services[0]: {"ingress_hostname": None},  # the LoadBalancer has no address yet
        deal: {
            "available": 1,
            "crashloop": 1,
            "restarts": 12,
            "env_vars": deal_env,
            "init_containers": [
                container(
                    "migrate",
                    f"{deal}:1.4.2",
                    port=None,
                    command=["npx", "prisma", "migrate", "deploy"],
                    security={"readOnlyRootFilesystem": True, "runAsUser": 10001},
                )
            ],
        },
        customer: {"security": {**HARDENED, "runAsUser": 0}},  # overrides the pod's runAsNonRoot
        inventory: {"env_vars": [e for e in _app_env(inventory) if e["name"] != "DATABASE_URL"]},
        tax: {
            "sidecars": [
                log_shipper({**HARDENED, "privileged": True, "allowPrivilegeEscalation": True})
            ]
        },
    }
    # A decoy: matchLabels AND matchExpressions select no pod at all, so it blocks nothing.
    decoy = pdb(
        "pdb-legacy",
        namespace,
        match_labels={"tier": "backend"},
        match_expressions=[expression("app", "In", "legacy-billing")],
        max_unavailable=0,
        expected_pods=0,
    )
    return _build(
        namespace,
        services,
        tweaks,
        lone_node_ready=False,
        without_hpa=(inventory,),
        batch_max_unavailable=0,
        extra=(decoy,),
        pending_migration=PENDING_MIGRATION,
    )


def mixed_cluster(namespace: str = NAMESPACE, services: list[str] | None = None) -> Cluster:
    """The demo's production: mostly healthy, failing on zones, one deployment's replicas, an HPA
    and a root container."""
    services = list(services or SEED_SERVICES)
    deal, customer = _pick(services, "deal-service", 2), _pick(services, "customer-service", 3)
    tweaks: dict[str, dict[str, Any]] = {
        deal: {"available": 2, "crashloop": 1, "restarts": 7},
        customer: {"security": {**HARDENED, "runAsUser": 0}},
    }
    return _build(
        namespace,
        services,
        tweaks,
        lone_node_ready=False,
        without_hpa=(_pick(services, "inventory-service", 4),),
        pending_migration=PENDING_MIGRATION,
    )
