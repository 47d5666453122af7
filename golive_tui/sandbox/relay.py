"""A TCP relay that puts a network between a client and a sandbox server: each direction delayed by
half a round trip.

The kernel here has no `sch_netem`, so `tc … netem delay` is not available; this relay does
in user space what it would: every chunk read from one side is written to the other
`rtt/2` seconds later, in order, with no bandwidth limit (a bastion in a region, a VPN).
TLS passes through untouched (certificates name 127.0.0.1, not a port). It can also count
a byte pattern in what clients send (`count`), e.g. `Action=DescribeDBClusters` in the
query-protocol bodies moto receives: what the server was asked, not what a client says it did.

In a thread: `with Relays(rtt_ms=20) as relays: port = relays.add(target_port)`.
As a process (the benchmark, so the relay never shares the measured interpreter):
`python -m golive_tui.sandbox.relay --rtt-ms 20 PORT…` prints one JSON line
`{"PORT": relay_port, …}` and relays until its stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from typing import cast


class Relays:
    """Relays to 127.0.0.1 ports, on one event loop in a daemon thread."""

    def __init__(self, rtt_ms: float = 0.0, *, watch: tuple[bytes, ...] = ()) -> None:
        self.delay = rtt_ms / 2000.0
        self.watch = watch
        self.counts: Counter[bytes] = Counter()
        self.connections: Counter[int] = Counter()
        """Connections opened per target port (a TLS handshake each, for TLS endpoints)."""
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.AbstractServer] = []
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="golive-relay", daemon=True
        )

    def start(self) -> Relays:
        self._thread.start()
        return self

    def add(self, target_port: int, host: str = "127.0.0.1", *, keep_alive: bool = False) -> int:
        """Relay a new local port to `host:target_port`; return the new port.

        `keep_alive`: the target is a plain-HTTP server that closes every connection after one
        answer (moto's werkzeug server always sends `Connection: close`), which AWS's endpoints
        never do; the relay then keeps the client's connection open, as AWS does, and uses a
        fresh loopback connection per request on the server's side.
        """
        handler = self._keep_alive if keep_alive else self._connection

        async def serve() -> asyncio.Server:
            return await asyncio.start_server(
                lambda r, w: handler(r, w, host, target_port), "127.0.0.1", 0
            )

        server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self._servers.append(server)
        return cast(int, server.sockets[0].getsockname()[1])  # AF_INET: (host, port)

    def count(self, pattern: bytes) -> int:
        with self._lock:
            return self.counts[pattern]

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:  # connections still open: end them here, not as warnings at exit
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> Relays:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- one connection ------------------------------------------------------------------------
    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int
    ) -> None:
        with self._lock:
            self.connections[port] += 1
        ends = [writer]
        try:
            await asyncio.sleep(
                self.delay
            )  # the SYN's way there; the connect below adds the way back
            up_reader, up_writer = await asyncio.open_connection(host, port)
            ends.append(up_writer)
            await asyncio.sleep(self.delay)
            await asyncio.gather(
                self._pipe(reader, up_writer, watched=True),
                self._pipe(up_reader, writer, watched=False),
                return_exceptions=True,
            )
        except (
            OSError,
            asyncio.CancelledError,
        ):  # refused upstream, or the relay stopping: the connection ends here
            pass
        finally:
            for end in ends:
                end.close()

    async def _keep_alive(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int
    ) -> None:
        """HTTP/1.1 requests with Content-Length bodies, one after another on one client
        connection."""
        with self._lock:
            self.connections[port] += 1
        try:
            await asyncio.sleep(self.delay * 2)  # the connection's handshake
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length[1])) if length else b""
                request = head + body
                self._watched(request)
                await asyncio.sleep(self.delay)
                up_reader, up_writer = await asyncio.open_connection(host, port)
                up_writer.write(request)
                answer = await up_reader.read()  # the server closes after its answer
                up_writer.close()
                head, _, rest = answer.partition(b"\r\n\r\n")
                await asyncio.sleep(self.delay)
                writer.write(
                    re.sub(rb"(?im)^connection:\s*close\r\n", b"", head + b"\r\n") + b"\r\n" + rest
                )
                await writer.drain()
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.CancelledError,
        ):
            pass
        finally:
            writer.close()

    def _watched(self, data: bytes) -> None:
        if self.watch:
            with self._lock:
                for pattern in self.watch:
                    self.counts[pattern] += data.count(pattern)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, watched: bool
    ) -> None:
        """Copy one direction, each chunk delivered `delay` after it was read (in order: a queue and
        one writer)."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        tail = b""

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    break
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(65536):
                if watched and self.watch:
                    seen = tail + data
                    with self._lock:
                        for pattern in self.watch:
                            self.counts[pattern] += seen.count(pattern) - tail.count(pattern)
                    tail = seen[-max(len(p) for p in self.watch) :]
                queue.put_nowait((time.monotonic() + self.delay, data))
        except OSError:
            pass
        except BaseException:
            # Cancelled, or collected with its loop gone (GeneratorExit): no flushing then, and no
            # await (a coroutine that awaits while it is being closed only earns a warning).
            sender.cancel()
            with contextlib.suppress(Exception):
                writer.close()
            raise
        queue.put_nowait((time.monotonic() + self.delay, b""))
        try:
            await sender
            writer.write_eof() if writer.can_write_eof() else writer.close()
        except OSError:
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument(
        "--keep-alive",
        type=int,
        action="append",
        default=[],
        metavar="PORT",
        help=(
            "a plain-HTTP server that closes after each answer (moto): keep the clients' "
            "connections open"
        ),
    )
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()
    from .processes import die_with_parent

    die_with_parent()
    relays = Relays(args.rtt_ms).start()
    print(
        json.dumps(
            {str(port): relays.add(port, keep_alive=port in args.keep_alive) for port in args.ports}
        ),
        flush=True,
    )
    sys.stdin.read()  # until the parent closes it (or dies)
    relays.stop()
    print(
        json.dumps({"connections": {str(k): v for k, v in relays.connections.items()}}), flush=True
    )
    os._exit(
        0
    )  # connections the stop cut are garbage now: no "Task was destroyed" lines at interpreter exit


if __name__ == "__main__":
    main()
