"""Benchmark: the record after a 4-hour cutover (480 sweeps at 30 s) against the record after one
sweep.

Against the demo's staged production ("degraded"), in one run:

1. **one sweep**: `golive run` once, as a fresh process: the record a cutover starts with;
2. **the long record**: that record, then `--sweeps - 1` more sweeps recorded through the
   very function `golive run` and the cockpit save with (`actions.record_results`), as
   fast as the machine allows: the real results of a sweep re-timed 30 s apart (durations,
   readings and evidence as the probes gave them), a real sweep of the demo every
   `--real-every` sweeps, and a few items flipping now and then (a pass turns fail for
   three sweeps, then passes again);
3. on both records, each command as a fresh process, median of `--runs` (each run on a
   fresh copy, so every run starts from the same record): `golive run --format json`,
   `golive mark … --note`, `golive status`, `golive audit verify` (wall and CPU time, the
   two records taking turns, since the machine's load drifts) — after one warm-up
   command (the verification a process remembers for the next, state/verified.py); the
   first `audit verify` on the long record with nothing remembered is shown apart (cold);
4. **the cockpit in watch mode** over the same number of sweeps: the cockpit's session and
   its ResultBatch (the save in a thread, as the Textual app does) with the reload the app
   does after each save, on one event loop with a task measuring that loop's lag (a 5 ms
   tick: how late it wakes), the results re-timed (no probing in that process, so the lag
   is the saves'). Reports RSS after the first 20 sweeps and at the end, and the worst lag
   while a save was running and while none was (the machine's own noise).

The machine's load matters (shared cores): compare figures within one run only.

Run: uv run --extra demo python bench/long_cutover.py [--sweeps 480] [--runs 3] [--real-every 20]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui import actions  # noqa: E402
from golive_tui.actor import Actor  # noqa: E402
from golive_tui.checklists import load_checklist  # noqa: E402
from golive_tui.engine import Engine, ItemResult  # noqa: E402
from golive_tui.probes.base import ClientCache  # noqa: E402
from golive_tui.profile import load_profile  # noqa: E402
from golive_tui.sandbox.demo_process import DemoProcess  # noqa: E402
from golive_tui.session import ResultBatch, Session  # noqa: E402
from golive_tui.state import open_store  # noqa: E402
from golive_tui.vocab import Verdict  # noqa: E402

INTERVAL = timedelta(seconds=30)
CAPTAIN = "captain@bastion"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sweeps:
    """The sweeps of a simulated cutover: real results, re-timed, with a few flips."""

    def __init__(self, profile, items, real_every: int) -> None:
        self.profile, self.items, self.real_every = profile, items, real_every
        self.clients = ClientCache()
        self.loop = asyncio.new_event_loop()
        self.latest: list[ItemResult] = self.real()
        self.passing = [r.item.key for r in self.latest if r.result.verdict == Verdict.PASS]

    def real(self) -> list[ItemResult]:
        return self.loop.run_until_complete(
            Engine(self.profile, clients=self.clients).run(self.items)
        )

    def results(self, n: int, when: datetime) -> list[ItemResult]:
        if self.real_every and n % self.real_every == 0:
            self.latest = self.real()
        flipping = (
            {self.passing[(n // 40) % len(self.passing)]}
            if self.passing and n % 40 in (10, 11, 12)
            else set()
        )
        out = []
        for k, outcome in enumerate(self.latest):
            result = dataclasses.replace(
                outcome.result, checked_at=when + timedelta(milliseconds=5 * k)
            )
            if outcome.item.key in flipping:
                result = dataclasses.replace(
                    result, verdict=Verdict.FAIL, summary="flapping: 1 of 3 checks failed"
                )
            out.append(ItemResult(outcome.item, result))
        return out

    def close(self) -> None:
        self.loop.run_until_complete(self.clients.aclose())
        self.loop.close()


def golive(env: DemoProcess, state: Path, *args: str, cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command as a fresh process."""
    argv = [
        sys.executable,
        "-m",
        "golive_tui",
        "--profile",
        str(env.profile_path),
        "--state",
        str(state),
        *args,
    ]
    environ = {**os.environ, "XDG_CACHE_HOME": str(cache), "GOLIVE_USER": CAPTAIN}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, timeout=600, env=environ)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 3):
        raise SystemExit(
            f"golive {' '.join(args)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}"
        )
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


COMMANDS = (
    ("run", ("run", "--format", "json")),
    ("mark", ("mark", "{manual}", "done", "--note", "bench")),
    ("status", ("status",)),
    ("audit verify", ("audit", "verify")),
)


def commands(
    env: DemoProcess, records: dict[str, Path], work: Path, runs: int, manual: str
) -> dict[str, dict[str, tuple[float, float]]]:
    """Median (wall, CPU) seconds of each command on fresh copies of each record, the records taking
    turns (the machine's load drifts: interleaving keeps the comparison fair). One warm-up command
    per record first: what the first command of a session leaves for the next (the verified prefix,
    state/verified.py)."""
    out: dict[str, dict[str, tuple[float, float]]] = {name: {} for name in records}
    for name, record in records.items():
        golive(env, record, "status", cache=work / f"cache-{name}")
    for label, template in COMMANDS:
        args = tuple(a.format(manual=manual) for a in template)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in records}
        for n in range(runs):
            for name, record in records.items():
                copy = work / f"{name}-{label.replace(' ', '-')}-{n}.toml"
                shutil.copy(record, copy)
                times[name].append(golive(env, copy, *args, cache=work / f"cache-{name}"))
        for name in records:
            out[name][label] = (
                statistics.median(t[0] for t in times[name]),
                statistics.median(t[1] for t in times[name]),
            )
    return out


def entries_parsed(record: Path, cache: Path) -> str:
    """How many audit entries a fresh process parses to decide GO/NO-GO (verification included)."""
    code = (
        "import sys; from pathlib import Path; from datetime import UTC, datetime\n"
        "from golive_tui.checklists import load_checklist; from golive_tui.decision import decide\n"
        "from golive_tui.state.codec import Codec\n"
        "p = Path(sys.argv[1]); s = Codec().loads(p, p.read_text()); "
        "d = decide(load_checklist(), s, datetime.now(UTC))\n"
        "print(f'{sum(e is not None for e in s.audit._read)} "
        "of {len(s.audit)} (verified: {d.integrity.ok})')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(record)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    return done.stdout.strip() or done.stderr.strip()[-300:]


async def cockpit(
    profile, checklist, sweeps: Sweeps, path: Path, count: int, t0: datetime
) -> dict[str, float]:
    """Watch mode over `count` sweeps: RSS, and the event loop's lag while saves run."""
    store = open_store(path, profile, checklist=checklist.title)
    session = Session(checklist, profile, store, Actor.current(CAPTAIN))
    session.warm_up()  # as the app does after its first frame (SDK imports, gc.freeze)
    saving = [0]
    lags: dict[str, list[float]] = {"saving": [], "idle": []}

    def save(results: list[ItemResult]) -> None:
        saving[0] += 1
        try:
            session.save_results(results)
        finally:
            saving[0] -= 1

    ran: dict[str, list[float]] = {"saving": [], "idle": []}

    async def lag_monitor() -> None:
        tick = 0.005
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(tick)
            late = time.perf_counter() - started - tick
            key = "saving" if saving[0] else "idle"
            lags[key].append(late)
            if late > 0.1:  # a stall: this process's CPU time in it (its threads ran, or not)
                ran[key].append((time.process_time() - cpu) / late)

    monitor = asyncio.get_running_loop().create_task(lag_monitor())
    batch = ResultBatch(save)
    early = 0.0
    started = time.perf_counter()
    for n in range(1, count + 1):
        when = t0 + n * INTERVAL
        session.actor = Actor.current(CAPTAIN).at(when)
        for result in await asyncio.to_thread(sweeps.results, n, when):
            batch.add(result)  # one at a time, as the app hands them in
        while batch.pending or (batch._task is not None and not batch._task.done()):
            await asyncio.sleep(0.01)
        await asyncio.to_thread(session.reload)  # what the app's watch loop does between sweeps
        if n == 20:
            early = rss_mb()
    monitor.cancel()
    out = {
        "rss_early": early,
        "rss_end": rss_mb(),
        "wall": time.perf_counter() - started,
        "size": path.stat().st_size,
    }
    for key, values in lags.items():
        values.sort()
        out[f"lag_{key}_ms"] = values[-1] * 1000 if values else 0.0
        out[f"lag_{key}_p99_ms"] = values[int(len(values) * 0.99)] * 1000 if values else 0.0
        out[f"lag_{key}_over_100"] = sum(v > 0.1 for v in values)
        # Stalls in which the process used at least half the time on the CPU: its own doing
        # (a thread holding the interpreter lock, a collection); the others: the machine's.
        out[f"lag_{key}_own_over_100"] = sum(r >= 0.5 for r in ran[key])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweeps", type=int, default=480)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--real-every",
        type=int,
        default=20,
        help="a real sweep of the demo every N sweeps (0: only the first)",
    )
    parser.add_argument("--no-cockpit", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the records and caches in this directory")
    args = parser.parse_args()
    checklist = load_checklist()
    items = [i for i in checklist.items() if i.probe]
    manual = next(i.key for i in checklist.items() if not i.probe)
    with DemoProcess("degraded") as env, tempfile.TemporaryDirectory(prefix="golive-long-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        profile = load_profile(env.profile_path)
        one = work / "one-sweep.toml"
        long = work / "long.toml"
        golive(env, one, "run", "--format", "json", cache=work / "cache-setup")
        shutil.copy(one, long)
        sweeps = Sweeps(profile, items, args.real_every)
        store = open_store(long, profile, checklist=checklist.title)
        # The cutover has been going on for its 480 sweeps until now: entries are in the past,
        # as a command run at hour 4 finds them (not 4 hours ahead of its clock).
        t0 = datetime.now(UTC) - args.sweeps * INTERVAL
        started = time.perf_counter()
        for n in range(1, args.sweeps):
            when = t0 + n * INTERVAL
            actions.record_results(
                store, sweeps.results(n, when), actor=Actor.current(CAPTAIN).at(when)
            )
        simulated = time.perf_counter() - started
        state = store.read()
        kinds: dict[str, int] = {}
        for entry in state.audit:
            kinds[entry.action] = kinds.get(entry.action, 0) + 1
        cold_verify = golive(env, long, "audit", "verify", cache=work / "cache-cold")[0]
        timed = commands(env, {"one": one, "long": long}, work, args.runs, manual)
        base, grown = timed["one"], timed["long"]
        parsed = entries_parsed(long, work / "cache-long")
        watch = None
        if not args.no_cockpit:
            path = work / "cockpit.toml"
            shutil.copy(one, path)
            # the saves alone: probing in the same process is the engine's lag, not the record's
            sweeps.real_every = 0
            watch = asyncio.run(cockpit(profile, checklist, sweeps, path, args.sweeps - 1, t0))
        sweeps.close()
        print(
            f"machine: {os.cpu_count()} cores (load: {os.getloadavg()[0]:.1f}); "
            f"{len(items)} probed items; demo 'degraded'"
        )
        print(
            f"{args.sweeps} sweeps ({args.sweeps - 1} recorded in "
            f"{simulated:.1f} s, a real one every {args.real_every}); "
            f"audit entries: {len(state.audit)} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
        )
        print(
            f"state file: one sweep {one.stat().st_size / 1024:.0f} KB, "
            f"after {args.sweeps} sweeps {long.stat().st_size / 1024:.0f} KB"
        )
        print(
            f"{'command':<14} {'1 sweep s':>10} {f'{args.sweeps} sweeps s':>14} "
            f"{'ratio':>6} {'CPU s (1 / long)':>18} {'CPU ratio':>9}"
        )
        for label in base:
            (w1, c1), (w2, c2) = base[label], grown[label]
            print(
                f"{label:<14} {w1:>10.2f} {w2:>14.2f} {w2 / w1:>6.2f} "
                f"{f'{c1:.2f} / {c2:.2f}':>18} {c2 / c1:>9.2f}"
            )
        print(
            "audit verify, nothing remembered (first "
            f"command after the cutover): {cold_verify:.2f} s"
        )
        print(
            "entries parsed by a fresh process deciding GO/NO-GO "
            f"on the long record (what status does): {parsed}"
        )
        if watch is not None:
            growth = (watch["rss_end"] - watch["rss_early"]) / watch["rss_early"] * 100
            print(
                f"cockpit watch over {args.sweeps - 1} sweeps "
                f"({watch['wall']:.0f} s, record {watch['size'] / 1024:.0f} KB): "
                f"RSS {watch['rss_early']:.0f} MB after 20 sweeps "
                f"-> {watch['rss_end']:.0f} MB ({growth:+.1f} %); "
                f"event-loop lag while saving: worst {watch['lag_saving_ms']:.0f} "
                f"ms, p99 {watch['lag_saving_p99_ms']:.0f} ms, "
                f"{watch['lag_saving_over_100']} ticks over 100 ms "
                f"({watch['lag_saving_own_over_100']} with the process on "
                "the CPU); while not saving (the machine's noise): worst "
                f"{watch['lag_idle_ms']:.0f} ms, p99 {watch['lag_idle_p99_ms']:.0f} "
                f"ms, {watch['lag_idle_over_100']} over 100 ms "
                f"({watch['lag_idle_own_over_100']} with the process on the CPU)"
            )


if __name__ == "__main__":
    main()
