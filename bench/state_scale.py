"""Benchmark: load and save of a state file with 1,000 and 10,000 items.

Each item has a status, a note and a probe result, and the audit trail holds one entry
per item (what a real sweep leaves behind). `save` is one `transact` (lock, re-read,
append, atomic write with fsync). Loads: cold (nothing cached), unchanged (the file's
fingerprint is the one this process last saw), and after another process wrote (the
re-parse a live-reloading TUI does: items re-read, audit chunks already known).

Run: uv run python bench/state_scale.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.actor import Actor  # noqa: E402
from golive_tui.state import State, open_store  # noqa: E402
from golive_tui.state.chain import Change, append  # noqa: E402
from golive_tui.state.codec import Codec  # noqa: E402


def build(n: int) -> State:
    state = State(checklist="bench")
    now = datetime.now(UTC)
    for i in range(n):
        probe = {
            "verdict": "pass",
            "summary": f"{i} checks passed",
            "evidence": "node-a Ready\nnode-b Ready",
            "checked_at": now,
            "duration_ms": 12.5,
        }
        append(
            state,
            Change(
                f"item:section-{i % 20}.item-{i}",
                "probe",
                {"status": "done", "note": "verified on the call", "probe": probe},
            ),
            by="bench@host",
            at=now,
        )
    return state


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    print(
        f"{'items':>7} {'file KB':>8} {'load cold ms':>13} "
        f"{'unchanged ms':>13} {'after other writer ms':>22} {'save ms':>8}"
    )
    for n in (1_000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            writer = open_store(Path(tmp) / "state.toml")
            writer.replace_document(Codec().dumps(build(n)))
            store = open_store(writer.path)  # a fresh process's store: its codec's caches are cold
            size = store.path.stat().st_size // 1024
            cold = timed(store.read, 1)[0]
            warm = statistics.median(timed(store.read, 5))
            counter = iter(range(10**6))
            save = statistics.median(
                timed(
                    lambda: store.transact(
                        [
                            Change(
                                "item:section-0.item-0", "mark", {"note": f"edit {next(counter)}"}
                            )
                        ],
                        Actor.current("bench"),
                    ),
                    5,
                )
            )
            other = open_store(store.path)  # a second captain's process: its own fingerprint
            other.read()

            def reload_after_other_writer() -> None:
                store.transact(
                    [Change("item:section-1.item-1", "mark", {"note": f"x {next(counter)}"})],
                    Actor.current("b"),
                )
                started = time.perf_counter()
                other.read()
                reload_times.append((time.perf_counter() - started) * 1000)

            reload_times: list[float] = []
            for _ in range(5):
                reload_after_other_writer()
            reload = statistics.median(reload_times)
            print(f"{n:>7} {size:>8} {cold:>13.1f} {warm:>13.1f} {reload:>22.1f} {save:>8.1f}")


def verification() -> None:
    """The audit chain's check on a 129-item record (the shipped checklist's size) with a long
    cutover's chain."""
    from golive_tui.state import verify

    print(
        f"\n{'audit entries':>14} {'verify cold ms':>15} "
        f"{'cached ms':>10} {'one more entry ms':>18}"
    )
    for entries in (1_000, 10_000):
        state = State(checklist="bench")
        now = datetime.now(UTC)
        for i in range(entries):
            probe = {
                "verdict": "pass",
                "summary": f"{i} checks",
                "evidence": "node-a Ready",
                "checked_at": now,
                "duration_ms": 1.0,
            }
            append(
                state,
                Change(f"item:section.item-{i % 129}", "probe", {"status": "done", "probe": probe}),
                by="b",
                at=now,
            )
        cold = timed(lambda: verify(state), 1)[0]
        cached = statistics.median(timed(lambda: verify(state), 5))
        append(state, Change("item:section.item-1", "mark", {"status": "failed"}), by="b", at=now)
        grown = timed(lambda: verify(state), 1)[0]
        print(f"{entries:>14} {cold:>15.1f} {cached:>10.2f} {grown:>18.1f}")


if __name__ == "__main__":
    main()
    verification()
