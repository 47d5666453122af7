"""A host that stops answering, then comes back, is answered again on the next sweep.

Seen in the cockpit (one event loop for every sweep, kept-alive clients): after the staged
production was stopped and continued, three probes of the API host kept failing with
`timed out after 8s` sweep after sweep while curl got an answer in 4 ms. When the engine finds
a backend dead it cuts that backend's running probes at once, some connecting, some waiting for
one of the target's 8 pool slots; httpcore keeps a connection handed to a request cut while it
waited for it in the pool for good (encode/httpcore#1093). Two such cuts took all 8 slots, and
every later request waited out its deadline for a slot against a host that answered again.
A request that ends by a timeout or a cancellation now retires its target's client: the next
request opens a fresh pool.
"""

from __future__ import annotations

import asyncio

from golive_tui.model import Item
from golive_tui.probes import http_client
from golive_tui.probes.base import ClientCache, ProbeContext, ProbeError
from golive_tui.profile import Profile
from golive_tui.sandbox.faults import Freezable


def test_a_host_back_from_a_freeze_answers_the_next_sweep_on_the_same_loop(sandbox_ca) -> None:
    host = Freezable(sandbox_ca.server_context())
    url = f"https://{host.endpoint}/healthz"
    profile = Profile.model_validate({"http": {"ca_bundle": str(sandbox_ca.bundle)}})
    clients = ClientCache()
    item = Item(id="api", title="API")

    async def probe(timeout: float) -> str:
        ctx = ProbeContext(profile, item, clients, timeout)
        try:
            return str((await http_client.request(ctx, "GET", url)).status_code)
        except ProbeError as exc:
            return str(exc)

    async def sweep(requests: int) -> list[str]:
        return await asyncio.gather(*(probe(3.0) for _ in range(requests)))

    async def cut_when_found_dead() -> list[BaseException | str]:
        """A sweep during the freeze: 16 probes of the host (8 connecting, 8 waiting for a slot),
        cut together when the reachability check finds the host silent."""
        running = [asyncio.create_task(probe(5.0)) for _ in range(16)]
        await asyncio.sleep(0.3)
        for task in running:
            task.cancel()
        return await asyncio.gather(*running, return_exceptions=True)

    async def cutover() -> tuple[list[str], list, list[str], list[str]]:
        before = await sweep(4)  # kept-alive connections in the pool
        host.frozen.set()
        cut = [outcome for _ in range(3) for outcome in await cut_when_found_dead()]
        host.frozen.clear()
        after = await sweep(12)
        again = await sweep(12)
        await clients.aclose()
        return before, cut, after, again

    try:
        before, cut, after, again = asyncio.run(cutover())
    finally:
        host.stop()
    assert before == ["200"] * 4
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in cut), cut
    assert after == ["200"] * 12, after
    assert again == ["200"] * 12, again
