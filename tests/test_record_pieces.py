"""A save of a long record is written in pieces: the same bytes, nothing of the record's size built.

The cockpit saves on every sweep. Built as one string and encoded as one buffer, each save
of a megabytes-long record allocated (and freed) blocks of the record's size in a worker
thread, which glibc then kept: the cockpit's RSS grew 23-34 % over 480 watch sweeps
(bench/long_cutover.py). Both tests fail on the code that joined the document per save.
"""

from __future__ import annotations

import os
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.state import open_store, verified
from golive_tui.state.chain import Change
from golive_tui.state.chain_verify import verify
from golive_tui.state.codec import Codec
from golive_tui.state.document import Document
from golive_tui.state.lazy import LazyAudit
from golive_tui.state.schema import AuditEntry
from golive_tui.state.storage import LocalFile
from golive_tui.state.store import StateStore, TamperedError

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
NOTE = "ünïcode evidence [k8s.cluster] line\n" * 1200
"""~44 KB a note, not Latin-1 only: the record's text is 2 bytes a character in memory."""


def note(store, n: int) -> None:
    when = T0 + timedelta(minutes=n)
    change = Change(f"item:i{n % 7}", "mark", {"status": "done", "note": f"{n} {NOTE}"})
    store.transact([change], Actor.current("alice").at(when))


def long_record(path: Path, entries: int):
    store = open_store(path)
    for n in range(entries):
        note(store, n)
    return store


def test_a_save_appends_the_new_entry_to_the_bytes_already_there(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    store = long_record(path, 30)
    before = path.read_bytes()
    note(store, 30)
    after = path.read_bytes()
    history = before[before.index(b"\n[[audit]]\n") :]
    last = after[after.rindex(b"\n[[audit]]\n") + 1 :]
    # Append-only: the history byte for byte, then the one new entry.
    assert after.endswith(history + b"\n" + last) and last.startswith(b"[[audit]]\n")
    fresh = Codec().loads(path, after.decode())
    assert Codec().dumps(fresh).encode() == after
    assert isinstance(store.read().audit, LazyAudit) and verify(fresh).ok
    assert len(fresh.audit) == 31 and fresh.audit[-1].values["note"].startswith("30 ")


def test_a_save_of_a_long_record_builds_nothing_of_its_size(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    store = long_record(path, 40)
    size = path.stat().st_size
    assert size > 1_500_000
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        note(store, 40)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    # The old save held the document (4 bytes a character here: 2 for the str, 2 for its
    # copy of the history) and its UTF-8 bytes at once: several times the file's size.
    assert peak < size / 4, (peak, size)
    assert path.stat().st_size > size


def test_a_document_is_the_same_bytes_in_batches_and_as_one_text() -> None:
    parts = [NOTE * 3, "", "[[audit]]\nx = 1\n", "é" * 70_000, "tail\n"]
    joined = "\n".join(parts)
    document = Document(parts)
    assert str(document) == joined
    assert b"".join(document.batches()) == joined.encode()
    assert document.size() == len(joined.encode())
    assert all(len(b) < 256 * 1024 for b in document.batches())


def test_a_change_that_keeps_the_files_stat_is_still_read_by_the_next_save(
    tmp_path: Path,
) -> None:
    """A save after one's own save skips reading the record only if the file holds the very
    bytes written: an edit in place keeping size, inode and mtime is still seen."""
    path = tmp_path / "s.toml"
    store = long_record(path, 3)
    st = path.stat()
    text = path.read_bytes()
    edited = text.replace("0 ü".encode(), "0 ú".encode(), 1)  # i0's note, one letter
    assert len(edited) == len(text) and edited != text
    with path.open("r+b") as handle:  # same inode, same size
        handle.write(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert store.fingerprint() == (st.st_ino, st.st_size, st.st_mtime_ns)
    # The edit is read: it fails verification, so nothing is written on top of it (the old
    # code trusted the stat and overwrote the edit with the state it had cached).
    with pytest.raises(TamperedError):
        note(store, 3)
    assert path.read_bytes() == edited


class CountingCodec(Codec):
    """Counts the audit entries parsed from text."""

    parsed = 0

    def _entry(self, chunk: str) -> AuditEntry:
        self.parsed += 1
        return super()._entry(chunk)


def test_a_transaction_on_a_busy_record_parses_none_of_its_history(tmp_path: Path) -> None:
    """Entries of the last minutes were all parsed per transaction to look for its change id
    (a busy record: every entry is recent), while holding the lock; now only when the id is
    in their text (a retried change)."""
    path = tmp_path / "s.toml"
    writer = open_store(path)
    for n in range(300):
        writer.transact([Change(f"item:i{n}", "mark", {"status": "done"})], Actor.current("a"))
    codec = CountingCodec()
    store = StateStore(LocalFile(path), codec=codec)
    store.transact([Change("item:x", "mark", {"status": "done"})], Actor.current("b"))
    # Verification replays what no earlier verification remembered (< verified.REMEMBER_AFTER);
    # the old code parsed every one of the 300 recent entries on top of that.
    assert codec.parsed < verified.REMEMBER_AFTER + 3
    # A change retried with its id is still found, and not applied twice.
    again = store.transact(
        [Change("item:y", "mark", {"status": "done"})], Actor.current("b"), change_id="retry-1"
    )[1]
    assert (
        store.transact(
            [Change("item:y", "mark", {"status": "done"})], Actor.current("b"), change_id="retry-1"
        )[1]
        == again
    )
    assert len(store.read().audit) == 302
