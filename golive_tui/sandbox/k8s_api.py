"""A local HTTPS Kubernetes API endpoint serving schema-validated objects to the real client.

No kube-apiserver can be installed here, so this serves what the probes (and kubectl's
discovery) read: GET of lists and objects, label selectors, the service proxy, bearer-token
auth with Kubernetes `Status` errors, and a `hang` switch for timeout tests.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from .k8s_objects import Obj
from .tls import SandboxCA, free_port

# kind -> (group/version prefix, plural, namespaced)
RESOURCES = {
    "Node": ("api/v1", "nodes", False),
    "Pod": ("api/v1", "pods", True),
    "Service": ("api/v1", "services", True),
    "ConfigMap": ("api/v1", "configmaps", True),
    "Deployment": ("apis/apps/v1", "deployments", True),
    "HorizontalPodAutoscaler": ("apis/autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("apis/policy/v1", "poddisruptionbudgets", True),
}
SHORT = {"nodes": ["no"], "pods": ["po"], "services": ["svc"], "configmaps": ["cm"], "deployments": ["deploy"],
         "horizontalpodautoscalers": ["hpa"], "poddisruptionbudgets": ["pdb"]}


def status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


class K8sApiServer:
    """Serve `objects` on https://127.0.0.1:<free port>; `token` is the bearer token accepted."""

    def __init__(self, objects: list[Obj], ca: SandboxCA, token: str = "sandbox-token") -> None:
        self.objects = objects
        self.ca = ca
        self.token = token
        self.forbidden = False
        self.hang = False
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> K8sApiServer:
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = True
        server.socket = self.ca.server_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, name="k8s-sandbox", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def write_kubeconfig(self, path: Path, *, context: str = "sandbox", token: str | None = None) -> Path:
        """A kubeconfig for the real client (and kubectl): server, CA data, token."""
        ca_data = base64.b64encode(self.ca.bundle.read_bytes()).decode()
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": context, "cluster": {"server": self.url, "certificate-authority-data": ca_data}}],
            "users": [{"name": f"{context}-user", "user": {"token": token or self.token}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-user"}}],
        }
        path.write_text(json.dumps(config, indent=2))  # JSON is valid YAML
        path.chmod(0o600)
        return path

    # --- routing -------------------------------------------------------------------------------
    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        parts = [p for p in path.strip("/").split("/") if p]
        if parts in (["version"],):
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.1-eks-sandbox", "platform": "linux/amd64",
                         "gitCommit": "0", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                         "goVersion": "go1.23", "compiler": "gc"}
        if parts == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}]}
        if parts == ["apis"]:
            groups = [{"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}], "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v}}
                      for g, v in (("apps", "v1"), ("autoscaling", "v2"), ("policy", "v1"))]
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        prefix_len = 2 if parts[:1] == ["api"] else 3
        prefix = "/".join(parts[:prefix_len])
        rest = parts[prefix_len:]
        kinds = {k: v for k, v in RESOURCES.items() if v[0] == prefix}
        if not kinds:
            return 404, status(404, "NotFound", f"the server could not find the requested resource {path}")
        if not rest:
            resources = [{"name": plural, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
                          "verbs": ["get", "list"], "shortNames": SHORT.get(plural, [])}
                         for kind, (_, plural, namespaced) in kinds.items()]
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": prefix.removeprefix("apis/").removeprefix("api/") if prefix != "api/v1" else "v1", "resources": resources}
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        kind = next((k for k, v in kinds.items() if v[1] == plural), None)
        if kind is None:
            return 404, status(404, "NotFound", f"the server could not find the requested resource {path}")
        if kind == "Service" and len(rest) >= 3 and rest[2] == "proxy":
            return self._proxy(namespace, name.split(":")[0])
        matches = [o for o in self.objects if o["kind"] == kind
                   and (namespace is None or o["metadata"].get("namespace") == namespace)]
        if name is not None:
            found = next((o for o in matches if o["metadata"]["name"] == name), None)
            if found is None:
                return 404, status(404, "NotFound", f'{plural} "{name}" not found')
            return 200, found
        selector = query.get("labelSelector", [""])[0]
        if selector:
            wanted = dict(term.split("=", 1) for term in selector.split(",") if "=" in term)
            matches = [o for o in matches if all(o["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())]
        version = prefix.removeprefix("apis/").removeprefix("api/")
        return 200, {"kind": f"{kind}List", "apiVersion": version, "metadata": {"resourceVersion": "1"}, "items": matches}

    def _proxy(self, namespace: str | None, name: str) -> tuple[int, Any]:
        dep = next((o for o in self.objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name
                    and o["metadata"].get("namespace") == namespace), None)
        if dep is None:
            return 503, {"status": "no endpoints"}
        ok = dep["status"].get("availableReplicas", 0) >= dep["spec"].get("replicas", 1)
        return (200, {"status": "ok"}) if ok else (503, {"status": "degraded"})


def _make_handler(api: K8sApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # else every small response waits ~40 ms for a delayed ACK
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if api.hang:
                api._stop.wait(3600)
                return
            if self.headers.get("Authorization") != f"Bearer {api.token}":
                return self._send(401, status(401, "Unauthorized", "Unauthorized"))
            if api.forbidden:
                return self._send(403, status(403, "Forbidden", 'User "golive" cannot list resources at the cluster scope'))
            parsed = urlparse(self.path)
            code, body = api.route(parsed.path, parse_qs(parsed.query))
            self._send(code, body)

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def wait_ready(url: str, timeout: float = 5.0) -> None:
    import socket

    host, port = url.removeprefix("https://").split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"k8s sandbox did not start at {url}")
