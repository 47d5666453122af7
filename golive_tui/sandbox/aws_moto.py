"""The sandbox's AWS endpoint: moto in server mode on loopback, with per-account credentials.

One `MotoServer` runs in this process (a thread). Accounts are separated the way real AWS
separates them, by credentials: `account()` assumes a role in the wanted account id and
creates an IAM user with static keys there; the keys go into an AWS config/credentials
pair of files (named profiles) that boto3 reads through AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE. moto keeps its state in module globals, so two servers in
one process would share one state: separate accounts, not separate servers.

Two documented AWS calls that moto 5.2.5 does not answer are filled in inside this
process (see `_fill_moto_gaps`); clients are never patched.
"""

from __future__ import annotations

import configparser
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .tls import free_port

if TYPE_CHECKING:
    from ..profile import Profile

DEFAULT_REGION = "eu-west-1"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_ALL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}
# Any key moto has never issued maps to its default account; used only to bootstrap.
_BOOTSTRAP = {
    "aws_access_key_id": "sandbox-bootstrap",
    "aws_secret_access_key": "sandbox-bootstrap",
}

_gaps_lock = threading.Lock()
_gaps_filled = False


def _fill_moto_gaps() -> None:
    """Teach this process's moto three documented AWS answers it lacks (idempotent).

    - RDS: real `DescribeDBInstances` returns `PerformanceInsightsEnabled` (set by the
      `EnablePerformanceInsights` flag of Create/ModifyDBInstance). moto 5.2.5 accepts the
      flag but drops it, so every instance looks like PI is off. We keep the flag on the
      model; moto's serializer maps the `performance_insights_enabled` attribute to the
      response member by name.
    - Shield: real `GetSubscriptionState` answers ACTIVE or INACTIVE. moto 5.2.5 has no
      handler (HTTP 500). We answer it from moto's own subscription record, the same one
      `CreateSubscription` / `DescribeSubscription` use.
    - CloudWatch: real `GetMetricData` answers percentile statistics (`p95`, `p99.9`) as
      well as Sum/Average/Minimum/Maximum/SampleCount. moto 5.2.5 computes only the latter
      and fails with HTTP 500 on a percentile; we compute it from the period's datapoints
      (nearest rank), the values moto already selected.
    """
    global _gaps_filled
    with _gaps_lock:
        if _gaps_filled:
            return
        from moto.cloudwatch.models import Statistics
        from moto.rds.models import DBInstance
        from moto.shield.responses import ShieldResponse

        original_init = DBInstance.__init__

        def init_keeping_pi(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            self.enable_performance_insights = bool(
                kwargs.get("enable_performance_insights") or False
            )

        def performance_insights_enabled(self: Any) -> bool:
            # ModifyDBInstance stores the request flag under the same name (DBInstance.update).
            return bool(getattr(self, "enable_performance_insights", False))

        # moto's models patched in place: mypy refuses assigning to a method, and moto's classes
        # do not declare the attributes added here
        DBInstance.__init__ = init_keeping_pi  # type: ignore[method-assign]
        DBInstance.performance_insights_enabled = property(performance_insights_enabled)  # type: ignore[attr-defined]

        def get_subscription_state(self: Any) -> str:
            state = "ACTIVE" if self.shield_backend.subscription is not None else "INACTIVE"
            return json.dumps({"SubscriptionState": state})

        # an action moto's Shield does not answer, added to its response class
        ShieldResponse.get_subscription_state = get_subscription_state  # type: ignore[attr-defined]

        basic_statistic = Statistics.get_statistics_for_type

        def statistic_with_percentiles(self: Any, stat: str) -> Any:
            value = basic_statistic(self, stat)
            wanted = re.fullmatch(r"p(\d{1,2}(?:\.\d+)?)", stat)
            if value is None and wanted:
                values = sorted(self.metric_single_values_list)
                if values:
                    return values[max(1, math.ceil(float(wanted[1]) / 100 * len(values))) - 1]
            return value

        # moto's method replaced in place (mypy refuses assigning to a method)
        Statistics.get_statistics_for_type = statistic_with_percentiles  # type: ignore[method-assign]
        _gaps_filled = True


@dataclass(frozen=True)
class Credentials:
    """Static IAM keys of a sandbox user (fake secrets, still never printed)."""

    account_id: str
    user: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass
class SandboxAccount:
    """One account (named profile) of the sandbox: where it is and how to reach it."""

    server: MotoServer
    name: str
    """The AWS named profile holding this account's keys."""
    credentials: Credentials
    region: str
    ids: dict[str, str] = field(default_factory=dict)
    """What the builders created in it (ARNs, ids), for profiles and tests."""

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def account_id(self) -> str:
        return self.credentials.account_id

    def client(self, service: str, region: str | None = None) -> Any:
        """A real boto3 client for this account (used by the builders)."""
        import boto3

        # boto3-stubs types a client per literal service name; this builder serves any service.
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name=region or self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.credentials.access_key_id,
            aws_secret_access_key=self.credentials.secret_access_key,
        )

    def profile(self, **aws: Any) -> Profile:
        """A golive Profile aimed at this account; keyword arguments override [aws] keys."""
        from ..profile import AwsSettings, Profile

        settings = {
            "profile": self.name,
            "region": self.region,
            "endpoint_url": self.endpoint_url,
            **aws,
        }
        return Profile(aws=AwsSettings(**settings))

    def env(self) -> dict[str, str]:
        """Environment variables that make boto3 find this account's named profile."""
        return self.server.env()


class MotoServer:
    """moto in server mode on 127.0.0.1 with a free port; use as a context manager."""

    def __init__(
        self, directory: Path | None = None, region: str = DEFAULT_REGION, *, port: int = 0
    ) -> None:
        self.directory = (
            Path(directory) if directory else Path(tempfile.mkdtemp(prefix="golive-aws-"))
        )
        self.region = region
        self.port = port
        """0: a free port is chosen at start; a fixed port survives stop() and start() (an
        outage)."""
        self._server: Any = None
        self.config_file = self.directory / "config"
        self.credentials_file = self.directory / "credentials"
        self._write_lock = threading.Lock()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        # Read by moto.settings at import: imported certificates and requests are ISSUED at once.
        os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _fill_moto_gaps()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        return {
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
        }

    # --- accounts -----------------------------------------------------------------------
    def account(
        self,
        account_id: str,
        name: str,
        *,
        user: str = "golive",
        policy: dict[str, Any] | None = None,
        region: str | None = None,
    ) -> SandboxAccount:
        """A user with static keys in `account_id`, saved as named profile `name` (default region:
        the server's)."""
        import boto3

        sts = boto3.client(
            "sts",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=_BOOTSTRAP["aws_access_key_id"],
            aws_secret_access_key=_BOOTSTRAP["aws_secret_access_key"],
        )
        # moto lets AssumeRole name any account: that is how a second account is entered.
        role = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/golive-sandbox-admin", RoleSessionName="setup"
        )
        temp = role["Credentials"]
        iam = boto3.client(
            "iam",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=temp["AccessKeyId"],
            aws_secret_access_key=temp["SecretAccessKey"],
            aws_session_token=temp["SessionToken"],
        )
        iam.create_user(UserName=user)
        iam.put_user_policy(
            UserName=user, PolicyName="sandbox", PolicyDocument=json.dumps(policy or ADMIN_POLICY)
        )
        key = iam.create_access_key(UserName=user)["AccessKey"]
        creds = Credentials(account_id, user, key["AccessKeyId"], key["SecretAccessKey"])
        self._save_profile(name, creds, region or self.region)
        return SandboxAccount(self, name, creds, region or self.region)

    def _save_profile(self, name: str, creds: Credentials, region: str) -> None:
        with self._write_lock:
            config = _read_ini(self.config_file)
            config[f"profile {name}"] = {"region": region}
            _write_ini(self.config_file, config)
            credentials = _read_ini(self.credentials_file)
            credentials[name] = {
                "aws_access_key_id": creds.access_key_id,
                "aws_secret_access_key": creds.secret_access_key,
            }
            _write_ini(self.credentials_file, credentials)

    @contextmanager
    def enforce_iam(self) -> Iterator[None]:
        """While active, the whole server checks signatures and IAM policies like AWS.

        moto's switch is process-wide (its settings module), which is this server's process.
        """
        from moto.core.authorization import enable_iam_authentication

        with enable_iam_authentication():
            yield


def _read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    if path.exists():
        parser.read(path)
    return parser


def _write_ini(path: Path, parser: configparser.ConfigParser) -> None:
    with path.open("w") as fh:
        parser.write(fh)
    path.chmod(0o600)
