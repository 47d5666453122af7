"""The sandbox AWS account: a staged production built through real boto3 calls against moto.

`healthy_account()` builds what the go-live checklist expects (Aurora with 35-day backups
in two AZs, EKS, ACM, an ALB behind WAF, Shield Advanced, CloudTrail, log retention, tight
security groups, RDS metrics); `degraded_account()` builds the same estate with the
mistakes the checklist exists to catch. Both are `build_account(account, shape)` with an
`AccountShape`; the demo composes its own with `dataclasses.replace(HEALTHY, ...)`.

This module holds the shapes and assembles the estate; each part of it (network, Aurora,
EKS, ACM, WAF, Shield, CloudTrail, logs, metrics) is built in `aws_estate`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .aws_estate import (
    build_aurora,
    build_certificate,
    build_cloudtrail,
    build_eks,
    build_log_groups,
    build_network,
    build_shield,
    build_staging_alb,
    build_waf,
    put_rds_metrics,
)
from .aws_moto import MotoServer, SandboxAccount
from .aws_platform import DEGRADED_PLATFORM, HEALTHY_PLATFORM, PlatformShape, build_platform
from .tls import SandboxCA

HEALTHY_ACCOUNT_ID = "123456789012"  # moto's default account: any unknown key lands here too
DEGRADED_ACCOUNT_ID = "210987654321"
NAME = "autolytiq-prod"
DOMAIN = "api.autolytiq.com"


@dataclass(frozen=True)
class AccountShape:
    """Every knob the healthy, degraded and second-production accounts differ by."""

    name: str = NAME
    """Aurora cluster, EKS cluster, ALB, trail and log-group stem."""
    domain: str = DOMAIN
    eks_version: str = "1.32"
    """What DescribeCluster reports: the sandbox Kubernetes API's /version says v1.32.3."""
    force_tls: bool = True
    """The Aurora cluster parameter group sets rds.force_ssl = 1."""
    ebs_encryption: bool = True
    """EBS encryption by default in the region (the node volumes)."""
    secrets_encryption: bool = True
    """EKS envelope-encrypts Kubernetes Secrets with a KMS key."""
    backup_retention_days: int = 35
    encrypted: bool = True
    member_azs: tuple[str, ...] = ("a", "b")
    """AZ suffixes of the writer, then the readers."""
    performance_insights: tuple[bool, ...] = (True, True)
    """Per member, same order as member_azs."""
    trail_logging: bool = True
    log_retention_days: int | None = 365
    """Retention of the EKS control-plane log group (it holds the Kubernetes audit log); None: never
    expires."""
    cert_days: float = 90
    shield: bool = True
    waf_rules: int = 1
    """Rules in the web ACL associated with the ALB."""
    open_ssh: bool = False
    """A security group with port 22 open to 0.0.0.0/0."""
    provisioned_iops: int = 0
    """Provisioned IOPS of the Aurora cluster's storage (io1); 0: standard storage, which has
    none."""
    metrics: dict[str, float] = field(
        default_factory=lambda: {
            "DatabaseConnections": 180.0,  # of 1802 for db.r6g.large: ~10%
            "AuroraReplicaLag": 12.0,  # ms
            "ReadLatency": 0.004,  # seconds, as CloudWatch reports them
            "WriteLatency": 0.009,
            "ReadIOPS": 900.0,
            "WriteIOPS": 600.0,
        }
    )
    platform: PlatformShape = HEALTHY_PLATFORM
    """Node subnets and NAT, IAM roles, logging, rate rule, DR copies, user pool
    (sandbox/aws_platform.py)."""


HEALTHY = AccountShape()
DEGRADED = AccountShape(
    backup_retention_days=7,
    encrypted=False,
    member_azs=("a", "a"),
    performance_insights=(True, False),
    trail_logging=False,
    log_retention_days=None,
    cert_days=20,
    shield=False,
    waf_rules=0,
    open_ssh=True,
    force_tls=False,
    ebs_encryption=False,
    secrets_encryption=False,
    metrics={**HEALTHY.metrics, "AuroraReplicaLag": 150.0, "DatabaseConnections": 1500.0},
)


def healthy_account(
    server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-healthy"
) -> SandboxAccount:
    """The account as the checklist wants it (moto's default account)."""
    account = server.account(HEALTHY_ACCOUNT_ID, name)
    account.ids.update(build_account(account, HEALTHY, ca=ca))
    return account


def degraded_account(
    server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-degraded"
) -> SandboxAccount:
    """The same estate with the mistakes the checklist exists to catch (a second account)."""
    account = server.account(DEGRADED_ACCOUNT_ID, name)
    account.ids.update(build_account(account, DEGRADED, ca=ca))
    return account


SECOND_ACCOUNT_ID = "345678901234"


def second_production_account(
    server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-northwind"
) -> SandboxAccount:
    """The second staged production's AWS account: another id, name stem, region (us-west-2) and
    domain.

    Its defects, and the checklist row each must fail:

    - **ACM certificate expiring in 20 days** for the API domain (TLS otherwise fine):
      go-live.infrastructure.ssl-certificates (`aws.acm-certificates`) fails naming the
      domain and "20 days".
    - **EBS encryption by default off** while the Aurora storage is encrypted: no defect by
      itself (the node volumes' launch template encrypts them). The defect is one node's data
      volume attached unencrypted (staged by second_production with `aws_nodes`):
      security.data.encryption-at-rest ("Database, storage encrypted": `aws.rds-encryption`
      with include_ebs) fails naming the node and the volume; go-live.database.encryption
      ("Encryption at rest enabled", the cluster alone) passes. A probe reading
      StorageEncrypted for both rows would pass the first wrongly; one reading the EBS default
      would fail it for the wrong reason (and pass it with the default on).
    - **WAF on the wrong load balancer**: the web ACL (with rules) protects the staging ALB,
      not the production one. security.infrastructure.waf (`aws.wafv2`) fails naming the
      production ALB; `aws wafv2 list-web-acls` (the seed's runbook) shows an ACL and passes.

    Everything else is healthy: EKS ACTIVE at 1.31 (what the cluster's /version says),
    Aurora available across 2 AZs with 35-day backups, TLS forced by its parameter group,
    Shield, CloudTrail, log retention, tight security groups and RDS metrics.
    """
    from dataclasses import replace

    from .k8s_second import DOMAIN as SECOND_DOMAIN
    from .k8s_second import EKS_VERSION, REGION, TARGET_NAME

    account = server.account(SECOND_ACCOUNT_ID, name, region=REGION)
    shape = replace(
        HEALTHY,
        name=TARGET_NAME,
        domain=SECOND_DOMAIN,
        eks_version=EKS_VERSION,
        cert_days=20,
        ebs_encryption=False,
        metrics={**HEALTHY.metrics, "DatabaseConnections": 240.0, "AuroraReplicaLag": 18.0},
    )
    account.ids.update(build_account(account, shape, ca=ca, protect_staging_instead=True))
    return account


def second_production_aws_profile(account: SandboxAccount) -> dict[str, Any]:
    """The [aws] section of the second production's profile (and target.domains, which ACM is
    checked for)."""
    from .k8s_second import DOMAIN as SECOND_DOMAIN
    from .k8s_second import TARGET_NAME

    return {
        "aws": {
            "profile": account.name,
            "region": account.region,
            "endpoint_url": account.endpoint_url,
            "db_cluster_id": TARGET_NAME,
            "eks_cluster_name": TARGET_NAME,
            "load_balancer_arn": account.ids["load_balancer_arn"],
            "log_groups": [
                f"/aws/eks/{TARGET_NAME}/cluster",
                f"/aws/rds/cluster/{TARGET_NAME}/postgresql",
            ],
        },
        "target": {"domains": [SECOND_DOMAIN]},
    }


def build_account(
    account: SandboxAccount,
    shape: AccountShape,
    *,
    ca: SandboxCA | None = None,
    protect_staging_instead: bool = False,
) -> dict[str, str]:
    """Create the whole estate in `account`; returns the ids/ARNs the probes look for."""
    network = build_network(account, shape)
    ids = {**network}
    ids["db_cluster_arn"] = build_aurora(account, shape)
    ids["eks_cluster_arn"] = build_eks(account, network, shape)
    if shape.ebs_encryption:
        account.client("ec2").enable_ebs_encryption_by_default()
    ids["certificate_arn"] = build_certificate(account, shape, ca or SandboxCA.in_tempdir())
    protected = network["load_balancer_arn"]
    if protect_staging_instead:  # the trap: an ACL with rules exists, on another ALB
        protected = ids["staging_load_balancer_arn"] = build_staging_alb(account, shape, network)
    ids["web_acl_arn"] = build_waf(account, shape, protected)
    build_shield(account, shape, network["load_balancer_arn"])
    ids["trail_arn"] = build_cloudtrail(account, shape)
    build_log_groups(account, shape)
    put_rds_metrics(account, shape)
    ids.update(build_platform(account, shape.name, ids, shape.platform))
    return ids


# The degraded account also misses the platform around the cluster (aws_network / aws_identity
# probes).
DEGRADED = dataclasses.replace(DEGRADED, platform=DEGRADED_PLATFORM)
