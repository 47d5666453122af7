"""The IAM probe reads a managed policy's version document once per cockpit, and is never fooled by
it (probes/aws_iam.py).

A version of a managed policy never changes, so a cockpit keeps each document it has read and
saves a dependent round trip every sweep. The trap: keyed by ARN and version id, that memo is
fooled by a policy deleted and made again under the same name, which has the same ARN and the
same version id `v1`, with another document: an administrator grant swapped in during the call
would keep reading as the scoped policy it replaced. golive keys it by the policy's PolicyId,
which a policy made again does not keep. moto in server mode, one ClientCache for every sweep as
the cockpit keeps.
"""

from __future__ import annotations

import json

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ClientCache, Verdict


def _policy(statement: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}


SCOPED = _policy({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::autolytiq-assets/*"})
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def test_a_policy_made_again_under_its_name_is_read_anew(
    aws_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in aws_sandbox.server.env().items():
        monkeypatch.setenv(name, value)
    account = aws_sandbox.server.account("434343434343", "golive-iam-memo")
    iam = account.client("iam")
    trust = _policy({"Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}})
    iam.create_role(RoleName="deal-service", AssumeRolePolicyDocument=json.dumps(trust))

    def attach(document: dict) -> dict:
        policy = iam.create_policy(
            PolicyName="deal-service-app", PolicyDocument=json.dumps(document)
        )
        iam.attach_role_policy(RoleName="deal-service", PolicyArn=policy["Policy"]["Arn"])
        return policy["Policy"]

    first = attach(SCOPED)
    profile = account.profile(eks_cluster_name="", service_roles=["deal-service"])
    item = Item(id="iam", title="IAM", probe=[ProbeSpec(kind="aws.iam-admin-policies")])
    clients = ClientCache()

    def sweep():
        return run_sync(profile, [item], clients=clients, timeout=15)[0].result

    assert sweep().verdict is Verdict.PASS
    # Kept: the document is there without GetPolicyVersion (a factory that would fail is not called)
    key = f"iam policy-version {first['PolicyId']} v1"
    assert clients.get(key, lambda: pytest.fail("the version was not kept")) == SCOPED
    assert sweep().verdict is Verdict.PASS

    iam.detach_role_policy(RoleName="deal-service", PolicyArn=first["Arn"])
    iam.delete_policy(PolicyArn=first["Arn"])
    again = attach(ADMIN)
    assert (again["Arn"], again["DefaultVersionId"]) == (
        first["Arn"],
        "v1",
    )  # what fools an ARN key
    result = sweep()
    assert result.verdict is Verdict.FAIL, result.evidence
    assert "role deal-service: policy deal-service-app allows * on *" in result.summary

    # A new default version of a policy is read too (GetPolicy names it each sweep)
    iam.detach_role_policy(RoleName="deal-service", PolicyArn=again["Arn"])
    iam.delete_policy(PolicyArn=again["Arn"])
    third = attach(SCOPED)
    assert sweep().verdict is Verdict.PASS
    iam.create_policy_version(
        PolicyArn=third["Arn"], PolicyDocument=json.dumps(ADMIN), SetAsDefault=True
    )
    assert sweep().verdict is Verdict.FAIL
