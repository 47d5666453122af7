"""HTTP probes (async httpx): security headers, CORS, error pages, status page, DNS; health in
`http_health`.

Every request goes through `http_client.request`, which holds it to the probe's deadline.
What is judged (leak patterns, CORS answers) lives in `http_rules`.
"""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any, cast

from ..text import safe_line
from . import http_health  # noqa: F401  (registers http.health)
from .base import (
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
    probe,
)
from .http_client import Reply, request
from .http_rules import CorsAnswer, foreign_problem, leaks_in, lookalike_origin

NO_SUCH_ROUTE = "golive-probe-no-such-route"


class HeaderParams(ProbeParams):
    path: str = "/health"
    min_hsts_days: int = 180
    require_nosniff: bool = False
    """The row claims CSP, HSTS and X-Frame-Options; nosniff is reported, and required only when
    asked."""


class CorsParams(ProbeParams):
    path: str = "/health"
    """A route of the API; the probe also asks each `http.api_prefixes` entry but `/`."""
    foreign_origin: str = "https://evil.example"
    preflight_method: str = "PUT"
    preflight_headers: list[str] = ["authorization", "content-type"]


class ErrorParams(ProbeParams):
    path: str = "/health"
    """A route that exists: the wrong-method and oversized-parameter requests go there."""
    wrong_method: str = "PUT"
    oversized_bytes: int = 16384


def api_url(ctx: ProbeContext, path: str) -> str:
    return ctx.profile.http.api_url.rstrip("/") + "/" + path.lstrip("/")


@probe("http.security-headers", HeaderParams, blocking=False)
async def security_headers(ctx: ProbeContext, params: HeaderParams) -> ProbeResult:
    """HSTS (max-age), X-Frame-Options or CSP frame-ancestors, and a CSP are set (nosniff too if
    required)."""
    url = api_url(ctx, params.path)
    headers = (await request(ctx, "GET", url)).headers
    missing = []
    hsts = headers.get("strict-transport-security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    if not match:
        missing.append("Strict-Transport-Security")
    elif int(match.group(1)) < params.min_hsts_days * 86400:
        missing.append(
            f"Strict-Transport-Security max-age {match.group(1)}s < {params.min_hsts_days} days"
        )
    if params.require_nosniff and headers.get("x-content-type-options", "").lower() != "nosniff":
        missing.append("X-Content-Type-Options: nosniff")
    csp = headers.get("content-security-policy", "")
    if not headers.get("x-frame-options") and "frame-ancestors" not in csp:
        missing.append("X-Frame-Options (or CSP frame-ancestors)")
    if not csp:
        missing.append("Content-Security-Policy")
    shown = "\n".join(
        f"{k}: {safe_line(headers.get(k, '(absent)'))}"
        for k in (
            "strict-transport-security",
            "x-content-type-options",
            "x-frame-options",
            "content-security-policy",
        )
    )
    evidence = f"GET {url}\n{shown}"
    if missing:
        return failed(f"missing: {', '.join(missing)}", evidence)
    return passed("HSTS, frame protection and CSP present", evidence)


@probe("http.cors", CorsParams, blocking=False)
async def cors(ctx: ProbeContext, params: CorsParams) -> ProbeResult:
    """Foreign origins are refused (no `*`, no reflection, never with credentials); production
    origins are allowed.

    Asked with a simple GET and an OPTIONS preflight on the route and under each API prefix.
    """
    http = ctx.profile.http
    paths = list(dict.fromkeys([params.path, *(p for p in http.api_prefixes if p.strip("/"))]))
    foreign = [params.foreign_origin] + [
        lookalike_origin(o, params.foreign_origin) for o in http.allowed_origins[:1]
    ]
    asks = [
        (path, origin, preflight)
        for path in paths
        for origin in [*foreign, *http.allowed_origins]
        for preflight in (False, True)
    ]
    answers = await asyncio.gather(
        *(_cors_ask(ctx, params, path, origin, preflight) for path, origin, preflight in asks)
    )
    problems: dict[str, list[str]] = {}
    lines = []
    for (path, origin, preflight), (answer, line) in zip(asks, answers, strict=True):
        lines.append(line)
        name = f"{'OPTIONS' if preflight else 'GET'} {path}"
        if origin in foreign:
            problem = foreign_problem(origin, answer, public_api=http.public_api)
        elif not answer.allows(origin):
            problem = f"production origin {origin} not allowed"
        elif preflight and not 200 <= answer.status < 300:
            problem = f"preflight for production origin {origin} answered {answer.status}"
        else:
            problem = None
        if problem:
            problems.setdefault(problem, []).append(name)
    evidence = "\n".join(lines)
    if problems:
        return failed(
            "; ".join(f"{p} ({', '.join(dict.fromkeys(where))})" for p, where in problems.items()),
            evidence,
        )
    allowed = ", ".join(http.allowed_origins) or "none configured"
    return passed(
        f"foreign origins refused on {len(paths)} route(s); production origins allowed ({allowed})",
        evidence,
    )


async def _cors_ask(
    ctx: ProbeContext, params: CorsParams, path: str, origin: str, preflight: bool
) -> tuple[CorsAnswer, str]:
    headers = {"Origin": origin}
    if preflight:
        headers["Access-Control-Request-Method"] = params.preflight_method
        headers["Access-Control-Request-Headers"] = ", ".join(params.preflight_headers)
    url = api_url(ctx, path)
    reply = await request(ctx, "OPTIONS" if preflight else "GET", url, headers=headers)
    answer = CorsAnswer.of(reply.status_code, reply.headers)
    sent = ", ".join(f"{k}: {v}" for k, v in headers.items())
    return (
        answer,
        f"{'OPTIONS' if preflight else 'GET'} {url} [{sent}] -> {answer.shown(preflight)}",
    )


@probe("http.error-handling", ErrorParams, blocking=False)
async def error_handling(ctx: ProbeContext, params: ErrorParams) -> ProbeResult:
    """Unknown routes (under each API prefix), malformed JSON, a wrong method and an oversized
    parameter fail gracefully: a 4xx, no stack trace, banner or internal path in body or headers."""
    prefixes = [
        "/" + p.strip("/") + "/" if p.strip("/") else "/" for p in ctx.profile.http.api_prefixes
    ] or ["/"]
    json_type = {"Content-Type": "application/json"}
    asks: list[tuple[str, str, str, dict[str, Any]]] = []  # (what, method, path, request kwargs)
    for prefix in dict.fromkeys(prefixes):
        asks.append(("unknown route", "GET", f"{prefix}{NO_SUCH_ROUTE}", {}))
        asks.append(
            ("malformed JSON", "POST", prefix, {"content": b'{"golive": ', "headers": json_type})
        )
    asks.append(
        ("wrong method", params.wrong_method, params.path, {"content": b"{}", "headers": json_type})
    )
    asks.append(
        ("oversized parameter", "GET", f"{params.path}?q={'A' * params.oversized_bytes}", {})
    )
    replies = await asyncio.gather(
        *(_answer(ctx, method, api_url(ctx, path), **kw) for _, method, path, kw in asks)
    )
    if all(isinstance(r, ProbeError) for r in replies):
        raise cast(ProbeError, replies[0])  # every reply is one (all() does not narrow the list)
    problems: dict[str, list[str]] = {}
    lines = []
    for (what, method, path, _), reply in zip(asks, replies, strict=True):
        shown_path = path if len(path) < 80 else path[:60] + f"…({len(path)} chars)"
        if isinstance(
            reply, ProbeError
        ):  # e.g. a server that drops an oversized request: nothing leaked
            lines.append(f"{what}: {method} {shown_path} -> no answer ({reply})")
            continue
        lines.append(
            f"{what}: {method} {shown_path} -> {reply.status_code} "
            f"({reply.headers.get('content-type', '?')}, {len(reply.content)} bytes)"
        )
        for leak in leaks_in(reply.text[:20000], reply.headers):
            key = (
                leak.what
                if leak.what.startswith("banner ")
                else f"{leak.what} in {method} response to"
            )
            problems.setdefault(key, []).append(shown_path)
            lines.append(
                f"  {leak.what}" if leak.snippet in leak.what else f"  {leak.what}: {leak.snippet}"
            )
        if what in ("unknown route", "malformed JSON") and reply.status_code < 400:
            problems.setdefault(f"{what} answered {reply.status_code}, not an error:", []).append(
                f"{method} {shown_path}"
            )
        elif reply.status_code >= 500 and reply.status_code not in (
            501,
            505,
        ):  # "not implemented" is a proper refusal
            problems.setdefault(
                f"{what} answered {reply.status_code} (a client error should get a 4xx):", []
            ).append(f"{method} {shown_path}")
    evidence = "\n".join(lines)
    if problems:
        parts = [
            key if key.startswith("banner ") else f"{key} {', '.join(dict.fromkeys(where))}"
            for key, where in problems.items()
        ]
        return failed(f"leaks: {'; '.join(parts)}", evidence)
    return passed(
        f"{len(asks)} bad requests answered without stack traces, banners or paths", evidence
    )


async def _answer(ctx: ProbeContext, method: str, url: str, **kwargs: Any) -> Reply | ProbeError:
    try:
        return await request(ctx, method, url, **kwargs)
    except ProbeError as exc:
        return exc


@probe("http.status-page", NoParams, blocking=False)
async def status_page(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The public status page answers."""
    url = ctx.profile.http.status_page_url
    if not url:
        raise NotConfigured("no http.status_page_url in the profile")
    response = await request(ctx, "GET", url)
    if response.status_code >= 400:
        return failed(
            f"{url} answered {response.status_code}", f"GET {url} -> {response.status_code}"
        )
    return passed(f"{url} answered {response.status_code}", f"GET {url} -> {response.status_code}")


@probe("dns.resolve", NoParams, blocking=False)
async def dns_resolve(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every production domain resolves."""
    if not ctx.profile.target.domains:
        raise NotConfigured("target.domains is empty in the profile: no domain to resolve")
    loop = asyncio.get_running_loop()

    async def resolve(domain: str) -> tuple[str, list[str] | str]:
        try:
            infos = await loop.getaddrinfo(domain, 443, proto=socket.IPPROTO_TCP)
            # cast: an IPv4 or IPv6 sockaddr starts with the address as a string
            return domain, sorted({cast(str, info[4][0]) for info in infos})
        except OSError as exc:
            return domain, exc.strerror or str(exc)

    try:
        async with asyncio.timeout(ctx.remaining()):
            answers = await asyncio.gather(*(resolve(d) for d in ctx.profile.target.domains))
    except TimeoutError:
        raise ProbeError(f"DNS did not answer within {ctx.timeout:g}s") from None
    lines, bad = [], []
    for domain, answer in answers:
        if isinstance(answer, str):
            bad.append(domain)
            lines.append(f"{domain}: does not resolve ({answer})")
        else:
            lines.append(f"{domain}: {', '.join(answer)}")
    if bad:
        return failed(f"does not resolve: {', '.join(bad)}", "\n".join(lines))
    return passed(f"{len(lines)} domain(s) resolve", "\n".join(lines))


__all__ = ["Reply"]
