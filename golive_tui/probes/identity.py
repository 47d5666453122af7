"""Identity probes over HTTPS (async httpx): session cookie flags, and the OIDC issuer's discovery
document and JWKS.

GET requests only. Redirects are followed by hand (same origin, at most 5 hops) so that a
cookie set on a redirect is judged too: httpx's own redirect following would keep only the
last response's headers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pydantic import Field

from .base import (
    Findings,
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    probe,
)
from .http_client import origin, request

ASYMMETRIC = {"RSA", "EC", "OKP"}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


class CookieParams(ProbeParams):
    max_hours: float = Field(default=24.0, gt=0)
    """The longest a cookie may live (Max-Age or Expires): the session timeout the row asks for."""


def parse_cookie(header: str) -> tuple[str, dict[str, str]]:
    """(name, {attribute lower-cased: value}) of one Set-Cookie header; flags map to ''."""
    name, _, rest = header.partition("=")
    attributes: dict[str, str] = {}
    for part in rest.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key:
            attributes[key.lower()] = value.strip()
    return name.strip(), attributes


def cookie_problems(attributes: dict[str, str], max_hours: float) -> list[str]:
    problems = []
    if "secure" not in attributes:
        problems.append("no Secure")
    if "httponly" not in attributes:
        problems.append("no HttpOnly")
    same_site = attributes.get("samesite", "").lower()
    if same_site not in ("lax", "strict", "none"):
        problems.append("no SameSite")
    elif same_site == "none" and "secure" not in attributes:
        problems.append("SameSite=None without Secure")
    max_age = attributes.get("max-age", "")
    if max_age.lstrip("-").isdigit() and int(max_age) > max_hours * 3600:
        problems.append(f"lives {int(max_age) / 3600:g} h (> {max_hours:g} h)")
    return problems


@probe("http.session-cookies", CookieParams, blocking=False)
async def session_cookies(ctx: ProbeContext, params: CookieParams) -> ProbeResult:
    """Every cookie the login page sets (redirects included) is Secure, HttpOnly, SameSite and lives
    at most max_hours."""
    url = ctx.profile.http.session_url
    if not url:
        raise NotConfigured(
            "http.session_url is empty in the profile: set it to the login page that sets the "
            "session cookies"
        )
    if not url.startswith("https://"):
        return failed(
            f"the session URL {url} is not HTTPS: every cookie travels in clear",
            f"http.session_url = {url}",
        )
    found = Findings()
    cookies = 0
    for _hop in range(6):
        reply = await request(ctx, "GET", url, max_body=4096)
        headers = reply.headers.get_list("set-cookie")
        found.line(f"GET {url} -> {reply.status_code}; {len(headers)} Set-Cookie")
        for header in headers:
            name, attributes = parse_cookie(header)
            cookies += 1
            problems = cookie_problems(attributes, params.max_hours)
            shown = (
                "; ".join(f"{k}={v}" if v else k for k, v in attributes.items()) or "no attributes"
            )
            if problems:
                found.problem(
                    f"cookie {name} ({reply.status_code} of {url}): {', '.join(problems)}",
                    f"  {name}: {shown} -> {', '.join(problems)}",
                )
            else:
                found.line(f"  {name}: {shown}")
        location = reply.headers.get("location")
        if reply.status_code not in (301, 302, 303, 307, 308) or not location:
            break
        following = urljoin(url, location)
        if origin(following) != origin(url):
            found.line(f"  redirect to {following}: another origin, not followed")
            break
        url = following
    if not cookies and not found:
        return failed(
            "the login page set no cookie: nothing to judge (is http.session_url the login page?)",
            found.evidence,
        )
    return found.result(
        f"{cookies} cookie(s) Secure, HttpOnly, SameSite, <= {params.max_hours:g} h"
    )


def _issuer(ctx: ProbeContext) -> str:
    issuer = ctx.profile.http.oidc_issuer.rstrip("/")
    if not issuer:
        raise NotConfigured(
            "http.oidc_issuer is empty in the profile (set it to the OIDC issuer URL, if OIDC is "
            "used)"
        )
    return issuer


def key_problems(key: dict[str, Any]) -> list[str]:
    problems = []
    if key.get("kty") not in ASYMMETRIC:
        problems.append(
            f"kty {key.get('kty', '?')} is not an asymmetric key (its secret is published)"
        )
    leaked = [m for m in PRIVATE_MEMBERS if m in key and key.get("kty") != "oct"]
    if leaked:
        problems.append(f"private members {', '.join(leaked)} published")
    return problems


@probe("http.oidc-discovery", NoParams, blocking=False)
async def oidc_discovery(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The issuer's discovery document names this issuer, HTTPS endpoints and no `none` algorithm;
    its JWKS holds only public asymmetric keys."""
    issuer = _issuer(ctx)
    url = f"{issuer}/.well-known/openid-configuration"
    reply = await request(ctx, "GET", url)
    if reply.status_code != 200:
        return failed(
            f"no discovery document: GET {url} answered {reply.status_code}",
            f"GET {url} -> {reply.status_code}",
        )
    try:
        document = reply.json()
    except ValueError:
        raise ProbeError(f"GET {url} answered 200 with a body that is not JSON") from None
    found = Findings()
    found.line(f"GET {url} -> 200")
    named = str(document.get("issuer", "")).rstrip("/")
    found.line(f"  issuer: {named or '(none)'}")
    if named != issuer:
        # OIDC Discovery 4.3: the issuer in the document must be exactly the one asked; tokens carry
        # it as `iss`.
        found.problem(f"the document names issuer {named or '(none)'}, not {issuer}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = str(document.get(key, ""))
        found.line(f"  {key}: {value or '(none)'}")
        if not value.startswith("https://"):
            found.problem(f"{key} {value or '(missing)'} is not HTTPS")
    algs = document.get("id_token_signing_alg_values_supported") or []
    found.line(f"  id_token_signing_alg_values_supported: {', '.join(algs) or '(none)'}")
    if "none" in algs:
        found.problem("signing algorithm `none` is supported (unsigned ID tokens)")
    jwks_uri = str(document.get("jwks_uri", ""))
    if jwks_uri.startswith("https://"):
        jwks = await request(ctx, "GET", jwks_uri)
        keys = jwks.json().get("keys", []) if jwks.status_code == 200 else []
        found.line(f"GET {jwks_uri} -> {jwks.status_code}; {len(keys)} keys")
        if not keys:
            found.problem(f"the JWKS at {jwks_uri} holds no key")
        for key in keys:
            problems = key_problems(key)
            label = (
                f"key {key.get('kid', '?')} ({key.get('kty', '?')} {key.get('alg', '')})".replace(
                    " )", ")"
                )
            )
            if problems:
                found.problem(
                    f"{label}: {'; '.join(problems)}", f"  {label}: {'; '.join(problems)}"
                )
            else:
                found.line(f"  {label}: public")
    return found.result(f"issuer {issuer}: discovery valid, JWKS of public asymmetric keys")
