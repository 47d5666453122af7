"""Shared state on S3: conditional writes, no lost update, conflicts surfaced, offline journal, SSE.

Real parts: moto in server mode on 127.0.0.1 (golive_tui/sandbox/moto_s3.py), real boto3
clients, separate OS processes for the concurrent writers, the real CLI for `status`.
moto 5.2.5 honours If-Match / If-None-Match on PutObject but not atomically with the
write; the sandbox serialises object requests in the server process so the 412s seen
here are the ones S3 would send (see moto_s3.py).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.errors import GoliveError
from golive_tui.sandbox.moto_s3 import S3Server
from golive_tui.sandbox.tls import free_port
from golive_tui.state import ConflictError, StateStore, open_store
from golive_tui.state.chain import Change
from golive_tui.state.chain_verify import verify
from golive_tui.state.s3 import S3Object
from golive_tui.state.storage import VersionConflict
from tests.fixtures.s3 import MINI, golive, store_at

pytestmark = pytest.mark.slow


def _mark(store: StateStore, key: str, **values) -> None:
    store.transact(
        [Change(f"item:{key}", "mark", {"status": "done", **values})], Actor.current("t")
    )


# --- what the backend does ---------------------------------------------------------------------
def test_conditional_puts_are_refused_with_412_and_become_version_conflicts(
    s3: S3Server, url: str
) -> None:
    storage = S3Object(url, endpoint_url=s3.endpoint_url)
    assert storage.load() == (None, None) and storage.version() is None
    first = storage.save("one = 1\n", None)  # If-None-Match: *
    with pytest.raises(VersionConflict):
        storage.save("two = 2\n", None)  # the object exists now
    with pytest.raises(VersionConflict):
        storage.save("two = 2\n", '"0123456789abcdef0123456789abcdef"')  # If-Match a stale ETag
    second = storage.save("two = 2\n", first)
    assert storage.load() == ("two = 2\n", second) and second != first
    # What moto itself answers (the codes S3 documents), seen by a plain boto3 client:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        s3.client().put_object(Bucket=storage.bucket, Key=storage.key, Body=b"x", IfMatch=first)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert info.value.response["Error"]["Code"] == "PreconditionFailed"


def test_every_put_requests_server_side_encryption(s3: S3Server, url: str, tmp_path: Path) -> None:
    store = store_at(url, s3.endpoint_url, tmp_path)
    for n in range(3):
        _mark(store, f"a.i{n}")
    storage = store.storage
    versions = s3.client().list_object_versions(Bucket=storage.bucket, Prefix=storage.key)[
        "Versions"
    ]
    assert len(versions) == 3
    for version in versions:
        head = s3.client().head_object(
            Bucket=storage.bucket, Key=storage.key, VersionId=version["VersionId"]
        )
        assert head["ServerSideEncryption"] == "AES256"

    kms = S3Object(
        url.replace("golive-state", "kms-state") + "?sse=aws:kms&kms_key_id=alias/golive-state",
        endpoint_url=s3.endpoint_url,
    )
    kms.save("x = 1\n", None)
    head = s3.client().head_object(Bucket=kms.bucket, Key=kms.key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith("alias/golive-state")


# --- concurrency ----------------------------------------------------------------------------------
def _writer(url: str, endpoint: str, journal: str, worker: int, count: int, conflicts) -> None:
    class Counting(S3Object):
        """Counts the 412s this writer got: proof the optimistic path was exercised."""

        lost = 0
        streak = 0
        worst = 0

        def save(self, text, expected, **kwargs):
            try:
                etag = super().save(text, expected, **kwargs)
            except VersionConflict:
                Counting.lost += 1
                Counting.streak += 1
                Counting.worst = max(Counting.worst, Counting.streak)
                raise
            Counting.streak = 0
            return etag

    store = open_store(url, journal_dir=Path(journal), storage=Counting(url, endpoint_url=endpoint))
    for n in range(count):
        store.transact(
            [Change(f"item:w{worker}.i{n}", "mark", {"status": "done", "note": f"{worker}-{n}"})],
            Actor.current(f"w{worker}"),
        )
    assert not store.offline and store.journal.batches() == []
    conflicts.put((Counting.lost, Counting.worst))


def test_four_processes_100_updates_each_through_s3_lose_nothing(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    conflicts = ctx.Queue()
    procs = [
        ctx.Process(
            target=_writer, args=(url, s3.endpoint_url, str(tmp_path / f"j{w}"), w, 100, conflicts)
        )
        for w in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    counts = [conflicts.get(timeout=5) for _ in procs]
    lost, worst = sum(c[0] for c in counts), max(c[1] for c in counts)
    print(f"412s: {lost}, most in a row for one change: {worst}")
    store = store_at(url, s3.endpoint_url, tmp_path / "reader")
    state = store.read()
    assert len(state.items) == 400
    assert all(state.items[f"w{w}.i{n}"].note == f"{w}-{n}" for w in range(4) for n in range(100))
    assert len(state.audit) == 400 and verify(state).ok
    # Exactly one PUT succeeded per audit entry (a lost update would leave an extra version),
    # and writers did collide: the 412 → re-read → re-apply path ran.
    storage = store.storage
    pages = (
        s3.client()
        .get_paginator("list_object_versions")
        .paginate(Bucket=storage.bucket, Prefix=storage.key)
    )
    assert sum(len(page.get("Versions", [])) for page in pages) == 400
    assert lost > 0


def test_same_field_edited_by_two_captains_is_a_conflict_on_s3(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    alice = store_at(url, s3.endpoint_url, tmp_path / "alice")
    bob = store_at(url, s3.endpoint_url, tmp_path / "bob")
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
    # A different field of the same item merges: bob's status change lands on alice's note.
    bob.transact(
        [Change("item:a.one", "mark", {"status": "failed"}, expect={"status": "done"})],
        Actor.current("bob"),
    )
    state = alice.read()
    assert state.item("a.one").note == "alice's words" and state.item("a.one").status == "failed"
    assert verify(state).ok


# --- offline --------------------------------------------------------------------------------------
def test_s3_down_queues_changes_then_pushes_them_with_original_who_and_when(
    url: str, tmp_path: Path
) -> None:
    server = S3Server().start()  # its own port, so stopping it is an outage for this test only
    try:
        journal = tmp_path / "journal"
        store = store_at(url, server.endpoint_url, journal, poll_interval=0)
        _mark(store, "a.one", note="before the outage")
        server.stop()

        started = time.monotonic()
        when = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        store.transact(
            [Change("item:a.two", "mark", {"status": "done"})], Actor.current("alice").at(when)
        )
        store.transact(
            [
                Change(
                    "item:a.one",
                    "annotate",
                    {"note": "during the outage"},
                    expect={"note": "before the outage"},
                )
            ],
            Actor.current("bob"),
        )
        assert time.monotonic() - started < 8  # short timeouts: the cockpit never hangs on S3
        assert store.offline and store.summary() == (
            "OFFLINE — 2 changes queued since 2026-11-28 12:00 UTC, not committed: "
            "no audit numbers until `golive sync` commits them"
        )
        shown = store.read()
        assert (
            shown.item("a.two").status == "done" and shown.item("a.one").note == "during the outage"
        )
        assert stat.S_IMODE(os.stat(store.journal.path).st_mode) == 0o600
        assert store.fingerprint() == ("offline", 2)  # the TUI's poll sees the queue grow

        # A fresh process (new store, nothing in memory) shows the last known state + journal.
        fresh = store_at(url, server.endpoint_url, journal, poll_interval=0)
        again = fresh.read()
        assert (
            fresh.offline
            and again.item("a.one").note == "during the outage"
            and again.item("a.two").status == "done"
        )

        server.start()  # same port, same data: S3 is back
        report = fresh.sync()
        assert (report.pushed, report.conflicts, report.remaining) == (2, [], 0)
        assert not fresh.offline and fresh.summary() is None
        assert not fresh.journal.path.exists()
        remote = store_at(url, server.endpoint_url, tmp_path / "other").read()
        assert (
            remote.item("a.two").status == "done"
            and remote.item("a.one").note == "during the outage"
        )
        assert [(e.by, e.target) for e in remote.audit] == [
            ("t", "item:a.one"),
            ("alice", "item:a.two"),
            ("bob", "item:a.one"),
        ]
        # Audit times never go backwards: alice's change, made at `when` (before entry #1 was
        # written), is committed at #1's time, not before it.
        assert remote.audit[1].at == remote.audit[0].at > when and [
            e.seq for e in remote.audit
        ] == [1, 2, 3]
        assert [e.at for e in remote.audit] == sorted(e.at for e in remote.audit)
        assert verify(remote).ok
        assert (
            store.sync().pushed == 0
        )  # the first store's journal is the same file: nothing pushed twice
        assert len(store_at(url, server.endpoint_url, tmp_path / "other").read().audit) == 3
    finally:
        server.stop()


def test_queued_change_that_conflicts_is_set_aside_not_lost(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    online = store_at(url, s3.endpoint_url, journal)
    _mark(online, "a.one", note="original")
    online.read()  # remembered as the last known state
    # The laptop loses its route to S3 (a closed port), carol keeps working online.
    cut_off = store_at(url, f"http://127.0.0.1:{free_port()}", journal)
    seen = cut_off.read().item("a.one").note
    assert cut_off.offline and seen == "original"
    cut_off.transact(
        [Change("item:a.one", "annotate", {"note": "dave offline"}, expect={"note": seen})],
        Actor.current("dave"),
    )
    cut_off.transact([Change("item:a.two", "mark", {"status": "done"})], Actor.current("dave"))
    carol = store_at(url, s3.endpoint_url, tmp_path / "carol")
    carol.transact(
        [Change("item:a.one", "annotate", {"note": "carol online"}, expect={"note": "original"})],
        Actor.current("carol"),
    )

    back = store_at(url, s3.endpoint_url, journal)  # the route is back
    report = back.sync()
    assert (
        report.pushed == 1 and len(report.conflicts) == 1 and "carol online" in report.conflicts[0]
    )
    assert (
        back.read().item("a.one").note == "carol online"
        and back.read().item("a.two").status == "done"
    )
    assert "1 queued change in conflict" in back.summary()
    kept = back.journal.conflicts()
    assert len(kept) == 1 and kept[0].changes[0].values == {"note": "dave offline"}  # nothing lost

    assert back.resolve("mine").pushed == 1
    state = back.read()
    assert state.item("a.one").note == "dave offline" and verify(state).ok
    assert back.summary() is None


def test_a_new_change_pushes_the_queue_first_when_s3_is_back(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    cut_off = store_at(url, f"http://127.0.0.1:{free_port()}", journal)
    cut_off.transact([Change("item:a.one", "mark", {"status": "done"})], Actor.current("erin"))
    assert cut_off.offline
    back = store_at(url, s3.endpoint_url, journal)
    back.transact([Change("item:a.two", "mark", {"status": "done"})], Actor.current("erin"))
    state = back.read()
    assert [e.target for e in state.audit] == ["item:a.one", "item:a.two"] and not back.offline
    assert back.journal.batches() == []


def test_queued_expectations_survive_the_journal_exactly(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    """A probe record with empty fields, a field seen unset: TOML has no null, the push must not see
    a conflict."""
    journal = tmp_path / "journal"
    online = store_at(url, s3.endpoint_url, journal)
    probe = {
        "verdict": "pass",
        "summary": "ok",
        "checked_at": datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        "value": None,
    }
    online.transact([Change("item:a.one", "probe", {"probe": probe})], Actor.current("t"))
    seen = online.read().item("a.one").model_dump()
    assert seen["probe"]["value"] is None and seen["waiver"] is None

    cut_off = store_at(url, f"http://127.0.0.1:{free_port()}", journal)
    cut_off.transact(
        [
            Change(
                "item:a.one",
                "annotate",
                {"note": "checked by hand too"},
                expect={"probe": seen["probe"], "waiver": None, "note": ""},
            )
        ],
        Actor.current("t"),
    )
    assert cut_off.offline
    batch = cut_off.journal.pending()[0]
    assert batch.changes[0].expect == {"probe": seen["probe"], "waiver": None, "note": ""}

    report = store_at(url, s3.endpoint_url, journal).sync()
    assert (report.pushed, report.conflicts) == (1, [])


# --- errors and status ----------------------------------------------------------------------------
def test_missing_bucket_is_a_one_line_error_not_offline(s3: S3Server, tmp_path: Path) -> None:
    store = store_at("s3://golive-no-such-bucket/state.toml", s3.endpoint_url, tmp_path)
    with pytest.raises(GoliveError, match="bucket 'golive-no-such-bucket' does not exist"):
        _mark(store, "a.one")
    assert not store.offline
    with pytest.raises(GoliveError, match="s3://bucket/path"):
        S3Object("s3://only-a-bucket")


def test_golive_status_shows_bucket_versioning_and_offline_queue(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "xdg-state")}
    common = ("--state", url, "--set", f"aws.endpoint_url={s3.endpoint_url}")
    done = golive(*common, "mark", "go-live.infra.cluster", "done", env=env)
    assert done.returncode == 0, done.stderr
    status = golive(*common, "status", "--no-gate", env=env)
    assert status.returncode == 0, status.stderr
    assert f"state: {url}, bucket versioning Enabled, SSE AES256" in status.stdout
    record = json.loads(golive(*common, "status", "--format", "json", "--no-gate", env=env).stdout)
    assert (
        record["shared_state"]["versioning"] == "Enabled"
        and record["items"]["go-live.infra.cluster"]["status"] == "done"
    )

    closed = ("--state", url, "--set", f"aws.endpoint_url=http://127.0.0.1:{free_port()}")
    offline = golive(*closed, "mark", "security.waf", "failed", env=env)
    # Queued is not committed: exit 4, said on stderr, and no invented audit number.
    assert offline.returncode == 4, offline.stderr
    assert "1 change(s) QUEUED, NOT committed" in offline.stderr and "unreachable" in offline.stderr
    assert "audit #" not in offline.stdout and "QUEUED offline, not committed" in offline.stdout
    status = golive(*closed, "status", "--no-gate", env=env)
    assert (
        "OFFLINE — 1 change queued since " in status.stdout
        and "no audit numbers until `golive sync`" in status.stdout
    )
    assert "✓ complete 1  ✗ failed 1" in status.stdout  # the last known state + the queued change

    unversioned = s3.bucket(f"golive-{uuid.uuid4().hex[:12]}", versioning=False)
    plain = golive(
        "--state",
        f"s3://{unversioned}/s.toml",
        "--set",
        f"aws.endpoint_url={s3.endpoint_url}",
        "status",
        "--no-gate",
        env=env,
    )
    assert "bucket versioning Disabled" in plain.stdout


def test_golive_sync_pushes_the_queue_and_keep_settles_a_conflict(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "xdg-state"), "GOLIVE_USER": "dave"}
    online = ("--state", url, "--set", f"aws.endpoint_url={s3.endpoint_url}")
    closed = ("--state", url, "--set", f"aws.endpoint_url=http://127.0.0.1:{free_port()}")
    assert golive(*online, "note", "security.waf", "--note", "original", env=env).returncode == 0
    assert (
        golive(*online, "status", "--no-gate", env=env).returncode == 0
    )  # remembered as the last known state
    # Dave edits the note offline (the TUI's note editor carries what he saw); carol edits it
    # online.
    store = store_at(
        url, f"http://127.0.0.1:{free_port()}", tmp_path / "xdg-state" / "golive" / "remote"
    )
    seen = store.read().item("security.waf").note
    store.transact(
        [Change("item:security.waf", "annotate", {"note": "dave offline"}, expect={"note": seen})],
        Actor.current("dave"),
    )
    assert (
        golive(*closed, "mark", "go-live.infra.cluster", "done", env=env).returncode == 4
    )  # queued
    carol = store_at(url, s3.endpoint_url, tmp_path / "carol")
    carol.transact(
        [
            Change(
                "item:security.waf",
                "annotate",
                {"note": "carol online"},
                expect={"note": "original"},
            )
        ],
        Actor.current("carol"),
    )

    still_down = golive(*closed, "sync", env=env)
    assert still_down.returncode == 4 and "(offline)" in still_down.stdout
    synced = golive(*online, "sync", env=env)
    assert (
        synced.returncode == 1
        and "1 pushed, 1 in conflict" in synced.stdout
        and "carol online" in synced.stderr
    )
    assert "committed audit #" in synced.stdout  # the real number, now that it exists
    assert "golive sync --keep mine" in synced.stderr
    assert "1 queued change in conflict" in golive(*online, "status", "--no-gate", env=env).stdout
    kept = golive(*online, "sync", "--keep", "mine", env=env)
    assert kept.returncode == 0 and "1 pushed, 0 in conflict, 0 still queued" in kept.stdout
    state = store_at(url, s3.endpoint_url, tmp_path / "check").read()
    assert (
        state.item("security.waf").note == "dave offline"
        and state.item("go-live.infra.cluster").status == "done"
    )
    assert verify(state).ok
    assert golive(*online, "sync", env=env).stdout.startswith(f"{url}: 0 pushed")


async def test_the_cockpit_shows_a_queued_change_without_an_audit_number(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    """Offline, the cockpit's audit trail lists a queued change as queued, with no number: the
    number it would get is invented (another bastion may commit first), as the CLI says since exit
    code 4."""
    from golive_tui.checklists import load_checklist
    from golive_tui.profile import Profile
    from golive_tui.tui.app import make_app
    from golive_tui.tui.widgets.table import GoliveTable

    journal = tmp_path / "journal"
    online = store_at(url, s3.endpoint_url, journal)
    _mark(online, "go-live.infra.cluster")  # committed: audit #1
    offline = store_at(url, f"http://127.0.0.1:{free_port()}", journal)
    _mark(offline, "security.waf", status="failed")  # queued
    checklist = load_checklist(MINI)
    app = make_app(checklist, Profile(), offline)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.screen.query_one("#audit", GoliveTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][0] == "–" and rows[0][4].startswith("QUEUED, not committed: waf")
        assert rows[-1][0] == "1" and not rows[-1][4].startswith("QUEUED")
