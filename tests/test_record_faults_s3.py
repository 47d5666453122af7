"""The shared record under a lossy network: answers lost, changes replayed, the record gone or
replaced.

Real parts: moto in server mode (sandbox/moto_s3.py) behind a relay that loses chosen
answers after S3 has acted on the request (sandbox/drop_relay.py), real boto3 clients that
retry as they do, the real CLI for exit codes and messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.sandbox.drop_relay import DropRelay
from golive_tui.sandbox.moto_s3 import S3Server
from golive_tui.sandbox.tls import free_port
from golive_tui.state.chain import Change
from golive_tui.state.chain_verify import verify
from golive_tui.state.lineage import LineageError
from tests.fixtures.s3 import golive, store_at

pytestmark = pytest.mark.slow


@pytest.fixture
def relay(s3: S3Server) -> Iterator[DropRelay]:
    relay = DropRelay(s3.port)
    yield relay
    relay.stop()


def mark(store, key: str, status: str, who: str, **kwargs):
    return store.transact(
        [Change(f"item:{key}", "mark", {"status": status})], Actor.current(who), **kwargs
    )


def versions(s3: S3Server, url: str) -> int:
    bucket, key = url[5:].split("/", 1)
    return len(s3.client().list_object_versions(Bucket=bucket, Prefix=key).get("Versions", []))


# --- idempotent writes ----------------------------------------------------------------------------
def test_a_lost_put_answer_gives_exactly_one_entry(
    s3: S3Server, relay: DropRelay, url: str, tmp_path: Path
) -> None:
    alice = store_at(url, relay.endpoint_url, tmp_path / "alice")
    mark(alice, "a.one", "done", "alice")
    relay.drop(
        "PUT", "golive-state.toml"
    )  # S3 writes it; alice never hears so; botocore retries, gets 412
    _, entries = mark(alice, "a.two", "done", "alice")
    assert [d[2] for d in relay.dropped] == [200]
    assert (
        "PUT",
        relay.dropped[0][1],
        412,
    ) in relay.seen  # the retry found its own write already there
    state = store_at(url, s3.endpoint_url, tmp_path / "reader").read()
    assert [(e.seq, e.target) for e in state.audit] == [
        (1, "item:a.one"),
        (2, "item:a.two"),
    ]  # old code: a third
    assert [e.seq for e in entries] == [2] and verify(state).ok
    assert versions(s3, url) == 2 and not alice.offline


def test_a_lost_answer_and_a_second_writer_keep_both_changes_in_order(
    s3: S3Server, relay: DropRelay, url: str, tmp_path: Path
) -> None:
    alice = store_at(url, relay.endpoint_url, tmp_path / "alice")
    bob = store_at(url, s3.endpoint_url, tmp_path / "bob")  # bob's route is fine
    for n in range(5):
        mark(alice, f"a.i{n}", "done", "alice")
    # Alice's `mark X done` lands, its answer is lost; bob's `mark X failed` lands before her retry.
    relay.drop("PUT", "golive-state.toml", then=lambda: mark(bob, "a.x", "failed", "bob"))
    mark(alice, "a.x", "done", "alice")
    state = store_at(url, s3.endpoint_url, tmp_path / "reader").read()
    tail = [(e.seq, e.by, e.values.get("status")) for e in state.audit[5:]]
    assert tail == [
        (6, "alice", "done"),
        (7, "bob", "failed"),
    ]  # old code: then #8 alice done, bob undone
    assert state.item("a.x").status == "failed" and verify(state).ok
    assert [e.at for e in state.audit] == sorted(
        e.at for e in state.audit
    )  # times never go backwards


def test_replaying_a_change_is_a_no_op(s3: S3Server, url: str, tmp_path: Path) -> None:
    store = store_at(url, s3.endpoint_url, tmp_path / "j")
    _, first = mark(store, "a.one", "done", "alice", change_id="c0ffee")
    _, again = mark(store, "a.one", "done", "alice", change_id="c0ffee")
    state = store.read()
    assert len(state.audit) == 1 and first == again and state.audit[0].change_id == "c0ffee"
    assert versions(s3, url) == 1


def test_a_write_whose_answers_are_all_lost_is_queued_then_pushed_once(
    s3: S3Server, relay: DropRelay, url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "alice"
    alice = store_at(url, relay.endpoint_url, journal)
    mark(alice, "a.one", "done", "alice")
    relay.drop(
        "PUT", "golive-state.toml", times=2
    )  # the write and botocore's retry: alice gives up, queues it
    mark(alice, "a.two", "done", "alice")
    assert alice.offline and len(alice.journal.pending()) == 1 and alice.queued_here
    report = store_at(
        url, s3.endpoint_url, journal
    ).sync()  # the queued copy carries the same change id
    assert report.pushed == 1 and [e.seq for e in report.committed] == [2]
    state = store_at(url, s3.endpoint_url, tmp_path / "reader").read()
    assert [e.target for e in state.audit] == ["item:a.one", "item:a.two"] and verify(state).ok


# --- lineage --------------------------------------------------------------------------------------
def test_a_vanished_or_replaced_s3_record_is_refused_naming_the_lineage(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "xdg"), "GOLIVE_USER": "alice"}
    common = ("--state", url, "--set", f"aws.endpoint_url={s3.endpoint_url}")
    assert golive(*common, "mark", "security.waf", "done", env=env).returncode == 0
    assert golive(*common, "mark", "go-live.infra.cluster", "done", env=env).returncode == 0
    lineage = store_at(url, s3.endpoint_url, tmp_path / "peek").read().lineage
    bucket, key = url[5:].split("/", 1)
    client = s3.client()

    client.delete_object(Bucket=bucket, Key=key)  # versioned: a delete marker
    for args in (("status", "--no-gate"), ("mark", "security.waf", "failed"), ("audit", "verify")):
        gone = golive(*common, *args, env=env)
        assert gone.returncode == 2, (args, gone.stdout, gone.stderr)
        assert (
            "the record is gone" in gone.stderr and f"expected lineage {lineage}" in gone.stderr
        ), gone.stderr
        assert "Traceback" not in gone.stderr and "audit #1" not in gone.stdout

    # Another record put in its place (another lineage under the same key).
    other = f"s3://{bucket}/elsewhere.toml"
    mark(store_at(other, s3.endpoint_url, tmp_path / "carol"), "a.one", "done", "carol")
    client.copy_object(
        Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": "elsewhere.toml"}
    )
    replaced = golive(*common, "status", "--no-gate", env=env)
    assert (
        replaced.returncode == 2
        and "another record is there" in replaced.stderr
        and lineage in replaced.stderr
    )

    # The bucket deleted and re-created empty, with a change queued meanwhile: sync refuses to start
    # a record.
    for version in client.list_object_versions(Bucket=bucket).get(
        "Versions", []
    ) + client.list_object_versions(Bucket=bucket).get("DeleteMarkers", []):
        client.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    client.delete_bucket(Bucket=bucket)
    no_bucket = golive(*common, "status", "--no-gate", env=env)
    assert (
        no_bucket.returncode == 2
        and f"no bucket '{bucket}'" in no_bucket.stderr
        and lineage in no_bucket.stderr
    )
    closed = ("--state", url, "--set", f"aws.endpoint_url=http://127.0.0.1:{free_port()}")
    assert golive(*closed, "mark", "security.waf", "failed", env=env).returncode == 4
    s3.bucket(bucket)
    synced = golive(*common, "sync", env=env)
    assert synced.returncode == 2 and "the record is gone" in synced.stderr, synced.stderr
    assert store_at(
        url, s3.endpoint_url, tmp_path / "xdg" / "golive" / "remote"
    ).journal.pending()  # still queued
    assert "Contents" not in client.list_objects_v2(
        Bucket=bucket
    )  # nothing written as a "new" record

    # Starting over is explicit, with the reason recorded as entry #1 naming the lineage replaced.
    restarted = golive(
        *common, "init-record", "--reason", "bucket lost in the incident; restarting", env=env
    )
    assert restarted.returncode == 0, restarted.stderr
    state = store_at(url, s3.endpoint_url, tmp_path / "fresh").read()
    first = state.audit[0]
    assert (first.action, first.values["replaces"]) == (
        "init-record",
        lineage,
    ) and state.lineage != lineage
    assert (
        golive(*common, "sync", env=env).returncode == 0
    )  # the queued change goes on the new record now


def test_an_older_version_put_back_is_refused_as_shrunk(
    s3: S3Server, url: str, tmp_path: Path
) -> None:
    store = store_at(url, s3.endpoint_url, tmp_path / "j")
    mark(store, "a.one", "done", "alice")
    bucket, key = url[5:].split("/", 1)
    client = s3.client()
    oldest = client.list_object_versions(Bucket=bucket, Prefix=key)["Versions"][0]["VersionId"]
    mark(store, "a.two", "done", "alice")
    client.copy_object(
        Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key, "VersionId": oldest}
    )
    with pytest.raises(
        LineageError, match="the record shrank: found lineage .*, 1 entries.*expected .*2 entries"
    ):
        store_at(url, s3.endpoint_url, tmp_path / "j").read()
    assert datetime.now(UTC)  # (the refusal happened before any write)
    assert versions(s3, url) == 3
