"""The state store never loses a record: atomic writes, locking, refusal to overwrite bad files."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.errors import GoliveError, LoadError
from golive_tui.state import StateStore, open_store, state_location
from golive_tui.state.chain import Change
from golive_tui.state.chain_verify import verify


def _mark(store: StateStore, key: str, status: str = "done", **values) -> None:
    store.transact(
        [Change(f"item:{key}", "mark", {"status": status, **values})], Actor.current("t")
    )


def test_write_read_round_trip_is_sorted_and_human_readable(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.toml", checklist="Mini")
    _mark(store, "b.two", note="second\nline")
    _mark(store, "a.one")
    text = store.path.read_text()
    assert text.index('[items."a.one"]') < text.index('[items."b.two"]')
    assert 'note = """\nsecond\nline"""' in text
    state = store.read()
    assert state.items["b.two"].note == "second\nline"
    assert state.checklist == "Mini"
    assert verify(state).ok


def test_file_mode_is_0600_and_no_temp_files_left(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.toml")
    _mark(store, "a.one")
    _mark(store, "a.one", "failed")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.backup).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("s.")) == [
        "s.toml",
        "s.toml.bak",
        "s.toml.lock",
    ]
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_previous_good_file_kept_as_bak(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.toml")
    _mark(store, "a.one", "done")
    first = store.path.read_text()
    _mark(store, "a.one", "failed")
    assert store.backup.read_text() == first
    assert 'status = "failed"' in store.path.read_text()


def test_unparsable_state_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('schema_version = 1\n[items."a.one"]\nstatus = "done\n')
    before = path.read_bytes()
    store = open_store(path)
    with pytest.raises(LoadError) as info:
        _mark(store, "a.two")
    assert f"{path}:3" in str(info.value)
    assert path.read_bytes() == before
    assert not store.backup.exists()


def test_wrong_type_in_state_names_key_and_keeps_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('schema_version = 1\n[items."a.one"]\nstatus = "finished"\n')
    with pytest.raises(LoadError) as info:
        open_store(path).read()
    assert "items.a.one.status" in str(info.value)
    assert ":3" in str(info.value)


def test_newer_schema_version_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("schema_version = 99\n")
    with pytest.raises(LoadError, match="newer golive"):
        open_store(path).read()


def test_missing_file_reads_as_empty_and_is_not_created_by_reading(tmp_path: Path) -> None:
    store = open_store(tmp_path / "new.toml")
    assert store.read().items == {}
    assert not store.path.exists()


def test_crash_during_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "s.toml")
    _mark(store, "a.one")
    before = store.path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(
        GoliveError, match="cannot write .*s.toml: disk full.*nothing was changed"
    ):  # one line, exit 2
        _mark(store, "a.two")
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def _writer(path: str, worker: int, count: int) -> None:
    store = open_store(path)
    for n in range(count):
        store.transact(
            [Change(f"item:w{worker}.i{n}", "mark", {"status": "done", "note": f"{worker}-{n}"})],
            Actor.current(f"w{worker}"),
        )


@pytest.mark.slow
def test_four_processes_250_updates_each_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "s.toml")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 250)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    state = open_store(path).read()
    assert len(state.items) == 1000
    assert all(state.items[f"w{w}.i{n}"].note == f"{w}-{n}" for w in range(4) for n in range(250))
    assert len(state.audit) == 1000
    assert verify(state).ok


def test_actor_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Actor.current("alice").name == "alice"
    monkeypatch.setenv("GOLIVE_USER", "bob")
    assert Actor.current().name == "bob"
    monkeypatch.delenv("GOLIVE_USER")
    assert "@" in Actor.current().name


def test_state_location_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert state_location() == "golive-state.toml"
    monkeypatch.setenv("GOLIVE_STATE", "/tmp/x.toml")
    assert state_location() == "/tmp/x.toml"
    assert state_location("y.toml") == "y.toml"
    assert state_location("s3://bucket/key.toml") == "s3://bucket/key.toml"


def test_same_field_edited_by_two_captains_is_a_conflict_not_an_overwrite(tmp_path: Path) -> None:
    from golive_tui.state import ConflictError

    path = tmp_path / "s.toml"
    alice, bob = open_store(path), open_store(path)
    _mark(alice, "a.one", note="original")
    seen = bob.read().item("a.one").note  # bob opens the note editor
    alice.transact(
        [Change("item:a.one", "annotate", {"note": "alice's words"}, expect={"note": "original"})],
        Actor.current("alice"),
    )
    with pytest.raises(ConflictError) as info:
        bob.transact(
            [Change("item:a.one", "annotate", {"note": "bob's words"}, expect={"note": seen})],
            Actor.current("bob"),
        )
    assert 'theirs "alice\'s words"' in str(info.value) and 'yours "bob\'s words"' in str(
        info.value
    )
    assert bob.read().item("a.one").note == "alice's words"
    # A change to a different field of the same item merges without conflict.
    bob.transact(
        [Change("item:a.one", "mark", {"status": "failed"}, expect={"status": "done"})],
        Actor.current("bob"),
    )
    state = open_store(path).read()
    assert state.item("a.one").note == "alice's words" and state.item("a.one").status == "failed"
    assert verify(state).ok
