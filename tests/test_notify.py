"""Notifications where the team is, against local HTTPS receivers (trustme CA) like the PagerDuty
look-alike: a Slack-compatible incoming webhook and a generic JSON webhook, their URLs secrets named
in the profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor, Operator
from golive_tui.checklists import load_checklist
from golive_tui.decision import decide
from golive_tui.engine import ItemResult
from golive_tui.notify import NotifyingStore, with_notifications
from golive_tui.notify.events import approval_requested, sweep_summary
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.tls import SandboxCA
from golive_tui.sandbox.webhook import WebhookReceiver
from golive_tui.signoff import Trust
from golive_tui.state import open_store

MINI = Path(__file__).parent / "data" / "mini.toml"
T0 = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
KIM = Actor.current(
    "Kim",
    operator=Operator("ubuntu", "bastion", ssh_key="SHA256:kim", person="Kim"),
    clock=lambda: T0,
)
LEE = Actor.current(
    "Lee",
    operator=Operator("ubuntu", "bastion", ssh_key="SHA256:lee", person="Lee"),
    clock=lambda: T0,
)


@pytest.fixture
def receivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[WebhookReceiver, WebhookReceiver, SandboxCA]]:
    ca = SandboxCA(tmp_path / "ca")
    slack, generic = WebhookReceiver(ca), WebhookReceiver(ca, "/hooks/golive-json-7f3a9c2e1b")
    monkeypatch.setenv("GOLIVE_SECRET_NOTIFY_SLACK", slack.url)
    monkeypatch.setenv("GOLIVE_SECRET_NOTIFY_JSON", generic.url)
    yield slack, generic, ca
    slack.stop()
    generic.stop()


def profile(ca: SandboxCA, **notify: object) -> Profile:
    settings = {"slack_webhook_secret": "notify-slack", "webhook_secret": "notify-json", **notify}
    return Profile.model_validate({"http": {"ca_bundle": str(ca.bundle)}, "notify": settings})


def wrapped(tmp_path: Path, prof: Profile, name: str = "state.toml") -> NotifyingStore:
    checklist = load_checklist(str(MINI))
    store = with_notifications(
        open_store(tmp_path / name, checklist=checklist.title),
        prof,
        checklist,
        Trust.of(checklist),
        close_at_exit=False,
    )
    assert isinstance(store, NotifyingStore)
    return store


def result(checklist, key: str, verdict: Verdict) -> ItemResult:
    return ItemResult(
        checklist.item(key),
        ProbeResult(verdict, f"p95 {verdict.value}", value=180.0, unit="ms", checked_at=T0),
    )


def everything_done(store, checklist) -> None:
    for item in checklist.items():
        if item.key != "performance.p95":
            actions.mark(
                store, item, "done", actor=KIM, note="checked", override="attested for the test"
            )
    actions.record_results(store, [result(checklist, "performance.p95", Verdict.PASS)], actor=KIM)


def test_each_event_kind_is_sent_once_to_both_channels(tmp_path: Path, receivers) -> None:
    slack, generic, ca = receivers
    prof = profile(ca, min_interval=0, per_minute=30)
    store, checklist = wrapped(tmp_path, prof), load_checklist(str(MINI))
    notifier = store.notifier
    request = actions.write_request(
        store, checklist, "eng", tmp_path / "eng.txt", target="autolytiq-prod", actor=KIM
    )
    notifier.submit(approval_requested(request.request, T0))
    everything_done(store, checklist)
    actions.approve(store, checklist, "eng", actor=KIM)
    actions.approve(store, checklist, "sec", actor=LEE)  # -> GO
    actions.record_results(
        store, [result(checklist, "performance.p95", Verdict.FAIL)], actor=KIM
    )  # -> NO-GO
    actions.go_live(store, checklist, actor=KIM, force_reason="rehearsal window closes at 20:00")
    actions.confirm_forced_go_live(store, checklist, actor=LEE)
    notifier.submit(
        sweep_summary(
            checklist, {"pass": 4, "fail": 1}, decide(checklist, store.read(), T0), T0, 1.9
        )
    )
    assert notifier.flush(30)
    second = wrapped(tmp_path, prof, "second.toml")  # another cutover, declared live on GO
    everything_done(second, checklist)
    actions.approve(second, checklist, "eng", actor=KIM)
    actions.approve(second, checklist, "sec", actor=LEE)
    actions.go_live(second, checklist, actor=KIM)
    assert second.notifier.flush(30)
    sent = [(m["event"], m["subject"]) for m in generic.messages]
    assert sent == [
        ("approval-requested", "eng"),
        ("approval-given", "eng"),
        ("decision", "decision"),
        ("approval-given", "sec"),
        ("decision", "decision"),
        ("regression", "regressions"),
        ("approval-stale", "eng"),
        ("approval-stale", "sec"),
        ("force-requested", "force"),
        ("force-confirmed", "golive"),
        ("sweep-summary", "sweep@2026-12-07T19:00:00+00:00"),
        ("approval-given", "eng"),  # the second record's
        ("decision", "decision"),
        ("approval-given", "sec"),
        ("go-live", "golive"),
    ]
    assert {m["event"] for m in generic.messages} == set(prof.notify.events)
    assert (
        len(slack.messages) == len(generic.messages)
        and notifier.failures == second.notifier.failures == []
    )
    flip = next(m for m in generic.messages if m["event"] == "decision")
    assert flip["title"] == "NO-GO → GO: Mini go-live" and flip["target"] == "autolytiq-prod"
    regression = next(m for m in generic.messages if m["event"] == "regression")
    assert regression["facts"]["items"] == [
        {"id": "performance.p95", "before": "pass", "after": "fail"}
    ]
    # Readable on a phone: a bold title, then short lines.
    for message in slack.messages:
        lines = message["text"].split("\n")
        assert (
            lines[0].startswith("*")
            and all(len(line) <= 120 for line in lines)
            and len(lines) <= 11
        )
    assert "*FORCED go-live confirmed by Lee (ubuntu@bastion [key SHA256:lee…])*" in "\n".join(
        m["text"] for m in slack.messages
    )


def test_a_flapping_decision_is_one_message_then_one_summary(tmp_path: Path, receivers) -> None:
    slack, generic, ca = receivers
    store, checklist = (
        wrapped(tmp_path, profile(ca, min_interval=60, webhook_secret="")),
        load_checklist(str(MINI)),
    )
    notifier = store.notifier
    ticks = [1000.0]
    notifier.clock = lambda: ticks[0]
    everything_done(store, checklist)
    actions.approve(store, checklist, "eng", actor=KIM)
    actions.approve(store, checklist, "sec", actor=LEE)
    assert notifier.flush(30)
    before = len(slack.messages)
    ticks[0] += 60
    flapping = checklist.item("security.waf")
    for n in range(6):  # the WAF row flaps failed/done six times in twenty seconds
        actions.mark(
            store, flapping, "failed" if n % 2 == 0 else "done", actor=KIM, note=f"flap {n}"
        )
        ticks[0] += 3
    assert notifier.flush(30)
    decisions = [m for m in slack.messages[before:] if "→" in m["text"].split("\n")[0]]
    assert len(decisions) == 1 and decisions[0]["text"].startswith(
        "*GO → NO-GO"
    )  # the first flip, at once
    actions.mark(store, flapping, "failed", actor=KIM, note="flap 6")  # ends NO-GO
    assert notifier.flush(30)
    ticks[0] += 60
    notifier.poke()
    assert notifier.flush(30)
    decisions = [m for m in slack.messages[before:] if "→" in m["text"].split("\n")[0]]
    # Held while it flapped, then the latest once — and it came back to what was already said:
    # nothing more.
    assert len(decisions) == 1
    ticks[0] += 61
    actions.mark(
        store, flapping, "done", actor=KIM, note="fixed"
    )  # now really GO again, after the interval
    assert notifier.flush(30)
    decisions = [m for m in slack.messages[before:] if "→" in m["text"].split("\n")[0]]
    assert len(decisions) == 2 and decisions[1]["text"].startswith("*NO-GO → GO")


@pytest.mark.parametrize("mode", ["hang", "fail"])
def test_a_dead_receiver_never_delays_the_writer_and_its_failure_is_shown_once(
    tmp_path: Path, receivers, mode
) -> None:
    slack, generic, ca = receivers
    slack.mode = generic.mode = mode
    shown: list[str] = []
    checklist = load_checklist(str(MINI))
    store = with_notifications(
        open_store(tmp_path / "state.toml", checklist=checklist.title),
        profile(ca, min_interval=0, timeout=1.0),
        checklist,
        Trust.of(checklist),
        on_failure=shown.append,
        close_at_exit=False,
    )
    started = time.monotonic()
    everything_done(store, checklist)
    for n in range(4):
        actions.approve(store, checklist, "eng", actor=KIM if n % 2 else LEE)
    actions.record_results(store, [result(checklist, "performance.p95", Verdict.FAIL)], actor=KIM)
    writing = time.monotonic() - started
    unhindered = time.monotonic()
    plain = open_store(tmp_path / "plain.toml", checklist=checklist.title)
    everything_done(plain, checklist)
    for n in range(4):
        actions.approve(plain, checklist, "eng", actor=KIM if n % 2 else LEE)
    actions.record_results(plain, [result(checklist, "performance.p95", Verdict.FAIL)], actor=KIM)
    baseline = time.monotonic() - unhindered
    # Each message waits up to its 1 s deadline on the worker; the writes did not wait for any of
    # them.
    assert writing < baseline * 2 + 0.5, (writing, baseline)
    store.notifier.flush(60)
    assert slack.attempts >= 3
    expected = "no answer within 1 s" if mode == "hang" else "HTTP 500: internal error"
    assert sorted(shown) == sorted(
        {
            f"notification not sent to {kind} webhook (secret notify-{kind}): {expected}"
            for kind in ("slack", "json")
        }
    )  # once per channel, not once per message
    assert not any(slack.url in line or "s3cr3t" in line for line in shown)


def test_the_webhook_url_never_appears_in_the_record_a_report_or_a_log(
    tmp_path: Path, receivers
) -> None:
    slack, generic, ca = receivers
    (tmp_path / "profile.toml").write_text(
        f'[http]\nca_bundle = "{ca.bundle}"\n[notify]\nslack_webhook_secret = "notify-slack"\n'
        'webhook_secret = "notify-json"\ntimeout = 2\n'
    )
    env = {
        **os.environ,
        "GOLIVE_CHECKLIST": str(MINI),
        "GOLIVE_PROFILE": str(tmp_path / "profile.toml"),
    }

    def golive(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "golive_tui", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    outputs = [
        golive("approve", "eng"),
        golive("mark", "security.waf", "failed", "--note", "rules missing"),
        golive("approve", "sec", "--request", "sec.txt"),
    ]
    generic.mode = "fail"
    outputs.append(golive("approve", "sec"))
    outputs += [golive("report", "--format", fmt) for fmt in ("markdown", "html", "json")]
    outputs.append(golive("audit"))
    assert all(o.returncode == 0 for o in outputs), [o.stderr for o in outputs]
    assert (
        "notification not sent to json webhook (secret notify-json): HTTP 500" in outputs[3].stderr
    )
    texts = [o.stdout + o.stderr for o in outputs] + [
        (tmp_path / "golive-state.toml").read_text(),
        (tmp_path / "sec.txt").read_text(),
    ]
    texts += [json.dumps(m) for m in slack.messages + generic.messages]
    for secret in (
        slack.url,
        generic.url,
        "s3cr3t-t0ken",
        "golive-json-7f3a9c2e1b",
        str(slack.port),
    ):
        assert not any(secret in text for text in texts), secret
    kinds = [m["event"] for m in generic.messages]
    assert kinds == [
        "approval-given",
        "approval-stale",
        "approval-requested",
    ]  # then the receiver failed
    assert len(slack.messages) == 4 and slack.messages[-1]["text"].startswith(
        "*Approved: Security Lead by "
    )


def test_nothing_is_sent_unless_configured(tmp_path: Path, receivers) -> None:
    slack, generic, ca = receivers
    checklist = load_checklist(str(MINI))
    bare = Profile.model_validate({"http": {"ca_bundle": str(ca.bundle)}})
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    assert (
        with_notifications(store, bare, checklist, Trust.of(checklist), close_at_exit=False)
        is store
    )
    env = {**os.environ, "GOLIVE_CHECKLIST": str(MINI)}
    done = subprocess.run(
        [sys.executable, "-m", "golive_tui", "approve", "eng"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and slack.attempts == 0 and generic.attempts == 0


def test_a_missing_secret_turns_notifications_off_with_one_message(
    tmp_path: Path, receivers, monkeypatch
) -> None:
    _, _, ca = receivers
    monkeypatch.delenv("GOLIVE_SECRET_NOTIFY_SLACK")
    said: list[str] = []
    checklist = load_checklist(str(MINI))
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    assert (
        with_notifications(
            store,
            profile(ca),
            checklist,
            Trust.of(checklist),
            on_failure=said.append,
            close_at_exit=False,
        )
        is store
    )
    assert len(said) == 1 and "notifications off" in said[0] and "notify-slack" in said[0]
    with pytest.raises(Exception, match="unknown event 'everything'"):
        Profile.model_validate({"notify": {"events": ["everything"]}})


def test_a_sweep_summary_is_sent_on_request(tmp_path: Path, receivers) -> None:
    slack, generic, ca = receivers
    store, checklist = wrapped(tmp_path, profile(ca)), load_checklist(str(MINI))
    event = sweep_summary(
        checklist,
        {"pass": 3, "fail": 1, "error": 1},
        decide(checklist, store.read(), T0),
        T0,
        wall=2.4,
    )
    store.notifier.submit(event)
    assert store.notifier.flush(30)
    assert slack.messages[0]["text"].startswith("*Sweep in 2.4 s: 3 pass, 1 fail, 1 error*")
    assert generic.messages[0]["facts"]["counts"] == {"pass": 3, "fail": 1, "error": 1}
    assert T0 + timedelta(0) == datetime.fromisoformat(generic.messages[0]["at"])
