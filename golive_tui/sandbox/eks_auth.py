"""A kubeconfig in the form `aws eks update-kubeconfig` writes, with a stand-in `aws` that counts
its calls.

The user entry runs `aws --region R eks get-token --cluster-name C --output json` through
`users[].user.exec` (apiVersion client.authentication.k8s.io/v1beta1). The stand-in is a
small Python script named `aws` in the plugin's directory: it appends one line to
`calls.log` per run, takes `startup` seconds as the real CLI does (~0.5 s for
`aws eks get-token`: interpreter, botocore, presigning), then prints an ExecCredential with
the sandbox server's token and an expirationTimestamp `expires_in` seconds ahead — or fails
like the real one, with exit 255 and a message on stderr. Its behaviour is read from
`plugin.json` on every run, so a test can change it between sweeps.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = """#!{python} -S
import datetime, json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
with open(os.path.join(here, "plugin.json")) as handle:
    conf = json.load(handle)
time.sleep(conf["startup"])
if conf.get("fail"):
    sys.stderr.write("\\n" + conf["fail"] + "\\n")
    sys.exit(255)
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
    seconds=conf["expires_in"]
)
print(json.dumps({{
    "kind": "ExecCredential",
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "spec": {{}},
    "status": {{
        "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "token": conf["token"],
    }},
}}))
"""

SSO_EXPIRED = "Error when retrieving token from sso: Token has expired and refresh failed"
"""What `aws eks get-token` prints when the operator's SSO session has ended."""


@dataclass
class EksPlugin:
    """The stand-in `aws` and its knobs."""

    directory: Path

    @property
    def command(self) -> Path:
        return self.directory / "aws"

    @property
    def calls(self) -> int:
        log = self.directory / "calls.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def configure(self, **conf: Any) -> None:
        """Change what the next run does: token, startup (s), expires_in (s), fail (a message, or
        '')."""
        path = self.directory / "plugin.json"
        current = json.loads(path.read_text()) if path.exists() else {}
        current.update(conf)
        path.touch(mode=0o600)  # it holds the token
        path.write_text(json.dumps(current))


def write_eks_kubeconfig(
    path: Path,
    *,
    server: str,
    ca_bundle: Path,
    token: str,
    cluster_arn: str,
    region: str = "eu-west-1",
    namespace: str = "",
    startup: float = 0.0,
    expires_in: float = 14 * 60,
    aws_profile: str = "",
) -> EksPlugin:
    """Write `path` as `aws eks update-kubeconfig --name <cluster>` does, its plugin beside it;
    return the plugin."""
    import yaml

    plugin = EksPlugin(path.parent / "eks-plugin")
    plugin.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    plugin.command.write_text(SCRIPT.format(python=sys.executable))
    plugin.command.chmod(0o700)
    (plugin.directory / "calls.log").unlink(missing_ok=True)
    plugin.configure(token=token, startup=startup, expires_in=expires_in, fail="")
    name = cluster_arn.rsplit("/", 1)[-1]
    exec_section: dict[str, Any] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "args": [
            "--region",
            region,
            "eks",
            "get-token",
            "--cluster-name",
            name,
            "--output",
            "json",
        ],
        "command": str(plugin.command),
    }
    if aws_profile:
        exec_section["env"] = [{"name": "AWS_PROFILE", "value": aws_profile}]
    context: dict[str, Any] = {
        "cluster": cluster_arn,
        "user": cluster_arn,
        **({"namespace": namespace} if namespace else {}),
    }
    config = {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {
                    "certificate-authority-data": base64.b64encode(ca_bundle.read_bytes()).decode(),
                    "server": server,
                },
                "name": cluster_arn,
            }
        ],
        "contexts": [{"context": context, "name": cluster_arn}],
        "current-context": cluster_arn,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": cluster_arn, "user": {"exec": exec_section}}],
    }
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(config, sort_keys=True))
    return plugin
