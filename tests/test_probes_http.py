"""HTTP, TLS, DNS, PagerDuty and command probes against real HTTPS servers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from golive_tui.actor import Actor
from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import Verdict
from golive_tui.sandbox.pagerduty import PagerDutySandbox
from golive_tui.sandbox.web import HttpsService, status_handler
from tests.fixtures.web import web_profile

HTTP_KINDS = [
    "http.health",
    "http.security-headers",
    "http.cors",
    "http.error-handling",
    "http.status-page",
    "dns.resolve",
    "tls.certificate",
    "tls.protocols",
]


def probe_item(kind: str, confirm: bool = False, **params) -> Item:
    item = Item(
        id=kind.replace(".", "-"),
        title=kind,
        probe=[ProbeSpec(kind=kind, params=params, confirm=confirm)],
    )
    object.__setattr__(item, "key", f"t.{item.id}")
    return item


def run(profile, *items, **kwargs):
    return {r.item.probe[0].kind: r.result for r in run_sync(profile, list(items), **kwargs)}


def test_healthy_services_pass(web_healthy) -> None:
    results = run(web_profile(web_healthy), *(probe_item(k) for k in HTTP_KINDS))
    assert {k: r.verdict for k, r in results.items()} == {k: Verdict.PASS for k in HTTP_KINDS}, {
        k: r.summary for k, r in results.items()
    }
    assert (
        "accepts TLSv1.2, TLSv1.3; refuses TLSv1, TLSv1.1" in results["tls.protocols"].evidence
    )  # legacy TLS refused


def test_degraded_services_fail_naming_what_is_wrong(web_degraded) -> None:
    results = run(web_profile(web_degraded), *(probe_item(k) for k in HTTP_KINDS))
    assert results["http.health"].summary == "1 of 6 unhealthy: deal-service (503)"
    assert results["http.security-headers"].summary == "missing: Content-Security-Policy"
    assert results["http.cors"].summary.startswith(
        "reflects foreign origin https://evil.example with "
        "Allow-Credentials: true (GET /health, OPTIONS /health, GET /api/,"
    )
    leaks = results["http.error-handling"].summary
    assert (
        "Python traceback in POST response" in leaks
        and "banner Server: Werkzeug/3.0.1 Python/3.11" in leaks
    )
    assert "internal path" in leaks
    tls = results["tls.certificate"]
    assert (
        tls.verdict is Verdict.FAIL
        and "expires in 19 days (< 30)" in tls.summary
        and tls.value == 19
    )


def test_tls_variants(sandbox_ca) -> None:
    from golive_tui.profile import Profile

    soon = HttpsService(sandbox_ca, status_handler, days=10)
    wrong_host = HttpsService(sandbox_ca, status_handler, hosts=("other.example",))
    legacy = HttpsService(sandbox_ca, status_handler, legacy_tls=True)
    try:

        def check(service, kind="tls.certificate"):
            profile = Profile.model_validate(
                {"http": {"ca_bundle": str(sandbox_ca.bundle), "tls_endpoints": [service.endpoint]}}
            )
            return run(profile, probe_item(kind))[kind]

        assert "expires in 9 days" in check(soon).summary
        mismatch = check(wrong_host)
        assert (
            mismatch.verdict is Verdict.FAIL
            and "does not verify" in mismatch.summary
            and "mismatch" in mismatch.summary.lower()
        )
        old = check(legacy, "tls.protocols")
        assert (
            old.verdict is Verdict.FAIL
            and f"{legacy.endpoint} (public) accepts TLSv1, TLSv1.1 (< TLSv1.2)" in old.summary
        )
        # One row, one claim: the legacy endpoint's certificate is fine, and the short-lived one's
        # protocols are.
        assert (
            check(legacy).verdict is Verdict.PASS
            and check(soon, "tls.protocols").verdict is Verdict.PASS
        )
    finally:
        for service in (soon, wrong_host, legacy):
            service.stop()


RESTRICTED_OPENSSL = """\
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Protocol = -ALL, TLSv1.2, TLSv1.3
"""
"""A hardened bastion's OpenSSL configuration: this client offers nothing below TLS 1.2."""

PROTOCOLS_IN_A_CHILD = """
import json, sys
from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.profile import Profile
item = Item(id="tls", title="tls", probe=[ProbeSpec(kind="tls.protocols")])
object.__setattr__(item, "key", "t.tls")
(outcome,) = run_sync(Profile.model_validate(json.loads(sys.argv[1])), [item], timeout=10)
print(json.dumps({"verdict": outcome.result.verdict.value, "summary": outcome.result.summary,
                  "evidence": outcome.result.evidence}))
"""


def test_a_client_that_cannot_offer_legacy_tls_never_sees_it_refused(sandbox_ca, tmp_path) -> None:
    """The local handshake failure reads like the server's refusal: asked blindly, a TLS 1.0
    endpoint passed."""
    import subprocess
    import sys

    from golive_tui.probes.tls import VERSIONS, cannot_offer

    assert not any(
        cannot_offer(version) for version in VERSIONS.values()
    )  # this process can ask every version
    config = tmp_path / "openssl.cnf"
    config.write_text(RESTRICTED_OPENSSL)
    legacy = HttpsService(sandbox_ca, status_handler, legacy_tls=True)
    try:
        profile = {
            "http": {"ca_bundle": str(sandbox_ca.bundle), "tls_endpoints": [legacy.endpoint]}
        }
        child = subprocess.run(
            [sys.executable, "-c", PROTOCOLS_IN_A_CHILD, json.dumps(profile)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "OPENSSL_CONF": str(config)},
        )
    finally:
        legacy.stop()
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["verdict"] == "error", result
    assert result["summary"].startswith(
        "cannot check TLSv1, TLSv1.1: this machine's OpenSSL will not offer them "
        "(NO_PROTOCOLS_AVAILABLE"
    ), result["summary"]
    assert "not asked: TLSv1 (this machine's OpenSSL will not offer it" in result["evidence"]
    assert f"{legacy.endpoint} (public): accepts TLSv1.2, TLSv1.3" in result["evidence"]


def test_untrusted_ca_is_a_tls_error(web_healthy) -> None:
    profile = web_profile(web_healthy, http={"ca_bundle": ""})
    result = run(profile, probe_item("http.status-page"))["http.status-page"]
    assert result.verdict is Verdict.ERROR and result.summary.startswith("TLS error talking to")


def test_faults_become_one_line_errors(web_healthy, sandbox_ca) -> None:
    from functools import partial

    from golive_tui.sandbox.tls import free_port

    # Each probe's own words: the engine's finding for a silent host is
    # tests/test_reachability.py's.
    run = partial(globals()["run"], reachability=False)
    closed = run(
        web_profile(web_healthy, http={"status_page_url": f"https://localhost:{free_port()}"}),
        probe_item("http.status-page"),
    )
    assert closed["http.status-page"].summary.startswith("cannot connect to https://localhost:")
    dns = run(
        web_profile(web_healthy, http={"status_page_url": "https://status.golive-test.invalid"}),
        probe_item("http.status-page"),
    )
    assert (
        dns["http.status-page"].verdict is Verdict.ERROR
        and "status.golive-test.invalid" in dns["http.status-page"].summary
    )
    assert (
        run(
            web_profile(web_healthy, target={"domains": ["nope.golive-test.invalid"]}),
            probe_item("dns.resolve"),
        )["dns.resolve"].verdict
        is Verdict.FAIL
    )
    hanging = HttpsService(sandbox_ca, lambda *a: (time.sleep(30), (200, {}, ""))[1])
    try:
        profile = web_profile(web_healthy, http={"status_page_url": hanging.url})
        profile.run.timeout = 1.0
        started = time.monotonic()
        result = run(profile, probe_item("http.status-page"))["http.status-page"]
        assert result.verdict is Verdict.ERROR and "timed out after 1s" in result.summary
        assert time.monotonic() - started < 2.5
    finally:
        hanging.stop()
    broken = HttpsService(sandbox_ca, lambda *a: (500, {}, "oops"))
    try:
        result = run(
            web_profile(web_healthy, http={"status_page_url": broken.url}),
            probe_item("http.status-page"),
        )["http.status-page"]
        assert result.verdict is Verdict.FAIL and "answered 500" in result.summary
    finally:
        broken.stop()


ROUTING_KEY = "R0UT1NG-KEY-abcdef0123456789abcdef01"


def test_pagerduty_needs_confirmation_and_never_leaks_the_key(
    monkeypatch, caplog, tmp_path
) -> None:
    from golive_tui import actions
    from golive_tui.engine import ItemResult
    from golive_tui.profile import Profile
    from golive_tui.report import render
    from golive_tui.state import open_store

    monkeypatch.setenv("GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    pd = PagerDutySandbox(ROUTING_KEY)
    try:
        profile = Profile.model_validate({"pagerduty": {"events_url": pd.url}})
        item = probe_item("pagerduty.event", confirm=True)
        caplog.set_level(logging.DEBUG)
        unconfirmed = run(profile, item)["pagerduty.event"]
        assert (
            unconfirmed.verdict is Verdict.SKIPPED and "needs confirmation" in unconfirmed.summary
        )
        assert pd.events == []
        results = run_sync(profile, [item], confirmed=True)
        result = results[0].result
        assert result.verdict is Verdict.PASS, result.summary
        assert [e["event_action"] for e in pd.events] == ["trigger", "resolve"]
        assert pd.events[0]["dedup_key"] == pd.events[1]["dedup_key"]
        store = open_store(tmp_path / "state.toml")
        actions.record_results(store, [ItemResult(item, result)], actor=Actor.current())
        pd.fail_with = 500
        failed = run_sync(profile, [item], confirmed=True)[0].result
        assert failed.verdict is Verdict.FAIL
        texts = [
            result.summary,
            result.evidence,
            failed.summary,
            failed.evidence,
            caplog.text,
            store.path.read_text(),
        ]
        from golive_tui.checklists import load_checklist

        texts += [
            render(fmt, load_checklist(), store.read(), profile, result.checked_at)
            for fmt in ("markdown", "html", "json", "junit")
        ]
        assert all(ROUTING_KEY not in text for text in texts)
    finally:
        pd.stop()


def test_pagerduty_without_a_key_explains_the_options(monkeypatch) -> None:
    from golive_tui.profile import Profile

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = run(Profile(), probe_item("pagerduty.event", confirm=True), confirmed=True)[
        "pagerduty.event"
    ]
    assert result.verdict is Verdict.ERROR
    assert (
        "GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY" in result.summary and "keyrings.alt" in result.summary
    )


def test_secrets_in_a_real_keyring_backend(tmp_path) -> None:
    import subprocess
    import sys

    env_cmd = [sys.executable, "-m", "golive_tui", "secret"]
    import os

    env = {**os.environ, "MY_KEY": ROUTING_KEY}
    assert (
        subprocess.run(
            [*env_cmd, "set", "pagerduty-routing-key", "--from-env", "MY_KEY", "--allow-plaintext"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        ).returncode
        == 0
    )
    listed = subprocess.run([*env_cmd, "list"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.stdout.strip() == "pagerduty-routing-key" and ROUTING_KEY not in listed.stdout
    from golive_tui.secrets import get_secret

    assert get_secret("pagerduty-routing-key") == ROUTING_KEY
    assert (
        subprocess.run(
            [*env_cmd, "delete", "pagerduty-routing-key"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        ).returncode
        == 0
    )
    assert (
        subprocess.run(
            [*env_cmd, "list"], env=env, capture_output=True, text=True, timeout=60
        ).stdout.strip()
        == ""
    )


def test_command_probe(tmp_path) -> None:
    from golive_tui.profile import Profile

    allowed = Profile.model_validate(
        {"run": {"allowed_commands": ["python3", "sleep", "npx-not-installed-here"]}}
    )
    ok = probe_item(
        "command",
        argv=["python3", "-c", "print('Database schema is up to date!')"],
        pattern="up to date",
    )
    bad_exit = probe_item(
        "command", argv=["python3", "-c", "import sys; print('3 critical'); sys.exit(1)"]
    )
    assert run(allowed, ok)["command"].verdict is Verdict.PASS
    failed = run(allowed, bad_exit)["command"]
    assert (
        failed.verdict is Verdict.FAIL
        and "exited 1" in failed.summary
        and "3 critical" in failed.evidence
    )
    missing = run(allowed, probe_item("command", argv=["npx-not-installed-here", "prisma"]))[
        "command"
    ]
    assert missing.summary == "command not found: npx-not-installed-here"
    # A checklist is data: a program the operator's profile does not name is never started.
    marker = tmp_path / "ran"
    refused = run(
        Profile(), probe_item("command", argv=["python3", "-c", f"open({str(marker)!r}, 'w')"])
    )["command"]
    assert (
        refused.verdict is Verdict.SKIPPED
        and "run.allowed_commands" in refused.summary
        and not marker.exists()
    )
    slow = probe_item("command", argv=["sleep", "30"])
    profile = Profile.model_validate({"run": {"timeout": 0.5, "allowed_commands": ["sleep"]}})
    started = time.monotonic()
    assert "timed out" in run(profile, slow)["command"].summary
    assert time.monotonic() - started < 2


def test_k6_summary(tmp_path) -> None:
    from golive_tui.profile import Profile

    summary = {
        "metrics": {
            "http_req_duration": {"avg": 120.0, "p(90)": 180.0, "p(95)": 240.0},
            "http_req_failed": {"value": 0.0},
            "iterations": {"count": 5000},
        }
    }
    path = tmp_path / "normal.json"
    path.write_text(json.dumps(summary))
    item = Item(
        id="normal",
        title="Normal load",
        probe=[ProbeSpec(kind="k6.scenario", params={"scenario": "normal"})],
        metric={"target": {"op": "<", "value": 200, "unit": "ms"}},
    )
    object.__setattr__(item, "key", "t.normal")
    profile = Profile.model_validate({"k6": {"summaries": {"normal": str(path)}}})
    result = run_sync(profile, [item])[0].result
    assert result.verdict is Verdict.FAIL and result.value == 240.0
    assert run_sync(Profile(), [item])[0].result.verdict is Verdict.SKIPPED


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_every_http_kind_is_registered(kind) -> None:
    from golive_tui.probes import registry

    assert kind in registry()


def shaped(sandbox_ca, **shape):
    from golive_tui.sandbox.web import ApiShape, WebSandbox

    return WebSandbox(sandbox_ca, ApiShape(**shape), days=90)


def test_cors_traps_a_health_only_probe_would_miss(sandbox_ca) -> None:
    """Each trap passes a probe that sends one GET with a foreign Origin to /health."""
    wildcard = shaped(sandbox_ca, cors={"/": "wildcard"})
    second_route = shaped(sandbox_ca, cors={"/": "allow-list", "/v1/": "reflect-credentials"})
    closed = shaped(
        sandbox_ca, cors={"/": "allow-list"}, allowed_origins=("https://admin.autolytiq.com",)
    )
    try:
        result = run(web_profile(wildcard), probe_item("http.cors"))["http.cors"]
        assert result.verdict is Verdict.FAIL
        assert result.summary.startswith(
            "Allow-Origin * on an API not declared public (http.public_api = false) "
            "(GET /health, OPTIONS /health,"
        )
        assert (
            "GET https://localhost:" in result.evidence
            and "[Origin: https://evil.example] -> 200, Allow-Origin *" in result.evidence
        )
        public = run(web_profile(wildcard, http={"public_api": True}), probe_item("http.cors"))[
            "http.cors"
        ]
        assert public.verdict is Verdict.PASS, public.summary

        reflected = run(web_profile(second_route), probe_item("http.cors"))["http.cors"]
        assert reflected.verdict is Verdict.FAIL
        assert reflected.summary.startswith(
            "reflects foreign origin https://evil.example with Allow-Credentials: true "
            "(GET /v1/, OPTIONS /v1/)"
        )
        assert "/health" not in reflected.summary  # the clean route is not blamed
        # Credentials with reflection fail even on a public API.
        assert (
            run(web_profile(second_route, http={"public_api": True}), probe_item("http.cors"))[
                "http.cors"
            ].verdict
            is Verdict.FAIL
        )

        refused = run(
            web_profile(closed, http={"allowed_origins": ["https://app.autolytiq.com"]}),
            probe_item("http.cors"),
        )["http.cors"]
        assert refused.verdict is Verdict.FAIL
        assert refused.summary.startswith(
            "production origin https://app.autolytiq.com not allowed (GET /health, OPTIONS /health,"
        )
    finally:
        for web in (wildcard, second_route, closed):
            web.stop()


def test_cors_lookalike_origin(sandbox_ca) -> None:
    """An allow-list matched by prefix lets `https://app.autolytiq.com.evil.example` through."""
    from golive_tui.sandbox import web as web_module

    def prefix_match(policy, origin, allowed):
        if origin and any(origin.startswith(a) for a in allowed):
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
            }
        return {}

    sandbox = shaped(sandbox_ca)
    sandbox.api.stop()
    original = web_module.cors_headers
    web_module.cors_headers = prefix_match
    try:
        sandbox.api = HttpsService(sandbox_ca, web_module.api_handler(sandbox.shape))
        result = run(web_profile(sandbox), probe_item("http.cors"))["http.cors"]
    finally:
        web_module.cors_headers = original
        sandbox.stop()
    assert result.verdict is Verdict.FAIL
    assert result.summary.startswith(
        "reflects foreign origin https://app.autolytiq.com.evil.example "
        "with Allow-Credentials: true"
    )
    assert "https://evil.example with" not in result.summary


def test_error_leak_only_under_a_route_prefix(sandbox_ca) -> None:
    """The root answers clean JSON errors; only /api/ leaks a Node.js stack trace — named with its
    request."""
    sandbox = shaped(sandbox_ca, leaks={"/": "none", "/api/": "node"})
    try:
        result = run(web_profile(sandbox), probe_item("http.error-handling"))["http.error-handling"]
        assert result.verdict is Verdict.FAIL
        assert result.summary == (
            "leaks: Node.js stack trace in GET response to /api/golive-probe-no-such-route; "
            "internal path in GET response to /api/golive-probe-no-such-route"
        )
        assert (
            "unknown route: GET /golive-probe-no-such-route -> 404 (application/json"
            in result.evidence
        )
        only_root = run(
            web_profile(sandbox, http={"api_prefixes": ["/"]}), probe_item("http.error-handling")
        )["http.error-handling"]
        assert only_root.verdict is Verdict.PASS  # why the prefixes matter
    finally:
        sandbox.stop()


@pytest.mark.parametrize(
    ("body", "header", "named"),
    [
        (
            "java.lang.NullPointerException\n"
            "\tat com.acme.DealController.create(DealController.java:42)",
            {},
            "Java stack trace",
        ),
        (
            "panic: runtime error: index out of range\n\n"
            "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
            {},
            "Go panic",
        ),
        (
            "System.NullReferenceException: Object reference not set\n"
            "   at Acme.Deals.Create() in C:\\src\\Deals.cs:line 42",
            {},
            ".NET stack trace",
        ),
        ('{"error": "not found"}', {"X-Powered-By": "Express"}, "banner X-Powered-By: Express"),
        (
            "<html><body><h1>Whitelabel Error Page</h1></body></html>",
            {},
            "banner Spring Whitelabel error page",
        ),
    ],
)
def test_error_leaks_of_each_runtime(sandbox_ca, body, header, named) -> None:
    leaky = HttpsService(
        sandbox_ca, lambda *a: (404, {"Content-Type": "text/plain", **header}, body)
    )
    try:
        result = run(web_profile(_stub(leaky, sandbox_ca)), probe_item("http.error-handling"))[
            "http.error-handling"
        ]
    finally:
        leaky.stop()
    assert result.verdict is Verdict.FAIL and named in result.summary, result.summary


def _stub(service, ca):
    class Stub:
        def profile_overrides(self):
            return {"http": {"ca_bundle": str(ca.bundle), "api_url": service.url}}

    return Stub()


def test_security_headers_judge_the_rows_claim(sandbox_ca) -> None:
    """ "CSP, HSTS, X-Frame-Options set": a missing nosniff is shown, and fails only when the item
    asks for it."""
    from golive_tui.sandbox.web import SECURE_HEADERS

    headers = {k: v for k, v in SECURE_HEADERS.items() if k != "X-Content-Type-Options"}
    api = HttpsService(sandbox_ca, lambda *a: (200, headers, "{}"))
    try:
        profile = web_profile(_stub(api, sandbox_ca))
        claim = run(profile, probe_item("http.security-headers"))["http.security-headers"]
        assert (
            claim.verdict is Verdict.PASS and "x-content-type-options: (absent)" in claim.evidence
        )
        strict = run(profile, probe_item("http.security-headers", require_nosniff=True))[
            "http.security-headers"
        ]
        assert (
            strict.verdict is Verdict.FAIL
            and strict.summary == "missing: X-Content-Type-Options: nosniff"
        )
    finally:
        api.stop()


def test_request_blocking_keeps_the_deadline(sandbox_ca) -> None:
    """A blocking probe's request (no event loop in its thread) is held to the same total
    deadline."""
    from golive_tui.probes.base import ClientCache, ProbeContext, ProbeError
    from golive_tui.probes.http_client import request_blocking
    from golive_tui.profile import Profile
    from golive_tui.sandbox.faults import Trickle

    trickle = Trickle("headers", context=sandbox_ca.server_context("127.0.0.1", "localhost"))
    ok = HttpsService(sandbox_ca, status_handler)
    try:
        profile = Profile.model_validate({"http": {"ca_bundle": str(sandbox_ca.bundle)}})
        ctx = ProbeContext(profile, probe_item("http.status-page"), ClientCache(), 1.0)
        assert request_blocking(ctx, "GET", ok.url).status_code == 200
        started = time.monotonic()
        with pytest.raises(ProbeError, match="timed out after 1s"):
            request_blocking(
                ProbeContext(profile, probe_item("x"), ClientCache(), 1.0),
                "GET",
                f"https://{trickle.endpoint}/",
            )
        assert time.monotonic() - started < 2.0
    finally:
        trickle.stop()
        ok.stop()
