"""S3 for the shared-state tests and the demo: moto in server mode, made honest about concurrent
writes.

What moto 5.2.5 does with conditional writes (measured): PutObject evaluates `If-Match`
(412 PreconditionFailed on a different ETag, 404 NoSuchKey when the object is gone) and
`If-None-Match: *` (412 when the object exists), like S3. But the check and the write are
not atomic: the server handles requests on concurrent threads and nothing serialises
them, so two writers holding the same ETag can both pass the check and one update is
lost, where S3 lets exactly one win. Concurrent PUTs of one key can also fail with HTTP
500 (a replaced object's buffer is closed while another request still reads its ETag).
Both show up within a few dozen rounds of six racing writers.

`serialise_object_requests()` fixes that inside the server process only, by running
each object request (GET/HEAD/PUT/DELETE of a key) of moto's S3 response handler under
one lock, so a conditional PUT is check-and-write atomic as on S3. Clients are never
patched: they see real HTTP answers, including the 412s that drive their retries.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from .aws_moto import MotoServer
from .tls import free_port

_lock = threading.RLock()
_installed = False


def serialise_object_requests() -> None:
    """Make moto's S3 object requests atomic in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.s3.responses import S3Response

        original = S3Response.key_response

        @functools.wraps(original)
        def key_response(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                return original(self, *args, **kwargs)

        # moto's handler replaced in place (mypy refuses assigning to a method)
        S3Response.key_response = key_response  # type: ignore[method-assign]
        _installed = True


class S3Server(MotoServer):
    """moto on 127.0.0.1 for S3; `stop()` then `start()` keeps the data and the port (an outage)."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__(port=port or free_port())

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> S3Server:
        serialise_object_requests()
        # moto keeps its state in module globals: a restarted server still has the buckets.
        super().start()
        return self

    def client(self, region: str = "eu-west-1") -> Any:
        import boto3

        return boto3.client("s3", region_name=region, endpoint_url=self.endpoint_url)

    def bucket(self, name: str, *, versioning: bool = True, region: str = "eu-west-1") -> str:
        """Create a bucket (versioned by default, as the README recommends for shared state)."""
        s3 = self.client(region)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name
