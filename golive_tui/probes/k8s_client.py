"""The Kubernetes client of a run: config found the way kubectl finds it, failures in one line.

One `ApiClient` per run (ProbeContext.clients), built from the profile's kubeconfig, else
$KUBECONFIG, else ~/.kube/config, else the in-cluster service account. Never the client
library's process-wide default configuration. `K8s` gives one probe its deadline: every
call gets the time the probe has left, so a probe of several calls still ends in time.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .base import ProbeContext, ProbeError

T = TypeVar("T")
CLIENT_KEY = "kubernetes"


def kubeconfig_path(ctx: ProbeContext) -> str | None:
    """The kubeconfig file(s) to load, or None for in-cluster config; ProbeError says where it looked."""
    configured = ctx.profile.kubernetes.kubeconfig
    if configured:
        path = os.path.expanduser(configured)
        if not Path(path).is_file():
            raise ProbeError(f"kubeconfig {path} (profile kubernetes.kubeconfig) does not exist")
        return path
    looked = []
    env = os.environ.get("KUBECONFIG", "")
    if env:
        # As kubectl: a set $KUBECONFIG replaces ~/.kube/config; its files are merged, missing ones skipped.
        existing = [p for p in (os.path.expanduser(p) for p in env.split(os.pathsep) if p) if Path(p).is_file()]
        if existing:
            return os.pathsep.join(existing)
        looked.append(f"$KUBECONFIG={env} (no such file)")
    else:
        default = Path.home() / ".kube" / "config"
        if default.is_file():
            return str(default)
        looked += ["profile kubernetes.kubeconfig (empty)", "$KUBECONFIG (unset)", f"{default} (missing)"]
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return None
    looked.append("in-cluster service account ($KUBERNETES_SERVICE_HOST unset)")
    raise ProbeError(f"no kubeconfig: looked in {', '.join(looked)}")


def _build_client(ctx: ProbeContext) -> Any:
    from kubernetes import client, config

    path = kubeconfig_path(ctx)
    # A fresh Configuration, never the library's process-wide default (other runs, other clusters).
    cfg = type.__call__(client.Configuration)
    cfg.retries = 0  # the engine retries probes; a hidden HTTP retry would outlast the probe's timeout
    cfg.connection_pool_maxsize = max(ctx.profile.run.concurrency, 4)  # one connection per concurrent probe
    try:
        if path is None:
            config.load_incluster_config(client_configuration=cfg)
            return client.ApiClient(configuration=cfg)
        return config.new_client_from_config(config_file=path, context=ctx.profile.kubernetes.context or None,
                                             persist_config=False, client_configuration=cfg)
    except config.ConfigException as exc:
        where = "in-cluster config" if path is None else f"kubeconfig {path}"
        raise ProbeError(f"{where}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # e.g. YAML errors, whose text may quote the file (and a token): name the type only
        raise ProbeError(f"kubeconfig {path}: unreadable ({type(exc).__name__})") from None


def api_client(ctx: ProbeContext) -> Any:
    """The run's shared kubernetes ApiClient (built on first use)."""
    return ctx.clients.get(CLIENT_KEY, lambda: _build_client(ctx))


class K8s:
    """One probe's access to the API: the shared client, the probe's deadline, cancellation."""

    def __init__(self, ctx: ProbeContext) -> None:
        self.ctx = ctx
        with ctx.setup():  # the import and kubeconfig parse are not the API server's time (issue 14)
            self.api = api_client(ctx)
        self.deadline = ctx.deadline
        self.host = self.api.configuration.host

    def core(self) -> Any:
        from kubernetes import client

        return client.CoreV1Api(self.api)

    def apps(self) -> Any:
        from kubernetes import client

        return client.AppsV1Api(self.api)

    def autoscaling(self) -> Any:
        from kubernetes import client

        return client.AutoscalingV2Api(self.api)

    def policy(self) -> Any:
        from kubernetes import client

        return client.PolicyV1Api(self.api)

    def version(self) -> Any:
        from kubernetes import client

        return client.VersionApi(self.api)

    def check_cancel(self) -> None:
        if self.ctx.cancel.is_set():
            raise ProbeError("cancelled")

    def call(self, fn: Callable[..., T], *args: Any, not_found: Any = ..., **kwargs: Any) -> T:
        """Call the API with the time left; map failures to one-line reasons (`not_found` answers a 404)."""
        from kubernetes.client.exceptions import ApiException
        from pydantic import ValidationError
        from urllib3.exceptions import HTTPError

        self.check_cancel()
        left = self.deadline - time.monotonic()
        if left <= 0.01:
            raise ProbeError(self._timed_out())
        try:
            return fn(*args, _request_timeout=left, **kwargs)
        except ApiException as exc:
            if exc.status == 404 and not_found is not ...:
                return not_found
            raise ProbeError(self._api_error(exc)) from None
        except HTTPError as exc:
            raise ProbeError(self._transport_error(exc)) from None
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else {}
            where = ".".join(str(part) for part in first.get("loc", ()))
            raise ProbeError(f"unexpected data from the API server at {self.host}: {first.get('type', 'invalid')} at {where}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProbeError(f"unexpected answer from the API server at {self.host} ({type(exc).__name__})") from None
        except TimeoutError:
            raise ProbeError(self._timed_out()) from None
        except OSError as exc:
            raise ProbeError(f"cannot reach API server at {self.host}: {exc.strerror or type(exc).__name__}") from None

    def _timed_out(self) -> str:
        return f"timed out after {self.ctx.timeout:g}s waiting for the API server at {self.host}"

    def _api_error(self, exc: Any) -> str:
        if exc.status == 401:
            return "unauthorised (401): token expired or invalid"
        message = _status_message(exc)
        if exc.status == 403:
            return f"forbidden (403): {message}"
        return f"API server answered {exc.status} {exc.reason or ''}: {message}".replace("  ", " ")

    def _transport_error(self, exc: Exception) -> str:
        from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, SSLError
        from urllib3.exceptions import TimeoutError as Urllib3Timeout

        reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
        if isinstance(reason, NewConnectionError):  # before timeouts: urllib3 makes it a ConnectTimeoutError subclass
            errno_text = re.search(r"\[Errno -?\d+\] ([^')\]]+)", str(reason))
            return f"cannot reach API server at {self.host}: {errno_text[1].strip() if errno_text else 'connection failed'}"
        if isinstance(reason, (Urllib3Timeout, TimeoutError)):
            return self._timed_out()
        if isinstance(reason, SSLError):
            detail = re.search(r"certificate verify failed: ([^(]+)", str(reason))
            return f"TLS error with the API server at {self.host}: " + (
                f"certificate verify failed ({detail[1].strip()})" if detail else type(reason.args[0] if reason.args else reason).__name__)
        if isinstance(reason, ProtocolError):
            return f"cannot reach API server at {self.host}: connection closed ({type(reason.args[1] if len(reason.args) > 1 else reason).__name__})"
        return f"cannot reach API server at {self.host}: {type(reason).__name__}"


def _status_message(exc: Any) -> str:
    """The `message` of the Kubernetes Status body, else the HTTP reason; one line."""
    try:
        message = json.loads(exc.body or "").get("message") or exc.reason
    except (TypeError, ValueError, AttributeError):
        message = exc.reason
    text = " ".join(str(message or "").split())
    return text if len(text) <= 240 else text[:239] + "…"
