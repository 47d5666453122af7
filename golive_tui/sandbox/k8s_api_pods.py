"""What the workloads behind the sandbox Kubernetes API answer: `pods/exec` (the scripted
result of a command, or a `curl` of a Service as its pods would answer it) and the service
proxy to a Service's health endpoint.

Split from `k8s_api`: these read the served objects (`objects`, by resource plural) and the
`Cluster`'s scripted commands and forced proxy answers, never the server's HTTP state.
"""

from __future__ import annotations

import json
from typing import Any

from .k8s_api_http import ExecUpgrade, status
from .k8s_build import Cluster, Obj
from .k8s_exec_ws import CommandResult, not_found, wants_websocket
from .k8s_tables import is_ready


def exec_answer(
    cluster: Cluster,
    objects: dict[str, list[Obj]],
    method: str,
    namespace: str,
    pod_name: str,
    query: dict[str, list[str]],
    headers: Any,
) -> tuple[int, Obj | ExecUpgrade]:
    """`pods/<name>/exec`: the scripted result of the command for that pod's deployment, over a
    websocket."""
    pod = next(
        (
            p
            for p in objects.get("pods", [])
            if p["metadata"]["name"] == pod_name and p["metadata"].get("namespace") == namespace
        ),
        None,
    )
    if pod is None:
        return 404, status(
            404, "NotFound", f'pods "{pod_name}" not found', name=pod_name, kind="pods"
        )
    if method not in ("GET", "POST") or not wants_websocket(headers):
        return 400, status(400, "BadRequest", "Upgrade request required")
    argv = query.get("command", [])
    names = [c["name"] for c in pod["spec"]["containers"]]
    container = query.get("container", [names[0]])[0]
    if container not in names:
        return 400, status(
            400, "BadRequest", f"container {container} is not valid for pod {pod_name}"
        )
    app = pod["metadata"].get("labels", {}).get("app", "")
    scripted = cluster.commands.get(app, {}).get(tuple(argv)) or curl(
        cluster, objects, namespace, argv
    )
    return 101, ExecUpgrade(scripted or not_found(argv), argv)


def curl(
    cluster: Cluster, objects: dict[str, list[Obj]], namespace: str, argv: list[str]
) -> CommandResult | None:
    """`curl -s http://<service>:<port>/<path>` inside a pod, as the seed's runbook runs it: the
    Service answers as its pods would (the same judgement as the service proxy); not a curl of a
    Service: None."""
    urls = [a for a in argv[1:] if a.startswith("http://")] if argv and argv[0] == "curl" else []
    if len(urls) != 1:
        return None
    host, _, path = urls[0][len("http://") :].partition("/")
    name, _, port = host.partition(":")
    if not any(
        o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
        for o in objects.get("services", [])
    ):
        return CommandResult(6, "", f"curl: (6) Could not resolve host: {name}\n")
    code, body = proxy(cluster, objects, namespace, f"{name}:{port or '80'}", "/" + path)
    if code == 503 and isinstance(body, dict) and "no endpoints" in str(body.get("message", "")):
        return CommandResult(
            7,
            "",
            f"curl: (7) Failed to connect to {name} port {port or '80'}: Connection refused\n",
        )
    return CommandResult(0, body if isinstance(body, str) else json.dumps(body) + "\n")


def proxy(
    cluster: Cluster, objects: dict[str, list[Obj]], namespace: str, target: str, path: str
) -> tuple[int, Obj | str]:
    """The service proxy to a pod's health endpoint: 200 when every pod behind the Service is Ready.

    As kube-apiserver: the port is a Service port's number or name; no Ready endpoint is
    503; the app answers its health path only (anything else is the app's 404).
    """
    pieces = target.split(":")
    if pieces[0] in ("http", "https"):
        pieces = pieces[1:]
    name, port = pieces[0], pieces[1] if len(pieces) > 1 else ""
    svc = next(
        (
            o
            for o in objects.get("services", [])
            if o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
        ),
        None,
    )
    if svc is None:
        return 404, status(
            404, "NotFound", f'services "{name}" not found', name=name, kind="services"
        )
    ports = svc["spec"].get("ports", [])
    if port and not any(port in (str(p.get("port")), p.get("name")) for p in ports):
        return 503, status(
            503, "ServiceUnavailable", f'no service port "{port}" found for service "{name}"'
        )
    selector = svc["spec"].get("selector") or {}
    pods = [
        p
        for p in objects.get("pods", [])
        if p["metadata"].get("namespace") == namespace
        and selector
        and all(p["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
    ]
    ready = sum(is_ready(p["status"].get("conditions")) for p in pods)
    forced = cluster.proxy_status.get(name)
    if forced is None and not ready:
        return 503, status(
            503, "ServiceUnavailable", f'no endpoints available for service "{name}"'
        )
    if path.rstrip("/") != cluster.health_path.rstrip("/"):
        return 404, "404 page not found\n"
    code = forced if forced is not None else 200 if ready == len(pods) else 503
    return code, {
        "status": "ok" if code == 200 else "unavailable",
        "service": name,
        "ready": f"{ready}/{len(pods)}",
    }
