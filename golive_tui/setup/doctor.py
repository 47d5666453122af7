"""`golive doctor`: the profile against reality in under two seconds, one line per check with a fix.

Checks run at once, each in its own thread, under one deadline: a check that has not
answered by then is reported as such (threads are daemons, so a silent peer never holds
the process). Kubernetes: the context is reachable and the credentials may list the
application's Deployments. AWS: `sts get-caller-identity`. Every URL and domain of the
profile resolves. Files named by the profile exist. The keyring backend (named) and the
PagerDuty routing key's source.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..vocab import VERDICT_TERMS

DEADLINE = 1.8
"""Seconds for every check together (the goal is an answer in under two seconds)."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False
    """Passes, with something worth knowing (a plaintext keyring)."""

    def line(self) -> str:
        from ..text import safe_line

        mark = VERDICT_TERMS[
            "acceptable" if self.ok and self.warn else "pass" if self.ok else "fail"
        ].glyph
        fix = f" — fix: {self.fix}" if self.fix and (not self.ok or self.warn) else ""
        return safe_line(f"{mark} {self.name:<11} {self.detail}{fix}")


def check_kubernetes(profile: Any, timeout: float) -> Check:
    from ..probes.base import ProbeError
    from .kube import KubeReader, kube_context, probe_context

    ctx = probe_context(profile, timeout)
    try:
        context = kube_context(ctx)
        reader = KubeReader(ctx)
        version = reader.get("/version")
    except ProbeError as exc:
        return Check(
            "kubernetes",
            False,
            str(exc),
            "check kubernetes.kubeconfig / kubernetes.context, or run `golive init`",
        )
    where = f"context {context.name} at {reader.host}"
    if version.status == 401:
        return Check(
            "kubernetes",
            False,
            f"{where}: credentials refused (401)",
            "renew them (e.g. `aws eks update-kubeconfig --name <cluster>`)",
        )
    ns = profile.target.namespace
    answer = reader.get(f"/apis/apps/v1/namespaces/{ns}/deployments", limit="500")
    if answer.status == 403:
        return Check(
            "kubernetes",
            False,
            f"{where}: {answer.why(f'Deployments in {ns}')}",
            f"ask for a read-only role (get/list) in namespace {ns}",
        )
    if not answer.ok:
        return Check(
            "kubernetes",
            False,
            f"{where}: {answer.why(f'Deployments in {ns}')}",
            "check target.namespace",
        )
    count = len(answer.items())
    gitversion = version.body.get("gitVersion", "?") if version.ok else "?"
    if not count:
        return Check(
            "kubernetes",
            False,
            f"{where} (Kubernetes {gitversion}): no Deployment in namespace {ns}",
            "check target.namespace (golive init finds it)",
        )
    return Check(
        "kubernetes",
        True,
        f"{where} (Kubernetes {gitversion}): may list Deployments in {ns} ({count})",
    )


def check_aws(profile: Any, timeout: float) -> Check:
    from ..probes import aws_client
    from .kube import probe_context

    ctx = probe_context(profile, timeout)
    try:
        session = aws_client.session(ctx)
        who = aws_client.client(ctx, "sts").get_caller_identity()
    except Exception as exc:
        reason = aws_client.describe_error(exc)
        if reason is None:
            raise
        return Check("aws", False, reason, _aws_fix(reason))
    return Check(
        "aws", True, f"{who.get('Arn', '?')} (account {who.get('Account', '?')}), {session.where()}"
    )


def _aws_fix(reason: str) -> str:
    if "credentials" in reason or "profile" in reason:
        return (
            "set aws.profile (or AWS_PROFILE) to a profile with credentials, e.g. after `aws "
            "sso login`"
        )
    if "region" in reason:
        return "set aws.region in the profile (or AWS_REGION)"
    if "unreachable" in reason or "not answering" in reason:
        return "check aws.endpoint_url (empty for the public AWS endpoints) and the network path"
    return "renew the credentials (e.g. `aws sso login`) or check their IAM policy"


def _hosts(profile: Any) -> dict[str, str]:
    """host -> the profile key it came from, for every URL and domain the probes will reach."""
    urls = {
        "http.api_url": profile.http.api_url,
        "http.status_page_url": profile.http.status_page_url,
        "prometheus.url": profile.prometheus.url,
        "prometheus.alertmanager_url": profile.prometheus.alertmanager_url,
        "pagerduty.events_url": profile.pagerduty.events_url,
        "aws.endpoint_url": profile.aws.endpoint_url,
    }
    urls |= {f"http.health_urls.{k}": v for k, v in profile.http.health_urls.items()}
    urls |= {f"k6.summaries.{k}": v for k, v in profile.k6.summaries.items() if "://" in v}
    hosts: dict[str, str] = {}
    for key, url in urls.items():
        if url and (host := urlsplit(url).hostname):
            hosts.setdefault(host, key)
    for domain in profile.target.domains:
        hosts.setdefault(domain, "target.domains")
    for endpoint in profile.http.tls_endpoints:
        hosts.setdefault(endpoint.rpartition(":")[0] or endpoint, "http.tls_endpoints")
    return hosts


def check_names(profile: Any, timeout: float) -> Check:
    hosts = _hosts(profile)
    results: dict[str, str] = {}

    def resolve(host: str) -> None:
        try:
            socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            results[host] = ""
        except OSError as exc:
            results[host] = exc.strerror or type(exc).__name__

    threads = [threading.Thread(target=resolve, args=(h,), daemon=True) for h in hosts]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    bad = [
        f"{h} ({hosts[h]}: {results.get(h) or 'no answer in time'})"
        for h in hosts
        if results.get(h, "slow")
    ]
    if bad:
        return Check(
            "names",
            False,
            f"{len(bad)} of {len(hosts)} hosts do not resolve: {', '.join(bad)}",
            "correct those keys in the profile (or the DNS)",
        )
    return Check("names", True, f"all {len(hosts)} hosts of the profile's URLs and domains resolve")


def check_files(profile: Any, timeout: float) -> Check:  # noqa: ARG001 - same signature as the others
    files = {
        "kubernetes.kubeconfig": profile.kubernetes.kubeconfig,
        "http.ca_bundle": profile.http.ca_bundle,
        "aws.config_file": profile.aws.config_file,
        "aws.credentials_file": profile.aws.credentials_file,
        "k6.summary": profile.k6.summary if "://" not in profile.k6.summary else "",
    }
    files |= {f"k6.summaries.{k}": v for k, v in profile.k6.summaries.items() if "://" not in v}
    named = {k: v for k, v in files.items() if v}
    missing = [f"{k} = {v}" for k, v in named.items() if not Path(os.path.expanduser(v)).is_file()]
    if missing:
        return Check(
            "files", False, f"not found: {', '.join(missing)}", "correct the paths in the profile"
        )
    return Check(
        "files",
        True,
        f"{len(named)} files named by the profile exist" if named else "the profile names no file",
    )


def check_keyring(profile: Any, timeout: float) -> Check:  # noqa: ARG001
    from ..errors import GoliveError
    from ..secrets import FILE_PREFIX, backend, env_name, get_secret

    name = profile.pagerduty.routing_key_secret
    try:
        used = backend()
    except GoliveError as exc:
        return Check(
            "keyring", False, str(exc), "unset PYTHON_KEYRING_BACKEND or name an installed backend"
        )
    label = "PagerDuty routing key" if name.startswith(FILE_PREFIX) else name
    if name.startswith(FILE_PREFIX):
        source = f"the file {name[len(FILE_PREFIX) :]}"
    elif os.environ.get(env_name(name)):
        source = f"${env_name(name)}"
    else:
        source = "the keyring"
    try:
        get_secret(name)
        secret = f"{label}: set (from {source})"
    except GoliveError as exc:
        secret = f"{label}: NOT set" + (f" ({exc})" if name.startswith(FILE_PREFIX) else "")
    detail = f"backend {used.describe()}; {secret}"
    if not used.available and "NOT set" in secret:
        return Check(
            "keyring",
            False,
            detail,
            "install a keyring backend (Secret Service) or set " + env_name(name),
        )
    if "NOT set" in secret:
        return Check(
            "keyring", False, detail, f"golive secret set {name} (the PagerDuty item needs it)"
        )
    return Check(
        "keyring",
        True,
        detail,
        "prefer an encrypted backend (Secret Service)" if used.plaintext else "",
        warn=used.plaintext,
    )


CHECKS: list[tuple[str, Callable[[Any, float], Check]]] = [
    ("kubernetes", check_kubernetes),
    ("aws", check_aws),
    ("names", check_names),
    ("files", check_files),
    ("keyring", check_keyring),
]


def run_checks(profile: Any, deadline: float = DEADLINE) -> list[Check]:
    """Every check at once; the ones still running at the deadline say so."""
    results: dict[str, Check] = {}
    started = time.monotonic()
    per_call = max(0.3, deadline - 0.2)

    def run(name: str, check: Callable[[Any, float], Check]) -> None:
        try:
            results[name] = check(profile, per_call)
        except Exception as exc:  # a bug in a check must not hide the others
            results[name] = Check(name, False, f"could not check ({type(exc).__name__}: {exc})")

    threads = [
        threading.Thread(target=run, args=item, daemon=True, name=f"doctor-{item[0]}")
        for item in CHECKS
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - (time.monotonic() - started)))
    return [
        results.get(name)
        or Check(name, False, f"no answer within {deadline:g} s", "check the network path to it")
        for name, _ in CHECKS
    ]
