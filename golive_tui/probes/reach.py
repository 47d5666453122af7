"""Whether a probe's backends answer: one reachability check per backend, not one timeout per
item (which backends a probe needs: backends.py).

The engine asks `Reachability` of a run when a probe of a backend has waited longer than
`suspect_after` or ended in `error`. The first such suspicion checks every backend of the run at
once (a silent network is rarely silent for one host only): one HTTP request each, bounded by
`limit`. Any HTTP answer — or a TLS certificate we do not trust, which is the peer talking — is
alive; a refused connection or no answer in time is an outage. A dead backend stays dead for the
rest of the run: its running probes are cut, its waiting ones never start, and the next sweep
(a new run) asks again. Verification stays on: an untrusted certificate is never accepted, only
counted as an answer.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..reachability import Outage
from .backends import Target, host_of
from .base import ProbeContext, ProbeError

SUSPECT_AFTER = 2.0
"""Seconds a probe may wait on its backend before the engine asks whether the backend answers at
all."""
CHECK_LIMIT = 3.0
"""Seconds one reachability check may take (then the backend is silent)."""


async def answers(url: str, context: ssl.SSLContext | None, limit: float) -> str | None:
    """None when the peer starts answering an HTTP request within `limit`; else why it is taken as
    unreachable.

    The first byte of an answer is enough: a slow server is the probes' to judge, a silent one is an
    outage. Through a configured proxy (which always answers), the answer's status line is what
    counts.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host, port = parts.hostname or "", parts.port or (443 if secure else 80)
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(host):
        return await _through_proxy(url, context, limit)
    writer = None
    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection(
                host,
                port,
                ssl=(context or ssl.create_default_context()) if secure else None,
                server_hostname=host if secure else None,
            )
            path = parts.path or "/"
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            first = await reader.read(1)
    except TimeoutError:
        return f"no answer within {limit:g} s"
    except ssl.SSLCertVerificationError:
        return None  # it sent a certificate: it answers (the probes judge the certificate)
    except ConnectionRefusedError:
        return "connection refused"
    except socket.gaierror:
        return f"{host}: name not resolved"
    except (OSError, ssl.SSLError) as exc:
        return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(
            exc
        ).__name__
    finally:
        if writer is not None:
            writer.close()
    return None if first else "connection closed without an answer"


async def _through_proxy(url: str, context: ssl.SSLContext | None, limit: float) -> str | None:
    import httpx

    try:
        async with asyncio.timeout(limit):
            async with httpx.AsyncClient(
                verify=context or True, timeout=limit, trust_env=True
            ) as client:
                async with client.stream("GET", url):
                    return None
    except TimeoutError:
        return f"no answer within {limit:g} s"
    except httpx.HTTPError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLCertVerificationError):
                return None
            cause = cause.__cause__ or cause.__context__
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class _Backend:
    target: Target
    checked: float | None = None
    """time.monotonic() of the last check's end."""
    task: asyncio.Task[None] | None = None
    outage: Outage | None = None
    answered: float | None = None
    """time.monotonic() when a probe of it last got an answer (it talks, however slowly)."""


@dataclass
class Reachability:
    """Backends of one run: checked on suspicion, dead for the rest of the run once silent."""

    ctx: ProbeContext
    limit: float = CHECK_LIMIT
    suspect_after: float = SUSPECT_AFTER
    backends: dict[str, _Backend] = field(default_factory=dict)
    suspected: bool = False
    _death: asyncio.Future[Outage] | None = None

    @classmethod
    def for_timeout(cls, ctx: ProbeContext, timeout: float) -> Reachability:
        return cls(
            ctx,
            limit=max(1.0, min(CHECK_LIMIT, timeout / 2)),
            suspect_after=min(SUSPECT_AFTER, timeout / 4),
        )

    def register(self, found: Iterable[Target]) -> list[tuple[_Backend, bool]]:
        """The backends of one probe (one per name: a host is one backend, whichever URL a probe
        asks), each with whether this probe judges it softly. After the run's first suspicion a new
        backend is checked at once."""
        pairs = []
        for target in found:
            backend = self.backends.setdefault(target.name, _Backend(target))
            if not target.soft and backend.target.soft:
                backend.target = target  # a hard probe's URL is the one worth asking
            if self.suspected:
                self._check(backend)
            pairs.append((backend, target.soft))
        return pairs

    def outage(self, pairs: list[tuple[_Backend, bool]]) -> Outage | None:
        """The outage that stops a probe: every backend it needs is dead (None when one answers, or
        for soft ones)."""
        hard = [b for b, soft in pairs if not soft]
        if hard and all(b.outage is not None for b in hard):
            return hard[0].outage
        return None

    def all_soft_dead(self, pairs: list[tuple[_Backend, bool]]) -> Outage | None:
        """The probe judges reachability itself and every host it would ask is known silent: give it
        a short deadline."""
        if pairs and all(soft and b.outage is not None for b, soft in pairs):
            return pairs[0][0].outage
        return None

    def death(self) -> asyncio.Future[Outage]:
        """Resolves at the next backend found dead (a running probe wakes to see whether it is its
        own)."""
        if self._death is None or self._death.done():
            self._death = asyncio.get_running_loop().create_future()
        return self._death

    def suspect(self, pairs: list[tuple[_Backend, bool]]) -> None:
        """A probe waits too long: check its backends, and on the first suspicion of the run every
        backend."""
        wanted = list(self.backends.values()) if not self.suspected else [b for b, _ in pairs]
        self.suspected = True
        for backend in wanted:
            self._check(backend)

    async def confirm(
        self, pairs: list[tuple[_Backend, bool]], within: float | None = None
    ) -> Outage | None:
        """After a probe's error: is it because its backend does not answer? (a recent check is
        reused)

        `within`: how long the probe may still wait (what is left of its deadline). A check that
        takes longer goes on for the probes after it, but never keeps this one past its deadline.
        """
        tasks = [t for b, soft in pairs if not soft and (t := self._check(b)) is not None]
        if tasks and (within is None or within > 0):
            await asyncio.wait(tasks, timeout=within)
        return self.outage(pairs)

    def _check(self, backend: _Backend) -> asyncio.Task[None] | None:
        if backend.outage is not None:
            return None
        if backend.task is not None and not backend.task.done():
            return backend.task
        if backend.checked is not None and time.monotonic() - backend.checked < self.suspect_after:
            return None
        backend.task = asyncio.get_running_loop().create_task(self._run_check(backend))
        return backend.task

    async def _run_check(self, backend: _Backend) -> None:
        from .http_client import tls_context

        try:
            context = tls_context(self.ctx)
            if (
                backend.target.ca
            ):  # the kubeconfig's CA: a fresh context (the shared one is the probes')
                context = ssl.create_default_context(cadata=backend.target.ca)
        except (
            OSError,
            ssl.SSLError,
            ValueError,
            ProbeError,
        ):  # the probes say what is wrong with it
            context = None
        started = time.monotonic()
        why = await answers(backend.target.url, context, self.limit)
        backend.checked = time.monotonic()
        if backend.answered is not None and backend.answered >= started:
            # A probe of it got its answer while the check waited: slow (a loaded moto answered
            # the probes but not the check in time, and a whole sweep read 'unreachable'), not dead.
            why = None
        if why is not None:
            backend.outage = Outage(
                backend.target.name, self.ctx.now(), why, host_of(backend.target.url)
            )
            future = self.death()
            if not future.done():
                future.set_result(backend.outage)

    def answered(self, pairs: list[tuple[_Backend, bool]]) -> None:
        """A probe of these backends got an answer (its result is not about reaching them)."""
        now = time.monotonic()
        for backend, _ in pairs:
            backend.answered = now

    def outages(self) -> list[Outage]:
        return [b.outage for b in self.backends.values() if b.outage is not None]

    async def aclose(self) -> None:
        for backend in self.backends.values():
            if backend.task is not None and not backend.task.done():
                backend.task.cancel()
