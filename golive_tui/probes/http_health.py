"""The `http.health` probe: each service's health endpoint, directly or through the service proxy.

A service with an `http.health_urls` entry is asked at that URL (through `http_client.request`,
held to the probe's deadline); any other is asked the way the seed does it, through the API
server's service proxy (`k8s_client`), and when the proxy is forbidden to a read-only role, its
pods' readiness probes may still tell (`k8s_readiness`). Kept apart from the other HTTP probes
because it is the one that needs the Kubernetes client.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .base import (
    NoParams,
    ProbeContext,
    ProbeError,
    ProbeResult,
    errored,
    failed,
    passed,
    probe,
    profile_services,
)
from .http_client import request

if TYPE_CHECKING:
    from .k8s_client import K8s


def _prepare_health(ctx: ProbeContext) -> None:
    """The Kubernetes client, when some service is checked through the service proxy (its errors are
    per service)."""
    if any(s not in ctx.profile.http.health_urls for s in ctx.profile.target.services):
        from . import k8s_client

        try:
            k8s_client.prepare(ctx)
        except ProbeError:
            pass  # reported by each service that needed it


def _proxied_health(ctx: ProbeContext, k8s: K8s, service: str) -> tuple[str, str]:
    """(outcome, evidence line) of one service's health through the API server's service proxy, as
    the seed runs it."""
    from .k8s_client import service_proxy_get, status_message

    ns, port, path = (
        ctx.profile.target.namespace,
        ctx.profile.http.health_port,
        ctx.profile.http.health_path,
    )
    where = f"service proxy {ns}/{service}:{port}{path}"
    try:
        status, text = service_proxy_get(ctx, ns, service, port, path, k8s=k8s)
    except ProbeError as exc:
        reason = str(exc)
        if reason.startswith(
            "forbidden"
        ):  # a read-only role: the pods' readiness probes may still tell
            from .k8s_readiness import health_from_readiness

            inferred = health_from_readiness(k8s, service, path)
            if inferred is not None:
                return inferred[0], f"{inferred[1]}\n  {where}: {reason}"
        return (
            "unverifiable" if reason.startswith(("forbidden", "unauthorised")) else "unreachable"
        ), f"{service}: {where}: {reason}"
    said = status_message(text)
    line = f"{service}: {where} -> {status}" + (f" ({said})" if said else "")
    if status == 200:
        return "ok", line
    if "no endpoints available" in said:
        return "no endpoints", line
    if status == 404 and said:
        return "service not found", line
    return str(status), line


@probe("http.health", NoParams, blocking=False, prepare=_prepare_health)
async def health(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each service's health endpoint answers 200: its http.health_urls entry directly, else through
    the service proxy."""
    from .threads import in_daemon_thread

    urls = ctx.profile.http.health_urls
    services = profile_services(ctx)
    k8s: Any = None
    if any(urls.get(service) is None for service in services):
        from .k8s_client import K8s

        try:
            k8s = K8s(ctx)  # one deadline for every proxied service
        except ProbeError as exc:
            k8s = exc

    async def check(service: str) -> tuple[str, str]:
        # Every service at once: each is one request (the kept-alive client of its target, or the
        # API server's pool).
        url = urls.get(service)
        if url is None:
            if isinstance(k8s, ProbeError):
                return "unreachable", f"{service}: service proxy: {k8s}"
            return await in_daemon_thread(_proxied_health, ctx, k8s, service)
        try:
            status = (await request(ctx, "GET", url)).status_code
            return ("ok" if status == 200 else str(status)), f"{service}: GET {url} -> {status}"
        except ProbeError as exc:
            return "unreachable", f"{service}: GET {url}: {exc}"

    bad, unverifiable, lines = [], [], []
    for service, (outcome, line) in zip(
        services, await asyncio.gather(*(check(s) for s in services)), strict=True
    ):
        lines.append(line)
        if outcome == "unverifiable":
            unverifiable.append(service)
        elif outcome != "ok":
            bad.append(f"{service} ({outcome})")
    if bad:
        return failed(
            f"{len(bad)} of {len(services)} unhealthy: {', '.join(bad)}", "\n".join(lines)
        )
    if unverifiable:
        return errored(
            f"health of {', '.join(unverifiable)} not verifiable: the service proxy refused this "
            "user",
            "\n".join(lines),
        )
    inferred = sum("inferred from readiness" in line for line in lines)
    return passed(
        f"all {len(services)} services healthy (200)"
        if not inferred
        else f"all {len(services)} services healthy ({inferred} "
        "inferred from their pods' readiness probes)",
        "\n".join(lines),
    )
