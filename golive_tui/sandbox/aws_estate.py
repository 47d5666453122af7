"""The parts of the sandbox AWS account, one builder per service: the network and ALBs,
Aurora, EKS, the ACM certificate, WAF, Shield, CloudTrail, log groups and RDS metrics.

Each takes the `AccountShape` (`aws_account`) that says how right or wrong to build it, and
creates it through real boto3 calls against moto; `aws_account.build_account` calls them in order.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from .aws_moto import SandboxAccount
from .tls import SandboxCA

if TYPE_CHECKING:
    from .aws_account import AccountShape

INSTANCE_CLASS = "db.r6g.large"


def build_network(account: SandboxAccount, shape: AccountShape) -> dict[str, str]:
    """VPC, two subnets in two AZs, security groups and an internet-facing ALB."""
    name = shape.name
    ec2 = account.client("ec2")
    region = account.region
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{region}{az}")[
            "Subnet"
        ]["SubnetId"]
        for n, az in enumerate(("a", "b"), start=1)
    ]
    alb_sg = ec2.create_security_group(
        GroupName=f"{name}-alb", Description="public HTTPS", VpcId=vpc
    )["GroupId"]
    public = [{"CidrIp": "0.0.0.0/0"}]
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": public}
            for port in (443, 80)
        ],
    )
    db_sg = ec2.create_security_group(
        GroupName=f"{name}-db", Description="Aurora from the ALB tier", VpcId=vpc
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": alb_sg}],
            }
        ],
    )
    if shape.open_ssh:
        bastion = ec2.create_security_group(
            GroupName=f"{name}-bastion", Description="debug access", VpcId=vpc
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=bastion,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": public}],
        )
    elbv2 = account.client("elbv2")
    alb = elbv2.create_load_balancer(
        Name=f"{name}-alb",
        Subnets=subnets,
        SecurityGroups=[alb_sg],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    return {
        "vpc_id": vpc,
        "subnet_ids": ",".join(subnets),
        "load_balancer_arn": alb["LoadBalancerArn"],
    }


def build_staging_alb(account: SandboxAccount, shape: AccountShape, network: dict[str, str]) -> str:
    """A second, internet-facing ALB named for staging in the production VPC."""
    alb = account.client("elbv2").create_load_balancer(
        Name=f"{shape.name}-staging-alb",
        Subnets=network["subnet_ids"].split(","),
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    return cast(str, alb["LoadBalancerArn"])  # ARNs in AWS responses are strings


def build_aurora(account: SandboxAccount, shape: AccountShape) -> str:
    """Aurora PostgreSQL cluster with a writer and readers in the shape's AZs, its parameter group
    forcing TLS or not."""
    name = shape.name
    rds = account.client("rds")
    group = f"{name}-aurora-pg15"
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        DBParameterGroupFamily="aurora-postgresql15",
        Description=f"{name} cluster parameters",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[
            {
                "ParameterName": "rds.force_ssl",
                "ParameterValue": "1" if shape.force_tls else "0",
                "ApplyMethod": "immediate",
            },
            {
                "ParameterName": "log_min_duration_statement",
                "ParameterValue": "500",
                "ApplyMethod": "immediate",
            },
        ],
    )
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
    return cast(str, cluster["DBClusterArn"])  # ARNs in AWS responses are strings


def build_eks(account: SandboxAccount, network: dict[str, str], shape: AccountShape) -> str:
    """The EKS cluster, at the version the sandbox Kubernetes API reports, Secrets
    envelope-encrypted or not."""
    extra: dict[str, Any] = {}
    if shape.secrets_encryption:
        key = account.client("kms").create_key(Description=f"{shape.name} EKS secrets")[
            "KeyMetadata"
        ]["Arn"]
        extra["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": key}}]
    cluster = account.client("eks").create_cluster(
        name=shape.name,
        version=shape.eks_version,
        roleArn=f"arn:aws:iam::{account.account_id}:role/{shape.name}-eks",
        resourcesVpcConfig={"subnetIds": network["subnet_ids"].split(",")},
        **extra,
    )["cluster"]
    return cast(str, cluster["arn"])  # ARNs in AWS responses are strings


def build_certificate(account: SandboxAccount, shape: AccountShape, ca: SandboxCA) -> str:
    """Import a certificate for the API domain that expires in `shape.cert_days`."""
    chain, key = ca.issue_pem(shape.domain, days=shape.cert_days)
    leaf = chain.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
    acm = account.client("acm")
    arn = acm.import_certificate(
        Certificate=leaf, PrivateKey=key, CertificateChain=ca.ca.cert_pem.bytes()
    )["CertificateArn"]
    return cast(str, arn)  # ARNs in AWS responses are strings


def build_waf(account: SandboxAccount, shape: AccountShape, load_balancer_arn: str) -> str:
    """A REGIONAL web ACL with `shape.waf_rules` managed rule groups, associated with the ALB."""
    name = shape.name
    waf = account.client("wafv2")

    def visibility(name: str) -> dict[str, Any]:
        return {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
        }

    managed = [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    ]
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
    return cast(str, acl["ARN"])  # ARNs in AWS responses are strings


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
    account.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    trail = account.client("cloudtrail")
    arn = trail.create_trail(
        Name=f"{name}-audit",
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )["TrailARN"]
    if shape.trail_logging:
        trail.start_logging(Name=arn)
    return cast(str, arn)  # ARNs in AWS responses are strings


def build_log_groups(account: SandboxAccount, shape: AccountShape) -> None:
    logs = account.client("logs")
    groups = {
        f"/aws/eks/{shape.name}/cluster": shape.log_retention_days,
        f"/aws/rds/cluster/{shape.name}/postgresql": 30,
    }
    for group, days in groups.items():
        logs.create_log_group(logGroupName=group)
        if days:
            logs.put_retention_policy(logGroupName=group, retentionInDays=days)


def put_rds_metrics(
    account: SandboxAccount,
    shape: AccountShape,
    *,
    past_minutes: int = 20,
    future_minutes: int = 120,
) -> None:
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
