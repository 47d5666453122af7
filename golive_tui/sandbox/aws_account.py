"""The sandbox AWS account: a staged production built through real boto3 calls against moto.

`healthy_account()` builds what the go-live checklist expects (Aurora with 35-day backups
in two AZs, EKS, ACM, an ALB behind WAF, Shield Advanced, CloudTrail, log retention, tight
security groups, RDS metrics); `degraded_account()` builds the same estate with the
mistakes the checklist exists to catch. Both are `build_account(account, shape)` with an
`AccountShape`; the demo composes its own with `dataclasses.replace(HEALTHY, ...)`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .aws_moto import MotoServer, SandboxAccount
from .aws_platform import DEGRADED_PLATFORM, HEALTHY_PLATFORM, PlatformShape, build_platform
from .tls import SandboxCA

HEALTHY_ACCOUNT_ID = "123456789012"  # moto's default account: any unknown key lands here too
DEGRADED_ACCOUNT_ID = "210987654321"
NAME = "autolytiq-prod"
DOMAIN = "api.autolytiq.com"
INSTANCE_CLASS = "db.r6g.large"


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
    """Retention of the EKS control-plane log group (it holds the Kubernetes audit log); None: never expires."""
    cert_days: float = 90
    shield: bool = True
    waf_rules: int = 1
    """Rules in the web ACL associated with the ALB."""
    open_ssh: bool = False
    """A security group with port 22 open to 0.0.0.0/0."""
    provisioned_iops: int = 0
    """Provisioned IOPS of the Aurora cluster's storage (io1); 0: standard storage, which has none."""
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
    """Node subnets and NAT, IAM roles, logging, rate rule, DR copies, user pool (sandbox/aws_platform.py)."""


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


def healthy_account(server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-healthy") -> SandboxAccount:
    """The account as the checklist wants it (moto's default account)."""
    account = server.account(HEALTHY_ACCOUNT_ID, name)
    account.ids.update(build_account(account, HEALTHY, ca=ca))
    return account


def degraded_account(server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-degraded") -> SandboxAccount:
    """The same estate with the mistakes the checklist exists to catch (a second account)."""
    account = server.account(DEGRADED_ACCOUNT_ID, name)
    account.ids.update(build_account(account, DEGRADED, ca=ca))
    return account


SECOND_ACCOUNT_ID = "345678901234"


def second_production_account(server: MotoServer, *, ca: SandboxCA | None = None, name: str = "golive-northwind") -> SandboxAccount:
    """The second staged production's AWS account: another id, name stem, region (us-west-2) and domain.

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
    shape = replace(HEALTHY, name=TARGET_NAME, domain=SECOND_DOMAIN, eks_version=EKS_VERSION, cert_days=20, ebs_encryption=False,
                    metrics={**HEALTHY.metrics, "DatabaseConnections": 240.0, "AuroraReplicaLag": 18.0})
    account.ids.update(build_account(account, shape, ca=ca, protect_staging_instead=True))
    return account


def second_production_aws_profile(account: SandboxAccount) -> dict[str, Any]:
    """The [aws] section of the second production's profile (and target.domains, which ACM is checked for)."""
    from .k8s_second import DOMAIN as SECOND_DOMAIN
    from .k8s_second import TARGET_NAME

    return {"aws": {"profile": account.name, "region": account.region, "endpoint_url": account.endpoint_url,
                    "db_cluster_id": TARGET_NAME, "eks_cluster_name": TARGET_NAME,
                    "load_balancer_arn": account.ids["load_balancer_arn"],
                    "log_groups": [f"/aws/eks/{TARGET_NAME}/cluster", f"/aws/rds/cluster/{TARGET_NAME}/postgresql"]},
            "target": {"domains": [SECOND_DOMAIN]}}


def build_account(account: SandboxAccount, shape: AccountShape, *, ca: SandboxCA | None = None,
                  protect_staging_instead: bool = False) -> dict[str, str]:
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


def build_network(account: SandboxAccount, shape: AccountShape) -> dict[str, str]:
    """VPC, two subnets in two AZs, security groups and an internet-facing ALB."""
    name = shape.name
    ec2 = account.client("ec2")
    region = account.region
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
        for n, az in enumerate(("a", "b"), start=1)
    ]
    alb_sg = ec2.create_security_group(GroupName=f"{name}-alb", Description="public HTTPS", VpcId=vpc)["GroupId"]
    public = [{"CidrIp": "0.0.0.0/0"}]
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": public} for port in (443, 80)],
    )
    db_sg = ec2.create_security_group(GroupName=f"{name}-db", Description="Aurora from the ALB tier", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": alb_sg}]}],
    )
    if shape.open_ssh:
        bastion = ec2.create_security_group(GroupName=f"{name}-bastion", Description="debug access", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=bastion,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": public}],
        )
    elbv2 = account.client("elbv2")
    alb = elbv2.create_load_balancer(
        Name=f"{name}-alb", Subnets=subnets, SecurityGroups=[alb_sg], Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]
    return {"vpc_id": vpc, "subnet_ids": ",".join(subnets), "load_balancer_arn": alb["LoadBalancerArn"]}


def build_staging_alb(account: SandboxAccount, shape: AccountShape, network: dict[str, str]) -> str:
    """A second, internet-facing ALB named for staging in the production VPC."""
    alb = account.client("elbv2").create_load_balancer(
        Name=f"{shape.name}-staging-alb", Subnets=network["subnet_ids"].split(","), Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]
    return alb["LoadBalancerArn"]


def build_aurora(account: SandboxAccount, shape: AccountShape) -> str:
    """Aurora PostgreSQL cluster with a writer and readers in the shape's AZs, its parameter group forcing TLS or not."""
    name = shape.name
    rds = account.client("rds")
    group = f"{name}-aurora-pg15"
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=group, DBParameterGroupFamily="aurora-postgresql15",
                                          Description=f"{name} cluster parameters")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1" if shape.force_tls else "0", "ApplyMethod": "immediate"},
        {"ParameterName": "log_min_duration_statement", "ParameterValue": "500", "ApplyMethod": "immediate"}])
    encryption: dict[str, Any] = {"StorageEncrypted": shape.encrypted}
    if shape.encrypted:
        kms = account.client("kms")
        key = kms.create_key(Description="Aurora storage key")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{name}-rds", TargetKeyId=key)
        encryption["KmsKeyId"] = key
    if shape.provisioned_iops:
        encryption.update(StorageType="io1", Iops=shape.provisioned_iops)
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="autolytiq",
        MasterUserPassword="sandbox-only-password",  # moto requires one; no real database behind it
        BackupRetentionPeriod=shape.backup_retention_days,
        DBClusterParameterGroupName=group,
        **encryption,
    )["DBCluster"]
    for n, (az, pi) in enumerate(zip(shape.member_azs, shape.performance_insights, strict=True)):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{'writer' if n == 0 else f'reader-{n}'}",
            DBClusterIdentifier=name,
            DBInstanceClass=INSTANCE_CLASS,
            Engine="aurora-postgresql",
            AvailabilityZone=f"{account.region}{az}",
            EnablePerformanceInsights=pi,
        )
    return cluster["DBClusterArn"]


def build_eks(account: SandboxAccount, network: dict[str, str], shape: AccountShape) -> str:
    """The EKS cluster, at the version the sandbox Kubernetes API reports, Secrets envelope-encrypted or not."""
    extra: dict[str, Any] = {}
    if shape.secrets_encryption:
        key = account.client("kms").create_key(Description=f"{shape.name} EKS secrets")["KeyMetadata"]["Arn"]
        extra["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": key}}]
    cluster = account.client("eks").create_cluster(
        name=shape.name,
        version=shape.eks_version,
        roleArn=f"arn:aws:iam::{account.account_id}:role/{shape.name}-eks",
        resourcesVpcConfig={"subnetIds": network["subnet_ids"].split(",")},
        **extra,
    )["cluster"]
    return cluster["arn"]


def build_certificate(account: SandboxAccount, shape: AccountShape, ca: SandboxCA) -> str:
    """Import a certificate for the API domain that expires in `shape.cert_days`."""
    chain, key = ca.issue_pem(shape.domain, days=shape.cert_days)
    leaf = chain.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
    acm = account.client("acm")
    return acm.import_certificate(Certificate=leaf, PrivateKey=key, CertificateChain=ca.ca.cert_pem.bytes())["CertificateArn"]


def build_waf(account: SandboxAccount, shape: AccountShape, load_balancer_arn: str) -> str:
    """A REGIONAL web ACL with `shape.waf_rules` managed rule groups, associated with the ALB."""
    name = shape.name
    waf = account.client("wafv2")

    def visibility(name: str) -> dict[str, Any]:
        return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}

    managed = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"]
    rules = [
        {
            "Name": rule,
            "Priority": n,
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": rule}},
            "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility(rule),
        }
        for n, rule in enumerate(managed[: shape.waf_rules])
    ]
    acl = waf.create_web_acl(
        Name=f"{name}-waf",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=rules,
        VisibilityConfig=visibility(f"{name}-waf"),
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=load_balancer_arn)
    return acl["ARN"]


def build_shield(account: SandboxAccount, shape: AccountShape, load_balancer_arn: str) -> None:
    """Shield Advanced subscription protecting the ALB (or none at all)."""
    if shape.shield:
        shield = account.client("shield", region="us-east-1")
        shield.create_subscription()
        shield.create_protection(Name=f"{shape.name}-alb", ResourceArn=load_balancer_arn)


def build_cloudtrail(account: SandboxAccount, shape: AccountShape) -> str:
    """A multi-region trail with log file validation, logging or stopped."""
    name = shape.name
    bucket = f"{name}-cloudtrail-{account.account_id}"
    account.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    trail = account.client("cloudtrail")
    arn = trail.create_trail(Name=f"{name}-audit", S3BucketName=bucket, IsMultiRegionTrail=True, EnableLogFileValidation=True)[
        "TrailARN"
    ]
    if shape.trail_logging:
        trail.start_logging(Name=arn)
    return arn


def build_log_groups(account: SandboxAccount, shape: AccountShape) -> None:
    logs = account.client("logs")
    groups = {f"/aws/eks/{shape.name}/cluster": shape.log_retention_days, f"/aws/rds/cluster/{shape.name}/postgresql": 30}
    for group, days in groups.items():
        logs.create_log_group(logGroupName=group)
        if days:
            logs.put_retention_policy(logGroupName=group, retentionInDays=days)


def put_rds_metrics(account: SandboxAccount, shape: AccountShape, *, past_minutes: int = 20, future_minutes: int = 120) -> None:
    """One datapoint a minute per RDS metric, from `past_minutes` ago to `future_minutes` ahead.

    The future points stand in for a live metric stream: a probe querying "the last 15
    minutes" an hour after the sandbox started still finds data. Call again to extend.
    """
    cloudwatch = account.client("cloudwatch")
    units = {
        "DatabaseConnections": "Count",
        "AuroraReplicaLag": "Milliseconds",
        "ReadLatency": "Seconds",
        "WriteLatency": "Seconds",
        "ReadIOPS": "Count/Second",
        "WriteIOPS": "Count/Second",
    }
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": shape.name}],
            "Timestamp": now + dt.timedelta(minutes=minute),
            "Value": value,
            "Unit": units[metric],
        }
        for metric, value in shape.metrics.items()
        for minute in range(-past_minutes, future_minutes + 1)
    ]
    for start in range(0, len(data), 1000):  # PutMetricData takes at most 1000 entries a call
        cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=data[start : start + 1000])


# The degraded account also misses the platform around the cluster (aws_network / aws_identity probes).
DEGRADED = dataclasses.replace(DEGRADED, platform=DEGRADED_PLATFORM)
