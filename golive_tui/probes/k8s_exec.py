"""`k8s.exec`: run a command inside a pod of a deployment, as the runbook's `kubectl exec
deployment/x -- ...`.

The command runs in the cluster through the API server's exec subresource (the client's
`kubernetes.stream.stream`, websocket channel protocol), never on this machine. The
verdict comes from the exit status and/or a pattern in the output; the output's tail is
the evidence. RBAC refusing `pods/exec` is `error: exec forbidden for <user>`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from pydantic import Field

from ..text import safe_block, safe_line
from . import k8s_rules as rules
from .base import ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed, probe
from .k8s_client import K8s, api_client, ns_path

ERROR_CHANNEL = 3
"""The exec status channel of `v4.channel.k8s.io` (stdout is 1, stderr 2)."""


class ExecParams(ProbeParams):
    deployment: str = Field(min_length=1)
    """The deployment whose pod runs the command (`kubectl exec deployment/<name>`)."""
    argv: list[str] = Field(min_length=1)
    container: str = ""
    """Container name; empty: the pod's first container (as kubectl)."""
    namespace: str = ""
    """Empty: profile target.namespace."""
    expect_exit: int | None = 0
    """The exit status that passes; None: any (judge by `pattern` alone)."""
    pattern: str = ""
    """A regex the output (stdout and stderr) must contain, e.g. `Database schema is up to date`."""


def prepare(ctx: ProbeContext) -> None:
    """The client, and the websocket client's modules, before the deadline starts."""
    api_client(ctx)
    import kubernetes.stream.ws_client  # noqa: F401


def _pick_pod(k8s: K8s, namespace: str, deployment: dict[str, Any]) -> dict[str, Any]:
    """A Ready pod of the deployment (kubectl picks one the same way), else ProbeError."""
    selector = rules.spec(deployment).get("selector")
    pods = [
        p
        for p in k8s.list(ns_path(k8s.ctx, "v1", "pods", namespace=namespace))
        if rules.selector_matches(selector, rules.labels(p))
    ]
    ready = sorted((p for p in pods if rules.condition_true(p)), key=rules.name)
    if not ready:
        raise ProbeError(
            f"no Ready pod of deployment/{rules.name(deployment)} to exec in ({len(pods)} pods)"
        )
    return ready[0]


def _handshake_failure(k8s: K8s, text: str) -> str:
    """The one-line reason of a refused websocket upgrade (the API server's Status body)."""
    status = re.search(r"Handshake status (\d+)", text)
    body = text.rsplit(" -+-+- ", 1)[-1] if " -+-+- " in text else ""
    if status is None:
        errno_text = re.search(r"\[Errno -?\d+\] ([^')\]]+)", text)
        if errno_text:
            return f"cannot reach API server at {k8s.host}: {errno_text[1].strip()}"
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return f"TLS error with the API server at {k8s.host}: certificate verify failed"
        return f"exec failed at {k8s.host}: {safe_line(' '.join(text.split()))[:200]}"
    code = int(status[1])
    if code == 403:
        try:
            message = json.loads(body).get("message", "")
        except (ValueError, AttributeError):
            message = ""
        user = re.search(r'User "([^"]+)"', message)
        scope = re.search(r'in the namespace "([^"]+)"', message)
        return f"exec forbidden for {safe_line(user[1]) if user else 'this user'}" + (
            f" (cannot create pods/exec in namespace {safe_line(scope[1])})" if scope else ""
        )
    return k8s.api_error(code, body.encode())


def _exit_status(raw: str) -> tuple[int | None, str]:
    """(exit status, message) from the status channel; None when the command did not run at all."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return None, f"unreadable exec status {safe_line(raw)[:120]}"
    if data.get("status") == "Success":
        return 0, ""
    for cause in (data.get("details") or {}).get("causes") or []:
        if (
            cause.get("reason") == "ExitCode"
            and str(cause.get("message", "")).lstrip("-").isdigit()
        ):
            return int(cause["message"]), str(data.get("message", ""))
    return None, str(data.get("message") or data.get("reason") or "exec ended without a status")


def run_in_pod(
    k8s: K8s, namespace: str, pod: str, container: str, argv: list[str]
) -> tuple[int | None, str, str]:
    """(exit status, output, status message) of `argv` in the pod, within the probe's time left."""
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream.ws_client import WSClient, get_websocket_url

    # The exec URL and its auth headers as `kubectl exec` sends them, straight to the client's
    # websocket layer: building CoreV1Api (for `stream()`) would make pydantic build hundreds
    # of model classes first — 1.3 s of CPU that every other probe of the run waits behind.
    query = [("command", arg) for arg in argv] + [
        ("container", container),
        ("stderr", "true"),
        ("stdin", "false"),
        ("stdout", "true"),
        ("tty", "false"),
    ]
    token = k8s.authorise()  # an exec plugin's credential, current (set-up time, not the probe's)
    _, url, headers, _, _ = k8s.api.param_serialize(
        "GET",
        f"/api/v1/namespaces/{namespace}/pods/{pod}/exec",
        query_params=query,
        auth_settings=["BearerToken"],
    )
    if token:
        headers["Authorization"] = f"Bearer {token}"
    left = k8s.left()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            # kubernetes.stream has no annotations: the websocket client is Any from here on
            ws: Any = WSClient(  # type: ignore[no-untyped-call]
                k8s.api.configuration,
                get_websocket_url(url),  # type: ignore[no-untyped-call]  # unannotated, as above
                headers,
                True,
            )
            outcome["ws"] = ws
            ws.run_forever(timeout=max(0.05, k8s.left()))
            outcome["open"] = ws.is_open()
            outcome["status"] = ws.read_channel(
                ERROR_CHANNEL
            )  # before read_all(), which empties every channel
            outcome["output"] = ws.read_all()
            ws.close()
        except ApiException as exc:
            outcome["error"] = str(exc.reason or exc)
        except Exception as exc:  # the websocket layer's own errors, as one line below
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    # The websocket connect has no timeout of its own: a daemon thread keeps a silent API
    # server from holding the probe past its deadline.
    worker = threading.Thread(target=run, name=f"golive-exec-{pod}", daemon=True)
    worker.start()
    worker.join(left)
    if worker.is_alive() or outcome.get("open"):
        ws = outcome.get("ws")
        if ws is not None:
            ws.close()
        raise ProbeError(
            f"timed out after {k8s.ctx.timeout:g}s running {' '.join(argv)} in pod {pod}"
        )
    if "error" in outcome:
        raise ProbeError(_handshake_failure(k8s, outcome["error"]))
    code, message = _exit_status(outcome.get("status", ""))
    return code, outcome.get("output", ""), message


@probe("k8s.exec", ExecParams, blocking=True, prepare=prepare)
def exec_in_pod(ctx: ProbeContext, params: ExecParams) -> ProbeResult:
    """Run argv in a pod of a deployment (never locally); judge its exit status and output."""
    prepare(
        ctx
    )  # done by the engine already; here for direct callers: imports are not the probe's time
    k8s = K8s(ctx)
    ns = params.namespace or ctx.profile.target.namespace
    deployment = k8s.find(ns_path(ctx, "apps/v1", "deployments", params.deployment, namespace=ns))
    if deployment is None:
        return failed(
            f"deployment/{params.deployment} not found in namespace {ns}",
            f"GET deployment {ns}/{params.deployment}: 404",
        )
    pod = _pick_pod(k8s, ns, deployment)
    names = [c.get("name", "") for c in rules.spec(pod).get("containers") or []]
    container = params.container or (names[0] if names else "")
    if container not in names:
        raise ProbeError(
            f"pod {rules.name(pod)} has no container {container!r} (containers: "
            f"{', '.join(names) or 'none'})"
        )
    shown = " ".join(params.argv)
    started = time.monotonic()
    code, output, message = run_in_pod(k8s, ns, rules.name(pod), container, params.argv)
    took = time.monotonic() - started
    tail = "\n".join(safe_block(output).rstrip().splitlines()[-20:])
    where = f"pod {rules.name(pod)}, container {container}, namespace {ns}"
    evidence = (
        f"$ {shown}  (in {where}; exit {'?' if code is None else code}, {took:.1f}s)\n{tail}"
    ).rstrip()
    if code is None:
        raise ProbeError(
            f"{shown} did not run in pod {rules.name(pod)}: {safe_line(message)[:200]}"
        )
    if params.expect_exit is not None and code != params.expect_exit:
        return failed(
            f"{shown} in deployment/{params.deployment} exited {code} (expected "
            f"{params.expect_exit})",
            evidence,
        )
    if params.pattern and not re.search(params.pattern, output):
        return failed(
            f"{shown} in deployment/{params.deployment}: output lacks /{params.pattern}/", evidence
        )
    return passed(
        f"{shown} in deployment/{params.deployment} exited {code}"
        + (f" and printed /{params.pattern}/" if params.pattern else ""),
        evidence,
    )
