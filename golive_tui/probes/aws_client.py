"""What every AWS probe shares: one boto3 session per run, cached clients, errors as reasons.

The session comes from the profile's [aws] keys, else boto3's own conventions: AWS_PROFILE
and the default credential chain, AWS_REGION / AWS_DEFAULT_REGION / the profile's region,
AWS_ENDPOINT_URL (botocore reads it itself, as it reads `endpoint_url` in a config
profile). boto3 is imported inside functions: `import boto3` costs ~300 ms.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .base import NotConfigured, ProbeContext, ProbeError, ProbeParams, ProbeResult, probe

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

    def make_client(self, service: str, region: str | None, timeout: float) -> Any:
        from botocore.config import Config

        # Two attempts at most, with up to 1 s of backoff between them (standard mode): the
        # per-attempt limits keep both attempts inside the probe's timeout, so a dead or silent
        # endpoint is reported with our reason instead of being cut off by the engine.
        budget = max(0.6, timeout - 1.0)
        config = Config(
            connect_timeout=max(0.3, budget * 0.3),
            read_timeout=max(0.3, budget * 0.45),
            retries={"max_attempts": 2, "mode": "standard"},
        )
        with self.lock:
            return self.session.client(
                service,
                region_name=region or None,
                endpoint_url=self.settings.endpoint_url or None,
                config=config,
            )


def session(ctx: ProbeContext) -> AwsSession:
    return ctx.clients.get("aws-session", lambda: AwsSession(ctx.profile.aws))


def client(ctx: ProbeContext, service: str, region: str | None = None) -> Any:
    """A boto3 client for `service`, built once per run (boto3 clients are thread-safe)."""
    aws = session(ctx)
    key = f"aws-client:{service}:{region or ''}:{ctx.timeout:g}"
    return ctx.clients.get(key, lambda: aws.make_client(service, region, ctx.timeout))


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
        message = found_message.group(1).strip() if found_message else f"HTTP {status} with a non-AWS body"
    return code, message[:200]


def describe_error(exc: BaseException) -> str | None:
    """One line saying what went wrong talking to AWS, or None if `exc` is not a boto error."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.NoCredentialsError):
        return "no AWS credentials found: set aws.profile (or AWS_PROFILE) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    if isinstance(exc, bce.ProfileNotFound):
        return f"AWS profile {exc.kwargs.get('profile', '?')!r} is not in the AWS config files"
    if isinstance(exc, bce.NoRegionError):
        return "no AWS region: set aws.region in the profile or AWS_REGION"
    if isinstance(exc, (bce.EndpointConnectionError, bce.ConnectTimeoutError)):
        return f"AWS endpoint unreachable: {exc}"
    if isinstance(exc, (bce.ReadTimeoutError, bce.ConnectionClosedError)):
        return f"AWS endpoint not answering: {exc}"
    if isinstance(exc, bce.ClientError):
        code, message = _code_and_message(exc)
        operation = getattr(exc, "operation_name", "call")
        if code in AUTH_CODES or code in ("401", "403"):
            return f"AWS refused {operation} ({code}): {message or 'check the credentials and their IAM policy'}"
        return f"AWS {operation} failed ({code}): {message}"
    if isinstance(exc, bce.BotoCoreError):
        return f"AWS client error: {exc}"
    return None


def aws_probe(name: str, params: type[ProbeParams]) -> Callable[[Callable[..., ProbeResult]], Callable[..., ProbeResult]]:
    """Register a blocking boto3 probe whose SDK errors become one-line `error` reasons."""

    def register(func: Callable[..., ProbeResult]) -> Callable[..., ProbeResult]:
        @functools.wraps(func)
        def run(ctx: ProbeContext, p: Any) -> ProbeResult:
            try:
                return func(ctx, p)
            except (ProbeError, NotConfigured):
                raise
            except Exception as exc:
                reason = describe_error(exc)
                if reason is None:
                    raise
                raise ProbeError(reason) from None  # no botocore traceback in the verdict

        probe(name, params, blocking=True)(run)
        return run

    return register


def paginate(ctx: ProbeContext, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every `key` entry of a paginated list call."""
    items: list[Any] = []
    for page in client(ctx, service).get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items
