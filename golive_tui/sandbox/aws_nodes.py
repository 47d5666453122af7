"""EC2 instances behind the sandbox cluster's Nodes, so "storage encrypted" can be judged on the
volumes.

A real EKS node is an EC2 instance its Node names in `spec.providerID`
(`aws:///<zone>/<instance id>`). moto picks instance ids itself, so staging runs one
instance per Node in the Node's zone and then points the Node at it. The launch template
of a managed node group asks for encrypted volumes; whether the region's EBS default is
on is a separate knob of the account (`AccountShape.ebs_encryption`).
"""

from __future__ import annotations

from typing import Any

from .aws_moto import SandboxAccount
from .k8s_build import Obj

IMAGE_ID = "ami-12c6146b"
"""An Amazon Linux image moto knows (the EKS-optimised AMI in a real account)."""


def stage_node_instances(
    account: SandboxAccount,
    nodes: list[Obj],
    *,
    cluster_name: str,
    unencrypted: dict[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Run one instance per Node (root volume, plus a data volume) and set each Node's providerID to
    it.

    `unencrypted` maps a node name to the device left unencrypted ("/dev/xvda" root or
    "/dev/xvdb" data), the way a volume attached by hand or made before a template change
    is. Returns node name -> {"instance": id, device: volume id}. The Nodes are changed in place.
    """
    unencrypted = unencrypted or {}
    ec2 = account.client("ec2")
    key = account.client("kms").create_key(Description=f"{cluster_name} node volumes")[
        "KeyMetadata"
    ]["Arn"]
    staged: dict[str, dict[str, str]] = {}
    for node in nodes:
        name = node["metadata"]["name"]
        zone = node["metadata"]["labels"]["topology.kubernetes.io/zone"]
        devices = []
        for device, size in (("/dev/xvda", 20), ("/dev/xvdb", 100)):
            ebs: dict[str, Any] = {
                "VolumeSize": size,
                "VolumeType": "gp3",
                "DeleteOnTermination": True,
            }
            ebs.update(
                {"Encrypted": False}
                if unencrypted.get(name) == device
                else {"Encrypted": True, "KmsKeyId": key}
            )
            devices.append({"DeviceName": device, "Ebs": ebs})
        instance = ec2.run_instances(
            ImageId=IMAGE_ID,
            MinCount=1,
            MaxCount=1,
            InstanceType="m6i.xlarge",
            Placement={"AvailabilityZone": zone},
            BlockDeviceMappings=devices,
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [
                        {"Key": "Name", "Value": name},
                        {"Key": "eks:cluster-name", "Value": cluster_name},
                        {"Key": f"kubernetes.io/cluster/{cluster_name}", "Value": "owned"},
                    ],
                }
            ],
        )["Instances"][0]
        iid = instance["InstanceId"]
        node["spec"]["providerID"] = f"aws:///{zone}/{iid}"
        staged[name] = {
            "instance": iid,
            **{m["DeviceName"]: m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"]},
        }
    return staged
