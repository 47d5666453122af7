"""TLS of the served certificates: days to expiry, hostname, protocol, and legacy TLS refused."""

from __future__ import annotations

import socket
import ssl
from datetime import datetime

from .base import ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed, probe
from .http_client import tls_context

VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2,
            "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class TlsParams(ProbeParams):
    min_days: int = 30
    min_version: str = "TLSv1.2"
    check_legacy: bool = True


def _endpoints(ctx: ProbeContext) -> list[tuple[str, int]]:
    raw = ctx.profile.http.tls_endpoints or [f"{d}:443" for d in ctx.profile.target.domains]
    out = []
    for entry in raw:
        host, _, port = entry.rpartition(":")
        out.append((host, int(port)) if host else (entry, 443))
    return out


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> tuple[str, dict, bytes]:
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.version() or "", tls.getpeercert() or {}, tls.getpeercert(True) or b""


def _not_after(der: bytes) -> datetime:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _accepts_legacy(host: str, port: int, timeout: float) -> bool:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asks which protocol the server accepts
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        _handshake(host, port, context, timeout)
        return True
    except (ssl.SSLError, OSError):
        return False


@probe("tls.certificate", TlsParams)
def certificate(ctx: ProbeContext, params: TlsParams) -> ProbeResult:
    """The served certificate verifies, is not expiring soon, and the protocol is modern."""
    minimum = VERSIONS.get(params.min_version)
    if minimum is None:
        raise ProbeError(f"unknown min_version {params.min_version!r}; use one of {', '.join(VERSIONS)}")
    problems, lines = [], []
    now = ctx.now()
    least_days = None
    for host, port in _endpoints(ctx):
        try:
            version, _, der = _handshake(host, port, tls_context(ctx), ctx.timeout)
        except ssl.SSLCertVerificationError as exc:
            problems.append(f"{host}:{port} certificate does not verify ({exc.verify_message})")
            lines.append(f"{host}:{port}: {exc.verify_message}")
            continue
        except (ssl.SSLError, OSError) as exc:
            raise ProbeError(f"TLS handshake with {host}:{port} failed: {exc}") from None
        days = (_not_after(der) - now).days
        least_days = days if least_days is None else min(least_days, days)
        lines.append(f"{host}:{port}: {version}, expires {_not_after(der):%Y-%m-%d} ({days} days left)")
        if days < params.min_days:
            problems.append(f"{host} expires in {days} days (< {params.min_days})")
        if VERSIONS.get(version, ssl.TLSVersion.TLSv1_3) < minimum:
            problems.append(f"{host} negotiated {version} (< {params.min_version})")
        if params.check_legacy and _accepts_legacy(host, port, ctx.timeout):
            problems.append(f"{host} accepts TLS 1.0/1.1")
            lines.append(f"{host}:{port}: legacy TLS 1.0/1.1 handshake ACCEPTED")
        elif params.check_legacy:
            lines.append(f"{host}:{port}: legacy TLS 1.0/1.1 refused")
    if problems:
        return failed("; ".join(problems), "\n".join(lines), value=least_days, unit="days")
    return passed(f"certificates valid ≥ {least_days} days, {params.min_version}+ only", "\n".join(lines),
                  value=least_days, unit="days")
