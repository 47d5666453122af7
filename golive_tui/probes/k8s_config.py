"""Where a run's Kubernetes client comes from: the kubeconfig kubectl would use, and the client.

The profile's kubeconfig, else $KUBECONFIG, else ~/.kube/config, else the in-cluster service
account; a fresh `Configuration`, never the library's process-wide default; an exec plugin
is golive's to run (`k8s_auth`), not the library's. Building is set-up, done before a probe's
deadline starts: `k8s_client` caches the client per run and gives probes their deadlines.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .base import ProbeContext, ProbeError
from .k8s_auth import EarlyRun, ExecCredential, start_early, take_exec_user


def kubeconfig_path(ctx: ProbeContext) -> str | None:
    """The kubeconfig file(s) to load, or None for in-cluster config; ProbeError says where it
    looked."""
    configured = ctx.profile.kubernetes.kubeconfig
    if configured:
        path = os.path.expanduser(configured)
        if not Path(path).is_file():
            raise ProbeError(f"kubeconfig {path} (profile kubernetes.kubeconfig) does not exist")
        return path
    looked = []
    env = os.environ.get("KUBECONFIG", "")
    if env:
        # As kubectl: a set $KUBECONFIG replaces ~/.kube/config; its files are merged, missing ones
        # skipped.
        existing = [
            p
            for p in (os.path.expanduser(p) for p in env.split(os.pathsep) if p)
            if Path(p).is_file()
        ]
        if existing:
            return os.pathsep.join(existing)
        looked.append(f"$KUBECONFIG={env} (no such file)")
    else:
        default = Path.home() / ".kube" / "config"
        if default.is_file():
            return str(default)
        looked += [
            "profile kubernetes.kubeconfig (empty)",
            "$KUBECONFIG (unset)",
            f"{default} (missing)",
        ]
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return None
    looked.append("in-cluster service account ($KUBERNETES_SERVICE_HOST unset)")
    raise ProbeError(f"no kubeconfig: looked in {', '.join(looked)}")


def build_client(ctx: ProbeContext) -> Any:
    """A new ApiClient for the profile's cluster (ProbeError says why not); an exec plugin's first
    run may be under way."""
    path = kubeconfig_path(ctx)
    early = (
        start_early(path, ctx.profile.kubernetes.context) if path else None
    )  # runs while the client is imported
    try:
        return _client_for(ctx, path, early)
    except BaseException:
        if early is not None:
            early.discard()
        raise


def _import_kubernetes() -> None:
    """Import the client without kubernetes_validate, unless something already imported it.

    The package's `dynamic` module imports kubernetes_validate (and jsonschema, ~0.15 s)
    whenever it is installed — with golive's demo extra — for a validation golive never asks
    for; a production install does not have it, and a run of the demo should not pay for it.
    """
    if "kubernetes" in sys.modules or "kubernetes_validate" in sys.modules:
        return
    sys.modules["kubernetes_validate"] = None  # type: ignore[assignment]  # an ImportError for dynamic's optional import
    try:
        import kubernetes  # noqa: F401
    finally:
        if sys.modules.get("kubernetes_validate", "") is None:
            del sys.modules["kubernetes_validate"]


def _client_for(ctx: ProbeContext, path: str | None, early: EarlyRun | None) -> Any:
    _import_kubernetes()
    from kubernetes import client, config

    # A fresh Configuration, never the library's process-wide default (other runs, other clusters).
    cfg = type.__call__(client.Configuration)
    cfg.retries = (
        0  # the engine retries probes; a hidden HTTP retry would outlast the probe's timeout
    )
    # One connection per concurrent call: probes run `concurrency` at once, and a probe may make
    # independent calls at once (find_all); a full pool would open, then drop, a connection (a TLS
    # handshake) for each call beyond it.
    cfg.connection_pool_maxsize = max(ctx.profile.run.concurrency, 4) * 2
    try:
        if path is None:
            # kubernetes.config has no annotations (here and in _from_kubeconfig)
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            return client.ApiClient(configuration=cfg)
        return _from_kubeconfig(ctx, path, cfg, early)
    except config.ConfigException as exc:
        where = "in-cluster config" if path is None else f"kubeconfig {path}"
        raise ProbeError(f"{where}: {' '.join(str(exc).split())}") from None
    except (
        Exception
    ) as exc:  # e.g. YAML errors, whose text may quote the file (and a token): name the type only
        raise ProbeError(f"kubeconfig {path}: unreadable ({type(exc).__name__})") from None


def _from_kubeconfig(ctx: ProbeContext, path: str, cfg: Any, early: EarlyRun | None = None) -> Any:
    """What `new_client_from_config` does, except that an exec plugin is golive's to run
    (k8s_auth)."""
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

    merged = KubeConfigMerger(path)  # type: ignore[no-untyped-call]  # kubernetes.config: untyped
    if merged.config is None:
        raise ConfigException("Invalid kube-config file. No configuration found.")
    loader = KubeConfigLoader(  # type: ignore[no-untyped-call]  # kubernetes.config: untyped
        config_dict=merged.config, active_context=ctx.profile.kubernetes.context or None
    )
    section = take_exec_user(loader)
    if section is None and early is not None:
        early.discard()
    loader.load_and_set(cfg)  # type: ignore[no-untyped-call]  # kubernetes.config: untyped
    api: Any = client.ApiClient(configuration=cfg)  # Any: it carries golive_credential below
    if section is not None:
        cluster = getattr(loader, "_cluster", None)
        origin = (
            getattr(cluster, "path", None) or path.split(os.pathsep)[0]
        )  # the file the cluster came from
        credential = ExecCredential(
            section, os.path.dirname(os.path.abspath(origin)), cluster, early
        )
        api.golive_credential = (
            credential  # run by prepare(), before any deadline; kept with the client if it fails
        )
    return api


def credential_of(api: Any) -> ExecCredential | None:
    """The exec plugin's credential of a client built from such a kubeconfig, else None."""
    return getattr(api, "golive_credential", None)
