"""A local HTTPS Kubernetes API endpoint serving schema-validated objects to the real client.

No kube-apiserver can be installed here, so this serves what the probes and `kubectl get`
read: version, discovery, GET of lists and objects (label and field selectors, `limit` and
`continue`, kubectl's Table form), the service proxy (per service: healthy, 503, no
endpoints), `pods/exec` over a real websocket (`k8s_exec_ws`), bearer-token auth with
Kubernetes `Status` errors, RBAC as a user who may be `denied` some resources (or `forbidden`
everything) plus further tokens for other roles (`add_role`, e.g. read-only without Secrets,
exec or logs), a `hang` switch (requests never answer) and a minimum TLS version.

This module decides what each request is answered; `k8s_api_http` carries the answers over
HTTPS, `k8s_api_pods` answers for the workloads (exec, service proxy), `k8s_resources` and
`k8s_selectors` describe and filter the served objects, `k8s_tables` prints them as kubectl does.
"""

from __future__ import annotations

import copy
import secrets
import socket
import ssl
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from . import k8s_resources as res
from . import k8s_selectors as selectors
from . import k8s_tables as tables
from .k8s_api_http import HANG, ApiRequestHandler, ExecUpgrade, TlsHttpServer, status
from .k8s_api_pods import exec_answer, proxy
from .k8s_build import Cluster, Obj
from .tls import SandboxCA, free_port

USER = "system:serviceaccount:golive:readonly"
"""Who the RBAC denials say is refused (as a real RBAC denial reads), unless the server names
another user."""


class K8sApiServer:
    """Serve a Cluster on https://127.0.0.1:<free port> to clients bearing `token`."""

    def __init__(
        self,
        cluster: Cluster | list[Obj],
        ca: SandboxCA | None = None,
        *,
        token: str | None = None,
        user: str = USER,
        denied: set[str] | frozenset[str] = frozenset(),
        min_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    ) -> None:
        self.ca = ca or SandboxCA.in_tempdir()
        self.token = token or f"golive-sandbox-{secrets.token_hex(12)}"
        self.user = user
        """The user the token authenticates as (named in RBAC denials)."""
        self.denied = set(denied)
        """Resources this user may not touch, e.g. {"secrets", "pods/exec", "services/proxy"}:
        403."""
        self.min_tls = min_tls
        """The oldest TLS version the endpoint accepts (TLS 1.0/1.1 for a legacy control plane)."""
        self.forbidden = False
        """True: every resource request is refused with 403 (discovery and /version still answer, as
        with RBAC)."""
        self.hang = False
        """True: requests are read and never answered (until `stop`)."""
        self.hang_on: set[str] = set()
        """Resources (e.g. "pods/exec") whose requests alone are never answered."""
        self.roles: dict[
            str, tuple[str, frozenset[str]]
        ] = {}  # further tokens -> (user, denied): `add_role`
        self.latency = 0.0
        """Seconds added before every answer, like the round trip to a remote API server."""
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self._release = threading.Event()
        self._connections: set[ssl.SSLSocket] = set()
        self._lock = threading.Lock()
        self._server: TlsHttpServer | None = None
        self.load(cluster)

    @property
    def ca_bundle(self) -> Path:
        return self.ca.bundle

    def load(self, cluster: Cluster | list[Obj]) -> None:
        """Serve this object set from now on; it is validated against the Kubernetes schema
        first."""
        if not isinstance(cluster, Cluster):
            cluster = Cluster(list(cluster))
        if not cluster.validated:
            cluster.validate()
        by_resource: dict[str, list[Obj]] = {}
        for obj in cluster.objects:
            resource = res.BY_KIND.get((obj["apiVersion"], obj["kind"]))
            if resource is None:
                raise ValueError(
                    f"the sandbox API server does not serve {obj['apiVersion']} {obj['kind']}"
                )
            by_resource.setdefault(resource.plural, []).append(copy.deepcopy(obj))
        with self._lock:
            self.cluster, self._objects = cluster, by_resource

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> K8sApiServer:
        self._ssl = self.ca.server_context(minimum_version=self.min_tls)
        self._release.clear()
        self._server = TlsHttpServer(("127.0.0.1", self.port), ApiRequestHandler, self)
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"k8s-sandbox-{self.port}",
            daemon=True,
        ).start()
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

    def write_kubeconfig(
        self,
        path: Path | str,
        *,
        context: str = "golive-sandbox",
        token: str | None = None,
        namespace: str = "",
        current: bool | None = None,
    ) -> Path:
        """Write (or add to) a kubeconfig with this server, the sandbox CA data and a token.

        An existing kubeconfig at `path` keeps its other entries and its current context
        unless `current` is True; a new one makes `context` current.
        """
        import base64

        import yaml

        path = Path(path)
        config: Obj = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [],
            "users": [],
            "contexts": [],
        }
        if path.exists():
            config = yaml.safe_load(path.read_text()) or config
        user = f"{context}-user"
        ctx: Obj = {
            "cluster": context,
            "user": user,
            **({"namespace": namespace} if namespace else {}),
        }
        entries = {
            "clusters": {
                "name": context,
                "cluster": {
                    "server": self.url,
                    "certificate-authority-data": base64.b64encode(
                        self.ca.bundle.read_bytes()
                    ).decode(),
                },
            },
            "users": {"name": user, "user": {"token": token or self.token}},
            "contexts": {"name": context, "context": ctx},
        }
        for section, entry in entries.items():
            config[section] = [
                e for e in config.get(section) or [] if e.get("name") != entry["name"]
            ] + [entry]
        if current or (current is None and not config.get("current-context")):
            config["current-context"] = context
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)  # it holds a token: readable by the owner only
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def add_role(self, user: str, denied: set[str] | frozenset[str]) -> str:
        """A second identity on this server: a new token for `user`, refused `denied` (403). Returns
        the token."""
        token = f"golive-sandbox-{secrets.token_hex(12)}"
        self.roles[token] = (user, frozenset(denied))
        return token

    def _identity(self, auth: str) -> tuple[str, frozenset[str] | set[str]] | None:
        """(user, denied resources) of a bearer token, or None when no identity has it."""
        token = auth[7:].encode() if auth.startswith("Bearer ") else b""
        known: dict[str, tuple[str, frozenset[str] | set[str]]] = {
            self.token: (self.user, self.denied),
            **self.roles,
        }
        return next(
            (
                who
                for key, who in known.items()
                if token and secrets.compare_digest(token, key.encode())
            ),
            None,
        )

    # --- requests --------------------------------------------------------------------------------
    def answer(
        self, method: str, raw_path: str, headers: Any
    ) -> tuple[int, Obj | str | ExecUpgrade]:
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
            return 200, {
                "major": major,
                "minor": minor,
                "gitVersion": self.cluster.git_version,
                "gitCommit": "4096722",
                "gitTreeState": "clean",
                "buildDate": "2026-04-15T10:30:00Z",
                "goVersion": "go1.23.8",
                "compiler": "gc",
                "platform": "linux/amd64",
            }
        if parts == ["api"]:
            return 200, res.api_versions(f"127.0.0.1:{self.port}")
        if parts == ["apis"]:
            return 200, res.api_group_list()
        if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
            listing = res.resource_list("" if parts[0] == "api" else parts[1], parts[-1])
            return (200, listing) if listing else _not_found()
        if len(parts) == 2 and parts[0] == "apis":
            found = res.api_group(parts[1])
            return (200, found) if found else _not_found()
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
        if sub and (resource.plural, sub) not in (
            ("services", "proxy"),
            ("pods", "exec"),
            ("pods", "log"),
        ):
            return _not_found()
        what = f"{resource.plural}/{sub}" if sub else resource.plural
        verb = "create" if sub == "exec" else "get" if name else "list"
        if self.forbidden or what in denied:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            subject = f'{resource.plural} "{name}"' if name else what
            return 403, status(
                403,
                "Forbidden",
                f'{subject} is forbidden: User "{user}" cannot {verb} resource "{what}" '
                f'in API group "{group}" {scope}',
                kind=resource.plural,
                **({"name": name} if name else {}),
            )
        if what in self.hang_on:
            return 0, HANG
        if sub == "exec":
            return exec_answer(self.cluster, self._objects, method, namespace, name, multi, headers)
        if method != "GET":
            return 405, status(
                405,
                "MethodNotAllowed",
                f"the sandbox API server is read-only: {method} is not supported",
            )
        if sub == "proxy":
            return proxy(self.cluster, self._objects, namespace, name, "/" + "/".join(rest[3:]))
        if sub == "log":
            return 200, ""  # the sandbox's containers log nothing; what matters is who may ask
        objects = [
            o
            for o in self._objects.get(resource.plural, [])
            if not namespace or o["metadata"].get("namespace") == namespace
        ]
        as_table = "as=Table" in headers.get("Accept", "")
        if name:
            found = next((o for o in objects if o["metadata"]["name"] == name), None)
            if found is None:
                plural = resource.plural + (f".{group}" if group else "")
                return 404, status(
                    404,
                    "NotFound",
                    f'{plural} "{name}" not found',
                    name=name,
                    group=group,
                    kind=resource.plural,
                )
            return 200, tables.table(resource, [found]) if as_table else found
        try:
            selector = selectors.parse_label_selector(query.get("labelSelector", ""))
            objects = [
                o
                for o in objects
                if selectors.label_selector_matches(selector, o["metadata"].get("labels", {}))
                and selectors.field_selector_matches(query.get("fieldSelector", ""), o)
            ]
        except ValueError as exc:
            return 400, status(400, "BadRequest", str(exc))
        if as_table:
            return 200, tables.table(resource, objects)
        meta: Obj = {"resourceVersion": "1"}
        start, limit = int(query.get("continue") or 0), int(query.get("limit") or 0)
        if (
            limit and len(objects) > start + limit
        ):  # the continue token is an offset: enough for a static object set
            meta["continue"] = str(start + limit)
        objects = objects[start : start + limit] if limit else objects[start:]
        items = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in objects]
        return 200, {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.group_version,
            "metadata": meta,
            "items": items,
        }


def _not_found() -> tuple[int, Obj]:
    return 404, status(404, "NotFound", "the server could not find the requested resource")
