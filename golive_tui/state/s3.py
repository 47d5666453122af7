"""The state document in one S3 object, shared by every captain: optimistic concurrency.

Nobody holds a lock. A write is a conditional PUT: `If-Match: <ETag we read>` (or
`If-None-Match: *` for the first write). If someone wrote in between, S3 answers 412
PreconditionFailed (409 ConditionalRequestConflict when two conditional writes race) and
`save` raises `VersionConflict`; the store re-reads, re-applies the change on top and
retries. A crashed writer therefore never blocks the others.

Every PUT asks for server-side encryption: SSE-S3 (AES256) by default, SSE-KMS with
`s3://bucket/key?sse=aws:kms&kms_key_id=alias/x`. Connection failures, timeouts and 5xx
answers raise `Unreachable`, which the store turns into offline mode (its journal).

Credentials, region and endpoint follow the AWS probes: the profile's [aws] keys
(`from_settings`), else boto3's conventions (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL).
boto3 is imported on first use: `import boto3` costs ~300 ms.

moto 5.2.5 (the test backend) evaluates If-Match / If-None-Match on PutObject, but not
atomically with the write; the sandbox serialises object requests (sandbox/moto_s3.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..errors import GoliveError
from ..files import MAX_MB_ENV, max_bytes, megabytes
from .storage import READ_CAP_FACTOR, Missing, Unreachable, VersionConflict

if TYPE_CHECKING:
    from ..profile import AwsSettings
    from .document import Document

POLL_INTERVAL = 2.0
"""version() asks S3 at most this often (seconds): the TUI polls the fingerprint every few
seconds. `StateStore.read()` calls `expire()` first, so a read is always current."""
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
SSE_CHOICES = ("AES256", "aws:kms", "aws:kms:dsse")
# Codes meaning "someone else wrote first" on a conditional PUT.
CONFLICT_CODES = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})


def parse_s3_url(url: str) -> tuple[str, str, dict[str, str]]:
    """`s3://bucket/key?sse=aws:kms` -> (bucket, key, {"sse": "aws:kms"})."""
    parts = urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if parts.scheme != "s3" or not bucket or not key or key.endswith("/"):
        raise GoliveError(
            f"{url!r}: a shared state location looks like s3://bucket/path/golive-state.toml"
        )
    params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(params) - {"sse", "kms_key_id"})
    if unknown:
        raise GoliveError(f"{url!r}: unknown option {', '.join(unknown)} (known: sse, kms_key_id)")
    return bucket, key, params


class S3Object:
    """One S3 object holding the state document (the Storage protocol of storage.py)."""

    def __init__(
        self,
        url: str,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        sse: str | None = None,
        kms_key_id: str | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.bucket, self.key, params = parse_s3_url(url)
        self.name = f"s3://{self.bucket}/{self.key}"
        self.sse = sse or params.get("sse") or "AES256"
        if self.sse not in SSE_CHOICES:
            raise GoliveError(f"{url!r}: sse={self.sse!r}; use one of {', '.join(SSE_CHOICES)}")
        self.kms_key_id = kms_key_id or params.get("kms_key_id") or None
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self.profile = profile or None
        self.poll_interval = poll_interval
        self._session = session
        self._client: Any = None
        self._lock = threading.Lock()
        # (monotonic time, ETag or None, or the Unreachable raised) of the last look at S3.
        self._seen: tuple[float, str | Unreachable | None] | None = None

    @classmethod
    def from_settings(cls, url: str, aws: AwsSettings, **kwargs: Any) -> S3Object:
        """An S3Object using the profile's [aws] keys (empty keys: boto3's own conventions)."""
        if (aws.config_file or aws.credentials_file) and "session" not in kwargs:
            kwargs["session"] = (
                aws.boto3_session()
            )  # AWS files named by the profile, not the environment
        return cls(
            url,
            profile=aws.profile or None,
            region=aws.region or None,
            endpoint_url=aws.endpoint_url or None,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"S3Object({self.name!r})"

    # --- client ----------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        session = self._session or boto3.session.Session(
            profile_name=self.profile, region_name=self.region
        )
        # Short timeouts and one retry: an unreachable S3 must turn into offline mode within
        # seconds (the TUI stays usable), not after botocore's default minute of retries.
        config = Config(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            retries={"total_max_attempts": 2, "mode": "standard"},
            # Path-style for explicit endpoints (MinIO, moto, VPC endpoints by IP).
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        return session.client(
            "s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config
        )

    @contextlib.contextmanager
    def _errors(self, operation: str) -> Iterator[None]:
        """botocore errors -> Unreachable (try later) or GoliveError (one line, no secrets)."""
        from botocore import exceptions as bce

        try:
            yield
        except (bce.ConnectionError, bce.HTTPClientError) as exc:
            raise self._unreachable(f"{operation}: {_first_line(exc)}") from None
        except bce.ClientError as exc:
            code, status = _code(exc)
            if status >= 500 or code in (
                "SlowDown",
                "ServiceUnavailable",
                "InternalError",
                "RequestTimeout",
            ):
                raise self._unreachable(
                    f"{operation}: S3 answered {code} (HTTP {status})"
                ) from None
            raise  # callers map the codes they expect (NoSuchKey, 412, ...)
        except bce.NoCredentialsError:
            raise GoliveError(
                f"{self.name}: no AWS credentials found (set aws.profile, AWS_PROFILE or "
                "AWS_ACCESS_KEY_ID)"
            ) from None
        except bce.ProfileNotFound as exc:
            raise GoliveError(
                f"{self.name}: AWS profile {exc.kwargs.get('profile', '?')!r} is not in the "
                "AWS config files"
            ) from None
        except bce.NoRegionError:
            raise GoliveError(
                f"{self.name}: no AWS region (set aws.region or AWS_REGION)"
            ) from None

    def _unreachable(self, detail: str) -> Unreachable:
        error = Unreachable(f"{self.name} unreachable — {detail}")
        with self._lock:
            self._seen = (time.monotonic(), error)
        return error

    def _refused(self, exc: Any, operation: str) -> GoliveError:
        code, status = _code(exc)
        message = " ".join(str(exc.response.get("Error", {}).get("Message", "")).split())[:200]
        if not message and status in (401, 403):  # HEAD answers carry no body
            message = "access denied: check the credentials and their IAM policy"
        if code == "NoSuchBucket":
            return Missing(
                f"{self.name}: bucket {self.bucket!r} does not exist", f"no bucket {self.bucket!r}"
            )
        return GoliveError(f"{self.name}: S3 refused {operation} ({code or status}): {message}")

    def _observe(self, etag: str | None) -> None:
        with self._lock:
            self._seen = (time.monotonic(), etag)

    def expire(self) -> None:
        """Forget the last ETag seen, so the next version() asks S3 (a failure is still
        remembered)."""
        with self._lock:
            if self._seen is not None and not isinstance(self._seen[1], Unreachable):
                self._seen = None

    # --- Storage protocol --------------------------------------------------------------------
    def version(self) -> str | None:
        """The object's ETag (None: no object); asks S3 at most every `poll_interval` seconds."""
        with self._lock:
            seen = self._seen
        if seen is not None and time.monotonic() - seen[0] < self.poll_interval:
            if isinstance(seen[1], Unreachable):
                raise seen[1]
            return seen[1]
        from botocore.exceptions import ClientError

        try:
            with self._errors("HeadObject"):
                etag: str | None = self.client.head_object(Bucket=self.bucket, Key=self.key)["ETag"]
        except ClientError as exc:
            if _code(exc)[1] != 404:
                raise self._refused(exc, "HeadObject") from None
            etag = None
        self._observe(etag)
        return etag

    def load(self) -> tuple[str | None, str | None]:
        from botocore.exceptions import ClientError

        try:
            with self._errors("GetObject"):
                response = self.client.get_object(Bucket=self.bucket, Key=self.key)
                limit = max_bytes() * READ_CAP_FACTOR
                body = response["Body"].read(limit + 1)
                if len(body) > limit:
                    raise GoliveError(
                        f"{self.name}: the object is larger than {megabytes(limit)} MB "
                        f"({READ_CAP_FACTOR}x the write cap ${MAX_MB_ENV}); refusing to read it"
                    )
        except ClientError as exc:
            if _code(exc)[0] not in ("NoSuchKey", "404"):
                raise self._refused(exc, "GetObject") from None
            self._observe(None)
            return None, None
        etag = response["ETag"]
        self._observe(etag)
        try:
            return body.decode("utf-8"), etag
        except UnicodeDecodeError:
            raise GoliveError(
                f"{self.name}: the object is not UTF-8 text (not a golive state file?)"
            ) from None

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Nothing to hold: the conditional PUT detects concurrent writers."""
        return contextlib.nullcontext()

    def save(self, text: str | Document, expected: str | None, *, backup: bool = True) -> str:
        """PUT `text` if the object is still at ETag `expected` (absent if None); the new ETag.

        Previous copies are the bucket's versioning business (`backup` has no effect here).
        """
        from botocore.exceptions import ClientError

        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self.key,
            "Body": str(text).encode("utf-8"),  # one body: a Document joined here
            "ContentType": "application/toml; charset=utf-8",
            "ServerSideEncryption": self.sse,
        }
        if self.kms_key_id and self.sse.startswith("aws:kms"):
            args["SSEKMSKeyId"] = self.kms_key_id
        if expected is None:
            args["IfNoneMatch"] = "*"
        else:
            args["IfMatch"] = expected
        try:
            with self._errors("PutObject"):
                etag: str = self.client.put_object(**args)["ETag"]
        except ClientError as exc:
            code, _status = _code(exc)
            # NoSuchKey on If-Match: the object was deleted since we read it — also "re-read".
            if code in CONFLICT_CODES or (expected is not None and code in ("NoSuchKey", "404")):
                with self._lock:
                    self._seen = None
                raise VersionConflict(f"{self.name} changed since it was read ({code})") from None
            raise self._refused(exc, "PutObject") from None
        self._observe(etag)
        return etag

    # --- extras for `golive status` ------------------------------------------------------------
    def versioning(self) -> str:
        """The bucket's versioning status: Enabled, Suspended or Disabled (never enabled)."""
        from botocore.exceptions import ClientError

        try:
            with self._errors("GetBucketVersioning"):
                answer = self.client.get_bucket_versioning(Bucket=self.bucket)
        except ClientError as exc:
            raise self._refused(exc, "GetBucketVersioning") from None
        return str(answer.get("Status") or "Disabled")

    def describe(self) -> dict[str, Any]:
        """Facts for `golive status`: where, encryption, bucket versioning (None when
        unreachable)."""
        try:
            versioning: str | None = self.versioning()
        except GoliveError:
            versioning = None
        return {
            "location": self.name,
            "kind": "s3",
            "encryption": self.sse,
            "versioning": versioning,
        }


def _code(exc: Any) -> tuple[str, int]:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
