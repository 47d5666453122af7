"""An async read shared by the probes of one sweep (ClientCache.shared_async): the OpenAPI document
four probes read, PagerDuty's service two probes look up.

Asked once per sweep whoever asks; each caller gets its own copy (a probe may edit it); the next
sweep asks again; a failure reaches the callers waiting for it and is then forgotten, so the next
caller tries again; a caller cut short (its probe's deadline) leaves the read running for the
others. The trap: a memo that outlives the sweep would show a document the API stopped serving.
"""

from __future__ import annotations

import asyncio

from golive_tui.probes.base import ClientCache


def test_one_read_per_sweep_a_copy_each_and_failures_forgotten() -> None:
    clients = ClientCache()
    reads: list[str] = []

    async def read(answer: str) -> dict[str, list[str]]:
        reads.append(answer)
        await asyncio.sleep(0.05)
        if answer == "boom":
            raise OSError("connection reset")
        return {"paths": [answer]}

    async def sweeps() -> None:
        first = await asyncio.gather(
            *(clients.shared_async("doc", lambda: read("v1")) for _ in range(4))
        )
        assert reads == ["v1"] and all(doc == {"paths": ["v1"]} for doc in first)
        first[0]["paths"].append("edited by one probe")
        assert first[1] == {"paths": ["v1"]}
        assert await clients.shared_async("doc", lambda: read("v2")) == {"paths": ["v1"]}

        clients.new_sweep()  # the next sweep reads production afresh
        assert await clients.shared_async("doc", lambda: read("v2")) == {"paths": ["v2"]}

        failed = await asyncio.gather(
            *(clients.shared_async("pd", lambda: read("boom")) for _ in range(2)),
            return_exceptions=True,
        )
        assert all(isinstance(f, OSError) for f in failed) and reads.count("boom") == 1
        assert await clients.shared_async("pd", lambda: read("ok")) == {"paths": ["ok"]}

        clients.new_sweep()
        cut = asyncio.ensure_future(clients.shared_async("doc", lambda: read("v3")))
        waiting = asyncio.ensure_future(clients.shared_async("doc", lambda: read("v4")))
        await asyncio.sleep(0.01)
        cut.cancel()
        assert await waiting == {"paths": ["v3"]} and "v4" not in reads

    asyncio.run(sweeps())
