"""One trustme CA for the whole sandbox, so a profile needs a single CA bundle."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import tempfile
import warnings
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return cast(int, sock.getsockname()[1])  # an AF_INET socket's name is (host, port)


@dataclass
class SandboxCA:
    """A test CA; `bundle` is the PEM file clients trust (profile http.ca_bundle)."""

    directory: Path

    def __post_init__(self) -> None:
        import trustme

        self.ca = trustme.CA(organization_name="golive sandbox CA")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.bundle = self.directory / "sandbox-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.bundle))

    @classmethod
    def in_tempdir(cls) -> SandboxCA:
        return cls(Path(tempfile.mkdtemp(prefix="golive-ca-")))

    def server_context(
        self,
        *hosts: str,
        days: float = 90,
        minimum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    ) -> ssl.SSLContext:
        """A server SSLContext with a leaf for `hosts` (default 127.0.0.1, localhost) valid
        `days`."""
        not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        leaf = self.ca.issue_cert(*(hosts or ("127.0.0.1", "localhost")), not_after=not_after)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if minimum_version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0/1.1 above level 0
        with warnings.catch_warnings():  # a legacy server is what some scenarios stage
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = minimum_version
        leaf.configure_cert(ctx)
        return ctx

    def issue_pem(self, *hosts: str, days: float = 90) -> tuple[bytes, bytes]:
        """(certificate chain PEM, private key PEM) for hosts, e.g. to import into ACM."""
        not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        leaf = self.ca.issue_cert(*hosts, not_after=not_after)
        chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
        return chain, leaf.private_key_pem.bytes()


class TLSServer(ThreadingHTTPServer):
    """An HTTPS ThreadingHTTPServer that handshakes in each connection's thread, not in accept().

    Wrapping the listening socket would run every TLS handshake in the single accept loop,
    and the default backlog of 5 drops connections when a probe sweep opens dozens at once.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, context: ssl.SSLContext) -> None:
        self.tls_context = context
        super().__init__(address, handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A refused handshake (a probe asking for TLS 1.0) or a dropped client is normal here: no
        traceback."""
        import sys

        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        return self.tls_context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address
