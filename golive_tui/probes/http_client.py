"""The shared httpx client of a run: TLS verification always on, the profile's CA bundle trusted too."""

from __future__ import annotations

import ssl
from typing import Any

from .base import ProbeContext, ProbeError


def tls_context(ctx: ProbeContext) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ctx.profile.http.ca_bundle:
        try:
            context.load_verify_locations(cafile=ctx.profile.http.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ProbeError(f"cannot load CA bundle {ctx.profile.http.ca_bundle}: {exc}") from None
    return context


def client(ctx: ProbeContext) -> Any:
    import httpx

    def build() -> httpx.Client:
        return httpx.Client(verify=tls_context(ctx), timeout=ctx.timeout, follow_redirects=False,
                            headers={"User-Agent": "golive-probe"})

    return ctx.clients.get("httpx", build)


def request(ctx: ProbeContext, method: str, url: str, **kwargs: Any) -> Any:
    """One HTTP request; every transport failure becomes a one-line ProbeError."""
    import httpx

    try:
        return client(ctx).request(method, url, timeout=ctx.timeout, **kwargs)
    except httpx.ConnectError as exc:
        reason = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason:
            raise ProbeError(f"TLS error talking to {url}: {_short(reason)}") from None
        if "Name or service not known" in reason or "nodename nor servname" in reason or "No address" in reason:
            raise ProbeError(f"DNS failure for {url}: {_short(reason)}") from None
        raise ProbeError(f"cannot connect to {url}: {_short(reason)}") from None
    except httpx.TimeoutException:
        raise ProbeError(f"{url} timed out after {ctx.timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{url}: {type(exc).__name__}: {_short(str(exc))}") from None


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) < 200 else line[:199] + "…"
