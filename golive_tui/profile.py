"""The target profile: where the production being checked lives.

Checklist items say *what* to verify; the profile says *against what* (namespace, cluster
ids, URLs, service names). Defaults are the seed's production values. Every key is
documented in the README ("Target profile"). Kubernetes and AWS settings left empty fall
back to their ecosystems' conventions (KUBECONFIG, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .profile_golive import (
    NotifySettings,
    ProfileSection,
    RunSettings,
    SignoffSettings,
    StateSettings,
)

SEED_SERVICES = [
    "api-gateway",
    "auth-service",
    "deal-service",
    "customer-service",
    "inventory-service",
    "tax-engine",
]


class TargetSettings(ProfileSection):
    name: str = "autolytiq-prod"
    """Label shown in the header and reports."""
    namespace: str = "autolytiq-prod"
    """Kubernetes namespace of the application."""
    monitoring_namespace: str = "monitoring"
    services: list[str] = Field(default_factory=lambda: list(SEED_SERVICES))
    """Deployments (and Services) that must be running."""
    gateway_service: str = "api-gateway"
    """The Kubernetes Service exposed through the load balancer."""
    domains: list[str] = Field(default_factory=lambda: ["api.autolytiq.com"])
    """Production domains (TLS, ACM, CORS)."""
    required_env: dict[str, list[str]] = Field(default_factory=dict)
    """Env var names each deployment must define; key `*` applies to all."""
    release: str = ""
    """The version going live (the OpenAPI document must name it); empty: not compared."""


class KubernetesSettings(ProfileSection):
    kubeconfig: str = ""
    """Path to a kubeconfig; empty: $KUBECONFIG, ~/.kube/config, then in-cluster config."""
    context: str = ""
    """kubeconfig context; empty: the current context."""
    alert_rules_configmap: str = "prometheus-rules"
    min_alert_rules: int = 1


class AwsSettings(ProfileSection):
    profile: str = ""
    """AWS named profile; empty: $AWS_PROFILE / default chain."""
    region: str = ""
    """Empty: $AWS_REGION / $AWS_DEFAULT_REGION / profile region."""
    endpoint_url: str = ""
    """Empty: $AWS_ENDPOINT_URL / the real AWS endpoints."""
    config_file: str = ""
    """AWS config file holding `profile`; empty: $AWS_CONFIG_FILE / ~/.aws/config."""
    credentials_file: str = ""
    """AWS shared credentials file; empty: $AWS_SHARED_CREDENTIALS_FILE / ~/.aws/credentials."""
    db_cluster_id: str = "autolytiq-prod"
    eks_cluster_name: str = "autolytiq-prod"
    load_balancer_arn: str = ""
    """The ALB the WAF must be associated with; empty: the first ALB named like the target."""
    log_groups: list[str] = Field(default_factory=lambda: ["/aws/eks/autolytiq-prod/cluster"])
    max_db_connections: int = 0
    """DatabaseConnections limit for the connection-pool metric; 0: read from the parameter
    group."""
    provisioned_iops: int = 0
    """Provisioned IOPS for the IOPS-utilisation metric; 0: not known, metric skipped."""
    dr_region: str = ""
    """The disaster-recovery region Aurora backups must reach; empty: the DR probe is skipped until
    set."""
    user_pool_name: str = "autolytiq-prod-users"
    """The production's Cognito user pool (exact name); empty: the password and MFA probes are
    skipped."""
    password_min_length: int = Field(default=12, ge=1)
    password_require: list[str] = Field(
        default_factory=lambda: ["uppercase", "lowercase", "numbers", "symbols"]
    )
    """Character classes the user pool's password policy must require."""
    service_roles: list[str] = Field(default_factory=list)
    """IAM roles (names or ARNs) checked for administrator grants besides the EKS cluster's and node
    groups'."""
    app_log_groups: list[str] = Field(
        default_factory=lambda: ["/aws/containerinsights/autolytiq-prod/application"]
    )
    """The application's CloudWatch log groups, searched for error lines after go-live."""

    def boto3_session(self) -> Any:  # a boto3.session.Session (boto3 is imported only here)
        """A boto3 Session from these keys (empty keys: boto3's own conventions); boto3 is imported
        here."""
        import boto3
        import botocore.session

        from .aws_models import use_machine_models

        core = botocore.session.Session()
        use_machine_models(core)
        for variable, path in (
            ("config_file", self.config_file),
            ("credentials_file", self.credentials_file),
        ):
            if path:
                core.set_config_variable(variable, os.path.expanduser(path))
        return boto3.session.Session(
            botocore_session=core,
            profile_name=self.profile or None,
            region_name=self.region or None,
        )


class HttpSettings(ProfileSection):
    ca_bundle: str = ""
    """PEM file of extra CAs to trust; empty: the system trust store. Verification is never off."""
    api_url: str = "https://api.autolytiq.com"
    """The public API: security headers, CORS, error pages."""
    health_urls: dict[str, str] = Field(default_factory=dict)
    """service -> health URL; a service missing here is checked through the API server's service
    proxy."""
    health_port: int = 8080
    health_path: str = "/health"
    status_page_url: str = "https://status.autolytiq.com"
    allowed_origins: list[str] = Field(default_factory=lambda: ["https://app.autolytiq.com"])
    """Origins (the production front ends) that CORS must allow, on a GET and on a preflight."""
    public_api: bool = False
    """True for an API meant to be called from any site: `Allow-Origin: *` (without credentials) is
    then fine."""
    api_prefixes: list[str] = Field(default_factory=lambda: ["/", "/api/", "/v1/"])
    """Route prefixes of the API: error pages are provoked under each, CORS is asked under each but
    `/`."""
    tls_endpoints: list[str] = Field(default_factory=list)
    """host:port of the public TLS endpoints (certificates and protocols); empty: each domain on
    port 443."""
    openapi_url: str = ""
    """The published OpenAPI document (a route of the application, not on the platform); empty: its
    rows are skipped."""
    session_url: str = ""
    """The page that sets the session cookies (the login page); empty: the Session Management row is
    skipped."""
    oidc_issuer: str = ""
    """The OIDC issuer URL (discovery at <issuer>/.well-known/openid-configuration); empty: the OIDC
    probe is skipped."""
    runbook_urls: list[str] = Field(default_factory=list)
    """The team's runbook pages (wiki, repository); each must answer without a login; empty: the
    runbook probe is skipped."""


DEFAULT_SERIES = {
    "gateway": 'service="api-gateway"',
    "login": 'service="auth-service",route="/login"',
    "create_deal": 'service="deal-service",route="/deals",method="POST"',
    "search": 'service="customer-service",route="/customers/search"',
    "tax": 'service="tax-engine",route="/calculate"',
}
"""The seed's service benchmarks as label matchers; a team's profile overrides any of them."""


class PrometheusSettings(ProfileSection):
    url: str = "http://localhost:9090"
    """Prometheus HTTP API (a port-forward, a service-proxy URL, or an ingress)."""
    alertmanager_url: str = "http://localhost:9093"
    selector: str = ""
    """PromQL label matchers every benchmark query gets (`$selector`); empty:
    `namespace="<target.namespace>"`."""
    series: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SERIES))
    """Benchmark name -> label matchers of its series (`$login` in a query = selector + these), e.g.
    `login = 'app="identity",handler="/v2/sessions"'`; names not given keep the defaults."""

    @field_validator("series")
    @classmethod
    def _keep_defaults(cls, value: dict[str, str]) -> dict[str, str]:
        return {**DEFAULT_SERIES, **value}


class PagerDutySettings(ProfileSection):
    events_url: str = "https://events.pagerduty.com/v2/enqueue"
    routing_key_secret: str = "pagerduty-routing-key"
    """Name of the secret (OS keyring, or $GOLIVE_SECRET_<NAME>) holding the routing key."""
    api_url: str = "https://api.pagerduty.com"
    """PagerDuty's REST API (read with GETs only: schedules, escalation policies, on-calls)."""
    api_token_secret: str = "pagerduty-api-token"
    """Name of the secret holding a read-only REST API token; unset: the on-call probes are
    skipped."""
    service_name: str = "autolytiq-prod"
    """The PagerDuty service the production's alerts open incidents on."""
    oncall_window_hours: float = Field(default=72.0, gt=0)
    """The go-live window the schedules must cover without a gap, from now."""


class GrafanaSettings(ProfileSection):
    url: str = "https://grafana.autolytiq.com"
    token_secret: str = "grafana-token"
    """Name of the secret holding a Grafana service-account token (Viewer); unset: the dashboard
    probe is skipped."""


class TracingSettings(ProfileSection):
    """Where traces are asked for (issue 29: traces arrived from each service lately)."""

    backend: Literal["xray", "jaeger", ""] = "xray"
    """`xray` (the profile's [aws] account), `jaeger` (jaeger_url), or empty: not checked."""
    jaeger_url: str = ""
    """Jaeger query service (its /api/traces); empty with backend `jaeger`: skipped."""
    window_minutes: float = Field(default=15.0, gt=0, le=1440)
    """A service with no trace started and ended in this many minutes up to now is silent."""
    services: list[str] = Field(default_factory=list)
    """Names the services report traces under; empty: target.services."""


class K6Settings(ProfileSection):
    summary: str = ""
    """Path or URL of a `k6 run --summary-export` JSON file."""
    summaries: dict[str, str] = Field(default_factory=dict)
    """Per scenario (normal, high, spike, soak): path or URL of its summary; falls back to
    `summary`."""


class DepsSettings(ProfileSection):
    reports: list[str] = Field(default_factory=list)
    """Paths or URLs of dependency reports CI wrote: `npm audit --json` (v6/v7+), SARIF 2.1 or Trivy
    JSON."""


class Profile(ProfileSection):
    target: TargetSettings = Field(default_factory=TargetSettings)
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    aws: AwsSettings = Field(default_factory=AwsSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    prometheus: PrometheusSettings = Field(default_factory=PrometheusSettings)
    pagerduty: PagerDutySettings = Field(default_factory=PagerDutySettings)
    k6: K6Settings = Field(default_factory=K6Settings)
    deps: DepsSettings = Field(default_factory=DepsSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    signoff: SignoffSettings = Field(default_factory=SignoffSettings)
    grafana: GrafanaSettings = Field(default_factory=GrafanaSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    source: str = Field(default="(built-in defaults)", exclude=True)
    """Where this profile was read from (not a TOML key)."""


# --- loading -------------------------------------------------------------------------------
import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from pydantic import ValidationError  # noqa: E402

from .errors import GoliveError, LoadError  # noqa: E402
from .tomlfile import parse_toml, read_toml, validation_error  # noqa: E402

PROFILE_ENV = "GOLIVE_PROFILE"


def default_profile_path() -> Path | None:
    """`$GOLIVE_PROFILE`, else ./golive-profile.toml, else the user config dir's profile.toml."""
    env = os.environ.get(PROFILE_ENV)
    if env:
        return Path(env)
    local = Path("golive-profile.toml")
    if local.exists():
        return local
    from platformdirs import user_config_path

    user = user_config_path("golive") / "profile.toml"
    return user if user.exists() else None


def parse_override(assignment: str) -> tuple[list[str], Any]:
    """`aws.region=eu-west-1` -> (["aws", "region"], "eu-west-1"); values may be TOML literals."""
    if "=" not in assignment:
        raise GoliveError(f"--set {assignment!r}: expected key=value, e.g. aws.region=eu-west-1")
    key, _, value = assignment.partition("=")
    path = [part.strip() for part in key.strip().split(".") if part.strip()]
    if not path:
        raise GoliveError(f"--set {assignment!r}: empty key")
    try:
        parsed = parse_toml("--set", f"v = {value.strip()}")["v"]
    except LoadError:
        parsed = value.strip()  # a bare word such as eu-west-1 is a string
    return path, parsed


def load_profile(
    path: Path | str | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> Profile:
    """Read the target profile (or the defaults) and apply `--set key=value` overrides."""
    raw: dict[str, Any] = {}
    text = ""
    source = "(built-in defaults)"
    resolved = Path(path) if path else default_profile_path()
    if resolved is not None:
        raw, text = read_toml(resolved, "profile")
        source = str(resolved)
    for assignment in overrides:
        keys, value = parse_override(assignment)
        node = raw
        for part in keys[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise GoliveError(f"--set {assignment!r}: {part} is not a table")
        node[keys[-1]] = value
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(source, text, raw, exc) from None
    profile.source = source
    return profile
