"""The EKS cluster's VPC as AWS routes it: the node subnets, and each subnet's route table.

The node subnets are those of the cluster's managed node groups (DescribeNodegroup), else the
cluster's own subnets; a subnet's route table is its explicit association, else the VPC's main
table. Shared by the NAT and segmentation probes (aws_network); every call is a Describe/List.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .aws_client import at_once, client, describe_eks_cluster, paginate
from .base import ProbeContext


def node_subnets(ctx: ProbeContext) -> tuple[str, dict[str, Any], list[str], str]:
    """(cluster name, cluster, node subnet ids, where they came from); cluster {} when it does not
    exist."""
    name, cluster = describe_eks_cluster(ctx)
    if cluster is None:
        return name, {}, [], ""
    groups = node_groups(ctx, name)
    subnets: list[str] = []
    for _, group in groups:
        for subnet in group.get("subnets", []):
            if subnet not in subnets:
                subnets.append(subnet)
    if subnets:
        return name, cluster, subnets, f"node groups {', '.join(g for g, _ in groups)}"
    return (
        name,
        cluster,
        list((cluster.get("resourcesVpcConfig") or {}).get("subnetIds", [])),
        "the cluster's subnets",
    )


def node_groups(ctx: ProbeContext, cluster: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, DescribeNodegroup's nodegroup) of every managed node group of the cluster, described
    at once."""
    eks = client(ctx, "eks")
    groups = paginate(ctx, "eks", "list_nodegroups", "nodegroups", clusterName=cluster)
    described = at_once(
        ctx,
        *(
            lambda g=group: eks.describe_nodegroup(clusterName=cluster, nodegroupName=g)
            for group in groups
        ),
    )
    return [(group, get()["nodegroup"]) for group, get in zip(groups, described, strict=True)]


def cluster_vpc(ctx: ProbeContext, cluster: dict[str, Any], subnets: list[str]) -> str:
    """The cluster's VPC: DescribeCluster's vpcId, else (moto omits it) the VPC of its first node
    subnet."""
    vpc = (cluster.get("resourcesVpcConfig") or {}).get("vpcId")
    if vpc or not subnets:
        return vpc or "?"
    found = client(ctx, "ec2").describe_subnets(SubnetIds=subnets[:1]).get("Subnets", [])
    return found[0].get("VpcId", "?") if found else "?"


class Routing:
    """The subnets and route tables of one VPC: which table routes a subnet, and where its default
    route goes."""

    def __init__(self, subnets: list[dict[str, Any]], tables: list[dict[str, Any]]) -> None:
        self.subnets = {s["SubnetId"]: s for s in subnets}
        self.tables = tables
        self.main = next(
            (t for t in self.tables if any(a.get("Main") for a in t.get("Associations", []))), None
        )

    @classmethod
    def read(
        cls, ctx: ProbeContext, vpc: str, *more: Callable[[], Any]
    ) -> tuple[Routing, list[Callable[[], Any]]]:
        """The VPC's subnets and route tables, read at once with the probe's other independent
        reads (`more`, whose getters come back in order): one round trip where there were three."""
        flt = [{"Name": "vpc-id", "Values": [vpc]}]
        subnets, tables, *rest = at_once(
            ctx,
            lambda: paginate(ctx, "ec2", "describe_subnets", "Subnets", Filters=flt),
            lambda: paginate(ctx, "ec2", "describe_route_tables", "RouteTables", Filters=flt),
            *more,
        )
        return cls(subnets(), tables()), rest

    def table_of(self, subnet: str) -> tuple[dict[str, Any] | None, str]:
        """The subnet's route table and how it applies (explicit association or the VPC's main
        table)."""
        for table in self.tables:
            if any(a.get("SubnetId") == subnet for a in table.get("Associations", [])):
                return table, "explicit"
        return self.main, "main"

    def az(self, subnet: str) -> str:
        zone: str = self.subnets.get(subnet, {}).get("AvailabilityZone", "?")
        return zone

    @staticmethod
    def default_route(table: dict[str, Any] | None) -> dict[str, Any] | None:
        return next(
            (
                r
                for r in (table or {}).get("Routes", [])
                if r.get("DestinationCidrBlock") == "0.0.0.0/0"
                and r.get("State", "active") == "active"
            ),
            None,
        )

    @staticmethod
    def internet_routes(table: dict[str, Any] | None) -> list[str]:
        """Routes of a table through an internet gateway (any destination), as `dest -> igw-…`."""
        return [
            f"{r.get('DestinationCidrBlock') or r.get('DestinationIpv6CidrBlock', '?')} -> "
            f"{r['GatewayId']}"
            for r in (table or {}).get("Routes", [])
            if str(r.get("GatewayId", "")).startswith("igw-")
        ]


def label(table: dict[str, Any] | None, how: str) -> str:
    """`rtb-… (name), explicitly associated` or `…, the main table`: a route table in evidence."""
    if table is None:
        return "no route table"
    name = next((t["Value"] for t in table.get("Tags", []) if t.get("Key") == "Name"), "")
    return (
        f"{table['RouteTableId']}{f' ({name})' if name else ''}, "
        f"{'explicitly associated' if how == 'explicit' else 'the main table'}"
    )
