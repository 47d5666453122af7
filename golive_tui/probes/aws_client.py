"""What every AWS probe shares: one boto3 session per run, cached clients, deadlines, errors as
reasons.

The session comes from the profile's [aws] keys, else boto3's own conventions: AWS_PROFILE
and the default credential chain, AWS_REGION / AWS_DEFAULT_REGION / the profile's region,
AWS_ENDPOINT_URL (botocore reads it itself, as it reads `endpoint_url` in a config
profile). boto3 is imported inside functions: `import boto3` costs ~300 ms, and each
service's JSON model ~0.1-0.5 s more, so a probe kind's `prepare` hook builds its clients
before its deadline starts. Each call then gets a client whose connect/read timeouts and
retries fit in what is left of the probe's timeout.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .base import NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult, R, probe

if TYPE_CHECKING:
    from ..profile import AwsSettings

# Codes AWS answers when the credentials are unknown, expired or not allowed to do this.
AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
    }
)

CREDENTIAL_CODES = AUTH_CODES - {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
"""Refusals of the credentials themselves (not of a policy): worth a new session, which reads them
again."""


class AwsSession:
    """The run's boto3 session and the lock that guards it (sessions are not thread-safe)."""

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.session = settings.boto3_session()

    @property
    def region(self) -> str:
        return self.session.region_name or ""

    def where(self) -> str:
        """Where the probes look, for evidence: region and (non-default) endpoint."""
        endpoint = self.settings.endpoint_url
        return f"region {self.region or '?'}" + (f" at {endpoint}" if endpoint else "")

    def make_client(self, service: str, region: str | None, budget: float) -> Any:
        from botocore.config import Config

        config = Config(**call_limits(budget))
        with self.lock:
            return self.session.client(
                service,
                region_name=region or None,
                endpoint_url=self.settings.endpoint_url or None,
                config=config,
            )


BACKOFF = 1.0
"""The most botocore's standard retry mode sleeps before a second attempt."""
MIN_BUDGET = 0.25
"""Below this many seconds left no call is started: the probe has run out of time."""
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "golive_aws_deadline", default=None
)


MARGIN = 0.8
"""Share of a budget the socket timeouts may use: the rest absorbs signing, parsing and a loaded
CPU."""


def call_limits(budget: float) -> dict[str, Any]:
    """botocore Config limits under which one call, retries and backoff included, ends within
    `budget` seconds."""
    usable = budget * MARGIN
    attempts = 2 if usable >= 2 * BACKOFF else 1
    per_attempt = (usable - (BACKOFF if attempts == 2 else 0.0)) / attempts
    return {
        "connect_timeout": round(per_attempt * 0.4, 3),
        "read_timeout": round(per_attempt * 0.6, 3),
        # total_max_attempts counts the first request; botocore's `max_attempts` counts only retries
        "retries": {"total_max_attempts": attempts, "mode": "standard"},
    }


def budgets(timeout: float) -> list[float]:
    """The per-call budgets clients are built for: the probe's timeout, then halves of it."""
    return [timeout / 2**n for n in range(4) if timeout / 2**n >= MIN_BUDGET] or [timeout]


def session(ctx: ProbeContext) -> AwsSession:
    return ctx.clients.get("aws-session", lambda: AwsSession(ctx.profile.aws))


def time_left(ctx: ProbeContext) -> float:
    """Seconds left of the running probe's deadline (its whole timeout outside a probe)."""
    deadline = _deadline.get()
    return ctx.timeout if deadline is None else deadline - time.monotonic()


def client(ctx: ProbeContext, service: str, region: str | None = None) -> Any:
    """A boto3 client for `service` whose timeouts and retries fit what is left of the probe's
    deadline.

    Built once per ClientCache and budget (boto3 clients are thread-safe); the full-timeout
    client is built by `prepare`, the shorter ones (from the model cached by the session)
    only when a probe's later calls have less time.
    """
    left = time_left(ctx)
    if left < MIN_BUDGET:
        raise ProbeError(f"timed out after {ctx.timeout:g}s talking to AWS ({service})")
    # A client fits while its socket limits (MARGIN of its budget) fit in what is left: the client
    # `prepare` built for the full timeout is still the one a probe's first call uses.
    budget = next((b for b in budgets(ctx.timeout) if b * MARGIN <= left), None)
    if budget is None:
        raise ProbeError(f"timed out after {ctx.timeout:g}s talking to AWS ({service})")
    aws = session(ctx)
    key = f"aws-client:{service}:{region or ''}:{budget:g}"
    return SharedReads(
        ctx, ctx.clients.get(key, lambda: aws.make_client(service, region, budget)), service, region
    )


READS = ("describe_", "list_", "get_")
"""Read operations, whose answers the probes of one sweep share; `get_paginator`/`get_waiter` are
not calls."""


def _call_key(*parts: Any, params: dict[str, Any]) -> tuple[Any, ...]:
    return (*parts, json.dumps(params, sort_keys=True, default=str))


class SharedReads:
    """A boto3 client whose read calls are made once per sweep for the same parameters
    (ClientCache.shared).

    Everything else (`meta`, `exceptions`, paginators, writes) is the client's own.
    """

    def __init__(self, ctx: ProbeContext, raw: Any, service: str, region: str | None) -> None:
        self._ctx, self._raw, self._where = ctx, raw, ("aws", service, region or "")

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._raw, name)
        if (
            not name.startswith(READS)
            or name in ("get_paginator", "get_waiter")
            or not callable(attr)
        ):
            return attr

        def call(**params: Any) -> Any:
            return shared(
                self._ctx, _call_key(*self._where, name, params=params), lambda: attr(**params)
            )

        return call


def shared(ctx: ProbeContext, key: tuple[Any, ...], compute: Callable[[], R]) -> R:
    """`compute()` shared by the sweep's probes; waiting for another probe's call is bounded by this
    probe's deadline."""
    return ctx.clients.shared(key, compute, wait=time_left(ctx))


def describe_eks_cluster(ctx: ProbeContext) -> tuple[str, dict[str, Any] | None]:
    """(name, DescribeCluster's cluster) of the profile's EKS cluster; None when it does not exist
    here."""
    name = ctx.profile.aws.eks_cluster_name
    if not name:
        raise NotConfigured("aws.eks_cluster_name is empty in the profile")
    try:
        return name, client(ctx, "eks").describe_cluster(name=name)["cluster"]
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return name, None


def plural(n: int, word: str) -> str:
    """`1 rule`, `2 rules`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, else ''."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _code_and_message(exc: Any) -> tuple[str, str]:
    """The error code and message, even from a body the protocol parser could not read.

    A proxy's HTML page, or an XML error where the service speaks JSON (moto's IAM check
    does this), leaves botocore with the HTTP status as code and the raw body as message.
    """
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "") or "Error")
    message = " ".join(str(error.get("Message", "")).split())
    if message.startswith("<"):
        found_code = re.search(r"<Code>([^<]+)</Code>", message)
        found_message = re.search(r"<Message>([^<]+)</Message>", message)
        if found_code and code.isdigit():
            code = found_code.group(1).strip()
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        message = (
            found_message.group(1).strip()
            if found_message
            else f"HTTP {status} with a non-AWS body"
        )
    return code, message[:200]


def describe_error(exc: BaseException) -> str | None:
    """One line saying what went wrong talking to AWS, or None if `exc` is not a boto error."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.NoCredentialsError):
        return (
            "no AWS credentials found: set aws.profile (or AWS_PROFILE) or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, bce.ProfileNotFound):
        return f"AWS profile {exc.kwargs.get('profile', '?')!r} is not in the AWS config files"
    if isinstance(exc, bce.NoRegionError):
        return "no AWS region: set aws.region in the profile or AWS_REGION"
    if isinstance(exc, bce.ConnectTimeoutError):  # before EndpointConnectionError, its base class
        return (
            f"AWS endpoint unreachable: connect timed out ({exc.kwargs.get('endpoint_url', '?')})"
        )
    if isinstance(exc, bce.EndpointConnectionError):
        cause = exc.kwargs.get("error")
        refused = isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause)
        why = "connection refused" if refused else "could not connect"
        return f"AWS endpoint unreachable: {why} ({exc.kwargs.get('endpoint_url', '?')})"
    if isinstance(exc, bce.ReadTimeoutError):
        return f"AWS endpoint not answering: {exc}"
    if isinstance(exc, bce.ConnectionClosedError):
        return (
            f"AWS endpoint not answering: connection closed ({exc.kwargs.get('endpoint_url', '?')})"
        )
    if isinstance(exc, bce.ClientError):
        code, message = _code_and_message(exc)
        operation = getattr(exc, "operation_name", "call")
        if code in AUTH_CODES or code in ("401", "403"):
            return (
                f"AWS refused {operation} ({code}): "
                f"{message or 'check the credentials and their IAM policy'}"
            )
        return f"AWS {operation} failed ({code}): {message}"
    if isinstance(exc, bce.BotoCoreError):
        return f"AWS client error: {exc}"
    return None


def aws_probe(
    name: str, params: type[ProbeParams], *, services: Sequence[str | tuple[str, str]] = ()
) -> Callable[[Callable[..., ProbeResult]], Callable[..., ProbeResult]]:
    """Register a blocking boto3 probe whose SDK errors become one-line `error` reasons.

    `services` (a name, or (name, region)) are the clients its `prepare` builds before the
    probe's deadline starts; the deadline starts when the probe function does.
    """

    def prepare(ctx: ProbeContext) -> None:
        try:
            for entry in services:
                service, region = (entry, None) if isinstance(entry, str) else entry
                client(ctx, service, region)
        except Exception as exc:
            reason = describe_error(exc)
            if reason is None:
                raise
            raise ProbeError(reason) from None

    def register(func: Callable[..., ProbeResult]) -> Callable[..., ProbeResult]:
        @functools.wraps(func)
        def run(ctx: ProbeContext, p: Any) -> ProbeResult:
            token = _deadline.set(time.monotonic() + ctx.timeout)
            try:
                return func(ctx, p)
            except (ProbeError, NotConfigured):
                raise
            except Exception as exc:
                reason = describe_error(exc)
                if reason is None:
                    raise
                if (
                    isinstance(getattr(exc, "response", None), dict)
                    and _code_and_message(exc)[0] in CREDENTIAL_CODES
                ):
                    # the credentials were refused (expired on a long cutover?): the next probe
                    # reads them again
                    ctx.clients.forget("aws-")
                raise ProbeError(reason) from None  # no botocore traceback in the verdict
            finally:
                _deadline.reset(token)

        probe(name, params, blocking=True, prepare=prepare)(run)
        return run

    return register


def paginate(ctx: ProbeContext, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every `key` entry of a paginated list call."""

    def pages() -> list[Any]:
        items: list[Any] = []
        for page in client(ctx, service).get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(key, []))
        return items

    return shared(ctx, _call_key("aws", service, "", operation, key, params=kwargs), pages)


def at_once(ctx: ProbeContext, *calls: Callable[[], Any]) -> list[Callable[[], Any]]:
    """Make a probe's independent calls at once (one round trip instead of one each), in what is
    left of its deadline.

    Returns one getter per call, in order: it gives that call's answer or raises its error,
    so the probe reads them where it read the calls before (an error it never reads, e.g.
    of a call a failed earlier one makes moot, is never raised).
    """
    from .threads import run_parallel

    def getter(outcome: Any) -> Callable[[], Any]:
        def get() -> Any:
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        return get

    return [
        getter(outcome)
        for outcome in run_parallel(list(calls), timeout=max(time_left(ctx), 0.0) + 0.5)
    ]
