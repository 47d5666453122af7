"""The kubeconfig's exec credential plugin (`aws eks get-token`, as `aws eks update-kubeconfig`
writes it).

This is the user's own credential mechanism, named in *their* kubeconfig (`users[].user.exec`,
apiVersion `client.authentication.k8s.io/v1beta1`), run as kubectl runs it. It is not a
check: no shipped probe runs a local program (the `command` kind is for teams' own
checklists, behind `run.allowed_commands`); a checklist cannot name this program, only the
operator's kubeconfig can.

golive runs the plugin itself rather than leaving it to the kubernetes client, which
(kubernetes 37, config/kube_config.py and exec_provider.py) runs it on every client build,
only *logs* a failure (the probe then saw a bare 401, the plugin's message lost), re-runs it
inside a request once the credential is within 5 minutes of expiry — on the probe's deadline
and from every thread at once — and, when golive's stdout is a terminal, hands the plugin
golive's stdin and stderr (the cockpit's screen). Here the plugin runs at most once per
process (per ClientCache), again only when its credential expires (`expirationTimestamp`,
judged on the run's clock) or the API server answers 401 to it; concurrent probes wait for
that one call; its stderr is the error's reason; its time is not the probe's (ctx.setup()).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..text import safe_line, shorten
from .base import SETUP_LIMIT, ProbeError

EXPIRY_MARGIN = dt.timedelta(seconds=10)
"""A credential this close to its expirationTimestamp is renewed before a request (`aws eks
get-token` keeps a minute of its own between the stated expiry and the token's 15 minutes)."""
FAILURE_HOLD = 5.0
"""Seconds a plugin failure is reused rather than re-run: one sweep's probes see one call, the next
sweep tries again."""
PLUGIN_LIMIT = SETUP_LIMIT - 5.0
"""Seconds the plugin may take (it never gets a terminal to ask anything on)."""


def take_exec_user(loader: Any) -> Any | None:
    """The active user's `exec` section, removed from the loader's copy so the client leaves it to
    golive.

    Only when the kubernetes client would have used it: it prefers an auth-provider, then a
    token or tokenFile, then exec (KubeConfigLoader._load_authentication).
    """
    user = getattr(
        loader, "_user", None
    )  # the loader's own node for the active context's user (kubernetes 37.0.1)
    if (
        user is None
        or "exec" not in user
        or "auth-provider" in user
        or user.safe_get("token")
        or user.safe_get("tokenFile")
    ):
        return None
    section = user["exec"]
    del user.value["exec"]
    return section


@dataclass
class EarlyRun:
    """The plugin started before the kubernetes client is imported: ~0.5 s of `aws eks get-token`
    overlaps the import."""

    argv: list[str]
    process: subprocess.Popen[str]

    def discard(self) -> None:
        """Not needed after all: stop it and reap it (idempotent)."""
        if self.process.returncode is None:
            self.process.kill()
            self.process.communicate()


def start_early(path: str, context: str) -> EarlyRun | None:
    """Start the active user's exec plugin of a kubeconfig file now, or None when it has none (or
    anything is unusual).

    Read with PyYAML, not the kubernetes client, whose import is what the plugin overlaps;
    a merged $KUBECONFIG, a token, an auth-provider or provideClusterInfo are left to the
    normal path (ExecCredential runs the plugin when it needs it).
    """
    if os.pathsep in path:
        return None
    try:
        import yaml

        with open(path, encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
        current = next(
            c["context"]
            for c in config["contexts"]
            if c["name"] == (context or config.get("current-context"))
        )
        user = next(u["user"] for u in config["users"] if u["name"] == current["user"])
        section = user["exec"]
        if (
            "auth-provider" in user
            or user.get("token")
            or user.get("tokenFile")
            or section.get("provideClusterInfo")
        ):
            return None
        argv = [str(section["command"]), *map(str, section.get("args") or [])]
        info = {
            "apiVersion": section["apiVersion"],
            "kind": "ExecCredential",
            "spec": {"interactive": False},
        }
        env = {
            **os.environ,
            **{str(e["name"]): str(e["value"]) for e in section.get("env") or []},
            "KUBERNETES_EXEC_INFO": json.dumps(info),
        }
        process = subprocess.Popen(
            argv,
            cwd=os.path.dirname(os.path.abspath(path)),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except (
        Exception
    ):  # anything unusual (or a missing program): the normal path runs it and says what is wrong
        return None
    return EarlyRun(argv, process)


class ExecCredential:
    """The token of one exec plugin, cached until it expires or is refused; thread-safe."""

    def __init__(
        self, section: Any, base_path: str, cluster: Any, early: EarlyRun | None = None
    ) -> None:
        from kubernetes.config.exec_provider import ExecProvider

        # parses command, args, env, provideClusterInfo
        self.provider = ExecProvider(  # type: ignore[no-untyped-call]  # kubernetes.config: untyped
            section, base_path, cluster
        )
        self.early = (
            early
            if early is not None and early.argv == [str(a) for a in self.provider.args]
            else None
        )
        if early is not None and self.early is None:
            early.discard()
        self.install_hint = " ".join(str(section.safe_get("installHint") or "").split())
        self.lock = threading.Lock()
        self.token = ""
        self.expiry: dt.datetime | None = None
        self.failure: tuple[float, str] | None = None
        self.calls = 0

    @property
    def command(self) -> str:
        return os.path.basename(str(self.provider.args[0]))

    def fresh(self, now: dt.datetime) -> str:
        """The cached token if it is still valid at `now`, else "" (never runs the plugin)."""
        with self.lock:
            return self.token if self._valid(now) else ""

    def _valid(self, now: dt.datetime) -> bool:
        return bool(self.token) and (self.expiry is None or now + EXPIRY_MARGIN < self.expiry)

    def current(self, now: dt.datetime) -> str:
        """A token valid at `now`: the cached one, else one from a run of the plugin (ProbeError
        says why not)."""
        with self.lock:
            if self._valid(now):
                return self.token
            if self.failure is not None and time.monotonic() - self.failure[0] < FAILURE_HOLD:
                raise ProbeError(self.failure[1])
            try:
                self.token, self.expiry = self._run()
            except ProbeError as exc:
                self.token, self.failure = "", (time.monotonic(), str(exc))
                raise
            self.failure = None
            return self.token

    def refused(self, token: str) -> None:
        """The API server answered 401 to `token`: the next `current` runs the plugin again (once,
        for every probe)."""
        with self.lock:
            if self.token == token:
                self.token = ""

    def _run(self) -> tuple[str, dt.datetime | None]:
        self.calls += 1
        provider = self.provider
        info: dict[str, Any] = {
            "apiVersion": provider.api_version,
            "kind": "ExecCredential",
            "spec": {"interactive": False},
        }
        if provider.cluster is not None:
            info["spec"]["cluster"] = dict(provider.cluster.value)
        env = {**provider.env, "KUBERNETES_EXEC_INFO": json.dumps(info, default=str)}
        where = f"exec credential plugin {self.command} (kubeconfig users[].user.exec)"
        early, self.early = self.early, None
        try:
            process = (
                early.process
                if early is not None
                else subprocess.Popen(
                    provider.args,
                    cwd=provider.cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    errors="replace",
                )
            )
        except FileNotFoundError:
            raise ProbeError(
                f"{where}: not found" + (f" ({self.install_hint})" if self.install_hint else "")
            ) from None
        except OSError as exc:
            raise ProbeError(
                f"{where}: cannot run it ({exc.strerror or type(exc).__name__})"
            ) from None
        try:
            stdout, stderr = process.communicate(timeout=PLUGIN_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise ProbeError(f"{where}: no answer within {PLUGIN_LIMIT:g}s") from None
        if process.returncode != 0:
            said = shorten(safe_line(" ".join(stderr.split())), 300) or "no message on stderr"
            raise ProbeError(f"{where} failed (exit {process.returncode}): {said}")
        return self._parse(stdout, where)

    def _parse(self, stdout: str, where: str) -> tuple[str, dt.datetime | None]:
        try:
            data = json.loads(stdout)
        except ValueError:
            raise ProbeError(f"{where}: its output is not an ExecCredential (not JSON)") from None
        if (
            not isinstance(data, dict)
            or data.get("kind") != "ExecCredential"
            or not isinstance(data.get("status"), dict)
        ):
            raise ProbeError(f"{where}: its output is not an ExecCredential")
        if data.get("apiVersion") != self.provider.api_version:
            raise ProbeError(
                f"{where}: it answered apiVersion {data.get('apiVersion')!r}, the kubeconfig asks "
                f"for {self.provider.api_version!r}"
            )
        status = data["status"]
        token = status.get("token")
        if not isinstance(token, str) or not token:
            kind = (
                "client certificates (not supported here)"
                if "clientCertificateData" in status
                else "no token"
            )
            raise ProbeError(f"{where}: it returned {kind}")
        expiry = None
        if status.get("expirationTimestamp"):
            try:
                expiry = dt.datetime.fromisoformat(
                    str(status["expirationTimestamp"]).replace("Z", "+00:00")
                )
            except ValueError:
                raise ProbeError(
                    f"{where}: unreadable expirationTimestamp "
                    f"{str(status['expirationTimestamp'])[:40]!r}"
                ) from None
            if expiry.tzinfo is None:
                expiry = expiry.replace(tzinfo=dt.UTC)
        return token, expiry
