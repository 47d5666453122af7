"""The Kubernetes client of a run: kubeconfig found the way kubectl finds it, errors in one line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .base import ProbeContext, ProbeError

T = TypeVar("T")


def kubeconfig_path(ctx: ProbeContext) -> str | None:
    """Profile kubernetes.kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config; None: in-cluster."""
    if ctx.profile.kubernetes.kubeconfig:
        return os.path.expanduser(ctx.profile.kubernetes.kubeconfig)
    env = os.environ.get("KUBECONFIG", "")
    for candidate in [p for p in env.split(os.pathsep) if p] + [str(Path.home() / ".kube" / "config")]:
        if Path(candidate).expanduser().exists():
            return str(Path(candidate).expanduser())
    return None


def api_client(ctx: ProbeContext) -> Any:
    def build() -> Any:
        from kubernetes import config

        path = kubeconfig_path(ctx)
        context = ctx.profile.kubernetes.context or None
        if path is None:
            if os.environ.get("KUBERNETES_SERVICE_HOST"):
                config.load_incluster_config()
                from kubernetes.client import ApiClient

                return ApiClient()
            raise ProbeError("no kubeconfig (looked in profile kubernetes.kubeconfig, $KUBECONFIG, ~/.kube/config) "
                             "and not running in a pod")
        try:
            return config.new_client_from_config(config_file=path, context=context)
        except config.ConfigException as exc:
            raise ProbeError(f"kubeconfig {path}: {exc}") from None

    return ctx.clients.get("kubernetes", build)


def call(ctx: ProbeContext, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the API with the probe's timeout; map failures to one-line reasons."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError

    host = api_client(ctx).configuration.host
    try:
        return fn(*args, _request_timeout=ctx.timeout, **kwargs)
    except ApiException as exc:
        if exc.status == 401:
            raise ProbeError("unauthorised (401): token expired or invalid") from None
        if exc.status == 403:
            raise ProbeError(f"forbidden (403): {_reason(exc)}") from None
        if exc.status == 404:
            raise ProbeError(f"not found (404): {_reason(exc)}") from None
        raise ProbeError(f"API server error {exc.status}: {_reason(exc)}") from None
    except ReadTimeoutError:
        raise ProbeError(f"API server timed out after {ctx.timeout:g}s ({host})") from None
    except MaxRetryError as exc:
        if isinstance(exc.reason, ReadTimeoutError) or "timed out" in str(exc.reason):
            raise ProbeError(f"API server timed out after {ctx.timeout:g}s ({host})") from None
        raise ProbeError(f"cannot reach API server at {host}: {type(exc.reason).__name__}") from None
    except HTTPError as exc:
        raise ProbeError(f"cannot reach API server at {host}: {type(exc).__name__}") from None


def _reason(exc: Any) -> str:
    import json

    try:
        return json.loads(exc.body).get("message", exc.reason)
    except (TypeError, ValueError):
        return str(exc.reason)
