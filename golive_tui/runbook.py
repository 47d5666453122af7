"""An item's runbook as commands a captain can copy, filled in from the target profile.

The shipped checklist keeps the seed's commands verbatim, and the seed names its own
production (`-n autolytiq-prod`, `api.autolytiq.com`, `localhost:9090`). Shown as they
are, they point a captain at someone else's system. `commands` splits a runbook into
commands (a comment above one becomes its label; `\\` continuations and `for … done`
blocks stay one command) and rewrites what the profile knows: namespaces, the database
cluster id, the EKS cluster, domains, the API, Prometheus and PagerDuty URLs, the kube
context and kubeconfig, the AWS profile, region and endpoint. Placeholders such as
`<key>` are left for the human: a secret is never filled in.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from .profile import Profile

SEED = Profile()
"""The seed's own values are the profile's defaults: what a runbook names literally."""


@dataclass(frozen=True)
class Command:
    label: str
    """The comment above the command (`Verify backup configuration`), or empty."""
    text: str
    """The command as a shell would read it (continuation lines kept)."""


def _host_port(url: str, default_port: int = 443) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.hostname or "", parts.port or default_port


def _replacements(profile: Profile) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, replacement) pairs, most specific first, from the seed's values to the
    profile's."""
    t, seed_t = profile.target, SEED.target
    aws, http = profile.aws, profile.http
    domain = t.domains[0] if t.domains else seed_t.domains[0]
    api_host, api_port = _host_port(http.api_url)
    if http.tls_endpoints:
        tls_host, _, tls_port = http.tls_endpoints[0].rpartition(":")
        tls = f"{tls_host}:{tls_port}"
    else:
        tls = f"{domain}:443"
    seed_domain = re.escape(seed_t.domains[0])
    quote = shlex.quote
    pairs = [
        (
            rf"--db-cluster-identifier {re.escape(SEED.aws.db_cluster_id)}\b",
            f"--db-cluster-identifier {quote(aws.db_cluster_id)}",
        ),
        (
            rf"--name {re.escape(SEED.aws.eks_cluster_name)}\b",
            f"--name {quote(aws.eks_cluster_name)}",
        ),
        (rf"(-n|--namespace)(=| ){re.escape(seed_t.namespace)}\b", rf"\1\2{quote(t.namespace)}"),
        (
            rf"(-n|--namespace)(=| ){re.escape(seed_t.monitoring_namespace)}\b",
            rf"\1\2{quote(t.monitoring_namespace)}",
        ),
        (
            rf"configmap {re.escape(SEED.kubernetes.alert_rules_configmap)}\b",
            f"configmap {quote(profile.kubernetes.alert_rules_configmap)}",
        ),
        (re.escape(SEED.pagerduty.events_url), profile.pagerduty.events_url),
        (re.escape(SEED.http.status_page_url), http.status_page_url),
        # The API by URL first, then the bare domain (TLS and nmap name a host, and a port).
        (rf"https://{seed_domain}(?![\w.-])", http.api_url.rstrip("/")),
        (rf"-connect {seed_domain}:443", f"-connect {tls}"),
        (rf"-servername {seed_domain}\b", f"-servername {tls.rpartition(':')[0] or domain}"),
        (rf"-p 443 {seed_domain}\b", f"-p {api_port} {api_host or domain}"),
        (rf"\b{seed_domain}\b", domain),
        (r"(?<![\w/.-])localhost:9090(?=/)", profile.prometheus.url.rstrip("/")),
    ]
    return [(re.compile(pattern), replacement) for pattern, replacement in pairs]


def _tool_options(profile: Profile) -> dict[str, list[str]]:
    """Options each CLI needs to reach this target, inserted right after the program name."""
    kube, aws = profile.kubernetes, profile.aws
    kubectl = ([f"--kubeconfig {shlex.quote(kube.kubeconfig)}"] if kube.kubeconfig else []) + (
        [f"--context {shlex.quote(kube.context)}"] if kube.context else []
    )
    awscli = [
        f"--{name} {shlex.quote(value)}"
        for name, value in (
            ("profile", aws.profile),
            ("region", aws.region),
            ("endpoint-url", aws.endpoint_url),
        )
        if value
    ]
    return {"kubectl": kubectl, "aws": awscli}


def fill(text: str, profile: Profile) -> str:
    """The runbook text with the seed's production replaced by the profile's."""
    for pattern, replacement in _replacements(profile):
        text = pattern.sub(replacement, text)
    for tool, options in _tool_options(profile).items():
        if options:
            text = re.sub(
                rf"(?<![\w/.-]){tool} (?!--(kubeconfig|context|profile|region|endpoint-url) )",
                f"{tool} {' '.join(options)} ",
                text,
            )
    return text


def split(text: str) -> list[Command]:
    """Commands of a runbook: comments label the command below them, continuations stay together."""
    commands: list[Command] = []
    label = ""
    block: list[str] = []
    depth = 0
    for line in text.splitlines():
        stripped = line.strip()
        if not block:
            if not stripped:
                label = ""
                continue
            if stripped.startswith("#"):
                label = stripped.lstrip("#").strip()
                continue
        block.append(line.rstrip())
        words = re.findall(r"[\w]+", stripped)
        depth += sum(w in ("do", "then") for w in words) - sum(w in ("done", "fi") for w in words)
        if stripped.endswith("\\") or depth > 0:
            continue
        commands.append(Command(label, "\n".join(block)))
        block, depth = [], 0
    if block:
        commands.append(Command(label, "\n".join(block)))
    return commands


def commands(runbook: str, profile: Profile) -> list[Command]:
    """The runbook's commands, each filled in for the profile's target."""
    return [Command(c.label, fill(c.text, profile)) for c in split(runbook)]
