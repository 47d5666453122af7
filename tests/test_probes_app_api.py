"""openapi / identity probes over HTTPS (sandbox CA): each passes on the healthy application, fails
on the degraded one naming the culprit, and fails on the traps one, where a plausible but wrong
probe passes.

Each `test_trap_*` docstring names its trap (sandbox/app_api.TRAPS_APP).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest

from golive_tui.engine import Engine, run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ClientCache, ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.app_api import DEGRADED_APP, HEALTHY_APP, TRAPS_APP, AppApi, AppShape

KINDS = [
    "http.openapi",
    "http.openapi-auth",
    "http.jwt-unsigned-refused",
    "http.session-cookies",
    "http.oidc-discovery",
]
DEGRADED = {
    "http.openapi": ["invalid:", "responses"],
    "http.openapi-auth": ["GET /v1/customers (listCustomers) answers 200 to no credentials"],
    "http.jwt-unsigned-refused": [
        "GET /v1/deals (listDeals) answers 200 to an unsigned (alg: none) token"
    ],
    "http.session-cookies": ["cookie session (200 of", "no HttpOnly, no SameSite"],
    "http.oidc-discovery": [
        "signing algorithm `none` is supported",
        "key legacy-hs256 (oct)",
        "its secret is published",
    ],
}


def item(kind: str) -> Item:
    it = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind)])
    object.__setattr__(it, "key", f"t.{it.id}")
    return it


def profile_for(app: AppApi, ca_bundle: str, **http: object) -> Profile:
    data = app.profile_overrides()
    data["http"].update(ca_bundle=ca_bundle, api_url=app.url, **http)
    data["run"] = {"timeout": 5}
    return Profile.model_validate(data)


def run(profile: Profile, *kinds: str) -> dict[str, ProbeResult]:
    return {r.item.title: r.result for r in run_sync(profile, [item(k) for k in kinds or KINDS])}


@pytest.fixture(scope="module")
def apps(sandbox_ca) -> Iterator[dict[str, dict[str, ProbeResult]]]:
    """One engine run per shape: its results by kind."""
    started: list[AppApi] = []
    out = {}
    try:
        for name, shape in (
            ("healthy", HEALTHY_APP),
            ("degraded", DEGRADED_APP),
            ("traps", TRAPS_APP),
        ):
            app = AppApi(sandbox_ca, shape)
            started.append(app)
            out[name] = run(profile_for(app, str(sandbox_ca.bundle)))
        yield out
    finally:
        for app in started:
            app.stop()


def text(result: ProbeResult) -> str:
    return f"{result.summary}\n{result.evidence}"


@pytest.mark.parametrize("kind", KINDS)
def test_healthy_application_passes(kind: str, apps) -> None:
    result = apps["healthy"][kind]
    assert result.verdict is Verdict.PASS, text(result)
    assert "\n" not in result.summary


@pytest.mark.parametrize("kind", KINDS)
def test_degraded_application_fails_naming_the_culprit(kind: str, apps) -> None:
    result = apps["degraded"][kind]
    assert result.verdict is Verdict.FAIL, text(result)
    for needle in DEGRADED[kind]:
        assert needle in text(result), (needle, text(result))


def trap(apps, kind: str) -> str:
    result = apps["traps"][kind]
    assert result.verdict is Verdict.FAIL, text(result)
    return text(result)


def test_trap_valid_document_of_the_previous_release(apps) -> None:
    """Trap: the document answers 200 and is valid OpenAPI: "docs published" passes; it documents
    2.3.0, not the release 2.4.1."""
    assert "documents version 2.3.0, not the release 2.4.1" in trap(apps, "http.openapi")


def test_trap_collection_refuses_but_the_item_route_is_open(apps) -> None:
    """Trap: GET /v1/deals (and the API root) answer 401: a probe calling one endpoint, or only the
    routes without parameters, passes; GET /v1/deals/{dealId} answers 200 to anyone."""
    evidence = trap(apps, "http.openapi-auth")
    assert "GET /v1/deals (listDeals) -> 401" in evidence
    assert "GET /v1/deals/{dealId} (getDeal) answers 200 to no credentials" in evidence


def test_trap_no_token_refused_but_an_unsigned_one_accepted(apps) -> None:
    """Trap: /v1/inventory answers 401 without a token, so "all endpoints require authentication"
    passes; it answers 200 to a token whose header says `alg: none` and has no signature."""
    assert (
        apps["traps"]["http.openapi-auth"].evidence.count(
            "GET /v1/inventory (listInventory) -> 401"
        )
        == 1
    )
    assert "GET /v1/inventory (listInventory) answers 200 to an unsigned (alg: none) token" in trap(
        apps, "http.jwt-unsigned-refused"
    )


def test_trap_cookie_set_on_the_redirect(apps) -> None:
    """Trap: the login page redirects and the page it leads to sets no cookie: a client following
    redirects and reading the final response sees nothing wrong; the 302 set `session` without
    Secure."""
    evidence = trap(apps, "http.session-cookies")
    assert (
        "cookie session (302 of https://localhost:" in evidence and "/login): no Secure" in evidence
    )


def test_trap_discovery_document_of_another_issuer(apps) -> None:
    """Trap: the discovery document answers 200 with HTTPS endpoints and an RSA JWKS: "discovery is
    valid JSON" passes; it names staging's issuer, so the tokens it describes are not this
    issuer's."""
    assert "names issuer https://auth.staging.autolytiq.com:" in trap(apps, "http.oidc-discovery")


def test_trap_the_login_pages_cookie_sent_back_without_credentials(sandbox_ca) -> None:
    """Trap: every probe of a target shares one kept-alive client, kept from sweep to sweep, and
    an httpx client sends back each cookie its answers set. The login page's session cookie
    (read by http.session-cookies) then rode along with http.openapi-auth's requests "without
    credentials": on an API that also takes its web session, every secured operation answered
    200 from the second sweep on, a failure that is not production's."""
    app = AppApi(sandbox_ca, dataclasses.replace(HEALTHY_APP, cookie_auth=True))
    profile = profile_for(app, str(sandbox_ca.bundle))
    clients = ClientCache()
    try:
        with asyncio.Runner() as runner:  # one loop and one ClientCache: the cockpit's sweeps
            sweeps = [
                {
                    r.item.title: r.result
                    for r in runner.run(Engine(profile, clients=clients).run([item(k) for k in ks]))
                }
                for ks in (["http.session-cookies"], ["http.openapi-auth", "http.session-cookies"])
            ]
            runner.run(clients.aclose())
    finally:
        app.stop()
    assert sweeps[0]["http.session-cookies"].verdict is Verdict.PASS
    assert "session:" in sweeps[0]["http.session-cookies"].evidence  # the cookie was set
    second = sweeps[1]["http.openapi-auth"]
    assert second.verdict is Verdict.PASS, text(second)
    assert sweeps[1]["http.session-cookies"].verdict is Verdict.PASS


def test_unset_urls_are_skipped_with_the_key(sandbox_ca) -> None:
    app = AppApi(sandbox_ca, AppShape())
    try:
        out = run(
            profile_for(
                app,
                str(sandbox_ca.bundle),
                oidc_issuer="",
                openapi_url="",
                session_url="",
                runbook_urls=[],
            ),
            *KINDS,
            "http.runbooks",
        )
    finally:
        app.stop()
    keys = {
        "http.oidc-discovery": "http.oidc_issuer",
        "http.openapi": "http.openapi_url",
        "http.openapi-auth": "http.openapi_url",
        "http.jwt-unsigned-refused": "http.openapi_url",
        "http.session-cookies": "http.session_url",
        "http.runbooks": "http.runbook_urls",
    }
    for kind, key in keys.items():
        assert out[kind].verdict is Verdict.SKIPPED and key in out[kind].summary, (
            kind,
            out[kind].summary,
        )


def test_runbooks(apps_runbooks) -> None:
    healthy, degraded, traps = apps_runbooks
    assert healthy.verdict is Verdict.PASS and "3 runbook page(s)" in healthy.summary, text(healthy)
    assert (
        degraded.verdict is Verdict.FAIL
        and "/runbooks/database-failover answers 404" in degraded.summary
    ), text(degraded)


def test_trap_runbook_behind_a_login_redirect(apps_runbooks) -> None:
    """Trap: the page redirects to the SSO login, which answers 200: a probe following redirects
    (curl -L) passes; the on-call engineer without a session sees a password form."""
    traps = apps_runbooks[2]
    assert (
        traps.verdict is Verdict.FAIL
        and "/runbooks/database-failover redirects to a login page" in traps.summary
    )
    assert "302 -> https://localhost:" in traps.evidence and "/sso/login?next=" in traps.evidence


@pytest.fixture(scope="module")
def apps_runbooks(sandbox_ca) -> list[ProbeResult]:
    out = []
    for shape in (HEALTHY_APP, DEGRADED_APP, TRAPS_APP):
        app = AppApi(sandbox_ca, shape)
        try:
            out.append(
                run(profile_for(app, str(sandbox_ca.bundle)), "http.runbooks")["http.runbooks"]
            )
        finally:
            app.stop()
    return out
