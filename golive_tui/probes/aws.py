"""AWS probes (boto3): the EKS cluster here; Aurora in aws_rds*, the edge in aws_edge, audit in
aws_security.

Importing this module registers every `aws.*` kind. The shared session, client cache and
error wording live in aws_client.
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers their kinds)
    aws_edge,
    aws_iam,
    aws_identity,
    aws_network,
    aws_rds,
    aws_rds_crypto,
    aws_rds_metrics,
    aws_security,
)
from .aws_client import aws_probe, describe_eks_cluster, session
from .base import NoParams, ProbeContext, ProbeResult, failed, passed


@aws_probe("aws.eks-cluster", NoParams, services=["eks"])
def eks_cluster(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The EKS cluster exists and is ACTIVE."""
    name, cluster = describe_eks_cluster(ctx)
    if cluster is None:
        return failed(
            f"EKS cluster {name} not found",
            f"DescribeCluster {name} in {session(ctx).where()}: not found",
        )
    status = cluster.get("status", "?")
    evidence = "\n".join(
        [
            f"EKS cluster {name} ({session(ctx).where()})",
            f"  status: {status}",
            f"  Kubernetes version: {cluster.get('version', '?')} (platform "
            f"{cluster.get('platformVersion', '?')})",
            f"  endpoint: {cluster.get('endpoint', '?')}",
            f"  ARN: {cluster.get('arn', '?')}",
        ]
    )
    if status != "ACTIVE":
        return failed(f"EKS cluster {name} is {status}, not ACTIVE", evidence)
    return passed(f"EKS cluster {name} ACTIVE (Kubernetes {cluster.get('version', '?')})", evidence)


@aws_probe("aws.eks-secrets-encryption", NoParams, services=["eks"])
def eks_secrets_encryption(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Kubernetes Secrets of the EKS cluster are envelope-encrypted with a KMS key
    (encryptionConfig)."""
    name, cluster = describe_eks_cluster(ctx)
    if cluster is None:
        return failed(
            f"EKS cluster {name} not found",
            f"DescribeCluster {name} in {session(ctx).where()}: not found",
        )
    configs = cluster.get("encryptionConfig") or []
    keys = [
        c.get("provider", {}).get("keyArn", "?")
        for c in configs
        if "secrets" in (c.get("resources") or [])
    ]
    evidence = f"EKS cluster {name} ({session(ctx).where()}) encryptionConfig: " + (
        "; ".join(f"secrets with {key}" for key in keys)
        if keys
        else "none (Secrets only base64 in etcd, under AWS's disk encryption)"
    )
    if not keys:
        return failed(f"EKS cluster {name} does not envelope-encrypt Kubernetes Secrets", evidence)
    return passed(
        f"EKS cluster {name} encrypts Kubernetes Secrets with KMS key {keys[0].rsplit('/', 1)[-1]}",
        evidence,
    )
