"""Malformed checklists and profiles: exit 2 with file, line (where known) and key path; nothing
half-loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.errors import GoliveError, LoadError
from golive_tui.probes.base import REGISTRY, ProbeParams, passed, probe
from golive_tui.profile import load_profile

MINI = (Path(__file__).parent / "data" / "mini.toml").read_text()
PROBED = MINI.replace(
    'owner = "Platform"\npriority = "P1"\n\n',
    'owner = "Platform"\npriority = "P1"\n[[section.subsection.item.probe]]\n'
    'kind = "test.zones"\nparams = { min_zones = 3 }\n\n',
    1,
)


class ZoneParams(ProbeParams):
    min_zones: int = 3


@pytest.fixture(autouse=True)
def test_kind():
    probe("test.zones", ZoneParams)(lambda ctx, params: passed("ok"))
    yield
    REGISTRY.pop("test.zones", None)


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = [
    # (name, transform of the probed mini checklist, expected key path, text on the expected line,
    # message part)
    (
        "bad toml syntax",
        lambda t: t.replace('title = "WAF"', 'title = "WAF'),
        "",
        'title = "WAF',
        "invalid TOML",
    ),
    ("unknown top-level key", lambda t: "colour = 'red'\n" + t, "colour", "colour", "unknown key"),
    (
        "unknown item key",
        lambda t: t.replace('title = "WAF"', 'title = "WAF"\nowners = "x"'),
        "section[security].item[waf].owners",
        "owners",
        "unknown key",
    ),
    (
        "priority wrong type",
        lambda t: t.replace('id = "waf"\ntitle = "WAF"', 'id = "waf"\ntitle = "WAF"\npriority = 3'),
        "section[security].item[waf].priority",
        "priority = 3",
        "P1",
    ),
    (
        "metric value not a number",
        lambda t: t.replace("value = 200", 'value = "fast"'),
        "section[performance].item[p95].metric.target.value",
        "fast",
        "number",
    ),
    (
        "missing title",
        lambda t: t.replace('title = "WAF"\n', ""),
        "section[security].item[waf].title",
        'id = "waf"',
        "Field required",
    ),
    (
        "bad id characters",
        lambda t: t.replace('id = "waf"', 'id = "Web App Firewall"'),
        "section[security].item[Web App Firewall].id",
        "Web App Firewall",
        "lowercase",
    ),
    (
        "unknown probe kind",
        lambda t: t.replace('kind = "test.zones"', 'kind = "test.zone"'),
        "section[go-live].subsection[infra].item[cluster].probe[0].kind",
        'kind = "test.zone"',
        "did you mean test.zones",
    ),
    (
        "probe param wrong type",
        lambda t: t.replace("min_zones = 3", 'min_zones = "three"'),
        "section[go-live].subsection[infra].item[cluster].probe[0].params.min_zones",
        "min_zones",
        "integer",
    ),
    (
        "unknown probe param",
        lambda t: t.replace("min_zones = 3", "max_zones = 3"),
        "section[go-live].subsection[infra].item[cluster].probe[0].params.max_zones",
        "max_zones",
        "unknown key",
    ),
    (
        "criterion names unknown item",
        lambda t: t.replace('"go-live.infra.rollback"', '"go-live.infra.rolback"'),
        "",
        None,
        "unknown item 'go-live.infra.rolback'",
    ),
    (
        "bad threshold operator",
        lambda t: t.replace('op = "<", value = 200', 'op = "~", value = 200'),
        "section[performance].item[p95].metric.target.op",
        None,
        "Input should be",
    ),
    ("empty file", lambda t: "", "title", None, "Field required"),
]


@pytest.mark.parametrize(
    ("name", "transform", "key", "line_text", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_checklist(tmp_path: Path, name, transform, key, line_text, message) -> None:
    text = transform(PROBED)
    path = write(tmp_path, text)
    with pytest.raises(LoadError) as info:
        load_checklist(path)
    err = info.value
    assert err.path == str(path)
    assert err.key == key
    assert message in err.message
    if line_text is not None:
        assert err.line == line_of(text, line_text), str(err)
    assert str(err).startswith(f"{path}:")


def test_duplicate_item_id_names_the_second_ones_line_and_key(tmp_path: Path) -> None:
    text = PROBED.replace('id = "rollback"', 'id = "cluster"')
    path = write(tmp_path, text)
    with pytest.raises(LoadError) as info:
        load_checklist(path)
    first, second = line_of(PROBED, 'id = "cluster"'), line_of(PROBED, 'id = "rollback"')
    assert (
        info.value.line == second
        and info.value.key == "section[go-live].subsection[infra].item[cluster].id"
    )
    assert (
        info.value.message
        == f"duplicate id 'go-live.infra.cluster' (first defined at line {first})"
    )


def test_the_valid_base_loads(tmp_path: Path) -> None:
    assert (
        load_checklist(write(tmp_path, PROBED)).item("go-live.infra.cluster").probe[0].kind
        == "test.zones"
    )


def test_non_utf8_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(LoadError, match="cannot read"):
        load_checklist(path)
    with pytest.raises(LoadError, match="file not found"):
        load_checklist(tmp_path / "nope.toml")


def test_profile_unknown_key_wrong_type_and_bad_toml(tmp_path: Path) -> None:
    text = '[target]\nnamespace = "prod"\nnamespaces = ["a"]\n'
    with pytest.raises(LoadError) as info:
        load_profile(write(tmp_path, text, "p.toml"))
    assert (
        info.value.key == "target.namespaces"
        and info.value.line == 3
        and info.value.message == "unknown key"
    )
    with pytest.raises(LoadError) as info:
        load_profile(write(tmp_path, "[run]\nconcurrency = 0\n", "p2.toml"))
    assert info.value.key == "run.concurrency" and info.value.line == 2
    with pytest.raises(LoadError) as info:
        load_profile(write(tmp_path, "[aws\nregion='x'\n", "p3.toml"))
    assert info.value.line == 1 and "invalid TOML" in info.value.message


def test_set_override_with_wrong_type_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as info:
        load_profile(None, ["run.timeout=soon"])
    assert info.value.key == "run.timeout"
    with pytest.raises(GoliveError, match="expected key=value"):
        load_profile(None, ["run.timeout"])
    assert load_profile(
        None, ['target.services=["a", "b"]', "aws.region=eu-west-1"]
    ).target.services == ["a", "b"]


def test_cli_exits_2_on_a_malformed_checklist(tmp_path: Path) -> None:
    path = write(tmp_path, MINI.replace('owner = "Ops"', "owner = ["))
    result = subprocess.run(
        [sys.executable, "-m", "golive_tui", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"golive: error: {path}:")
    assert "Traceback" not in result.stderr
