"""A read-only captain: the sandbox API server's second token may not read Secrets, exec into pods
or read logs.

The role is what a read-only cluster role gives (403 on `secrets`, `pods/exec`, `pods/log`),
added to the sandbox's kubeconfig as a second context. Env-var references to Secrets it may
not read are decided by the pods' container states: a container that started resolved its
references; one waiting in CreateContainerConfigError names what is missing. The old probe
answered `error: not verifiable (403)` for every Secret reference, so the row never passed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.k8s_build import Cluster
from golive_tui.sandbox.k8s_objects import NAMESPACE, healthy_cluster
from golive_tui.sandbox.k8s_sandbox import READ_ONLY_CONTEXT, READ_ONLY_USER, K8sSandbox

MISSING = ("deal-service", "DB_PASSWORD", "deal-db", "password")
"""(deployment, variable, Secret, key): the key a rotation removed, which deal-service's newest pod
cannot start without."""


def item(kind: str, **params: object) -> Item:
    made = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind, params=params)])
    object.__setattr__(made, "key", f"t.{made.id}")
    return made


def as_read_only(sandbox: K8sSandbox, **sections: dict) -> Profile:
    data = sandbox.read_only().profile_data(**sections)
    data["kubernetes"]["context"] = READ_ONLY_CONTEXT
    return Profile.model_validate(data)


def env_vars(profile: Profile) -> ProbeResult:
    [outcome] = run_sync(profile, [item("k8s.env-vars")])
    return outcome.result


def missing_key_cluster() -> Cluster:
    """The healthy cluster after a key rotation dropped deal-db's `password`: the newest
    deal-service pod cannot start."""
    deployment, _, secret, key = MISSING
    cluster = Cluster(copy.deepcopy(healthy_cluster().objects))
    cluster.find("Secret", secret, NAMESPACE)["data"].pop(key)
    pods = sorted(
        (
            o
            for o in cluster.objects
            if o["kind"] == "Pod" and o["metadata"]["labels"].get("app") == deployment
        ),
        key=lambda p: p["metadata"]["name"],
    )
    status = pods[-1]["status"]
    status["containerStatuses"][0].update(
        ready=False,
        started=False,
        state={
            "waiting": {
                "reason": "CreateContainerConfigError",
                "message": f"couldn't find key {key} in Secret {NAMESPACE}/{secret}",
            }
        },
    )
    for condition in status["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition.update(status="False", reason="ContainersNotReady")
    return cluster.validate()


@pytest.fixture(scope="module")
def k8s_missing_key(sandbox_ca) -> Iterator[K8sSandbox]:
    sandbox = K8sSandbox.start(missing_key_cluster(), sandbox_ca)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_the_role_is_refused_secrets_exec_and_logs(k8s_healthy: K8sSandbox) -> None:
    from kubernetes import client, config

    read_only = k8s_healthy.read_only()
    api = client.CoreV1Api(
        config.new_client_from_config(
            config_file=str(read_only.kubeconfig), context=READ_ONLY_CONTEXT
        )
    )
    pod = api.list_namespaced_pod(NAMESPACE).items[0].metadata.name
    for call in (
        lambda: api.list_namespaced_secret(NAMESPACE),
        lambda: api.read_namespaced_pod_log(pod, NAMESPACE),
    ):
        with pytest.raises(client.ApiException) as refused:
            call()
        assert refused.value.status == 403 and READ_ONLY_USER in refused.value.body
    assert api.list_node().items  # what a read-only role may read, it reads


def test_secret_references_are_inferred_from_running_containers(k8s_healthy: K8sSandbox) -> None:
    result = env_vars(as_read_only(k8s_healthy))
    assert result.verdict is Verdict.PASS, result.summary
    assert (
        "references to Secrets this role may not read inferred resolved from the pods' containers"
        in result.summary
    )
    assert (
        "deployment/deal-service/deal-service: DB_PASSWORD -> "
        "secret deal-db key password: Secret not readable (403); "
        "resolved when pod deal-service-"
    ) in result.evidence
    assert (
        "inferred from its state (a key removed since shows at the next restart)" in result.evidence
    )


def test_a_pod_in_create_container_config_error_fails_naming_deployment_variable_secret_and_key(
    k8s_missing_key,
) -> None:
    deployment, variable, secret, key = MISSING
    result = env_vars(as_read_only(k8s_missing_key))
    assert result.verdict is Verdict.FAIL, result.summary
    assert result.summary.startswith(
        f"deployment/{deployment}/{deployment}: {variable} -> secret {secret} has no key {key} "
        f"(inferred: pod {deployment}-"
    )
    assert (
        f"CreateContainerConfigError: couldn't find key {key} in Secret {NAMESPACE}/{secret})"
        in result.summary
    )
    # With Secrets readable, the same defect is read directly (no inference).
    direct = env_vars(k8s_missing_key.profile())
    assert (
        direct.summary
        == f"deployment/{deployment}/{deployment}: {variable} -> secret {secret} has no key {key}"
    )


def test_no_pod_to_ask_is_an_error_that_says_so(sandbox_ca) -> None:
    """A deployment scaled to zero: no container ever started or failed with these references."""
    cluster = Cluster(
        [o for o in copy.deepcopy(healthy_cluster().objects) if o["kind"] != "Pod"]
    ).validate()
    sandbox = K8sSandbox.start(cluster, sandbox_ca)
    try:
        result = env_vars(as_read_only(sandbox))
    finally:
        sandbox.stop()
    assert result.verdict is Verdict.ERROR
    assert result.summary.startswith("not verifiable (403, and no pod shows it): secret ")
    assert "not verifiable (403; no pods)" in result.evidence


# The Kubernetes rows of the shipped checklist under the role: each decided, or an error saying why
# nothing can.
UNDECIDABLE = {"go-live.database.migrations": f"exec forbidden for {READ_ONLY_USER}"}
"""`migrate status` runs inside a pod; nothing a read-only role can see says whether a migration is
pending."""


def kubernetes_rows() -> list[Item]:
    """Every row with a Kubernetes probe (http.health goes through the API server), with only those
    probes."""
    rows = []
    for row in load_checklist().items():
        probes = [p for p in row.probe if p.kind.startswith("k8s.") or p.kind == "http.health"]
        if probes:
            rows.append(row.model_copy(update={"probe": probes}))
    return rows


@pytest.fixture(scope="module")
def k8s_with_history(sandbox_ca) -> Iterator[K8sSandbox]:
    """The healthy cluster with the rollout history a healthy production has (a ReplicaSet to roll
    back to), which the Rollback Plan row reads (`k8s.rollback-history` reads ReplicaSets, which the
    read-only role may)."""
    from golive_tui.sandbox.k8s_history import add_history

    cluster = add_history(Cluster(copy.deepcopy(healthy_cluster().objects)), NAMESPACE).validate()
    sandbox = K8sSandbox.start(cluster, sandbox_ca)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_production_checklist_under_the_read_only_role(k8s_with_history: K8sSandbox) -> None:
    from golive_tui.profile import SEED_SERVICES

    profile = as_read_only(
        k8s_with_history, target={"services": list(SEED_SERVICES)}, run={"timeout": 8}
    )
    results = {o.item.key: o.result for o in run_sync(profile, kubernetes_rows())}
    assert len(results) >= 13
    for key, result in results.items():
        if key in UNDECIDABLE:
            assert (result.verdict, UNDECIDABLE[key] in result.summary) == (Verdict.ERROR, True), (
                key,
                result.summary,
            )
        else:
            assert result.verdict is Verdict.PASS, (key, result.summary)


def without_proxy(sandbox: K8sSandbox) -> Profile:
    """The read-only role of a cluster whose RBAC also refuses `services/proxy` (Kubernetes' own
    `view` role does)."""
    from golive_tui.profile import SEED_SERVICES
    from golive_tui.sandbox.k8s_sandbox import READ_ONLY_DENIED

    token = sandbox.server.add_role(READ_ONLY_USER, READ_ONLY_DENIED | {"services/proxy"})
    sandbox.server.write_kubeconfig(
        sandbox.kubeconfig, context="golive-view", token=token, current=False
    )
    data = sandbox.profile_data(target={"services": list(SEED_SERVICES)})
    data["kubernetes"]["context"] = "golive-view"
    return Profile.model_validate(data)


def test_health_without_the_service_proxy_is_read_from_readiness_probes(
    k8s_healthy: K8sSandbox, k8s_degraded: K8sSandbox
) -> None:
    """The pods' readiness probe is GET /health: Ready is the kubelet's last answer. The old probe
    was `error` here."""
    [healthy] = run_sync(without_proxy(k8s_healthy), [item("http.health")])
    assert healthy.result.verdict is Verdict.PASS, healthy.result.summary
    assert (
        healthy.result.summary
        == "all 6 services healthy (6 inferred from their pods' readiness probes)"
    )
    assert (
        "api-gateway: inferred from readiness: 3/3 pods "
        "Ready, their readiness probe is GET /health "
        "(Ready: the kubelet's last check answered 2xx/3xx"
    ) in healthy.result.evidence
    [degraded] = run_sync(without_proxy(k8s_degraded), [item("http.health")])
    assert (
        degraded.result.verdict is Verdict.FAIL
        and "deal-service (not Ready)" in degraded.result.summary
    ), degraded.result.summary
