"""TLS probes, one claim each: `tls.certificate` (verifies, hostname, days left) and `tls.protocols`
(which protocol versions every endpoint accepts).

Handshakes run on the event loop inside `asyncio.timeout` with the time the probe has
left, so a peer that accepts and never answers costs the deadline, not a thread forever.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .base import (
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    errored,
    failed,
    passed,
    probe,
)
from .http_client import connect_reason, tls_context

VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


class CertificateParams(ProbeParams):
    min_days: int = 30


class ProtocolParams(ProbeParams):
    min_version: str = "TLSv1.2"
    """Every version below this must be refused by every endpoint."""


@dataclass
class Endpoint:
    host: str
    port: int
    roles: list[str] = field(default_factory=list)
    """What it is: public, API, a service's health endpoint, the Kubernetes API."""

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port} ({', '.join(self.roles)})"


NO_ENDPOINTS = (
    "no endpoint to check: set target.domains, http.api_url or http.tls_endpoints in the profile"
)


def _split(entry: str, default_port: int = 443) -> tuple[str, int]:
    host, _, port = entry.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else (entry, default_port)


def public_endpoints(ctx: ProbeContext) -> dict[tuple[str, int], Endpoint]:
    """`http.tls_endpoints`; if empty, each domain on 443 and the public API's host."""
    out: dict[tuple[str, int], Endpoint] = {}

    def add(host: str, port: int, role: str) -> None:
        endpoint = out.setdefault((host, port), Endpoint(host, port))
        if role not in endpoint.roles:
            endpoint.roles.append(role)

    if ctx.profile.http.tls_endpoints:  # the team's own list is the whole list
        for entry in ctx.profile.http.tls_endpoints:
            add(*_split(entry), "public")
        return out
    for domain in ctx.profile.target.domains:
        add(domain, 443, "public")
    api = urlsplit(ctx.profile.http.api_url)
    if api.scheme == "https" and api.hostname:
        add(api.hostname, api.port or 443, "API")
    return out


@dataclass(frozen=True)
class Handshake:
    version: str
    cert: dict[str, Any]
    """The parsed peer certificate (empty unless it was verified)."""
    der: bytes


async def handshake(host: str, port: int, context: ssl.SSLContext, left: float) -> Handshake:
    """One TLS handshake (nothing sent after it) within `left` seconds."""
    async with asyncio.timeout(left):
        _, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host, ssl_handshake_timeout=max(left, 0.1)
        )
    try:
        tls = writer.get_extra_info("ssl_object")
        return Handshake(tls.version() or "", tls.getpeercert() or {}, tls.getpeercert(True) or b"")
    finally:
        writer.transport.abort()  # no close_notify round trip to wait for


def _not_after(tls: Handshake) -> datetime:
    """The expiry of a verified peer certificate (the stdlib parses it only once it verified)."""
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(tls.cert["notAfter"]), UTC)


def _unverified(version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """A context that only asks which certificate or protocol a server offers; it sends no
    request."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = (
        ssl.CERT_NONE
    )  # judged by tls.certificate, not here; no data crosses this connection
    if version is not None:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0/1.1 above level 0
        with warnings.catch_warnings():  # asking for a deprecated version is the point of the check
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = version
    return context


@functools.cache
def cannot_offer(version: ssl.TLSVersion) -> str:
    """Why this machine's OpenSSL will not even send a ClientHello for `version` ('' when it will).

    A bastion whose OpenSSL is built without TLS 1.0/1.1, or whose system configuration drops
    them (`Protocol = -ALL, TLSv1.2` under OPENSSL_CONF, a crypto policy), fails every such
    handshake locally with an SSLError that reads like the server's refusal: asked that way,
    every endpoint would seem to refuse legacy TLS. The ClientHello is written to memory only.
    """
    hello = _unverified(version).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=False)
    try:
        hello.do_handshake()
    except ssl.SSLWantReadError:
        return ""  # the ClientHello is written; the rest would need a server
    except ssl.SSLError as exc:
        return exc.reason or str(exc)
    return ""


def _timed_out(ctx: ProbeContext, endpoint: Endpoint) -> ProbeError:
    return ProbeError(
        f"TLS handshake with {endpoint.host}:{endpoint.port} timed out after {ctx.timeout:g}s"
    )


@probe("tls.certificate", CertificateParams, blocking=False)
async def certificate(ctx: ProbeContext, params: CertificateParams) -> ProbeResult:
    """The served certificate of each public endpoint verifies, matches its host, and has `min_days`
    left."""
    endpoints = list(public_endpoints(ctx).values())
    if not endpoints:
        raise NotConfigured(NO_ENDPOINTS)
    context = tls_context(ctx)
    now = ctx.now()

    async def check(endpoint: Endpoint) -> tuple[str | None, str, int | None]:
        where = f"{endpoint.host}:{endpoint.port}"
        try:
            tls = await handshake(endpoint.host, endpoint.port, context, ctx.remaining())
        except ssl.SSLCertVerificationError as exc:
            detail = await _offered_expiry(endpoint, ctx)
            return (
                f"{where} certificate does not verify ({exc.verify_message})",
                f"{where}: {exc.verify_message}{detail}",
                None,
            )
        except TimeoutError:
            raise _timed_out(ctx, endpoint) from None
        except ConnectionRefusedError:
            raise ProbeError(f"cannot connect to {where}: connection refused") from None
        except (ssl.SSLError, OSError) as exc:
            raise ProbeError(
                f"TLS handshake with {where} failed: {connect_reason(where, str(exc))}"
            ) from None
        expires = _not_after(tls)
        days = (expires - now).days
        line = (
            f"{where}: verifies for {endpoint.host}, expires {expires:%Y-%m-%d} ({days} days left)"
        )
        problem = (
            f"{endpoint.host} expires in {days} days (< {params.min_days})"
            if days < params.min_days
            else None
        )
        return problem, line, days

    checked = await asyncio.gather(*(check(e) for e in endpoints))
    problems = [p for p, _, _ in checked if p]
    lines = [line for _, line, _ in checked]
    days = [d for _, _, d in checked if d is not None]
    least = min(days) if days else None
    if problems:
        return failed("; ".join(problems), "\n".join(lines), value=least, unit="days")
    return passed(
        f"{len(endpoints)} certificate(s) verify, ≥ {least} days left",
        "\n".join(lines),
        value=least,
        unit="days",
    )


async def _offered_expiry(endpoint: Endpoint, ctx: ProbeContext) -> str:
    """For a certificate that fails verification: its expiry date, read without verifying."""
    try:
        from cryptography import x509  # only here: an unverified certificate is parsed from DER
    except ImportError:
        return ""
    try:
        tls = await handshake(endpoint.host, endpoint.port, _unverified(), ctx.remaining())
        expires = x509.load_der_x509_certificate(tls.der).not_valid_after_utc
        return f" (offered certificate expires {expires:%Y-%m-%d})"
    except (ssl.SSLError, OSError, ValueError):
        return ""


def protocol_endpoints(ctx: ProbeContext) -> tuple[list[Endpoint], list[str], list[str]]:
    """(TLS endpoints, plain-HTTP URLs, notes): public ones, each service's health endpoint, the
    Kubernetes API."""
    endpoints = public_endpoints(ctx)
    plain, notes = [], []
    for service, url in ctx.profile.http.health_urls.items():
        parts = urlsplit(url)
        if parts.scheme == "http":
            plain.append(f"{service} {url}")
        elif parts.hostname:
            endpoint = endpoints.setdefault(
                (parts.hostname, parts.port or 443), Endpoint(parts.hostname, parts.port or 443)
            )
            endpoint.roles.append(f"service {service}")
    kube, note = kube_api_endpoint(ctx)
    if kube:
        endpoints.setdefault(kube, Endpoint(*kube)).roles.append("Kubernetes API")
    if note:
        notes.append(note)
    return list(endpoints.values()), plain, notes


def kube_api_endpoint(ctx: ProbeContext) -> tuple[tuple[str, int] | None, str]:
    """The API server of the profile's kubeconfig context (as kubectl finds it), or a note why
    not."""
    from .k8s_config import kubeconfig_path

    try:
        path = kubeconfig_path(ctx)
    except ProbeError as exc:
        return None, f"Kubernetes API not checked: {exc}"
    if path is None:
        host, port = (
            os.environ.get("KUBERNETES_SERVICE_HOST", ""),
            os.environ.get("KUBERNETES_SERVICE_PORT", "443"),
        )
        return ((host, int(port)) if host and port.isdigit() else None), ""
    import yaml

    wanted = ctx.profile.kubernetes.context
    contexts: dict[Any, Any] = {}  # names to clusters, as the YAML has them (maybe missing)
    clusters: dict[Any, Any] = {}
    for part in path.split(os.pathsep):
        try:
            with open(part, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            return (
                None,
                f"Kubernetes API not checked: kubeconfig {part} unreadable ({type(exc).__name__})",
            )
        wanted = wanted or data.get("current-context", "")
        for entry in data.get("contexts") or []:
            contexts.setdefault(entry.get("name"), (entry.get("context") or {}).get("cluster"))
        for entry in data.get("clusters") or []:
            clusters.setdefault(entry.get("name"), (entry.get("cluster") or {}).get("server", ""))
    server = urlsplit(clusters.get(contexts.get(wanted), "") or "")
    if server.scheme != "https" or not server.hostname:
        return (
            None,
            f"Kubernetes API not checked: context {wanted or '(none)'} has no https server in "
            f"{path}",
        )
    return (server.hostname, server.port or 443), ""


@probe("tls.protocols", ProtocolParams, blocking=False)
async def protocols(ctx: ProbeContext, params: ProtocolParams) -> ProbeResult:
    """Every endpoint (public, API, each service's own, the Kubernetes API) refuses TLS below
    `min_version`."""
    minimum = VERSIONS.get(params.min_version)
    if minimum is None:
        raise ProbeError(
            f"unknown min_version {params.min_version!r}; use one of {', '.join(VERSIONS)}"
        )
    endpoints, plain, notes = protocol_endpoints(ctx)
    if not endpoints and not plain:
        raise NotConfigured(NO_ENDPOINTS)

    async def accepts(endpoint: Endpoint, version: ssl.TLSVersion) -> bool | ProbeError:
        try:
            await handshake(endpoint.host, endpoint.port, _unverified(version), ctx.remaining())
            return True
        except ssl.SSLError:
            # refused (protocol version alert, no shared cipher): what we want below the minimum
            return False
        except TimeoutError:
            return _timed_out(ctx, endpoint)
        except ConnectionRefusedError:
            return ProbeError(
                f"cannot connect to {endpoint.host}:{endpoint.port}: connection refused"
            )
        except OSError as exc:
            return ProbeError(connect_reason(f"{endpoint.host}:{endpoint.port}", str(exc)))

    # Only what this machine can offer is asked; a legacy version it cannot offer cannot be seen
    # refused.
    unasked = {name: why for name, version in VERSIONS.items() if (why := cannot_offer(version))}
    asks = [
        (e, name, version)
        for e in endpoints
        for name, version in VERSIONS.items()
        if name not in unasked
    ]
    answers = await asyncio.gather(*(accepts(e, v) for e, _, v in asks))
    problems = [f"{u} is plain HTTP (no TLS)" for u in plain]
    lines = [f"{u}: plain HTTP, not encrypted" for u in plain]
    if unasked:
        lines.append(
            "not asked: "
            + ", ".join(
                f"{name} (this machine's OpenSSL will not offer it: {why})"
                for name, why in unasked.items()
            )
        )
    unreachable = []
    for endpoint in endpoints:
        mine = [
            (name, version, a)
            for (e, name, version), a in zip(asks, answers, strict=True)
            if e is endpoint
        ]
        errors = [a for _, _, a in mine if isinstance(a, ProbeError)]
        if errors:
            unreachable.append(str(errors[0]))
            lines.append(f"{endpoint.name}: {errors[0]}")
            continue
        accepted = [name for name, _, a in mine if a is True]
        legacy = [name for name, version, a in mine if a is True and version < minimum]
        refused = [name for name, _, a in mine if a is False]
        lines.append(
            f"{endpoint.name}: accepts {', '.join(accepted) or 'nothing'}; refuses "
            f"{', '.join(refused) or 'nothing'}"
        )
        if legacy:
            problems.append(f"{endpoint.name} accepts {', '.join(legacy)} (< {params.min_version})")
        elif not accepted:
            unreachable.append(
                f"{endpoint.host}:{endpoint.port} completed no TLS handshake at any version"
            )
    lines += notes
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    if unreachable:
        raise ProbeError(f"cannot check {len(unreachable)} endpoint(s): {'; '.join(unreachable)}")
    blind = [name for name, version in VERSIONS.items() if name in unasked and version < minimum]
    if blind:
        return errored(
            f"cannot check {', '.join(blind)}: this machine's OpenSSL will not offer "
            f"{'it' if len(blind) == 1 else 'them'} ({unasked[blind[0]]}; its build or "
            "OPENSSL_CONF), so no endpoint can be seen refusing it; run this probe where OpenSSL "
            "can",
            "\n".join(lines),
        )
    return passed(
        f"{len(endpoints)} endpoint(s) refuse TLS below {params.min_version}", "\n".join(lines)
    )
