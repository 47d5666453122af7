"""The built wheel, installed as a user would: a fresh venv, no project on sys.path, run from an
empty directory.

Built with `uv build --wheel`, installed with uv from the locked versions (uv's cache makes
it quick). First without extras — `golive demo` and `golive serve` must name the extra to
install, in one line — then with the `demo` extra for a headless demo.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("uv is not on PATH: ./scripts/test installs it")
    return uv


def _uv_env() -> dict[str, str]:
    """The real user's environment for uv (the autouse fixture moved HOME, and with it uv's
    cache)."""
    return {**os.environ, "HOME": pwd.getpwuid(os.getuid()).pw_dir}


def run_uv(*args: str, cwd: Path = REPO) -> str:
    result = subprocess.run(
        [_uv(), *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=_uv_env()
    )
    assert result.returncode == 0, f"uv {' '.join(args)}: {result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel built from this checkout and a venv with it installed (no extras yet)."""
    root = tmp_path_factory.mktemp("wheel")
    run_uv("build", "--wheel", "--out-dir", str(root / "dist"), "--quiet", str(REPO))
    wheels = list((root / "dist").glob("golive-*.whl"))
    assert len(wheels) == 1, wheels
    for extra in ("", "demo"):  # the locked versions, so the install comes from uv's cache
        run_uv(
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-hashes",
            "--quiet",
            *(["--extra", extra] if extra else []),
            "-o",
            str(root / f"requirements{'-' + extra if extra else ''}.txt"),
        )
    base = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    )
    run_uv(
        "venv",
        "--quiet",
        "--python",
        str(base if base.exists() else sys.executable),
        str(root / "venv"),
    )
    python = root / "venv" / "bin" / "python"
    run_uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        str(python),
        "-r",
        str(root / "requirements.txt"),
        str(wheels[0]),
    )
    empty = root / "empty"
    empty.mkdir()
    return {
        "root": root,
        "wheel": wheels[0],
        "python": python,
        "golive": root / "venv" / "bin" / "golive",
        "empty": empty,
    }


def user(
    installed: dict[str, Path], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run the installed golive from the empty directory with a user's bare environment."""
    home = installed["root"] / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": f"{installed['golive'].parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(installed["root"]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [str(installed["golive"]), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=installed["empty"],
        env=env,
    )


def test_the_wheel_works_from_an_empty_directory(installed: dict[str, Path]) -> None:
    where = subprocess.run(
        [
            str(installed["python"]),
            "-c",
            "import golive_tui, sys; print(golive_tui.__file__); print(sys.path)",
        ],
        capture_output=True,
        text=True,
        cwd=installed["empty"],
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    module = Path(where.stdout.splitlines()[0])
    assert module.is_relative_to(installed["root"] / "venv"), (
        where.stdout
    )  # the installed copy, not this checkout
    assert str(REPO) not in where.stdout
    assert (
        module.parent / "tui" / "golive.tcss"
    ).is_file()  # the cockpit's styles travel with the package
    assert (module.parent / "data" / "checklists" / "production.toml").is_file()
    version = user(installed, "--version")
    assert version.returncode == 0 and version.stdout.strip() == "golive 0.1.0", version.stderr
    validate = user(installed, "validate")
    assert validate.returncode == 0, validate.stderr
    assert (
        "site-packages/golive_tui/data/checklists/production.toml: ok — 6 sections, 129 items"
        in validate.stdout
    )
    assert user(installed, "checklists").stdout.startswith("production ")
    status = user(installed, "status", "--format", "json")
    assert status.returncode == 1, status.stderr  # NO-GO on a fresh record
    record = json.loads(status.stdout)
    assert (
        record["checklist"] == "Autolytiq production go-live"
        and record["decision"]["label"] == "NO-GO"
    )
    report = user(installed, "report", "--format", "html")
    assert report.returncode == 0, report.stderr
    assert (
        report.stdout.lstrip().lower().startswith("<!doctype html")
        and "Autolytiq production go-live" in report.stdout
    )


def test_a_missing_extra_names_the_install_command(installed: dict[str, Path]) -> None:
    for command, extra in ((["demo", "--headless", "--", "status"], "demo"), (["serve"], "serve")):
        result = user(installed, *command)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert (
            f"uv tool install 'golive[{extra}]'" in lines[0]
            and f"pip install 'golive[{extra}]'" in lines[0]
        )
    keyring_alt = subprocess.run(
        [str(installed["python"]), "-c", "import keyrings.alt"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=installed["empty"],
    )
    assert (
        keyring_alt.returncode == 1 and "No module named 'keyrings'" in keyring_alt.stderr
    )  # never the plaintext keyring


def test_the_demo_extra_runs_the_demo_headless(installed: dict[str, Path]) -> None:
    run_uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        str(installed["python"]),
        "-r",
        str(installed["root"] / "requirements-demo.txt"),
        f"{installed['wheel']}[demo]",
    )
    demo = user(installed, "demo", "--headless", "--", "status", timeout=240)
    assert demo.returncode == 1, demo.stderr[-2000:]  # the demo's record starts NO-GO
    assert (
        "DECISION: NO-GO" in demo.stdout
        and "every server stopped; its temporary folder is removed" in demo.stderr
    )
    assert not list(
        installed["root"].glob("golive-demo-*")
    )  # its kubeconfig token, moto keys and CA are gone
