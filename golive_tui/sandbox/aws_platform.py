"""The platform around the sandbox's EKS and Aurora: private node subnets and NAT, the node group,
IAM roles, ALB access logs, control-plane logging, a WAF rate rule, a Cognito user pool and DR
copies.

`build_platform(account, shape, ids)` stages it after `build_account` built the rest, through
real boto3 calls against moto. A `PlatformShape` has three staged forms: HEALTHY_PLATFORM
passes every probe of aws_network / aws_identity; DEGRADED_PLATFORM fails each plainly;
TRAPS_PLATFORM fails each in the way a plausible but wrong probe would pass (one NAT gateway
serving every AZ, a node subnet routed to the internet by an explicit association while the
VPC's main table is private, connection logs instead of access logs, the control plane
logging everything but api and audit, administrator rights in a managed policy whose
Statement is one object, a rate rule that only counts, backups only in the primary region,
a long password with no digits or symbols, MFA on an older pool named like the production's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .aws_moto import SandboxAccount

DR_REGION = "eu-central-1"
"""Where the healthy production copies its Aurora snapshots (a region other than every account's
own)."""
ALL_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
USER_POOL_SUFFIX = "-users"


@dataclass(frozen=True)
class PlatformShape:
    nat: str = "per-az"
    """per-az: one NAT gateway in each node AZ; single: one in the first AZ for all; none."""
    node_subnet_igw: bool = False
    """The last node subnet explicitly associated with the public route table (the main table stays
    private)."""
    db_public: bool = False
    """The Aurora reader is PubliclyAccessible."""
    alb_logs: str = "access"
    """access: access_logs.s3.enabled; connection: only connection_logs.s3.enabled; none."""
    eks_log_types: tuple[str, ...] = ALL_LOG_TYPES
    """Control-plane log types enabled (the others are listed as disabled)."""
    node_admin: str = ""
    """'' : least privilege; inline: an inline Allow */* on the node role; managed: a managed one,
    Statement an object."""
    rate_rule: str = "Block"
    """The web ACL's rate-based rule action: Block, Count, or '' for none."""
    dr: str = "copy"
    """copy: a snapshot copied to DR_REGION; primary-only: a recent snapshot in the primary region
    only; none."""
    password: tuple[int, bool] = (14, True)
    """(MinimumLength, whether numbers and symbols are required)."""
    mfa: str = "OPTIONAL"
    """The production pool's MfaConfiguration (OPTIONAL / ON with TOTP, or OFF)."""
    older_pool_with_mfa: bool = False
    """An older pool named `<name>-users-v1` with MFA ON, listed before the production's."""
    log_errors: str = "none"
    """Errors in the application's log group over the last hour: none; plain (`ERROR …` lines); json
    (`"level":"error"`)."""


HEALTHY_PLATFORM = PlatformShape()
DEGRADED_PLATFORM = PlatformShape(
    nat="none",
    db_public=True,
    alb_logs="none",
    eks_log_types=(),
    node_admin="inline",
    rate_rule="",
    dr="none",
    password=(8, False),
    mfa="OFF",
    log_errors="plain",
)
TRAPS_PLATFORM = PlatformShape(
    nat="single",
    node_subnet_igw=True,
    alb_logs="connection",
    eks_log_types=("authenticator", "controllerManager", "scheduler"),
    node_admin="managed",
    rate_rule="Count",
    dr="primary-only",
    password=(16, False),
    mfa="OFF",
    older_pool_with_mfa=True,
    log_errors="json",
)


def build_platform(
    account: SandboxAccount, name: str, ids: dict[str, str], shape: PlatformShape = HEALTHY_PLATFORM
) -> dict[str, str]:
    """Stage the platform of `shape` beside what build_account made (`ids`); returns the new ids."""
    out = build_private_network(account, name, ids, shape)
    out.update(build_roles_and_nodes(account, name, out, shape))
    build_logging(account, name, ids, shape)
    build_rate_rule(account, ids, shape)
    build_dr(account, name, shape)
    out.update(build_user_pools(account, name, shape))
    build_app_logs(account, name, shape)
    if shape.db_public:
        account.client("rds").modify_db_instance(
            DBInstanceIdentifier=f"{name}-reader-1", PubliclyAccessible=True, ApplyImmediately=True
        )
    return out


def build_private_network(
    account: SandboxAccount, name: str, ids: dict[str, str], shape: PlatformShape
) -> dict[str, str]:
    """An internet gateway for the public subnets, NAT gateways, and a private node subnet per AZ
    (a, b, c)."""
    ec2 = account.client("ec2")
    region, vpc = account.region, ids["vpc_id"]
    public = ids["subnet_ids"].split(",")
    public.append(
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.3.0/24", AvailabilityZone=f"{region}c")[
            "Subnet"
        ]["SubnetId"]
    )
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    _tag(ec2, public_rt, f"{name}-public")
    for subnet in public:
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnet)
    azs = ("a", "b", "c")
    nats: dict[str, str] = {}
    for az, subnet in zip(azs, public, strict=True):
        if shape.nat == "none" or (shape.nat == "single" and az != "a"):
            continue
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nats[az] = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"][
            "NatGatewayId"
        ]
    nodes = []
    for n, az in enumerate(azs, start=1):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.20.{10 + n}.0/24", AvailabilityZone=f"{region}{az}"
        )["Subnet"]["SubnetId"]
        ec2.create_tags(
            Resources=[subnet],
            Tags=[
                {"Key": "Name", "Value": f"{name}-nodes-{az}"},
                {"Key": "kubernetes.io/role/internal-elb", "Value": "1"},
            ],
        )
        nodes.append(subnet)
        if shape.node_subnet_igw and az == azs[-1]:
            ec2.associate_route_table(
                RouteTableId=public_rt, SubnetId=subnet
            )  # the explicit association wins
            continue
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        _tag(ec2, rt, f"{name}-private-{az}")
        nat = nats.get(az) or nats.get("a")
        if nat:
            ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
    return {
        "node_subnet_ids": ",".join(nodes),
        "internet_gateway_id": igw,
        "public_route_table_id": public_rt,
        "nat_gateway_ids": ",".join(nats.values()),
    }


def _tag(ec2: Any, resource: str, name: str) -> None:
    ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def build_roles_and_nodes(
    account: SandboxAccount, name: str, network: dict[str, str], shape: PlatformShape
) -> dict[str, str]:
    """The cluster's and the nodes' IAM roles (least privilege, or an administrator grant), and the
    node group."""
    iam = account.client("iam")
    trust = _policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    roles = {}
    for role, actions in (
        (f"{name}-eks", ["ec2:Describe*", "elasticloadbalancing:*"]),
        (
            f"{name}-nodes",
            ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ec2:DescribeInstances"],
        ),
    ):
        roles[role] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        scoped = iam.create_policy(
            PolicyName=f"{role}-policy",
            PolicyDocument=_policy({"Effect": "Allow", "Action": actions, "Resource": "*"}),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role, PolicyArn=scoped)
    # A wildcard action on one resource is not administrator rights: every shape has it.
    iam.put_role_policy(
        RoleName=f"{name}-nodes",
        PolicyName="logs-bucket",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{name}-alb-logs-{account.account_id}/*",
            }
        ),
    )
    if shape.node_admin == "inline":
        iam.put_role_policy(
            RoleName=f"{name}-nodes",
            PolicyName="debug-admin",
            PolicyDocument=_policy({"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}),
        )
    elif shape.node_admin == "managed":
        document = {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
        }
        arn = iam.create_policy(
            PolicyName=f"{name}-node-debug", PolicyDocument=json.dumps(document)
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=f"{name}-nodes", PolicyArn=arn)
    account.client("eks").create_nodegroup(
        clusterName=name,
        nodegroupName=f"{name}-nodes",
        nodeRole=roles[f"{name}-nodes"],
        subnets=network["node_subnet_ids"].split(","),
        scalingConfig={"minSize": 3, "maxSize": 9, "desiredSize": 3},
    )
    return {"node_role_arn": roles[f"{name}-nodes"], "cluster_role_arn": roles[f"{name}-eks"]}


def build_logging(
    account: SandboxAccount, name: str, ids: dict[str, str], shape: PlatformShape
) -> None:
    """ALB access (or only connection) logs to S3; the EKS control-plane log types."""
    bucket = f"{name}-alb-logs-{account.account_id}"
    account.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    if shape.alb_logs != "none":
        kind = "access_logs" if shape.alb_logs == "access" else "connection_logs"
        account.client("elbv2").modify_load_balancer_attributes(
            LoadBalancerArn=ids["load_balancer_arn"],
            Attributes=[
                {"Key": f"{kind}.s3.enabled", "Value": "true"},
                {"Key": f"{kind}.s3.bucket", "Value": bucket},
            ],
        )
    enabled = list(shape.eks_log_types)
    disabled = [t for t in ALL_LOG_TYPES if t not in enabled]
    logging = [
        entry
        for entry in ({"types": enabled, "enabled": True}, {"types": disabled, "enabled": False})
        if entry["types"]
    ]
    account.client("eks").update_cluster_config(name=name, logging={"clusterLogging": logging})


def build_rate_rule(account: SandboxAccount, ids: dict[str, str], shape: PlatformShape) -> None:
    """Add a rate-based rule (Block or Count) to the web ACL build_waf made."""
    if not shape.rate_rule:
        return
    waf = account.client("wafv2")
    acl_name, acl_id = ids["web_acl_arn"].rsplit("/", 2)[
        -2:
    ]  # the ACL build_waf made (maybe on another ALB)
    current = waf.get_web_acl(Name=acl_name, Scope="REGIONAL", Id=acl_id)
    acl = current["WebACL"]
    visibility = {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "rate-per-ip",
    }
    rule = {
        "Name": "rate-per-ip",
        "Priority": len(acl["Rules"]) + 10,
        "Action": {shape.rate_rule: {}},
        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
        "VisibilityConfig": visibility,
    }
    waf.update_web_acl(
        Name=acl["Name"],
        Scope="REGIONAL",
        Id=acl["Id"],
        LockToken=current["LockToken"],
        DefaultAction=acl["DefaultAction"],
        Rules=[*acl["Rules"], rule],
        VisibilityConfig=acl["VisibilityConfig"],
    )


def build_dr(account: SandboxAccount, name: str, shape: PlatformShape) -> None:
    """A snapshot of the Aurora cluster, copied to DR_REGION (or kept in the primary region
    only)."""
    if shape.dr == "none":
        return
    snapshot = account.client("rds").create_db_cluster_snapshot(
        DBClusterIdentifier=name, DBClusterSnapshotIdentifier=f"{name}-daily"
    )["DBClusterSnapshot"]
    if shape.dr == "copy":
        account.client("rds", region=DR_REGION).copy_db_cluster_snapshot(
            SourceDBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotArn"],
            TargetDBClusterSnapshotIdentifier=f"{name}-daily-dr",
            SourceRegion=account.region,
        )


def build_user_pools(account: SandboxAccount, name: str, shape: PlatformShape) -> dict[str, str]:
    """The production's Cognito user pool (password policy, MFA), and maybe an older one named like
    it."""
    cognito = account.client("cognito-idp")
    length, strict = shape.password
    policy = {
        "MinimumLength": length,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": strict,
        "RequireSymbols": strict,
        "TemporaryPasswordValidityDays": 3,
    }
    if shape.older_pool_with_mfa:
        old = cognito.create_user_pool(
            PoolName=f"{name}{USER_POOL_SUFFIX}-v1", Policies={"PasswordPolicy": policy}
        )["UserPool"]["Id"]
        cognito.set_user_pool_mfa_config(
            UserPoolId=old, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
        )
    pool = cognito.create_user_pool(
        PoolName=f"{name}{USER_POOL_SUFFIX}", Policies={"PasswordPolicy": policy}
    )["UserPool"]["Id"]
    if shape.mfa != "OFF":
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool,
            MfaConfiguration=shape.mfa,
            SoftwareTokenMfaConfiguration={"Enabled": True},
        )
    return {"user_pool_id": pool}


MIXED_PLATFORM = PlatformShape(nat="single", alb_logs="connection", rate_rule="Count", mfa="OFF")
"""The demo's mixed production: one NAT for all AZs, connection logs only, a counting rate rule, MFA
off."""


def platform_profile(name: str) -> dict[str, Any]:
    """The [aws] keys a profile needs for the platform probes of an estate named `name`."""
    return {
        "aws": {
            "dr_region": DR_REGION,
            "user_pool_name": f"{name}{USER_POOL_SUFFIX}",
            "app_log_groups": [app_log_group(name)],
        }
    }


def app_log_group(name: str) -> str:
    """Where Container Insights' Fluent Bit sends the cluster's application logs."""
    return f"/aws/containerinsights/{name}/application"


def build_app_logs(account: SandboxAccount, name: str, shape: PlatformShape) -> None:
    """An hour of the API's log lines; healthy ones say `0 errors` (a substring count would flag
    them)."""
    import datetime as dt

    logs = account.client("logs")
    group = app_log_group(name)
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=90)
    logs.create_log_stream(logGroupName=group, logStreamName="deal-service-1")
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    lines = [
        f"INFO request completed route=/v1/deals status=200 retries=0 errors=0 n={n}"
        for n in range(40)
    ]
    bad = {
        "plain": "ERROR deal-service: database connection reset (attempt {n})",
        "json": (
            '{{"level":"error","service":"deal-service",'
            '"msg":"database connection reset","attempt":{n}}}'
        ),
    }.get(shape.log_errors)
    if bad:
        lines += [bad.format(n=n) for n in range(25)]
    events = [
        {"timestamp": now - (len(lines) - n) * 60_000, "message": line}
        for n, line in enumerate(lines)
    ]
    logs.put_log_events(logGroupName=group, logStreamName="deal-service-1", logEvents=events)
