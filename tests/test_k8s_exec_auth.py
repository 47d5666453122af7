"""The EKS kubeconfig: `users[].user.exec` run by golive once per process, again only on expiry or a
401.

A real sandbox API server, the kubeconfig as `aws eks update-kubeconfig` writes it, and a
stand-in `aws` (golive_tui/sandbox/eks_auth.py) that logs each call; every count below is
read from that log, what the plugin itself saw.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item
from golive_tui.probes.base import ClientCache
from golive_tui.sandbox.eks_auth import SSO_EXPIRED, EksPlugin, write_eks_kubeconfig
from golive_tui.sandbox.k8s_sandbox import K8sSandbox
from golive_tui.vocab import Verdict

ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/autolytiq-prod"
KINDS = [
    "k8s.cluster",
    "k8s.nodes",
    "k8s.deployments",
    "k8s.hpa",
    "k8s.pdb",
    "k8s.container-security",
]

CHECKLIST = "\n".join(
    ['title = "EKS auth"', "", "[[section]]", 'id = "k8s"', 'title = "Kubernetes"']
    + [
        f'\n[[section.item]]\nid = "i{n}"\ntitle = "{kind}"\nprobe = [{{ kind = "{kind}" }}]'
        for n, kind in enumerate(KINDS)
    ]
)


def _items() -> list[Item]:
    items = []
    for n, kind in enumerate(KINDS):
        item = Item(id=f"i{n}", title=kind, probe=[{"kind": kind}])
        object.__setattr__(item, "key", f"k8s.i{n}")
        items.append(item)
    return items


def _eks(k8s: K8sSandbox, tmp_path: Path, **plugin: float) -> tuple[K8sSandbox, EksPlugin]:
    path = tmp_path / "kube" / "config"
    path.parent.mkdir(parents=True)
    made = write_eks_kubeconfig(
        path,
        server=k8s.url,
        ca_bundle=k8s.ca_bundle,
        token=k8s.token,
        cluster_arn=ARN,
        namespace=k8s.namespace,
        **plugin,
    )
    return K8sSandbox(
        k8s.server, path, k8s.namespace, started=False, required_env=k8s.required_env
    ), made


def test_the_kubeconfig_is_in_the_form_aws_writes(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    import yaml

    eks, _ = _eks(k8s_healthy, tmp_path)
    user = yaml.safe_load(eks.kubeconfig.read_text())["users"][0]["user"]
    assert user["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert (
        user["exec"]["args"][2:5] == ["eks", "get-token", "--cluster-name"] and "token" not in user
    )


def test_one_plugin_call_for_a_whole_golive_run(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    """Also held on the old code (the kubernetes client ran the plugin once per client build, one
    build per run); kept so that the renewals below never cost a call per probe."""
    eks, plugin = _eks(k8s_healthy, tmp_path)
    checklist = tmp_path / "eks.toml"
    checklist.write_text(CHECKLIST)
    profile = tmp_path / "profile.toml"
    import tomli_w

    profile.write_text(tomli_w.dumps(eks.profile_data()))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--profile",
            str(profile),
            "--checklist",
            str(checklist),
            "--state",
            str(tmp_path / "state.toml"),
            "run",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    verdicts = {r["id"]: r["verdict"] for r in json.loads(done.stdout)["items"]}
    assert len(verdicts) == len(KINDS) and "error" not in verdicts.values(), done.stdout
    assert plugin.calls == 1


def test_an_expired_credential_is_renewed_once(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    """The credential says when it ends; the next sweep after that runs the plugin once more, for
    every probe.

    Fails on the old code (1 call): the client's own refresh hook judged expiry on the wall clock,
    not the run's, and from inside a request, on the probe's deadline."""
    eks, plugin = _eks(k8s_healthy, tmp_path, expires_in=600)
    clients = ClientCache()  # one for both sweeps, as the cockpit keeps it
    now = dt.datetime.now(dt.UTC)
    first = run_sync(eks.profile(), _items(), clients=clients, clock=lambda: now)
    assert {r.result.verdict for r in first} <= {Verdict.PASS, Verdict.FAIL, Verdict.ACCEPTABLE}, [
        r.result.summary for r in first
    ]
    assert plugin.calls == 1
    later = now + dt.timedelta(minutes=11)  # past the credential's expirationTimestamp
    plugin.configure(expires_in=3600)  # the next credential outlives `later`
    second = run_sync(eks.profile(), _items(), clients=clients, clock=lambda: later)
    assert [r.result.verdict for r in second if r.result.verdict is Verdict.ERROR] == []
    assert plugin.calls == 2
    clients.close()


def test_a_refused_credential_is_renewed_and_the_call_repeated(
    k8s_healthy: K8sSandbox, tmp_path: Path
) -> None:
    """A 401 to the plugin's token: one new call of the plugin, and the probes that saw the 401
    still get an answer.

    Fails on the old code: `unauthorised (401)` for the sweep (the next one rebuilt the client)."""
    eks, plugin = _eks(k8s_healthy, tmp_path)
    clients = ClientCache()
    run_sync(eks.profile(), _items()[:1], clients=clients)
    assert plugin.calls == 1
    server, old = k8s_healthy.server, k8s_healthy.server.token
    server.token = "golive-sandbox-rotated"  # the API server no longer takes the old token
    plugin.configure(token=server.token)
    try:
        results = run_sync(eks.profile(), _items(), clients=clients)
    finally:
        server.token = old
    assert [r.result.summary for r in results if r.result.verdict is Verdict.ERROR] == []
    assert plugin.calls == 2
    clients.close()


def test_a_failing_plugin_is_the_items_error(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    """Its stderr is the reason, for every item, from one call. Fails on the old code: the client
    logged the plugin's failure and the probes saw `unauthorised (401)`."""
    eks, plugin = _eks(k8s_healthy, tmp_path)
    plugin.configure(fail=SSO_EXPIRED)
    results = run_sync(eks.profile(), _items())
    summaries = {r.result.summary for r in results}
    assert {r.result.verdict for r in results} == {Verdict.ERROR}
    assert summaries == {
        "exec credential plugin aws (kubeconfig "
        f"users[].user.exec) failed (exit 255): {SSO_EXPIRED}"
    }
    assert plugin.calls == 1


def test_the_plugins_start_up_is_not_the_probes_time(
    k8s_healthy: K8sSandbox, tmp_path: Path
) -> None:
    """A plugin slower than the probe's timeout (an SSO refresh) still leaves the probe its whole
    timeout."""
    eks, plugin = _eks(k8s_healthy, tmp_path, startup=1.5)
    results = run_sync(eks.profile(run={"timeout": 1.0}), _items()[:2])
    assert [r.result.summary for r in results if r.result.verdict is Verdict.ERROR] == []
    assert plugin.calls == 1


@pytest.mark.parametrize("missing", ["no-such-aws"])
def test_a_missing_plugin_says_so(k8s_healthy: K8sSandbox, tmp_path: Path, missing: str) -> None:
    eks, _ = _eks(k8s_healthy, tmp_path)
    eks.kubeconfig.write_text(
        eks.kubeconfig.read_text().replace(
            str(tmp_path / "kube" / "eks-plugin" / "aws"), str(tmp_path / missing)
        )
    )
    (result,) = run_sync(eks.profile(), _items()[:1])
    assert (
        result.result.summary
        == "exec credential plugin no-such-aws (kubeconfig users[].user.exec): not found"
    )


def test_only_the_selected_backends_are_imported(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    """A run of Kubernetes items imports the kubernetes client only: no boto3, no httpx (their SDKs
    load per kind)."""
    import tomli_w

    eks, plugin = _eks(k8s_healthy, tmp_path)
    profile = tmp_path / "profile.toml"
    profile.write_text(tomli_w.dumps(eks.profile_data()))
    code = (
        "import sys\n"
        "from golive_tui.engine import run_sync\n"
        "from golive_tui.model import Item\n"
        "from golive_tui.profile import load_profile\n"
        "item = Item(id='n', title='n', probe=[{'kind': 'k8s.nodes'}])\n"
        "object.__setattr__(item, 'key', 'k8s.n')\n"
        f"(r,) = run_sync(load_profile({str(profile)!r}), [item])\n"
        "print(r.result.verdict.value, sorted(m for m in ('kubernetes', "
        "'boto3', 'botocore', 'httpx', 'kubernetes_validate')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split(maxsplit=1) == ["pass", "['kubernetes']\n"], done.stderr
    assert plugin.calls == 1
