"""Rollout history of the sandbox's Deployments: the ReplicaSets `kubectl rollout undo` goes back
to.

`add_history(cluster, namespace)` gives each Deployment of the namespace revision 2: its
current ReplicaSet and the previous one (revision 1, the image's previous patch tag), as
the Deployment controller leaves them. `no_history` deployments get revisionHistoryLimit 0
and no old ReplicaSet (the controller prunes it); `first_deploy` ones keep the default limit
but have only their current ReplicaSet (never rolled out before: nothing to go back to).
"""

from __future__ import annotations

import copy

from .k8s_build import Cluster, Obj, _hash, meta

REVISION = "deployment.kubernetes.io/revision"


def _previous(image: str) -> str:
    """`deal-service:1.4.2` -> `deal-service:1.4.1` (a tag without a patch number gets
    `-previous`)."""
    name, _, tag = image.rpartition(":")
    head, _, patch = tag.rpartition(".")
    if name and head and patch.isdigit() and int(patch) > 0:
        return f"{name}:{head}.{int(patch) - 1}"
    return f"{image}-previous"


def replica_set(deploy: Obj, revision: int, *, current: bool) -> Obj:
    name, namespace = deploy["metadata"]["name"], deploy["metadata"]["namespace"]
    template = copy.deepcopy(deploy["spec"]["template"])
    if not current:
        for container in template["spec"]["containers"]:
            container["image"] = _previous(container["image"])
    rs_name = f"{name}-{_hash(f'{name}/{revision}')}"
    replicas = deploy["spec"].get("replicas", 1) if current else 0
    labels = dict(template["metadata"].get("labels", {}))
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            rs_name,
            namespace,
            labels=labels,
            annotations={REVISION: str(revision)},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": name,
                    "uid": deploy["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        ),
        "spec": {
            "replicas": replicas,
            "selector": copy.deepcopy(deploy["spec"]["selector"]),
            "template": template,
        },
        "status": {
            "replicas": replicas,
            "observedGeneration": 1,
            **({"readyReplicas": replicas, "availableReplicas": replicas} if replicas else {}),
        },
    }


def add_history(
    cluster: Cluster,
    namespace: str,
    *,
    no_history: tuple[str, ...] = (),
    first_deploy: tuple[str, ...] = (),
) -> Cluster:
    """Add each Deployment's ReplicaSets (and its revision annotation); see the module docstring."""
    sets: list[Obj] = []
    for deploy in [
        o
        for o in cluster.objects
        if o["kind"] == "Deployment" and o["metadata"].get("namespace") == namespace
    ]:
        name = deploy["metadata"]["name"]
        single = name in no_history or name in first_deploy
        revision = 1 if single else 2
        deploy["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
        if name in no_history:
            deploy["spec"]["revisionHistoryLimit"] = 0
        sets.append(replica_set(deploy, revision, current=True))
        if not single:
            sets.append(replica_set(deploy, 1, current=False))
    return cluster.add(sets)
