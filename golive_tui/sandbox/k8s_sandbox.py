"""A running sandbox API server plus what a client needs to reach it: kubeconfig, CA, token,
profile.

Shared by the test fixtures (tests/fixtures/k8s.py), the benchmark and the demo.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .k8s_api import K8sApiServer
from .k8s_build import Cluster, Obj
from .k8s_objects import NAMESPACE, REQUIRED_ENV
from .tls import SandboxCA

READ_ONLY_USER = "system:serviceaccount:golive:release-viewer"
"""The read-only role's user, as its RBAC denials name it."""
READ_ONLY_DENIED = frozenset({"secrets", "pods/exec", "pods/log"})
"""What the usual read-only cluster role may not do: read Secrets, exec into pods, read their
logs."""
READ_ONLY_CONTEXT = "golive-read-only"


@dataclass
class K8sSandbox:
    """One sandbox cluster as a client sees it."""

    server: K8sApiServer
    kubeconfig: Path
    namespace: str = NAMESPACE
    started: bool = field(default=True, repr=False)
    required_env: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in REQUIRED_ENV.items()}
    )
    """What profile() puts in target.required_env ({}: the default env check)."""

    @classmethod
    def start(
        cls,
        cluster: Cluster | list[Obj],
        ca: SandboxCA | None = None,
        *,
        directory: Path | None = None,
        running: bool = True,
        **server: Any,
    ) -> K8sSandbox:
        """Serve `cluster` (running=False: a kubeconfig for a port nobody listens on) and write its
        kubeconfig."""
        api = K8sApiServer(cluster, ca, **server)
        if running:
            api.start()
        directory = directory or Path(tempfile.mkdtemp(prefix="golive-kube-"))
        return cls(api, api.write_kubeconfig(directory / "config"), started=running)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def ca_bundle(self) -> Path:
        return self.server.ca_bundle

    @property
    def token(self) -> str:
        return self.server.token

    def with_token(self, token: str, path: Path) -> K8sSandbox:
        """The same server reached with another token (e.g. an expired one)."""
        return K8sSandbox(
            self.server,
            self.server.write_kubeconfig(path, token=token),
            self.namespace,
            started=False,
            required_env=self.required_env,
        )

    def read_only(self) -> K8sSandbox:
        """The same server as a read-only role (403 on Secrets, exec and logs): a second token,
        added to this sandbox's kubeconfig as context READ_ONLY_CONTEXT (select it with
        kubernetes.context)."""
        token = self.server.add_role(READ_ONLY_USER, READ_ONLY_DENIED)
        self.server.write_kubeconfig(
            self.kubeconfig, context=READ_ONLY_CONTEXT, token=token, current=False
        )
        return K8sSandbox(
            self.server,
            self.kubeconfig,
            self.namespace,
            started=False,
            required_env=self.required_env,
        )

    def profile_data(self, **sections: dict[str, Any]) -> dict[str, Any]:
        """Profile TOML data pointing at this sandbox; `sections` are merged per section."""
        data: dict[str, Any] = {
            "kubernetes": {"kubeconfig": str(self.kubeconfig)},
            "target": {
                "namespace": self.namespace,
                "required_env": {k: list(v) for k, v in self.required_env.items()},
            },
            "run": {"timeout": 3},
        }
        for section, values in sections.items():
            data.setdefault(section, {}).update(values)
        return data

    def profile(self, **sections: dict[str, Any]) -> Any:
        """A golive Profile pointing at this sandbox, e.g. profile(kubernetes={"context": "x"})."""
        from ..profile import Profile

        return Profile.model_validate(self.profile_data(**sections))

    def stop(self) -> None:
        if self.started:
            self.server.stop()
