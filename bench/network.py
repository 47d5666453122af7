"""The demo's staged production behind a network: every endpoint through a delaying relay, the EKS
kubeconfig.

`behind_network(env, rtt_ms, eks_auth, plugin_s)` yields the path of a profile whose every
127.0.0.1 endpoint (Kubernetes API, moto, the web sandbox, Prometheus, Alertmanager,
PagerDuty) is reached through golive_tui/sandbox/relay.py in its own process, each direction
delayed by rtt_ms/2 (moto's connections kept alive, as AWS's are); with `eks_auth`, its kubeconfig
is the form `aws eks update-kubeconfig` writes, whose stand-in `aws eks get-token` takes `plugin_s`
seconds to start (what the AWS CLI takes here). With rtt 0 and no EKS auth it yields the demo's own
profile.
"""

from __future__ import annotations

import base64
import configparser
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tomli_w
import yaml

from golive_tui.sandbox.eks_auth import write_eks_kubeconfig
from golive_tui.sandbox.processes import stop_process

PORT = re.compile(r"\b(127\.0\.0\.1|localhost):(\d+)")
"""An endpoint of the demo: its servers listen on 127.0.0.1, named so or `localhost` (the web
sandbox's certificates)."""


def _ports(*texts: str) -> list[int]:
    return sorted({int(port) for text in texts for _, port in PORT.findall(text)})


def _moved(text: str, ports: dict[str, int]) -> str:
    return PORT.sub(lambda m: f"{m[1]}:{ports.get(m[2], m[2])}", text)


@contextmanager
def behind_network(env, rtt_ms: float, eks_auth: bool, plugin_s: float) -> Iterator[Path]:
    if not rtt_ms and not eks_auth:
        yield env.profile_path
        return
    directory = env.directory / f"net-{rtt_ms:g}ms{'-eks' if eks_auth else ''}"
    directory.mkdir(exist_ok=True, mode=0o700)
    profile = tomllib.loads(env.profile_path.read_text())
    kube_path = Path(profile["kubernetes"]["kubeconfig"])
    aws_config = Path(profile["aws"]["config_file"])
    texts = [env.profile_path.read_text(), kube_path.read_text(), aws_config.read_text()]
    # moto (werkzeug) closes every connection after one answer; AWS's endpoints keep them open: so
    # does the relay.
    moto = _ports(str(profile["aws"].get("endpoint_url", "")))
    relay = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive_tui.sandbox.relay",
            "--rtt-ms",
            f"{rtt_ms:g}",
            *(f"--keep-alive={port}" for port in moto),
            *map(str, _ports(*texts)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ports = json.loads(relay.stdout.readline() if relay.stdout else "{}")
        moved_kube, moved_aws = directory / "kubeconfig", directory / "aws-config"
        kube = yaml.safe_load(_moved(texts[1], ports))
        if eks_auth:
            cluster = kube["clusters"][0]
            ca = directory / "kube-ca.pem"
            ca.write_bytes(base64.b64decode(cluster["cluster"]["certificate-authority-data"]))
            token = kube["users"][0]["user"]["token"]
            ctx = kube["contexts"][0]["context"]
            write_eks_kubeconfig(
                moved_kube,
                server=cluster["cluster"]["server"],
                ca_bundle=ca,
                token=token,
                cluster_arn=cluster["name"],
                namespace=ctx.get("namespace", ""),
                startup=plugin_s,
                region=str(profile["aws"].get("region") or "eu-west-1"),
                aws_profile=str(profile["aws"].get("profile") or ""),
            )
        else:
            moved_kube.touch(mode=0o600)
            moved_kube.write_text(yaml.safe_dump(kube, sort_keys=False))
        parser = configparser.ConfigParser()
        parser.read_string(_moved(texts[2], ports))
        moved_aws.touch(mode=0o600)
        with moved_aws.open("w") as handle:
            parser.write(handle)
        data = json.loads(_moved(json.dumps(profile, default=str), ports))
        data["kubernetes"]["kubeconfig"] = str(moved_kube)
        data["aws"]["config_file"] = str(moved_aws)
        path = directory / "profile.toml"
        path.write_text(tomli_w.dumps(data))
        yield path
    finally:
        if relay.stdin:
            relay.stdin.close()  # the relay stops on EOF
        try:
            relay.wait(5)
        except subprocess.TimeoutExpired:
            stop_process(relay, 5)
