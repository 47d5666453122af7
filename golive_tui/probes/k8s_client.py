"""The Kubernetes client of a run: one client per run, JSON in, failures in one line.

One `ApiClient` per ClientCache, built by `k8s_config` from the profile's kubeconfig, else
$KUBECONFIG, else ~/.kube/config, else the in-cluster service account. The `kubernetes`
package does what it is best at (kubeconfig, contexts, auth plugins, in-cluster config, TLS,
the stream API); responses are read as plain JSON dicts with the API's camelCase keys, not
built into model classes nobody needs (that cost ~24 % of a sweep). `prepare` builds the client
before a probe's deadline starts; `K8s` gives one probe its deadline, which starts at its first API
call.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from .base import ProbeContext, ProbeError, ProbeFunc, ProbeParams, ProbeResult, failed, probe
from .k8s_config import build_client, credential_of
from .k8s_config import (
    kubeconfig_path as kubeconfig_path,
)  # re-exported: probes/backends.py imports it from here

CLIENT_KEY = "kubernetes"
PAGE_SIZE = 500
"""Items per list page (`limit`); the rest follows through `metadata.continue`."""
MAX_BODY = 64 * 1024 * 1024
"""A list larger than this is refused rather than held in memory."""


def api_client(ctx: ProbeContext) -> Any:
    """The ClientCache's shared kubernetes ApiClient (built once, thread-safe, on first use)."""
    return ctx.clients.get(CLIENT_KEY, lambda: build_client(ctx))


def prepare(ctx: ProbeContext) -> None:
    """Import the client, read the kubeconfig and renew an expired exec credential before the
    probe's deadline starts."""
    credential = credential_of(api_client(ctx))
    if credential is not None:
        credential.current(ctx.now())


def k8s_probe(name: str, params: type[ProbeParams]) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register a blocking Kubernetes probe whose client is built before its deadline starts."""
    return probe(name, params, blocking=True, prepare=prepare)


def ns_path(
    ctx: ProbeContext, group_version: str, plural: str, name: str = "", namespace: str = ""
) -> str:
    """`/apis/apps/v1/namespaces/<ns>/deployments[/name]` (core group: `/api/v1/...`)."""
    prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    path = (
        f"{prefix}/namespaces/{quote(namespace or ctx.profile.target.namespace, safe='')}/{plural}"
    )
    return path + (f"/{quote(name, safe='')}" if name else "")


def deployments(k8s: K8s) -> dict[str, dict[str, Any]]:
    """The target namespace's Deployments by name."""
    return {
        str(d.get("metadata", {}).get("name", "?")): d
        for d in k8s.list(ns_path(k8s.ctx, "apps/v1", "deployments"))
    }


def none_deployed(ctx: ProbeContext, evidence: str = "") -> ProbeResult:
    """The verdict of a claim about every deployment of a namespace that has none: a fail, never a
    pass of 0 of 0.

    A typo in target.namespace (or `default`) lists nothing, and "all 0 containers hardened" is no
    evidence.
    """
    return failed(
        f"no deployments in namespace {ctx.profile.target.namespace} (target.namespace): nothing "
        "to judge",
        evidence or f"GET deployments in namespace {ctx.profile.target.namespace}: none",
    )


class K8s:
    """One probe's access to the API: the shared client, the probe's deadline, cancellation.

    `get`/`find`/`list` return the API's JSON as dicts; every call gets the time the probe
    has left (`_request_timeout`), so a probe of several calls still ends in time.
    """

    def __init__(self, ctx: ProbeContext) -> None:
        self.ctx = ctx
        self.api = api_client(ctx)
        self.host: str = self.api.configuration.host
        self.deadline: float | None = None
        """Set by the first API call: building the client is not the probe's time."""
        self._auth_lock = threading.Lock()

    # --- the deadline ----------------------------------------------------------------------------
    def left(self) -> float:
        """Seconds this probe has left (its deadline starts now if no call was made yet)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.ctx.timeout
        return self.deadline - time.monotonic()

    def check_cancel(self) -> None:
        if self.ctx.cancel.is_set():
            raise ProbeError("cancelled")

    def timed_out(self) -> str:
        return f"timed out after {self.ctx.timeout:g}s waiting for the API server at {self.host}"

    # --- requests ---------------------------------------------------------------------------------
    def authorise(self) -> str:
        """The exec plugin's current token in the client's configuration ("" without a plugin).

        Running the plugin, or waiting for another probe's run of it, is set-up: its time is
        added back to this probe's deadlines (the engine's and the API calls').
        """
        credential = credential_of(self.api)
        if credential is None:
            return ""
        token = credential.fresh(self.ctx.now())
        if not token:
            # One of this probe's threads at a time (find_all): ctx.setup() moves the probe's one
            # deadline.
            with self._auth_lock:
                started = time.monotonic()
                with self.ctx.setup():
                    token = credential.current(self.ctx.now())
                if self.deadline is not None:
                    self.deadline += time.monotonic() - started
        self.api.configuration.api_key["BearerToken"] = f"Bearer {token}"
        return token

    def request(
        self,
        path: str,
        query: dict[str, Any] | None = None,
        *,
        accept: str = "application/json",
        retry: bool = True,
    ) -> tuple[int, bytes]:
        """GET `path` (with `query`) in the time left: (HTTP status, body); transport failures raise
        ProbeError."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        self.check_cancel()
        token = self.authorise()
        left = self.left()
        if left <= 0.01:
            raise ProbeError(self.timed_out())
        params = [(k, v) for k, v in (query or {}).items() if v not in (None, "")]
        method, url, headers, _, _ = self.api.param_serialize(
            "GET",
            path,
            query_params=params,
            header_params={"Accept": accept},
            auth_settings=["BearerToken"],
        )
        # the token authorise() chose, whatever another thread has put in the shared
        # configuration since
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.api.call_api(method, url, headers, _request_timeout=left)
            if response.status == 401:
                credential = credential_of(self.api)
                if (
                    credential is None
                ):  # a static token expired: the next probe re-reads the kubeconfig
                    self.ctx.clients.forget(CLIENT_KEY)
                elif (
                    token and retry
                ):  # the plugin's token was refused: one new one, and this call again
                    self._read(
                        response.response
                    )  # drained, so the connection goes back to the pool
                    credential.refused(token)
                    return self.request(path, query, accept=accept, retry=False)
            return response.status, self._read(response.response)
        except HTTPError as exc:
            raise ProbeError(self._transport_error(exc)) from None
        except ApiException as exc:  # status 0: the REST layer's own wrapping of TLS failures
            raise ProbeError(self._api_exception(exc)) from None
        except TimeoutError:
            raise ProbeError(self.timed_out()) from None
        except OSError as exc:
            raise ProbeError(
                f"cannot reach API server at {self.host}: {exc.strerror or type(exc).__name__}"
            ) from None

    def _read(self, raw: Any) -> bytes:
        """The body in chunks, checking the deadline between them (a trickling server cannot hold a
        probe)."""
        chunks, size = [], 0
        try:
            while chunk := raw.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY:
                    raise ProbeError(
                        f"answer from the API server at {self.host} exceeds {MAX_BODY // 2**20} MiB"
                    )
                if self.left() <= 0:
                    raise ProbeError(self.timed_out())
        except BaseException:
            raw.close()  # half-read: the connection must not go back to the pool
            raise
        raw.release_conn()
        return b"".join(chunks)

    def find(self, path: str, **query: Any) -> dict[str, Any] | None:
        """The object at `path` as a dict, or None when the API server answers 404."""
        status, body = self.request(path, query)
        if status == 404:
            return None
        return self._json(status, body)

    def find_all(self, paths: list[str]) -> list[dict[str, Any] | None | Exception]:
        """`find` of independent paths at once (one round trip, not one each): each answer, or the
        exception it raised."""
        from .threads import run_parallel

        return run_parallel(
            [functools.partial(self.find, path) for path in paths], timeout=self.left() + 1.0
        )

    def get(self, path: str, **query: Any) -> dict[str, Any]:
        """The JSON answer at `path` (any non-200 answer, 404 included, is a ProbeError)."""
        status, body = self.request(path, query)
        return self._json(status, body)

    def list(self, path: str, **query: Any) -> list[dict[str, Any]]:
        """Every item of a list (e.g. `/api/v1/nodes`), following `continue` tokens page by page."""
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            self.check_cancel()
            page = self.get(
                path, limit=PAGE_SIZE, **query, **({"continue": token} if token else {})
            )
            found = page.get("items")
            if not isinstance(found, list):
                raise ProbeError(
                    f"unexpected data from the API server at {self.host}: no items in the list at "
                    f"{path}"
                )
            items.extend(i for i in found if isinstance(i, dict))
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return items

    def _json(self, status: int, body: bytes) -> dict[str, Any]:
        if status != 200:
            raise ProbeError(self.api_error(status, body))
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProbeError(
                f"unexpected answer from the API server at {self.host} ({type(exc).__name__})"
            ) from None
        if not isinstance(data, dict):
            raise ProbeError(
                f"unexpected answer from the API server at {self.host} (not a JSON object)"
            )
        return data

    # --- failures in one line ---------------------------------------------------------------------
    def api_error(self, status: int, body: bytes | str | None, reason: str = "") -> str:
        if status == 401:
            return "unauthorised (401): token expired or invalid"
        message = status_message(body) or reason
        if status == 403:
            return f"forbidden (403): {message}"
        return f"API server answered {status}: {message or 'no message'}"

    def _api_exception(self, exc: Any) -> str:
        text = " ".join(str(exc.reason or "").split())
        if exc.status:
            return self.api_error(exc.status, exc.body, text)
        detail = re.search(r"certificate verify failed: ([^(]+)", text)
        if detail:
            return (
                f"TLS error with the API server at {self.host}: certificate verify failed "
                f"({detail[1].strip()})"
            )
        return (
            f"cannot reach API server at {self.host}: "
            f"{text.split(' ', 1)[0] or 'connection failed'}"
        )

    def _transport_error(self, exc: Exception) -> str:
        from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, SSLError
        from urllib3.exceptions import TimeoutError as Urllib3Timeout

        reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
        if isinstance(
            reason, NewConnectionError
        ):  # before timeouts: urllib3 makes it a ConnectTimeoutError subclass
            errno_text = re.search(r"\[Errno -?\d+\] ([^')\]]+)", str(reason))
            return (
                f"cannot reach API server at {self.host}: "
                f"{errno_text[1].strip() if errno_text else 'connection failed'}"
            )
        if isinstance(reason, (Urllib3Timeout, TimeoutError)):
            return self.timed_out()
        if isinstance(reason, SSLError):
            detail = re.search(r"certificate verify failed: ([^(]+)", str(reason))
            return f"TLS error with the API server at {self.host}: " + (
                f"certificate verify failed ({detail[1].strip()})"
                if detail
                else type(reason.args[0] if reason.args else reason).__name__
            )
        if isinstance(reason, ProtocolError):
            return (
                f"cannot reach API server at {self.host}: connection closed "
                f"({type(reason.args[1] if len(reason.args) > 1 else reason).__name__})"
            )
        return f"cannot reach API server at {self.host}: {type(reason).__name__}"


def status_message(body: bytes | str | None) -> str:
    """The `message` of a Kubernetes Status body, one line ("" if the body is not a Status)."""
    try:
        data = json.loads(body or b"")
    except (TypeError, ValueError):
        return ""
    if not isinstance(data, dict) or data.get("kind") != "Status":
        return ""
    text = " ".join(str(data.get("message") or data.get("reason") or "").split())
    return text if len(text) <= 240 else text[:239] + "…"


def service_proxy_get(
    ctx: ProbeContext,
    namespace: str,
    service: str,
    port: int | str,
    path: str,
    *,
    k8s: K8s | None = None,
) -> tuple[int, str]:
    """GET `path` of a Service through the API server's service proxy: (HTTP status, body text).

    The answer is the service's own, except the API server's refusals: 401/403 raise
    ProbeError (nothing was checked); a 404 or 503 `Status` (no such Service, no endpoints)
    comes back as it is, for the caller to read with `status_message`. Pass `k8s` to share
    one probe's deadline over several calls.
    """
    k8s = k8s or K8s(ctx)
    target = quote(f"{service}:{port}", safe=":")
    proxy = (
        f"/api/v1/namespaces/{quote(namespace, safe='')}/services/{target}/proxy/{path.lstrip('/')}"
    )
    status, body = k8s.request(proxy, accept="*/*")
    if status in (401, 403):
        raise ProbeError(k8s.api_error(status, body))
    return status, body.decode("utf-8", "replace")
