"""A profile being written by `golive init`: every key found (with where from) or not (with what to
put there).

`Draft.render()` writes TOML in the order of the README's table: a found key is written
with a comment naming its source; a key not found is written commented out, with a hint
and the default that applies while it stays commented out. The text always parses as a
valid profile (checked before anything is written).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..text import safe_line

HINTS: dict[str, str] = {
    "target.name": "a label for the header and reports",
    "target.namespace": "the Kubernetes namespace of the application",
    "target.monitoring_namespace": "the namespace of Prometheus and its rules",
    "target.services": "the Deployments (and Services) that must run",
    "target.gateway_service": "the Service behind the public load balancer",
    "target.domains": "the production domains (TLS, ACM, DNS)",
    "target.required_env": (
        'env var names each Deployment must define ("*": all), e.g. { "*" = ["NODE_ENV"] }'
    ),
    "kubernetes.kubeconfig": (
        "path to the kubeconfig (empty: $KUBECONFIG, ~/.kube/config, in-cluster)"
    ),
    "kubernetes.context": "the kubeconfig context (empty: its current context)",
    "kubernetes.alert_rules_configmap": "the ConfigMap holding the Prometheus alert rules",
    "kubernetes.min_alert_rules": "at least this many `alert:` rules",
    "aws.profile": "the AWS named profile (empty: $AWS_PROFILE / the default chain)",
    "aws.region": "the AWS region (empty: $AWS_REGION / the profile's region)",
    "aws.endpoint_url": (
        "an AWS endpoint other than the public one (empty: $AWS_ENDPOINT_URL / AWS)"
    ),
    "aws.config_file": "an AWS config file other than $AWS_CONFIG_FILE / ~/.aws/config",
    "aws.credentials_file": (
        "an AWS credentials file other than $AWS_SHARED_CREDENTIALS_FILE / ~/.aws/credentials"
    ),
    "aws.db_cluster_id": "the Aurora cluster identifier",
    "aws.eks_cluster_name": "the EKS cluster name",
    "aws.load_balancer_arn": (
        "the ALB the WAF must protect (empty: one named like target.name, else the first)"
    ),
    "aws.log_groups": "CloudWatch log groups that must exist with a retention policy",
    "aws.max_db_connections": (
        "the connection limit for the pool metric (0: from the instance class)"
    ),
    "aws.provisioned_iops": (
        "provisioned IOPS for IOPS utilisation (0: unknown, that item is skipped)"
    ),
    "http.ca_bundle": (
        "a PEM file of extra CAs, if your endpoints use a private CA (verification is never off)"
    ),
    "http.api_url": "the public API, e.g. https://api.example.com",
    "http.health_urls": (
        'service -> health URL, e.g. { api-gateway = "https://api.example.com/health" }'
    ),
    "http.health_port": "the port of the health endpoint (service proxy)",
    "http.health_path": "the path of the health endpoint (service proxy)",
    "http.status_page_url": "your public status page",
    "http.allowed_origins": "the origins CORS must allow (your web apps)",
    "http.tls_endpoints": "host:port to inspect for TLS (empty: each domain on 443)",
    "http.public_api": (
        "true only for an API meant to be called from any site (then `Allow-Origin: *` is fine)"
    ),
    "http.api_prefixes": "route prefixes of the API: error pages are provoked under each",
    "prometheus.url": "Prometheus' HTTP API",
    "prometheus.alertmanager_url": "Alertmanager's HTTP API",
    "prometheus.selector": (
        'PromQL label matchers every benchmark query gets (empty: namespace="<target.namespace>")'
    ),
    "prometheus.series": (
        "benchmark name -> label matchers of its series (names not given keep the defaults)"
    ),
    "pagerduty.events_url": "the PagerDuty Events API v2",
    "pagerduty.routing_key_secret": (
        "the keyring name of the routing key: golive secret set pagerduty-routing-key "
        "(never the key itself)"
    ),
    "k6.summary": "a `k6 run --summary-export` JSON file (path or URL)",
    "k6.summaries": 'per scenario, e.g. { normal = "k6/normal.json", spike = "k6/spike.json" }',
    "deps.reports": (
        "dependency reports your CI writes (npm audit --json, SARIF 2.1, Trivy JSON): paths or URLs"
    ),
    "run.concurrency": "probes at once",
    "run.allowed_commands": (
        "programs a `command` probe of your own checklist may start here (empty: none)"
    ),
    "run.timeout": "seconds per probe",
    "state.mode": (
        "permissions of a local state file: 0600, or 0660/0640 for a group of captains on one host"
    ),
    "state.group": (
        "the captains' Unix group on a shared host: files of other users are trusted only in it"
    ),
    "signoff.allowed_signers": (
        'an OpenSSH allowed-signers file (`principal namespaces="golive" key` a line) for '
        "signed approvals"
    ),
    "signoff.require_signatures": "count only verified signed approvals toward GO",
    "notify.slack_webhook_secret": (
        "the secret (keyring) holding a Slack-compatible incoming-webhook URL; empty: none"
    ),
    "notify.webhook_secret": "the secret holding a generic JSON webhook URL; empty: none",
    "notify.events": (
        "which events the team's channel hears (decision, regression, approval-…, force-…, "
        "go-live, sweep-summary)"
    ),
    "notify.min_interval": (
        "seconds between two messages about the same thing (a flapping item is sent once)"
    ),
    "notify.per_minute": "at most this many messages a minute",
    "notify.timeout": "deadline of one post; the cockpit never waits for it",
}
SECTIONS = [
    "target",
    "kubernetes",
    "aws",
    "http",
    "prometheus",
    "pagerduty",
    "k6",
    "deps",
    "run",
    "state",
    "signoff",
    "notify",
]
# Issue 29's keys (the rows an API decides): not on the platform golive init reads, so hints only.
HINTS.update(
    {
        "target.release": "the version going live: the published OpenAPI document must name it",
        "aws.dr_region": (
            "the disaster-recovery region Aurora snapshot copies must reach (empty: DR Plan "
            "skipped)"
        ),
        "aws.user_pool_name": (
            "the production's Cognito user pool (exact name): password policy and MFA"
        ),
        "aws.password_min_length": "the shortest password the user pool may accept",
        "aws.password_require": (
            'character classes the pool must require, e.g. ["uppercase", "lowercase", '
            '"numbers", "symbols"]'
        ),
        "aws.app_log_groups": (
            "the application's CloudWatch log groups, searched for error lines after go-live"
        ),
        "aws.service_roles": (
            "IAM roles checked for `*` on `*` besides the EKS cluster's and node groups' roles"
        ),
        "http.openapi_url": "the published OpenAPI document (empty: its rows are skipped)",
        "http.session_url": (
            "the login page that sets the session cookies (empty: that row is skipped)"
        ),
        "http.oidc_issuer": "the OIDC issuer URL, if OIDC is used (empty: that row is skipped)",
        "http.runbook_urls": "runbook pages on-call must open without a login (wiki, repository)",
        "pagerduty.api_url": "PagerDuty's REST API, read with GETs only",
        "pagerduty.api_token_secret": (
            "the keyring name of a read-only REST API key: golive secret set pagerduty-api-token"
        ),
        "pagerduty.service_name": "the PagerDuty service the production's alerts open incidents on",
        "pagerduty.oncall_window_hours": (
            "hours from now the on-call schedules must cover without a gap"
        ),
        "grafana.url": "the Grafana holding a dashboard per service",
        "grafana.token_secret": (
            "the keyring name of a Viewer service-account token: golive secret set grafana-token"
        ),
    }
)
SECTIONS.append("grafana")


@dataclass
class Entry:
    key: str
    value: Any = None
    found: bool = False
    source: str = ""
    """Where a found value came from; for a missing one, why it was not found."""
    notes: list[str] = field(default_factory=list)


class Draft:
    """The keys of the profile being written, in README order, found or not."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.header: list[str] = []
        self.section_notes: dict[str, list[str]] = {}

    def entry(self, key: str) -> Entry:
        return self.entries.setdefault(key, Entry(key))

    def found(self, key: str, value: Any, source: str) -> None:
        entry = self.entry(key)
        entry.value, entry.found, entry.source = value, True, source

    def missing(self, key: str, why: str) -> None:
        entry = self.entry(key)
        if not entry.found:
            entry.source = why

    def note(self, key: str, text: str) -> None:
        """An extra comment line above `key` (candidates, what could not be read)."""
        self.entry(key).notes.append(text)

    def section_note(self, section: str, text: str) -> None:
        self.section_notes.setdefault(section, []).append(text)

    def value(self, key: str, default: Any = None) -> Any:
        entry = self.entries.get(key)
        return entry.value if entry is not None and entry.found else default

    def render(self, defaults: Any) -> str:
        """The profile's TOML text; `defaults` is a Profile() whose values commented-out keys fall
        back to."""
        lines = [f"# {safe_line(line)}" if line else "#" for line in self.header]
        for section in SECTIONS:
            lines += ["", f"[{section}]"]
            lines += [f"# {safe_line(note)}" for note in self.section_notes.get(section, [])]
            keys = [k for k in HINTS if k.startswith(section + ".")]
            keys += [k for k in self.entries if k.startswith(section + ".") and k not in HINTS]
            for key in keys:
                lines += self._render_entry(
                    key, getattr(getattr(defaults, section), key.split(".", 1)[1], None)
                )
        return "\n".join(lines) + "\n"

    def _render_entry(self, key: str, default: Any) -> list[str]:
        name = key.split(".", 1)[1]
        entry = self.entries.get(key, Entry(key))
        out = [f"# {safe_line(note)}" for note in entry.notes]
        if entry.found:
            out.append(f"# {safe_line(entry.source)}")
            out.append(f"{name} = {toml_value(entry.value)}")
            return out
        hint = HINTS.get(key, "")
        why = f"not found: {entry.source}" if entry.source else ""
        applies = (
            f"while commented out: {toml_value(default)}"
            if default not in (None, "", [], {})
            else ""
        )
        out.append("# " + safe_line("; ".join(part for part in (why, hint, applies) if part)))
        out.append(f"# {name} = {toml_value(default)}")
        return out


def toml_value(value: Any) -> str:
    """One TOML value on one line: strings, numbers, booleans, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(name: str) -> str:
    bare = name and all(c.isalnum() or c in "-_" for c in name) and name.isascii()
    return name if bare else json.dumps(name)


# Issue 29, APM/Tracing: where traces are asked for (X-Ray by default, on the platform's account).
HINTS.update(
    {
        "tracing.backend": "xray (the [aws] account), jaeger (jaeger_url), or empty: skipped",
        "tracing.jaeger_url": "the Jaeger query service, when backend is jaeger",
        "tracing.window_minutes": "a service with no trace in this many minutes is silent",
        "tracing.services": "names the services trace under, if not target.services",
    }
)
SECTIONS.append("tracing")
