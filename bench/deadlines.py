"""Benchmark: how long an HTTP request lasts against peers that never finish, per way of bounding
it.

Peers on 127.0.0.1 (golive_tui/sandbox/faults.py): a blackhole (accepts, never answers) and
a trickle server sending one byte a second in the headers or in the body. Ways measured,
each with a 2 s budget:
  sync timeout   httpx.Client(timeout=2): bounds each connect and each read, not the request
  sync stream    httpx.Client.stream + a deadline checked between body chunks
  async timeout  httpx.AsyncClient inside asyncio.timeout(2) (what golive's probes use)
A way that has not ended after CAP seconds is reported as "> CAP s" (its thread is left behind).

Run: uv run --extra demo python bench/deadlines.py
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from golive_tui.sandbox.faults import Blackhole, Trickle  # noqa: E402

BUDGET = 2.0
CAP = 12.0


def sync_timeout(url: str) -> None:
    with httpx.Client(timeout=BUDGET) as client:
        client.get(url)


def sync_stream(url: str) -> None:
    deadline = time.monotonic() + BUDGET
    with httpx.Client(timeout=BUDGET) as client, client.stream("GET", url) as response:
        for _ in response.iter_bytes():
            if time.monotonic() > deadline:
                raise TimeoutError


def async_timeout(url: str) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(timeout=BUDGET) as client:
            async with asyncio.timeout(BUDGET):
                await client.get(url)

    asyncio.run(main())


def measure(way, url: str) -> str:
    outcome: dict[str, str] = {}

    def target() -> None:
        try:
            way(url)
            outcome["how"] = "answered"
        except Exception as exc:
            outcome["how"] = type(exc).__name__

    started = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CAP)
    took = time.perf_counter() - started
    return (
        f"> {CAP:g} s (still running)" if thread.is_alive() else f"{took:5.2f} s ({outcome['how']})"
    )


def main() -> None:
    peers = {
        "blackhole": Blackhole(),
        "trickle headers": Trickle("headers"),
        "trickle body": Trickle("body"),
    }
    ways = {
        "sync timeout": sync_timeout,
        "sync stream": sync_stream,
        "async timeout": async_timeout,
    }
    try:
        print(f"budget {BUDGET:g} s per request; peers on 127.0.0.1\n")
        print(f"{'peer':16} " + " ".join(f"{name:26}" for name in ways))
        for peer_name, peer in peers.items():
            url = f"http://{peer.endpoint}/health"
            print(
                f"{peer_name:16} " + " ".join(f"{measure(way, url):26}" for way in ways.values()),
                flush=True,
            )
    finally:
        for peer in peers.values():
            peer.stop()


if __name__ == "__main__":
    main()
