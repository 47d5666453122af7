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


def test_a_yaml_document_is_parsed_and_a_web_page_is_not_a_document(sandbox_ca) -> None:
    """The OpenAPI document is fetched once and parsed by each probe: YAML as well as JSON; an HTML
    page answering 200 (a login wall, a SPA's index) is named as not a document, for every probe
    of the sweep that reads it."""
    from golive_tui.model import Item
    from golive_tui.probes.base import ProbeContext, ProbeError
    from golive_tui.probes.openapi import fetch_document
    from golive_tui.profile import Profile
    from golive_tui.sandbox.web import HttpsService

    bodies = {
        "/openapi.yaml": "openapi: 3.0.3\ninfo: {title: api, version: '2.4.0'}\npaths: {}\n",
        "/docs": "<html><body>Sign in</body></html>",
    }
    hits: list[str] = []

    def handler(method, path, headers, body):
        hits.append(path)
        kind = "application/yaml" if path.endswith(".yaml") else "text/html"
        return 200, {"Content-Type": kind}, bodies[path]

    service = HttpsService(sandbox_ca, handler)

    async def probe(path: str) -> list[object]:
        profile = Profile.model_validate(
            {"http": {"ca_bundle": str(sandbox_ca.bundle), "openapi_url": service.url + path}}
        )
        clients = ClientCache()
        ctx = ProbeContext(profile, Item(id="api", title="API"), clients, 5.0)
        answers = await asyncio.gather(
            *(fetch_document(ctx) for _ in range(3)), return_exceptions=True
        )
        await clients.aclose()
        return answers

    try:
        yaml_answers = asyncio.run(probe("/openapi.yaml"))
        page_answers = asyncio.run(probe("/docs"))
    finally:
        service.stop()
    assert all(a[1]["info"]["version"] == "2.4.0" for a in yaml_answers), yaml_answers
    assert yaml_answers[0][1] is not yaml_answers[1][1]  # each probe its own copy
    assert all(isinstance(a, ProbeError) for a in page_answers)
    assert "answered 200 with text/html, not an OpenAPI document" in str(page_answers[0])
    assert hits == ["/openapi.yaml", "/docs"]  # one request per sweep each
