"""The benchmark's network: a relay that delays each direction by half the round trip, and keeps
moto's connections open."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from golive_tui.sandbox.aws_moto import SandboxAccount
from golive_tui.sandbox.relay import Relays


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_request_and_its_answer_take_a_round_trip(echo_port: int) -> None:
    with Relays(rtt_ms=200) as relays:
        port = relays.add(echo_port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"warm")  # the connection's own handshake (one round trip) is paid here
            assert sock.recv(16) == b"warm"
            started = time.monotonic()
            sock.sendall(b"ping")
            assert sock.recv(16) == b"ping"
            elapsed = time.monotonic() - started
    assert elapsed >= 0.2  # there and back, 100 ms each way; never less, however fast the machine
    assert relays.connections[echo_port] == 1


def test_moto_behind_a_keep_alive_relay_uses_one_connection(aws_healthy: SandboxAccount) -> None:
    """moto closes after every answer (werkzeug sends Connection: close); AWS does not, and neither
    does the relay."""
    with Relays(0, watch=(b"Action=DescribeDBClusters",)) as relays:
        port = relays.add(aws_healthy.server.port, keep_alive=True)
        import boto3

        rds = boto3.client(
            "rds",
            region_name=aws_healthy.region,
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id=aws_healthy.credentials.access_key_id,
            aws_secret_access_key=aws_healthy.credentials.secret_access_key,
        )
        for _ in range(3):
            assert rds.describe_db_clusters()["DBClusters"]
        assert relays.count(b"Action=DescribeDBClusters") == 3
        assert relays.connections[aws_healthy.server.port] == 1
