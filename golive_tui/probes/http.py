"""HTTP probes (httpx): health endpoints, security headers, CORS, error pages, status page, DNS."""

from __future__ import annotations

import re
import socket

from pydantic import Field

from .base import NoParams, NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult, errored, failed, passed, probe
from .http_client import request

TRACE_PATTERNS = {
    "Python traceback": re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"),
    "Java stack trace": re.compile(r"\bat [\w$.]+\([\w]+\.java:\d+\)|java\.lang\.\w+Exception"),
    "Node.js stack trace": re.compile(r"\bat .+ \((/|node:)[^)]+:\d+:\d+\)"),
    "Go panic": re.compile(r"goroutine \d+ \[running\]|panic: "),
    "internal path": re.compile(r"(/usr/src/app|/home/\w+/|/var/www/|site-packages|node_modules/)"),
}
BANNER = re.compile(r"\d+\.\d+")



class HeaderParams(ProbeParams):
    path: str = "/health"
    min_hsts_days: int = 180


class CorsParams(ProbeParams):
    path: str = "/health"
    foreign_origin: str = "https://evil.example"


def _prepare_health(ctx: ProbeContext) -> None:
    """The Kubernetes client, when some service is checked through the service proxy (its errors are per service)."""
    if any(s not in ctx.profile.http.health_urls for s in ctx.profile.target.services):
        from . import k8s_client

        try:
            k8s_client.prepare(ctx)
        except ProbeError:
            pass  # reported by each service that needed it


def _proxied_health(ctx: ProbeContext, k8s: object, service: str) -> tuple[str, str]:
    """(outcome, evidence line) of one service's health through the API server's service proxy, as the seed runs it."""
    from .k8s_client import service_proxy_get, status_message

    ns, port, path = ctx.profile.target.namespace, ctx.profile.http.health_port, ctx.profile.http.health_path
    where = f"service proxy {ns}/{service}:{port}{path}"
    try:
        status, text = service_proxy_get(ctx, ns, service, port, path, k8s=k8s)
    except ProbeError as exc:
        reason = str(exc)
        return ("unverifiable" if reason.startswith(("forbidden", "unauthorised")) else "unreachable"), f"{service}: {where}: {reason}"
    said = status_message(text)
    line = f"{service}: {where} -> {status}" + (f" ({said})" if said else "")
    if status == 200:
        return "ok", line
    if "no endpoints available" in said:
        return "no endpoints", line
    if status == 404 and said:
        return "service not found", line
    return str(status), line


@probe("http.health", NoParams, prepare=_prepare_health)
def health(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each service's health endpoint answers 200: its http.health_urls entry directly, else through the service proxy."""
    import time

    urls = ctx.profile.http.health_urls
    services = ctx.profile.target.services
    if not services:
        raise NotConfigured("target.services is empty in the profile")
    deadline = time.monotonic() + ctx.timeout
    k8s = None
    bad, unverifiable, lines = [], [], []
    for service in services:
        if time.monotonic() >= deadline:
            bad.append(f"{service} (not checked: out of time)")
            lines.append(f"{service}: not checked, the probe's {ctx.timeout:g}s were spent")
            continue
        url = urls.get(service)
        if url is None:
            if k8s is None:
                from .k8s_client import K8s

                try:
                    k8s = K8s(ctx)  # one deadline for every proxied service
                except ProbeError as exc:
                    k8s = exc
            if isinstance(k8s, ProbeError):
                outcome, line = "unreachable", f"{service}: service proxy: {k8s}"
            else:
                outcome, line = _proxied_health(ctx, k8s, service)
        else:
            try:
                status = request(ctx, "GET", url).status_code
                outcome, line = ("ok" if status == 200 else str(status)), f"{service}: GET {url} -> {status}"
            except ProbeError as exc:
                outcome, line = "unreachable", f"{service}: GET {url}: {exc}"
        lines.append(line)
        if outcome == "unverifiable":
            unverifiable.append(service)
        elif outcome != "ok":
            bad.append(f"{service} ({outcome})")
    if bad:
        return failed(f"{len(bad)} of {len(services)} unhealthy: {', '.join(bad)}", "\n".join(lines))
    if unverifiable:
        return errored(f"health of {', '.join(unverifiable)} not verifiable: the service proxy refused this user", "\n".join(lines))
    return passed(f"all {len(services)} services healthy (200)", "\n".join(lines))


@probe("http.security-headers", HeaderParams)
def security_headers(ctx: ProbeContext, params: HeaderParams) -> ProbeResult:
    """HSTS (max-age), nosniff, X-Frame-Options or CSP frame-ancestors, and a CSP are all set."""
    url = ctx.profile.http.api_url.rstrip("/") + params.path
    headers = request(ctx, "GET", url).headers
    missing = []
    hsts = headers.get("strict-transport-security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    if not match:
        missing.append("Strict-Transport-Security")
    elif int(match.group(1)) < params.min_hsts_days * 86400:
        missing.append(f"Strict-Transport-Security max-age {match.group(1)}s < {params.min_hsts_days} days")
    if headers.get("x-content-type-options", "").lower() != "nosniff":
        missing.append("X-Content-Type-Options: nosniff")
    csp = headers.get("content-security-policy", "")
    if not headers.get("x-frame-options") and "frame-ancestors" not in csp:
        missing.append("X-Frame-Options (or CSP frame-ancestors)")
    if not csp:
        missing.append("Content-Security-Policy")
    shown = "\n".join(f"{k}: {headers.get(k, '(absent)')}" for k in
                      ("strict-transport-security", "x-content-type-options", "x-frame-options", "content-security-policy"))
    evidence = f"GET {url}\n{shown}"
    if missing:
        return failed(f"missing: {', '.join(missing)}", evidence)
    return passed("HSTS, nosniff, frame protection and CSP present", evidence)


@probe("http.cors", CorsParams)
def cors(ctx: ProbeContext, params: CorsParams) -> ProbeResult:
    """A foreign origin is not echoed (never `*` with credentials); production origins are allowed."""
    url = ctx.profile.http.api_url.rstrip("/") + params.path
    problems, lines = [], []
    foreign = request(ctx, "GET", url, headers={"Origin": params.foreign_origin}).headers
    allowed = foreign.get("access-control-allow-origin", "")
    credentials = foreign.get("access-control-allow-credentials", "").lower() == "true"
    lines.append(f"Origin {params.foreign_origin} -> Allow-Origin {allowed or '(none)'}, credentials {credentials}")
    if allowed == params.foreign_origin:
        problems.append(f"echoes foreign origin {params.foreign_origin}")
    if allowed == "*" and credentials:
        problems.append("Allow-Origin * with credentials")
    for origin in ctx.profile.http.allowed_origins:
        got = request(ctx, "GET", url, headers={"Origin": origin}).headers.get("access-control-allow-origin", "")
        lines.append(f"Origin {origin} -> Allow-Origin {got or '(none)'}")
        if got not in (origin, "*"):
            problems.append(f"production origin {origin} not allowed")
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    return passed("foreign origins refused, production origins allowed", "\n".join(lines))


@probe("http.error-handling", NoParams)
def error_handling(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Unknown paths and malformed requests fail without stack traces, banners or internal paths."""
    base = ctx.profile.http.api_url.rstrip("/")
    checks = [("GET", f"{base}/golive-probe-no-such-path-404", {}),
              ("POST", f"{base}/golive-probe-malformed", {"content": b"{not json", "headers": {"Content-Type": "application/json"}})]
    leaks, lines = [], []
    for method, url, kwargs in checks:
        response = request(ctx, method, url, **kwargs)
        lines.append(f"{method} {url} -> {response.status_code}")
        body = response.text[:20000]
        for name, pattern in TRACE_PATTERNS.items():
            if pattern.search(body):
                leaks.append(f"{name} in {method} response")
        for header in ("server", "x-powered-by"):
            value = response.headers.get(header, "")
            if value and BANNER.search(value):
                leaks.append(f"banner {header.title()}: {value}")
        if response.status_code < 400:
            leaks.append(f"{method} {url} answered {response.status_code}, not an error")
    leaks = sorted(set(leaks))
    if leaks:
        return failed(f"leaks: {', '.join(leaks)}", "\n".join(lines))
    return passed("error responses reveal no stack traces, banners or paths", "\n".join(lines))


@probe("http.status-page", NoParams)
def status_page(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The public status page answers."""
    url = ctx.profile.http.status_page_url
    if not url:
        raise NotConfigured("no http.status_page_url in the profile")
    response = request(ctx, "GET", url)
    if response.status_code >= 400:
        return failed(f"{url} answered {response.status_code}", f"GET {url} -> {response.status_code}")
    return passed(f"{url} answered {response.status_code}", f"GET {url} -> {response.status_code}")


@probe("dns.resolve", NoParams)
def dns_resolve(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every production domain resolves."""
    lines, bad = [], []
    socket.setdefaulttimeout(ctx.timeout)
    for domain in ctx.profile.target.domains:
        try:
            addresses = sorted({info[4][0] for info in socket.getaddrinfo(domain, 443, proto=socket.IPPROTO_TCP)})
            lines.append(f"{domain}: {', '.join(addresses)}")
        except OSError as exc:
            bad.append(domain)
            lines.append(f"{domain}: does not resolve ({exc.strerror or exc})")
    if bad:
        return failed(f"does not resolve: {', '.join(bad)}", "\n".join(lines))
    return passed(f"{len(lines)} domain(s) resolve", "\n".join(lines))


__all__ = ["Field"]
