"""A local HTTPS Kubernetes API endpoint serving schema-validated objects to the real client.

No kube-apiserver can be installed here, so this serves what the probes and `kubectl get`
read: version, discovery, GET of lists and objects (label and field selectors, `limit` and
`continue`, kubectl's Table form), the service proxy (per service: healthy, 503, no
endpoints), `pods/exec` over a real websocket (`k8s_exec_ws`), bearer-token auth with
Kubernetes `Status` errors, RBAC as a user who may be `denied` some resources (or `forbidden`
everything) plus further tokens for other roles (`add_role`, e.g. read-only without Secrets,
exec or logs), a `hang` switch (requests never answer) and a minimum TLS version.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from . import k8s_resources as res
from .k8s_build import Cluster, Obj
from .k8s_exec_ws import CommandResult, not_found, serve_exec, wants_websocket
from .tls import SandboxCA, free_port

USER = "system:serviceaccount:golive:readonly"
"""Who the RBAC denials say is refused (as a real RBAC denial reads), unless the server names another user."""

HANG = "(never answered)"
"""The body `answer` gives for a request the server must leave hanging."""


@dataclass(frozen=True)
class ExecUpgrade:
    """An allowed `pods/exec` request: the handler upgrades the connection and streams `result`."""

    result: CommandResult
    argv: list[str]


def status(code: int, reason: str, message: str, **details: Any) -> Obj:
    """A Kubernetes `Status` object, the body of every API error."""
    body: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                 "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


class K8sApiServer:
    """Serve a Cluster on https://127.0.0.1:<free port> to clients bearing `token`."""

    def __init__(self, cluster: Cluster | list[Obj], ca: SandboxCA | None = None, *, token: str | None = None,
                 user: str = USER, denied: set[str] | frozenset[str] = frozenset(),
                 min_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2) -> None:
        self.ca = ca or SandboxCA.in_tempdir()
        self.token = token or f"golive-sandbox-{secrets.token_hex(12)}"
        self.user = user
        """The user the token authenticates as (named in RBAC denials)."""
        self.denied = set(denied)
        """Resources this user may not touch, e.g. {"secrets", "pods/exec", "services/proxy"}: 403."""
        self.min_tls = min_tls
        """The oldest TLS version the endpoint accepts (TLS 1.0/1.1 for a legacy control plane)."""
        self.forbidden = False
        """True: every resource request is refused with 403 (discovery and /version still answer, as with RBAC)."""
        self.hang = False
        """True: requests are read and never answered (until `stop`)."""
        self.hang_on: set[str] = set()
        """Resources (e.g. "pods/exec") whose requests alone are never answered."""
        self.roles: dict[str, tuple[str, frozenset[str]]] = {}  # further tokens -> (user, denied): `add_role`
        self.latency = 0.0
        """Seconds added before every answer, like the round trip to a remote API server."""
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self._release = threading.Event()
        self._connections: set[ssl.SSLSocket] = set()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.load(cluster)

    @property
    def ca_bundle(self) -> Path:
        return self.ca.bundle

    def load(self, cluster: Cluster | list[Obj]) -> None:
        """Serve this object set from now on; it is validated against the Kubernetes schema first."""
        if not isinstance(cluster, Cluster):
            cluster = Cluster(list(cluster))
        if not cluster.validated:
            cluster.validate()
        by_resource: dict[str, list[Obj]] = {}
        for obj in cluster.objects:
            resource = res.BY_KIND.get((obj["apiVersion"], obj["kind"]))
            if resource is None:
                raise ValueError(f"the sandbox API server does not serve {obj['apiVersion']} {obj['kind']}")
            by_resource.setdefault(resource.plural, []).append(copy.deepcopy(obj))
        with self._lock:
            self.cluster, self._objects = cluster, by_resource

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> K8sApiServer:
        self._ssl = self.ca.server_context(minimum_version=self.min_tls)
        self._release.clear()
        self._server = _Server(("127.0.0.1", self.port), _Handler, self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"k8s-sandbox-{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening, release hanging requests and close open connections."""
        self._release.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> K8sApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_kubeconfig(self, path: Path | str, *, context: str = "golive-sandbox", token: str | None = None,
                         namespace: str = "", current: bool | None = None) -> Path:
        """Write (or add to) a kubeconfig with this server, the sandbox CA data and a token.

        An existing kubeconfig at `path` keeps its other entries and its current context
        unless `current` is True; a new one makes `context` current.
        """
        import base64

        import yaml

        path = Path(path)
        config: Obj = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "users": [], "contexts": []}
        if path.exists():
            config = yaml.safe_load(path.read_text()) or config
        user = f"{context}-user"
        ctx: Obj = {"cluster": context, "user": user, **({"namespace": namespace} if namespace else {})}
        entries = {
            "clusters": {"name": context, "cluster": {"server": self.url,
                                                      "certificate-authority-data": base64.b64encode(self.ca.bundle.read_bytes()).decode()}},
            "users": {"name": user, "user": {"token": token or self.token}},
            "contexts": {"name": context, "context": ctx},
        }
        for section, entry in entries.items():
            config[section] = [e for e in config.get(section) or [] if e.get("name") != entry["name"]] + [entry]
        if current or (current is None and not config.get("current-context")):
            config["current-context"] = context
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)  # it holds a token: readable by the owner only
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def add_role(self, user: str, denied: set[str] | frozenset[str]) -> str:
        """A second identity on this server: a new token for `user`, refused `denied` (403). Returns the token."""
        token = f"golive-sandbox-{secrets.token_hex(12)}"
        self.roles[token] = (user, frozenset(denied))
        return token

    def _identity(self, auth: str) -> tuple[str, frozenset[str] | set[str]] | None:
        """(user, denied resources) of a bearer token, or None when no identity has it."""
        token = auth[7:].encode() if auth.startswith("Bearer ") else b""
        known = {self.token: (self.user, self.denied), **self.roles}
        return next((who for key, who in known.items() if token and secrets.compare_digest(token, key.encode())), None)

    # --- requests --------------------------------------------------------------------------------
    def answer(self, method: str, raw_path: str, headers: Any) -> tuple[int, Obj | str | ExecUpgrade]:
        """(HTTP status, JSON body, text or an exec upgrade) for one request."""
        url = urlparse(raw_path)
        multi = parse_qs(url.query)
        query = {k: v[0] for k, v in multi.items()}
        parts = [unquote(p) for p in url.path.strip("/").split("/") if p]
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return 200, "ok"
        identity = self._identity(headers.get("Authorization", ""))
        if identity is None:
            return 401, status(401, "Unauthorized", "Unauthorized")
        user, denied = identity
        if parts == ["version"]:
            major, minor = self.cluster.git_version.lstrip("v").split(".")[:2]
            return 200, {"major": major, "minor": minor, "gitVersion": self.cluster.git_version, "gitCommit": "4096722",
                         "gitTreeState": "clean", "buildDate": "2026-04-15T10:30:00Z", "goVersion": "go1.23.8",
                         "compiler": "gc", "platform": "linux/amd64"}
        if parts == ["api"]:
            return 200, res.api_versions(f"127.0.0.1:{self.port}")
        if parts == ["apis"]:
            return 200, res.api_group_list()
        if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
            listing = res.resource_list("" if parts[0] == "api" else parts[1], parts[-1])
            return (200, listing) if listing else _not_found()
        if len(parts) == 2 and parts[0] == "apis":
            group = res.api_group(parts[1])
            return (200, group) if group else _not_found()
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) > 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return _not_found()
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        resource = res.find(group, version, rest[0])
        if resource is None or (namespace and not resource.namespaced):
            return _not_found()
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and (resource.plural, sub) not in (("services", "proxy"), ("pods", "exec"), ("pods", "log")):
            return _not_found()
        what = f"{resource.plural}/{sub}" if sub else resource.plural
        verb = "create" if sub == "exec" else "get" if name else "list"
        if self.forbidden or what in denied:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            subject = f'{resource.plural} "{name}"' if name else what
            return 403, status(403, "Forbidden", f'{subject} is forbidden: User "{user}" cannot {verb} resource "{what}" in API group '
                                                 f'"{group}" {scope}', kind=resource.plural, **({"name": name} if name else {}))
        if what in self.hang_on:
            return 0, HANG
        if sub == "exec":
            return self._exec(method, namespace, name, multi, headers)
        if method != "GET":
            return 405, status(405, "MethodNotAllowed", f"the sandbox API server is read-only: {method} is not supported")
        if sub == "proxy":
            return self._proxy(namespace, name, "/" + "/".join(rest[3:]))
        if sub == "log":
            return 200, ""  # the sandbox's containers log nothing; what matters is who may ask
        objects = [o for o in self._objects.get(resource.plural, []) if not namespace or o["metadata"].get("namespace") == namespace]
        as_table = "as=Table" in headers.get("Accept", "")
        if name:
            found = next((o for o in objects if o["metadata"]["name"] == name), None)
            if found is None:
                plural = resource.plural + (f".{group}" if group else "")
                return 404, status(404, "NotFound", f'{plural} "{name}" not found', name=name, group=group, kind=resource.plural)
            return 200, res.table(resource, [found]) if as_table else found
        try:
            selector = res.parse_label_selector(query.get("labelSelector", ""))
            objects = [o for o in objects if res.label_selector_matches(selector, o["metadata"].get("labels", {}))
                       and res.field_selector_matches(query.get("fieldSelector", ""), o)]
        except ValueError as exc:
            return 400, status(400, "BadRequest", str(exc))
        if as_table:
            return 200, res.table(resource, objects)
        meta: Obj = {"resourceVersion": "1"}
        start, limit = int(query.get("continue") or 0), int(query.get("limit") or 0)
        if limit and len(objects) > start + limit:  # the continue token is an offset: enough for a static object set
            meta["continue"] = str(start + limit)
        objects = objects[start:start + limit] if limit else objects[start:]
        items = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in objects]
        return 200, {"kind": f"{resource.kind}List", "apiVersion": resource.group_version, "metadata": meta, "items": items}

    def _exec(self, method: str, namespace: str, pod_name: str, query: dict[str, list[str]], headers: Any) -> tuple[int, Obj | ExecUpgrade]:
        """`pods/<name>/exec`: the scripted result of the command for that pod's deployment, over a websocket."""
        pod = next((p for p in self._objects.get("pods", []) if p["metadata"]["name"] == pod_name
                    and p["metadata"].get("namespace") == namespace), None)
        if pod is None:
            return 404, status(404, "NotFound", f'pods "{pod_name}" not found', name=pod_name, kind="pods")
        if method not in ("GET", "POST") or not wants_websocket(headers):
            return 400, status(400, "BadRequest", "Upgrade request required")
        argv = query.get("command", [])
        names = [c["name"] for c in pod["spec"]["containers"]]
        container = query.get("container", [names[0]])[0]
        if container not in names:
            return 400, status(400, "BadRequest", f"container {container} is not valid for pod {pod_name}")
        app = pod["metadata"].get("labels", {}).get("app", "")
        scripted = self.cluster.commands.get(app, {}).get(tuple(argv)) or self._curl(namespace, argv)
        return 101, ExecUpgrade(scripted or not_found(argv), argv)

    def _curl(self, namespace: str, argv: list[str]) -> CommandResult | None:
        """`curl -s http://<service>:<port>/<path>` inside a pod, as the seed's runbook runs it: the Service
        answers as its pods would (the same judgement as the service proxy); not a curl of a Service: None."""
        urls = [a for a in argv[1:] if a.startswith("http://")] if argv and argv[0] == "curl" else []
        if len(urls) != 1:
            return None
        host, _, path = urls[0][len("http://"):].partition("/")
        name, _, port = host.partition(":")
        if not any(o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
                   for o in self._objects.get("services", [])):
            return CommandResult(6, "", f"curl: (6) Could not resolve host: {name}\n")
        code, body = self._proxy(namespace, f"{name}:{port or '80'}", "/" + path)
        if code == 503 and isinstance(body, dict) and "no endpoints" in str(body.get("message", "")):
            return CommandResult(7, "", f"curl: (7) Failed to connect to {name} port {port or '80'}: Connection refused\n")
        return CommandResult(0, body if isinstance(body, str) else json.dumps(body) + "\n")

    def _proxy(self, namespace: str, target: str, path: str) -> tuple[int, Obj | str]:
        """The service proxy to a pod's health endpoint: 200 when every pod behind the Service is Ready.

        As kube-apiserver: the port is a Service port's number or name; no Ready endpoint is
        503; the app answers its health path only (anything else is the app's 404).
        """
        pieces = target.split(":")
        if pieces[0] in ("http", "https"):
            pieces = pieces[1:]
        name, port = pieces[0], pieces[1] if len(pieces) > 1 else ""
        svc = next((o for o in self._objects.get("services", []) if o["metadata"]["name"] == name
                    and o["metadata"].get("namespace") == namespace), None)
        if svc is None:
            return 404, status(404, "NotFound", f'services "{name}" not found', name=name, kind="services")
        ports = svc["spec"].get("ports", [])
        if port and not any(port in (str(p.get("port")), p.get("name")) for p in ports):
            return 503, status(503, "ServiceUnavailable", f'no service port "{port}" found for service "{name}"')
        selector = svc["spec"].get("selector") or {}
        pods = [p for p in self._objects.get("pods", []) if p["metadata"].get("namespace") == namespace and selector
                and all(p["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())]
        ready = sum(res._ready(p["status"].get("conditions")) for p in pods)
        forced = self.cluster.proxy_status.get(name)
        if forced is None and not ready:
            return 503, status(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')
        if path.rstrip("/") != self.cluster.health_path.rstrip("/"):
            return 404, "404 page not found\n"
        code = forced if forced is not None else 200 if ready == len(pods) else 503
        return code, {"status": "ok" if code == 200 else "unavailable", "service": name, "ready": f"{ready}/{len(pods)}"}


def _not_found() -> tuple[int, Obj]:
    return 404, status(404, "NotFound", "the server could not find the requested resource")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a concurrent sweep opens dozens of connections at once; the default backlog is 5

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], api: K8sApiServer) -> None:
        self.api = api
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's thread, so a slow or silent client
        # never blocks the accept loop.
        api = self.api
        request.settimeout(10)
        try:
            conn = api._ssl.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        conn.settimeout(None)
        with api._lock:
            api._connections.add(conn)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except OSError:
            pass  # the client hung up
        finally:
            with api._lock:
                api._connections.discard(conn)
            conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client dropping a connection is not news


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every small response waits ~40 ms for a delayed ACK
    timeout = 120  # idle keep-alive connections end eventually

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        api = self.server.api
        if api.hang:
            api._release.wait(600)
            self.close_connection = True
            return
        if api.latency:
            time.sleep(api.latency)
        code, body = api.answer(self.command, self.path, self.headers)
        if body is HANG:
            api._release.wait(600)
            self.close_connection = True
            return
        if isinstance(body, ExecUpgrade):
            serve_exec(self, body.result, body.argv)
            return
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Audit-Id", secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815
