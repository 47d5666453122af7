"""The application's own HTTPS surface: its OpenAPI document, secured operations, login cookies and
OIDC issuer.

One HTTPS server (sandbox CA) per `AppShape`: `/openapi.json`, the operations it lists
(`/v1/...`, which want a bearer token), `/login` (sets the session cookies), and an OIDC
issuer under `/auth` (discovery document, JWKS, userinfo). HEALTHY_APP answers as the
checklist wants; DEGRADED_APP fails each probe plainly; TRAPS_APP fails each where a
plausible but wrong probe passes (an old document version, only the item route open,
an unsigned token accepted where no token is refused, cookies set on the redirect, an
issuer document naming staging's issuer).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, cast

from .tls import SandboxCA
from .web import Handler, HttpsService

RELEASE = "2.4.1"
"""The version being released (profile target.release)."""
OPERATIONS = {
    "/v1/deals": "listDeals",
    "/v1/deals/{dealId}": "getDeal",
    "/v1/customers": "listCustomers",
    "/v1/inventory": "listInventory",
}
RSA_KEY = {
    "kty": "RSA",
    "kid": "prod-2026-11",
    "use": "sig",
    "alg": "RS256",
    "e": "AQAB",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
    ),
}


@dataclass(frozen=True)
class AppShape:
    doc: str = "valid"
    """valid; invalid (an operation without responses); old (info.version of the previous
    release)."""
    open_paths: frozenset[str] = frozenset()
    """Operations answering 200 without any token."""
    accepts_unsigned: frozenset[str] = frozenset()
    """Operations accepting an `alg: none` token (while refusing a request without one)."""
    cookies: str = "secure"
    """secure; insecure (session without HttpOnly/SameSite); redirect (the session cookie without
    Secure, set on the 302)."""
    oidc: str = "valid"
    """valid; symmetric (an `oct` key in the JWKS and `none` among the algorithms); staging (the
    document names another issuer)."""
    runbooks: str = "ok"
    """ok; missing (one runbook page answers 404); login (one redirects to the SSO login page)."""
    cookie_auth: bool = False
    """Operations also accept the login page's session cookie (an API behind its web session)."""


HEALTHY_APP = AppShape()
DEGRADED_APP = AppShape(
    doc="invalid",
    open_paths=frozenset({"/v1/customers"}),
    accepts_unsigned=frozenset(OPERATIONS),
    cookies="insecure",
    oidc="symmetric",
    runbooks="missing",
)
TRAPS_APP = AppShape(
    doc="old",
    open_paths=frozenset({"/v1/deals/{dealId}"}),
    accepts_unsigned=frozenset({"/v1/inventory"}),
    cookies="redirect",
    oidc="staging",
    runbooks="login",
)
MIXED_APP = AppShape(cookies="redirect", accepts_unsigned=frozenset({"/v1/inventory"}))
"""The demo's mixed production: a session cookie without Secure (on the redirect), one operation
accepting unsigned tokens."""


def openapi_document(shape: AppShape, base: str) -> dict[str, Any]:
    ok = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    paths: dict[str, Any] = {
        "/health": {"get": {"operationId": "health", "security": [], "responses": ok}}
    }
    for path, op in OPERATIONS.items():
        operation: dict[str, Any] = {"operationId": op, "responses": ok}
        if "{dealId}" in path:
            operation["parameters"] = [
                {"name": "dealId", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        paths[path] = {"get": operation}
    if shape.doc == "invalid":
        del paths["/v1/inventory"]["get"]["responses"]  # required by OpenAPI 3.0
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Autolytiq Desk API",
            "version": "2.3.0" if shape.doc == "old" else RELEASE,
        },
        "servers": [{"url": base}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "paths": paths,
    }


def _template(route: str) -> str | None:
    parts = route.strip("/").split("/")
    for path in OPERATIONS:
        want = path.strip("/").split("/")
        if len(want) == len(parts) and all(
            w.startswith("{") or w == p for w, p in zip(want, parts, strict=True)
        ):
            return path
    return None


def _alg(authorization: str) -> str:
    token = authorization.removeprefix("Bearer ").strip()
    try:
        head = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        return cast(str, header.get("alg", "?"))  # a JWS header's alg is a string (RFC 7515)
    except (ValueError, IndexError):
        return "?"


def app_handler(shape: AppShape, box: dict[str, str]) -> Handler:
    def handle(
        method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], str]:
        route = path.split("?")[0]
        js = {"Content-Type": "application/json"}
        issuer = box["url"] + "/auth"
        if route == "/openapi.json":
            return 200, js, json.dumps(openapi_document(shape, box["url"]))
        if route == "/health":
            return 200, js, json.dumps({"status": "ok"})
        if route == "/login":
            return _login(shape)
        if route.startswith("/runbooks/"):
            return _runbook(shape, route)
        if route == "/sso/login":
            return (
                200,
                {"Content-Type": "text/html"},
                "<form action=/sso/login method=post><input name=password type=password></form>",
            )
        if route == "/app":
            return 200, {"Content-Type": "text/html"}, "<h1>Desk</h1>"
        if route == "/auth/.well-known/openid-configuration":
            return 200, js, json.dumps(_discovery(shape, issuer))
        if route == "/auth/jwks":
            keys = [RSA_KEY] + (
                [{"kty": "oct", "kid": "legacy-hs256", "k": "c2VjcmV0"}]
                if shape.oidc == "symmetric"
                else []
            )
            return 200, js, json.dumps({"keys": keys})
        template = _template(route) if route != "/auth/userinfo" else "/auth/userinfo"
        if template is None:
            return 404, js, json.dumps({"error": "not found"})
        authorization = headers.get("Authorization") or ""
        if template in shape.open_paths:
            return 200, js, json.dumps({"items": []})
        if authorization and _alg(authorization) == "none" and template in shape.accepts_unsigned:
            return 200, js, json.dumps({"items": [], "sub": "anyone"})
        if shape.cookie_auth and "session=s3ss10n" in (headers.get("Cookie") or ""):
            return 200, js, json.dumps({"items": [], "sub": "the session's user"})
        return (
            401,
            {**js, "WWW-Authenticate": 'Bearer error="invalid_token"'},
            json.dumps({"error": "unauthorized"}),
        )

    return handle


def _login(shape: AppShape) -> tuple[int, dict[str, str], str]:
    if shape.cookies == "insecure":
        return (
            200,
            {
                "Content-Type": "text/html",
                "Set-Cookie": "session=s3ss10n; Path=/; Secure; Max-Age=28800",
            },
            "<p>in</p>",
        )
    session = "session=s3ss10n; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=28800"
    if shape.cookies == "redirect":  # set on the redirect only: the page it leads to sets none
        return 302, {"Location": "/app", "Set-Cookie": session.replace(" Secure;", "")}, ""
    return 302, {"Location": "/app", "Set-Cookie": session}, ""


RUNBOOKS = ("database-failover", "rollback", "incident-response")


def _runbook(shape: AppShape, route: str) -> tuple[int, dict[str, str], str]:
    name = route.removeprefix("/runbooks/")
    if name not in RUNBOOKS or (shape.runbooks == "missing" and name == "database-failover"):
        return 404, {"Content-Type": "text/html"}, "<h1>Page not found</h1>"
    if shape.runbooks == "login" and name == "database-failover":  # the wiki space became private
        return 302, {"Location": f"/sso/login?next={route}"}, ""
    return 200, {"Content-Type": "text/html"}, f"<h1>Runbook: {name}</h1><ol><li>...</li></ol>"


def _discovery(shape: AppShape, issuer: str) -> dict[str, Any]:
    algs = ["RS256", "none"] if shape.oidc == "symmetric" else ["RS256"]
    named = (
        issuer.replace("localhost", "auth.staging.autolytiq.com")
        if shape.oidc == "staging"
        else issuer
    )
    return {
        "issuer": named,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
    }


class AppApi:
    """The application's HTTPS server of one shape; `profile_overrides()` points a profile at it."""

    def __init__(self, ca: SandboxCA, shape: AppShape = HEALTHY_APP) -> None:
        box: dict[str, str] = {}
        self.shape = shape
        self.server = HttpsService(ca, app_handler(shape, box))
        box["url"] = self.url = self.server.url

    def profile_overrides(self) -> dict[str, Any]:
        return {
            "target": {"release": RELEASE},
            "http": {
                "openapi_url": f"{self.url}/openapi.json",
                "session_url": f"{self.url}/login",
                "oidc_issuer": f"{self.url}/auth",
                "runbook_urls": [f"{self.url}/runbooks/{n}" for n in RUNBOOKS],
            },
        }

    def stop(self) -> None:
        self.server.stop()


def start_app(
    ca: SandboxCA, shape: AppShape, profile: dict[str, Any], stoppers: list[Any]
) -> AppApi:
    """Start the application's server for a staged production and merge its keys into `profile` (a
    dict of sections)."""
    app = AppApi(ca, shape)
    stoppers.append(app.stop)
    for section, values in app.profile_overrides().items():
        profile.setdefault(section, {}).update(values)
    return app
